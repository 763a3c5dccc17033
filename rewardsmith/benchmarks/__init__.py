"""Declarative benchmark suites and the shared runner behind ``rewardsmith bench``.

    from rewardsmith.benchmarks import BenchConfig, run_bench, Suite, DataSource

A suite is data (:class:`Suite`); plugins add suites through the ``rewardsmith_bench_suites`` hook.
Importing this package is light: data, models and plotting load when a run needs them.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Suite", "DataSource", "Task", "BenchConfig", "run_bench", "available_suites", "get_suite",
           "pass_at_k", "majority_correct"]

_WHERE = {"Suite": "suite", "DataSource": "suite", "Task": "suite", "available_suites": "suite",
          "get_suite": "suite", "BenchConfig": "config", "run_bench": "bench",
          "pass_at_k": "metrics", "majority_correct": "metrics"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"rewardsmith.benchmarks.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'rewardsmith.benchmarks' has no attribute {name!r}")
