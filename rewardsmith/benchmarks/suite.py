"""A benchmark suite is data: where the rows come from, how a row becomes a prompt, which reward
scores a completion, and which row fields the reward reads.

:class:`Suite` and :class:`DataSource` are defined in :mod:`rewardsmith.core.suite` (the hook spec
names them) and re-exported here. Built-in suites live in :mod:`rewardsmith.benchmarks.suites`; a
plugin adds its own by returning :class:`Suite` objects from the ``rewardsmith_bench_suites`` hook.
The runner (:mod:`rewardsmith.benchmarks.runner`) is shared by every suite.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from rewardsmith.core.errors import PluginError, UsageError, did_you_mean
from rewardsmith.core.suite import DataSource, Suite

__all__ = ["DataSource", "Suite", "Task", "render_prompt", "available_suites", "get_suite"]


@dataclass
class Task:
    """One problem of a suite: its id, the prompt text, and the reward columns."""

    id: str
    index: int
    prompt: str
    columns: dict[str, Any]
    row: dict[str, Any] = field(default_factory=dict, repr=False)


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def render_prompt(template: str, row: Mapping[str, Any]) -> str:
    """Fill ``template`` with a row's fields; list values become one item per line.

    >>> render_prompt("{text}\\n{tests}", {"text": "Add.", "tests": ["assert f(1)", "assert f(2)"]})
    'Add.\\nassert f(1)\\nassert f(2)'
    """
    values = _Fields({k: "\n".join(map(str, v)) if isinstance(v, (list, tuple)) else v
                      for k, v in row.items()})
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise UsageError(f"prompt template needs field {exc.args[0]!r}; the rows have: "
                         f"{', '.join(sorted(row))}") from None


def available_suites(plugin_manager: Any = None) -> dict[str, tuple[Suite, str]]:
    """Every suite the installed plugins provide: name -> (suite, plugin name).

    Two plugins declaring one name is a :class:`PluginError` naming both.
    """
    if plugin_manager is None:
        from rewardsmith.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    out: dict[str, tuple[Suite, str]] = {}
    for plugin, suite in plugin_manager.collect("rewardsmith_bench_suites"):
        if not isinstance(suite, Suite):
            raise PluginError(f"plugin {plugin!r} returned {suite!r} from rewardsmith_bench_suites; "
                              "expected a rewardsmith.benchmarks.suite.Suite")
        if suite.name in out:
            raise PluginError(f"suite {suite.name!r} is provided by plugins {out[suite.name][1]!r} "
                              f"and {plugin!r}; uninstall one of them")
        out[suite.name] = (suite, plugin)
    return out


def get_suite(name: str, plugin_manager: Any = None) -> Suite:
    """The suite called ``name``; UsageError with a suggestion and the list when unknown."""
    suites = available_suites(plugin_manager)
    if name not in suites:
        raise UsageError(f"Unknown suite {name!r}.{did_you_mean(name, suites)} "
                         f"Available: {', '.join(sorted(suites)) or 'none'}")
    return suites[name][0]
