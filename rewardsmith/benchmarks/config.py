"""Settings of one ``rewardsmith bench`` run. The field help is the only copy of the docs: the CLI
builds its options from these fields."""
from __future__ import annotations

from dataclasses import dataclass, field

from rewardsmith.core.execution import EXECUTOR_HELP

__all__ = ["BenchConfig"]


@dataclass
class BenchConfig:
    """What to evaluate, how to sample, and where to write."""

    suites: list[str] = field(default_factory=list, metadata={
        "help": "suites to run, comma separated (see --list)", "flag": "--suite", "metavar": "NAME[,NAME]"})
    models: list[str] = field(default_factory=list, metadata={
        "help": "model to generate with: a hub id, a local folder, a .gguf file, or "
                "'smollm2-135m-instruct' (packaged; the default when neither --model nor "
                "--completions is given); repeat for a side-by-side table", "flag": "--model",
        "metavar": "M"})
    completions: list[str] = field(default_factory=list, metadata={
        "help": "score completions from another system instead of generating: a JSONL file of "
                "{\"id\": TASK_ID, \"completion\": TEXT} rows (add \"suite\" when several suites run); "
                "several rows per id give pass@k; repeatable", "flag": "--completions", "metavar": "FILE"})
    limit: int | None = field(default=None, metadata={"help": "evaluate only the first N tasks of each suite"})
    samples: int = field(default=1, metadata={"help": "completions per task (k of pass@k and maj@k)"})
    temperature: float | None = field(default=None, metadata={
        "help": "sampling temperature (default: 0 = greedy for one sample, 0.8 for several)"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling mass"})
    max_new_tokens: int | None = field(default=None, metadata={
        "help": "generation budget per completion (default: the suite's, 256-1024)"})
    batch_size: int = field(default=8, metadata={
        "help": "prompts generated per batch; the cache is saved after each batch"})
    seed: int = field(default=0, metadata={"help": "sampling seed, and the task set of 'procedural'"})
    data_dir: str | None = field(default=None, metadata={
        "help": "folder with local benchmark files (gsm8k/test.jsonl, math/math500_test.jsonl, "
                "mbpp/mbpp.jsonl); default $REWARDSMITH_DATA_DIR, else packaged data or the hub",
        "metavar": "DIR"})
    output_dir: str = field(default="bench-results", metadata={
        "help": "where results.json, results.md, results.png, per-sample files and the generation "
                "cache go", "metavar": "DIR"})
    fresh: bool = field(default=False, metadata={"help": "ignore cached generations and generate again"})
    device: str = field(default="auto", metadata={"help": "auto, cpu, cuda, cuda:1, ..."})
    dtype: str = field(default="auto", metadata={"help": "auto, float32, bfloat16 or float16"})
    executor: str = field(default="local", metadata={"help": EXECUTOR_HELP, "metavar": "EXECUTOR"})

    def __post_init__(self) -> None:
        self.suites = [s.strip() for item in self.suites for s in item.split(",") if s.strip()]
        if not self.suites:
            raise ValueError("name at least one suite, e.g. --suite gsm8k (see --list)")
        if self.samples < 1:
            raise ValueError("--samples must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise ValueError("--limit must be at least 1")
        if self.batch_size < 1:
            raise ValueError("--batch-size must be at least 1")
        if self.temperature is not None and self.temperature < 0:
            raise ValueError("--temperature must be >= 0")
        if self.samples > 1 and self.temperature == 0:
            raise ValueError("--samples > 1 with --temperature 0 gives identical samples; "
                             "use a temperature > 0 (e.g. 0.8)")
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            raise ValueError("--max-new-tokens must be at least 1")
        if not 0 < self.top_p <= 1:
            raise ValueError("--top-p must be in (0, 1]")
        if not self.models and not self.completions:
            from rewardsmith.models.loading import DEFAULT_MODEL
            self.models = [DEFAULT_MODEL]

    @property
    def sampling_temperature(self) -> float:
        """The temperature actually used."""
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.samples == 1 else 0.8
