"""The benchmark-suite type the host knows: a :class:`Suite` is data (where the rows come from, how a
row becomes a prompt, which reward scores a completion, which row fields the reward reads).

It lives in core because the ``rewardsmith_bench_suites`` hook returns it; the runner, the built-in
suites and the lookup by name are in :mod:`rewardsmith.benchmarks`, which re-exports both classes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Mapping

__all__ = ["DataSource", "Suite"]


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
    description: str = field(default="", metadata={"help": "one line for 'rewardsmith bench --list'"})
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
