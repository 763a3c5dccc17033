"""Generation cache: the completions of a (model, suite, sampling settings) run, one JSON line per
task, appended and fsynced after every batch. Re-running the same command reads them back and
generates only the tasks that are missing, so an interrupted run resumes where it stopped.

A line whose prompt hash differs from the task's current prompt is ignored (the data or the
template changed); a torn last line (the process died mid-write) is ignored too.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = ["CachedTask", "GenerationCache", "cache_key", "prompt_hash"]

log = logging.getLogger("rewardsmith")


@dataclass
class CachedTask:
    """The stored generations of one task."""

    id: str
    prompt_sha: str
    completions: list[str]
    tokens: list[int | None] = field(default_factory=list)
    seconds: float = 0.0


def prompt_hash(prompt: Any) -> str:
    """A short hash of a prompt (text or chat messages)."""
    blob = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cache_key(**parts: Any) -> str:
    """A short hash of the settings that change generations.

    >>> cache_key(model="m", temperature=0.0) == cache_key(temperature=0.0, model="m")
    True
    """
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.")[:80] or "model"


class GenerationCache:
    """Completions of one (model, suite, settings) combination in ``folder``.

    Args:
        folder: the cache root; the file is ``folder/<model>/<suite>-<key>.jsonl``.
        model: the model's name (only used to name the sub-folder).
        suite: the suite's name.
        key: :func:`cache_key` of everything else that changes generations.
    """

    def __init__(self, folder: str | os.PathLike, model: str, suite: str, key: str) -> None:
        self.path = Path(folder) / _slug(model) / f"{_slug(suite)}-{key}.jsonl"

    def load(self, prompts: Mapping[str, str], samples: int) -> dict[str, CachedTask]:
        """Cached tasks with at least ``samples`` completions and an unchanged prompt hash.

        Args:
            prompts: task id -> prompt hash of the current tasks.
            samples: completions needed per task.
        """
        found: dict[str, CachedTask] = {}
        if not self.path.is_file():
            return found
        with open(self.path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                try:
                    rec = CachedTask(**json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    log.warning("%s:%d: unreadable cache line ignored", self.path, lineno)
                    continue
                if prompts.get(rec.id) == rec.prompt_sha and len(rec.completions) >= samples:
                    found[rec.id] = rec
        return found

    def append(self, records: Iterable[CachedTask]) -> None:
        """Append records and make them durable before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(r.__dict__, ensure_ascii=False) + "\n" for r in records)
        if not lines:
            return
        with open(self.path, "a+b") as fh:
            if fh.tell() > 0:  # a torn last line (killed mid-write) must not swallow this record
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    lines = "\n" + lines
            fh.write(lines.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
