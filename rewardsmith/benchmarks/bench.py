"""``run_bench``: every (model or completions file) x suite of a :class:`BenchConfig`, then the
result files. This is what ``rewardsmith bench`` calls; it is usable from Python too::

    from rewardsmith.benchmarks import BenchConfig, run_bench
    runs, paths = run_bench(BenchConfig(suites=["gsm8k"], limit=20, data_dir="data"))
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from rewardsmith.benchmarks.config import BenchConfig
from rewardsmith.benchmarks.data import load_tasks
from rewardsmith.benchmarks.report import write_results
from rewardsmith.benchmarks.runner import SuiteRun, run_completions, run_generated
from rewardsmith.benchmarks.suite import Suite, Task, get_suite

__all__ = ["run_bench", "ModelLoader"]

log = logging.getLogger("rewardsmith")

#: (model name, config) -> (model, tokenizer); replaceable in tests
ModelLoader = Callable[[str, BenchConfig], tuple[Any, Any]]


def _load_model(name: str, cfg: BenchConfig) -> tuple[Any, Any]:
    from rewardsmith.models.loading import load_model_and_tokenizer
    return load_model_and_tokenizer(name, dtype=cfg.dtype, device=cfg.device)


class _LazyModel:
    """Loads a model on first use (a fully cached run never loads it), once for all suites."""

    def __init__(self, name: str, cfg: BenchConfig, loader: ModelLoader) -> None:
        self.name, self.cfg, self.loader = name, cfg, loader
        self.loaded: tuple[Any, Any] | None = None

    def generator(self) -> Any:
        from rewardsmith.models.generation import HFGenerator

        if self.loaded is None:
            self.loaded = self.loader(self.name, self.cfg)
        model, tokenizer = self.loaded
        return HFGenerator(model, tokenizer, seed=self.cfg.seed)


def _suite_tasks(suite: Suite, cfg: BenchConfig, everything: bool) -> list[Task]:
    # completions files may name any task, so they see the whole suite (then --limit applies)
    limit = None if everything and suite.source.generator is None else cfg.limit
    return load_tasks(suite, cfg.data_dir, limit, cfg.seed)


def _completion_runs(cfg: BenchConfig, suites: dict[str, Suite], rewards: dict[str, Any],
                     progress: Callable[..., Any]) -> list[SuiteRun]:
    from rewardsmith.benchmarks.completions import read_completions

    if not cfg.completions:
        return []
    table = {name: (s, _suite_tasks(s, cfg, everything=True)) for name, s in suites.items()}
    runs = []
    for path in cfg.completions:
        matched = read_completions(path, table)
        label = Path(path).stem
        for name, (suite, tasks) in table.items():
            texts = matched[name]
            if cfg.limit:
                texts = {t.id: texts[t.id] for t in tasks[:cfg.limit] if t.id in texts}
            if not texts:
                log.warning("%s has no completions for suite %s (within --limit)", path, name)
                continue
            runs.append(run_completions(label, suite, tasks, texts, cfg, progress, rewards[name]))
    return runs


def run_bench(cfg: BenchConfig, *, progress_enabled: bool | None = None,
              model_loader: ModelLoader = _load_model) -> tuple[list[SuiteRun], dict[str, Path]]:
    """Evaluate every system on every suite and write the result files.

    Args:
        cfg: the run's settings.
        progress_enabled: show progress bars (default: when stderr is a terminal).
        model_loader: loads ``(model, tokenizer)`` for a ``--model`` name.

    Returns:
        The runs (one per system and suite) and the paths of the files written.
    """
    from functools import partial

    from rewardsmith.core.execution import get_executor
    from rewardsmith.core.progress import progress as _progress

    progress = partial(_progress, enabled=progress_enabled)
    suites = {name: get_suite(name) for name in cfg.suites}
    with get_executor(cfg.executor) as executor:
        return _run(cfg, suites, executor, progress, model_loader)


def _run(cfg: BenchConfig, suites: dict[str, Suite], executor: Any, progress: Any,
         model_loader: ModelLoader) -> tuple[list[SuiteRun], dict[str, Path]]:
    from rewardsmith.core.compose import load_reward

    # every reward is loaded (and bound to the executor) before generating: a bad spec fails first
    rewards = {name: executor.bind(load_reward(s.reward)) for name, s in suites.items()}
    # every suite's data is loaded before any model runs: a missing file fails in seconds
    tasks = {name: _suite_tasks(s, cfg, everything=False) for name, s in suites.items()} if cfg.models else {}
    runs = _completion_runs(cfg, suites, rewards, progress)
    for model_name in cfg.models:
        lazy = _LazyModel(model_name, cfg, model_loader)
        for name, suite in suites.items():
            runs.append(run_generated(model_name, suite, tasks[name], lazy.generator, cfg, progress,
                                      rewards[name]))
    config = {**dataclasses.asdict(cfg), "temperature": cfg.sampling_temperature}
    return runs, write_results(_ordered(runs, cfg), cfg.output_dir, config)


def _ordered(runs: Sequence[SuiteRun], cfg: BenchConfig) -> list[SuiteRun]:
    """Models first (in --model order), then completions files; suites in --suite order."""
    systems = list(cfg.models) + [Path(p).stem for p in cfg.completions]
    return sorted(runs, key=lambda r: (cfg.suites.index(r.suite), systems.index(r.system)))
