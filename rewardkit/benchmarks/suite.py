"""A benchmark suite is data: where the rows come from, how a row becomes a prompt, which reward
scores a completion, and which row fields the reward reads.

Built-in suites live in :mod:`rewardkit.benchmarks.suites`; a plugin adds its own by returning
:class:`Suite` objects from the ``rewardkit_bench_suites`` hook. The runner
(:mod:`rewardkit.benchmarks.runner`) is shared by every suite.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from rewardkit.core.errors import PluginError, UsageError, did_you_mean

__all__ = ["DataSource", "Suite", "Task", "render_prompt", "available_suites", "get_suite"]


@dataclass(frozen=True)
class DataSource:
    """Where a suite's rows come from. The first source that is available wins, in this order:
    a file under ``--data-dir``, the packaged loader, the ``datasets`` hub."""

    local: tuple[str, ...] = field(default=(), metadata={
        "help": "file names relative to --data-dir (.jsonl, .json or .parquet); the first that exists is used"})
    local_range: tuple[str, int, int] | None = field(default=None, metadata={
        "help": "(column, low, high): keep local rows whose column lies in [low, high], e.g. MBPP's "
                "test split is task_id 11..510 of the full file"})
    packaged: str | None = field(default=None, metadata={
        "help": "'module:function' returning the rows (a list of dicts) from an installed package"})
    hub: str | None = field(default=None, metadata={"help": "datasets hub id, e.g. 'openai/gsm8k'"})
    hub_config: str | None = field(default=None, metadata={"help": "hub dataset configuration, e.g. 'main'"})
    generator: str | None = field(default=None, metadata={
        "help": "'module:function(n, seed)' that builds rows procedurally (no data needed)"})


@dataclass(frozen=True)
class Suite:
    """One benchmark, declared as data.

    >>> s = Suite(name="toy", source=DataSource(generator="m:f"), prompt_template="Q: {q}",
    ...           columns={"answer": "a"}, reward="math")
    >>> s.fingerprint() == Suite(**{**s.__dict__}).fingerprint()
    True
    """

    name: str = field(metadata={"help": "suite name used on the command line"})
    source: DataSource = field(metadata={"help": "where the rows come from"})
    prompt_template: str = field(metadata={
        "help": "str.format template over a row's fields; list values are joined with newlines"})
    columns: Mapping[str, str] = field(metadata={
        "help": "reward column -> row field, e.g. {'answer': 'answer'}, or a template over fields "
                "(rendered like the prompt), e.g. {'tests': '{test_setup_code}\\n{test_list}'}"})
    reward: str = field(metadata={"help": "reward spec that scores a completion, e.g. 'math' or 'code(timeout=10)'"})
    version: str = field(default="1", metadata={
        "help": "bump when the prompt or scoring changes; part of the generation cache key"})
    split: str = field(default="test", metadata={"help": "dataset split (hub source)"})
    id_column: str | None = field(default=None, metadata={
        "help": "row field holding the task id (HumanEval/0, an MBPP task_id); None: the row index"})
    index_ids: bool = field(default=True, metadata={
        "help": "also accept the row index as a task id in --completions files"})
    description: str = field(default="", metadata={"help": "one line for 'rewardkit bench --list'"})
    system_prompt: str | None = field(default=None, metadata={"help": "system message for chat models"})
    max_new_tokens: int = field(default=512, metadata={"help": "default generation budget per completion"})
    stop: tuple[str, ...] = field(default=(), metadata={"help": "strings that end a completion"})
    majority_vote: bool = field(default=True, metadata={
        "help": "report maj@k (answers are compared after extraction); off for code"})
    pass_threshold: float = field(default=1.0, metadata={"help": "a sample is correct when its reward >= this"})
    prepend_prompt_field: str | None = field(default=None, metadata={
        "help": "row field (e.g. HumanEval's 'prompt') put in front of a completion that does not define "
                "the entry point itself, so a body-only completion becomes a whole program"})

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"suite name {self.name!r} must be letters, digits, '-' or '_'")
        if not self.columns:
            raise ValueError(f"suite {self.name!r}: columns must name the fields the reward reads")

    def fingerprint(self) -> str:
        """A short hash of everything that changes what is generated or how it is scored."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


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
        from rewardkit.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    out: dict[str, tuple[Suite, str]] = {}
    for plugin, suite in plugin_manager.collect("rewardkit_bench_suites"):
        if not isinstance(suite, Suite):
            raise PluginError(f"plugin {plugin!r} returned {suite!r} from rewardkit_bench_suites; "
                              "expected a rewardkit.benchmarks.suite.Suite")
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
