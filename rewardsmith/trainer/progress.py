"""The live display: a rich progress bar with the latest figures on a terminal, one line per step
elsewhere (so ``nohup grpo-train ... > log`` stays readable)."""
from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["StepProgress", "summary_line"]

_SHOWN = (("reward_mean", "reward", "{:.3f}"), ("accuracy", "acc", "{:.2f}"),
          ("eval_accuracy", "eval_acc", "{:.2f}"), ("held_out", "held_out", "{:.3f}"),
          ("kl", "kl", "{:.4f}"), ("entropy", "ent", "{:.2f}"),
          ("completion_len_mean", "len", "{:.0f}"), ("time_step", "s/step", "{:.1f}"))


def summary_line(metrics: dict[str, Any]) -> str:
    """``reward 0.412  acc 0.31  len 54 ...`` for the figures present."""
    parts = []
    for key, name, fmt in _SHOWN:
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{name} {fmt.format(value)}")
    return "  ".join(parts)


class StepProgress:
    """``update(step, metrics)`` after each step; ``message(text)`` for warnings; use as a context."""

    def __init__(self, total: int, start: int = 0, enabled: bool = True) -> None:
        self.total, self.start = total, start
        self.live = enabled and sys.stderr.isatty()
        self.quiet = not enabled
        self._bar: Any = None
        self._t0 = time.perf_counter()

    def __enter__(self) -> "StepProgress":
        if self.live:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(TextColumn("[bold]grpo[/bold]"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(),
                                 TextColumn("{task.fields[figures]}"), console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("train", total=self.total, completed=self.start,
                                            figures="generating...")
        return self

    def update(self, step: int, metrics: dict[str, Any]) -> None:
        line = summary_line(metrics)
        if self._bar is not None:
            self._bar.update(self._task, completed=step, figures=line)
        elif not self.quiet:
            elapsed = time.perf_counter() - self._t0
            print(f"step {step}/{self.total}  {line}  [{elapsed:.0f}s]", file=sys.stderr, flush=True)

    def status(self, text: str) -> None:
        """What the run is doing (before the first step line); silent with ``--no-progress``."""
        if not self.quiet:
            self.message(text)

    def message(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text)
        else:
            print(text, file=sys.stderr, flush=True)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()
