"""Built-in plugin that contributes the standard suites to ``rewardsmith bench``.

It is registered like any third-party plugin, as the entry point ``benchmarks`` in the group
``rewardsmith.plugins``; a third party adds suites the same way, returning :class:`Suite` objects.
"""
from __future__ import annotations

from rewardsmith import hookimpl


@hookimpl
def rewardsmith_bench_suites():
    """gsm8k, math500, humaneval, mbpp and procedural."""
    from rewardsmith.benchmarks.suites import BUILTIN_SUITES
    return list(BUILTIN_SUITES)
