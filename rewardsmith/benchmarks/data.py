"""Rows of a suite: from a local file (``--data-dir``), an installed package, a generator, or the
``datasets`` hub, in that order; and the :class:`Task` objects the runner works on.

No source available is a :class:`UsageError` that says how to get the data.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from rewardsmith.benchmarks.suite import Suite, Task, render_prompt
from rewardsmith.core.errors import UsageError

__all__ = ["DATA_DIR_ENV", "load_rows", "load_tasks", "read_table", "resolve_callable"]

log = logging.getLogger("rewardsmith")

#: default for --data-dir
DATA_DIR_ENV = "REWARDSMITH_DATA_DIR"


def resolve_callable(target: str) -> Callable[..., Any]:
    """Import ``'module:function'``."""
    module, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"cannot load {target!r}: {exc}") from None


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl, .json (an array) or .parquet file."""
    if path.suffix == ".parquet":
        import datasets
        return list(datasets.Dataset.from_parquet(str(path)))
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise UsageError(f"{path}: expected a JSON array of rows")
        return rows
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: invalid JSONL ({exc.msg})") from None


def _local_rows(suite: Suite, data_dir: str | None) -> list[dict[str, Any]] | None:
    if not data_dir or not suite.source.local:
        return None
    for name in suite.source.local:
        path = Path(data_dir).expanduser() / name
        if path.is_file():
            rows = read_table(path)
            if suite.source.local_range:
                col, low, high = suite.source.local_range
                rows = [r for r in rows if low <= int(r[col]) <= high]
            log.info("suite %s: %d rows from %s", suite.name, len(rows), path)
            return rows
    return None


def _hub_reachable(timeout: float = 3.0) -> bool:
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    old = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(timeout)
        socket.getaddrinfo(host, 443)
        return True
    except OSError:
        return False
    finally:
        socket.setdefaulttimeout(old)


def _hub_cached(hub_id: str) -> bool:
    root = Path(os.environ.get("HF_DATASETS_CACHE") or
                Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "datasets")
    return (root / hub_id.replace("/", "___")).exists()


def _hub_rows(suite: Suite) -> list[dict[str, Any]]:
    src = suite.source
    offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
    if (offline or not _hub_reachable()) and not _hub_cached(src.hub):
        raise UsageError(_no_data_message(suite, "the hub is not reachable from here"))
    try:
        import datasets
    except ImportError:
        raise UsageError(_no_data_message(suite, "the 'datasets' package is missing "
                                                 "(pip install 'rewardsmith[train]')")) from None
    try:
        ds = datasets.load_dataset(src.hub, src.hub_config, split=suite.split)
    except Exception as exc:  # noqa: BLE001 - any hub failure becomes advice, not a traceback
        raise UsageError(_no_data_message(suite, f"{type(exc).__name__}: {str(exc).splitlines()[0]}")) from None
    return [dict(r) for r in ds]


def _no_data_message(suite: Suite, why: str) -> str:
    ways = []
    if suite.source.local:
        ways.append(f"pass --data-dir DIR holding {' or '.join(suite.source.local)} "
                    f"(or set {DATA_DIR_ENV})")
    if suite.source.hub:
        ways.append(f"connect to the network so 'datasets' can fetch {suite.source.hub!r}")
    return f"no data for suite {suite.name!r} ({why}); to fix: {'; or '.join(ways)}"


def load_rows(suite: Suite, data_dir: str | None = None, limit: int | None = None,
              seed: int = 0) -> list[dict[str, Any]]:
    """The suite's rows from the first available source (see :class:`DataSource`)."""
    src = suite.source
    data_dir = data_dir or os.environ.get(DATA_DIR_ENV) or None
    if data_dir and not Path(data_dir).expanduser().is_dir():
        raise UsageError(f"--data-dir {data_dir!r} is not a folder")
    rows = _local_rows(suite, data_dir)
    if rows is None and src.packaged:
        rows = list(resolve_callable(src.packaged)())
    if rows is None and src.generator:
        rows = list(resolve_callable(src.generator)(limit or 100, seed))
    if rows is None and src.hub:
        rows = _hub_rows(suite)
    if rows is None:
        raise UsageError(_no_data_message(suite, "no source is available"))
    return rows[:limit] if limit else rows


def load_tasks(suite: Suite, data_dir: str | None = None, limit: int | None = None,
               seed: int = 0) -> list[Task]:
    """The suite's tasks: prompt rendered, reward columns picked, ids assigned."""
    tasks = []
    for i, row in enumerate(load_rows(suite, data_dir, limit, seed)):
        missing = [f for f in [*suite.columns.values(), suite.id_column]
                   if f and "{" not in f and f not in row]
        if missing:
            raise UsageError(f"suite {suite.name!r}: row {i} lacks field(s) {', '.join(missing)}; "
                             f"it has {', '.join(sorted(row))}")
        task_id = str(row[suite.id_column]) if suite.id_column else str(i)
        # a column given as a template ("{setup}\n{asserts}") is rendered; else it names a field
        columns = {col: render_prompt(f, row) if "{" in f else row[f] for col, f in suite.columns.items()}
        tasks.append(Task(task_id, i, render_prompt(suite.prompt_template, row), columns, row))
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):
        raise UsageError(f"suite {suite.name!r}: task ids in column {suite.id_column!r} are not unique")
    return tasks
