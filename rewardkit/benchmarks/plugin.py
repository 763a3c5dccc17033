"""Built-in plugin that contributes the standard suites to ``rewardkit bench``.

It is registered like any third-party plugin, as the entry point ``benchmarks`` in the group
``rewardkit.plugins``; a third party adds suites the same way, returning :class:`Suite` objects.
"""
from __future__ import annotations

from rewardkit import hookimpl


@hookimpl
def rewardkit_bench_suites():
    """gsm8k, math500, humaneval, mbpp and procedural."""
    from rewardkit.benchmarks.suites import BUILTIN_SUITES
    return list(BUILTIN_SUITES)
