"""Rows in, scored rows out: the JSONL shape shared by ``rewardsmith score``, the server and Ray.

A row is a JSON object with ``completion`` (a string or chat messages, required), an optional
``prompt``, an optional ``group`` (used by ``normalize_then_sum``; rows sharing a prompt form a group
otherwise), and whatever columns the rewards need (``answer``, ``tests``, ...). Scoring adds
``reward`` (float or null) and ``rewards`` (component label -> float or null) to each row, and
``reward_errors`` when a component failed (and ``reward_details`` on request).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Iterator, Sequence

from rewardsmith.core.atomic import atomic_write
from rewardsmith.core.compose import BatchResult, ComposedReward
from rewardsmith.core.errors import RewardError, UsageError

__all__ = ["read_jsonl", "check_rows", "rows_to_batch", "score_rows", "write_jsonl_atomic", "RESERVED"]

#: keys of a row that are not passed to rewards as columns
RESERVED = ("completion", "prompt", "group", "reward", "rewards", "reward_errors", "reward_details")


def read_jsonl(path: str, source: str | None = None) -> list[dict[str, Any]]:
    """Read a JSONL file of objects; a bad line is a UsageError naming the file and line."""
    source = source or path
    rows: list[dict[str, Any]] = []
    try:
        fh = open(path, encoding="utf-8") if path != "-" else _stdin()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{source}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(row, dict):
                raise UsageError(f"{source}:{lineno}: expected a JSON object, got {type(row).__name__}")
            row["__line__"] = lineno
            rows.append(row)
    return rows


def _stdin():
    import sys
    return sys.stdin


def check_rows(rows: Sequence[dict[str, Any]], required: Iterable[str], source: str = "input") -> None:
    """UsageError naming the first line that lacks ``completion`` or a column the rewards need."""
    needed = ["completion", *required]
    for i, row in enumerate(rows):
        line = row.get("__line__", i + 1)
        for col in needed:
            if col not in row:
                raise UsageError(f"{source}:{line}: missing column {col!r} "
                                 f"(the reward spec needs: {', '.join(needed)})")
        comp = row["completion"]
        if not isinstance(comp, (str, list)):
            raise UsageError(f"{source}:{line}: 'completion' must be a string or a list of chat messages")


def rows_to_batch(rows: Sequence[dict[str, Any]]) -> tuple[list[Any], list[Any], dict[str, list[Any]], list[Any]]:
    """(prompts, completions, columns, groups) of a list of rows; a column missing in a row is None."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in RESERVED and not k.startswith("__") and k not in keys)
    prompts = [row.get("prompt") for row in rows]
    completions = [row["completion"] for row in rows]
    columns = {k: [row.get(k) for row in rows] for k in keys}
    groups = [row["group"] if "group" in row else json.dumps(row.get("prompt"), sort_keys=True)
              for row in rows]
    return prompts, completions, columns, groups


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def score_rows(reward: ComposedReward, rows: Sequence[dict[str, Any]], batch_size: int = 256,
               on_progress: Callable[[int], None] | None = None,
               score_fn: Callable[[ComposedReward, Sequence[dict[str, Any]]], BatchResult] | None = None,
               details: bool = False) -> list[dict[str, Any]]:
    """Score rows in batches and return new rows (input order) with the reward fields added.

    ``normalize_then_sum`` needs whole groups, so it scores everything in one batch.
    ``score_fn`` replaces the in-process scoring of one batch (the Ray executor uses it).
    """
    if reward.spec.aggregate == "normalize_then_sum":
        batch_size = max(len(rows), 1)
    score_fn = score_fn or score_batch_of_rows
    out: list[dict[str, Any]] = []
    for chunk in _chunks(rows, batch_size):
        try:
            result = score_fn(reward, chunk)
        except RewardError as exc:  # --strict: say which input line, not the sample's place in its batch
            if exc.sample is None or not 1 <= exc.sample <= len(chunk):
                raise
            raise exc.at(len(out) + exc.sample, chunk[exc.sample - 1].get("__line__")) from exc
        for i, row in enumerate(chunk):
            clean = {k: v for k, v in row.items() if not k.startswith("__")}
            clean.update(result.row(i, details))
            out.append(clean)
        if on_progress:
            on_progress(len(chunk))
    return out


def score_batch_of_rows(reward: ComposedReward, rows: Sequence[dict[str, Any]]) -> BatchResult:
    """Score one batch of rows in this process."""
    prompts, completions, columns, groups = rows_to_batch(rows)
    return reward.score(prompts, completions, columns, groups=groups)


def write_jsonl_atomic(path: str, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows to ``path`` atomically (:func:`rewardsmith.core.atomic.atomic_write`): readers
    never see a half-written file, a failure leaves no partial output, and ``-``, ``/dev/stdout``
    or a FIFO are written through, never replaced."""
    atomic_write(path, lambda fh: fh.writelines(json.dumps(row, ensure_ascii=False) + "\n"
                                                for row in rows))
