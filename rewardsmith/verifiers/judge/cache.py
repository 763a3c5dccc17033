"""A persistent cache of judge replies, keyed by (model, rubric fingerprint, request).

One SQLite file; safe across threads (one connection per call) and processes (SQLite locking).
Only complete replies are stored (never a transport error), so a re-run asks only for what failed.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Mapping

from rewardsmith.verifiers.judge.verdicts import Reply

__all__ = ["ReplyCache", "request_key", "default_cache_path"]


def default_cache_path() -> Path:
    """``$REWARDSMITH_CACHE/judge/replies.sqlite`` (default ``~/.cache/rewardsmith/...``)."""
    from rewardsmith.models.loading import cache_root
    return cache_root() / "judge" / "replies.sqlite"


def request_key(model: str, rubric: str, request: Mapping[str, Any]) -> str:
    """The cache key of one request: a hash of the model, the rubric fingerprint and the request.

    >>> request_key("m", "equivalence@1", {"a": 1}) == request_key("m", "equivalence@1", {"a": 1})
    True
    >>> request_key("m", "equivalence@1", {"a": 1}) == request_key("m", "equivalence@2", {"a": 1})
    False
    """
    blob = json.dumps({"model": model, "rubric": rubric, "request": request}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ReplyCache:
    """Replies by key in the SQLite file ``path`` (created with its folder)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, model TEXT, "
                       "rubric TEXT, reply TEXT)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30.0)

    def get_many(self, keys: list[str]) -> dict[str, Reply]:
        out: dict[str, Reply] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                rows = db.execute(f"SELECT key, reply FROM replies WHERE key IN ({','.join('?' * len(part))})",
                                  part).fetchall()
                out.update({k: Reply.from_json(json.loads(v)) for k, v in rows})
        return out

    def put_many(self, items: list[tuple[str, str, str, Reply]]) -> None:
        """Store (key, model, rubric, reply) rows."""
        if not items:
            return
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?)",
                           [(k, m, r, json.dumps(rep.to_json())) for k, m, r, rep in items])
