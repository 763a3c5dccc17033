"""Progress bars on a terminal, silence elsewhere (CI logs, pipes)."""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

__all__ = ["progress"]


@contextlib.contextmanager
def progress(total: int, description: str, enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``. Shows a rich bar on stderr when it is a terminal (or ``enabled``)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
