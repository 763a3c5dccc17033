"""Benchmark metrics over per-task samples: accuracy, unbiased pass@k, maj@k, lengths.

Each task has ``n`` scored samples; a sample is *correct* when its reward reaches the suite's
threshold. A sample whose scoring failed (NaN) counts as not correct and is reported in
``errors``, so a broken verifier shows up instead of looking like a hard benchmark.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Hashable, Sequence

__all__ = ["Sample", "pass_at_k", "majority_correct", "ks_for", "summarize", "is_correct"]


@dataclass
class Sample:
    """One scored completion of a task."""

    task_id: str
    completion: str
    reward: float | None
    correct: bool
    answer: Hashable | None = None  # the extracted final answer (for maj@k), None when unknown
    tokens: int | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # what the reward reported (reason, ...)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task: the chance that at least one of ``k`` samples drawn without
    replacement from ``n`` samples, ``c`` of them correct, is correct: 1 - C(n-c, k) / C(n, k).

    Args:
        n: samples generated for the task.
        c: correct samples among them.
        k: samples drawn; must be <= n.

    Returns:
        A probability in [0, 1].

    >>> pass_at_k(5, 2, 1)
    0.4
    >>> round(pass_at_k(5, 2, 2), 4)  # 1 - C(3,2)/C(5,2) = 1 - 3/10
    0.7
    >>> pass_at_k(4, 0, 2), pass_at_k(4, 3, 2)
    (0.0, 1.0)
    """
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"pass@k needs 0 < k <= n and 0 <= c <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)  # exact integers, one rounding


def majority_correct(samples: Sequence[Sample]) -> bool | None:
    """maj@k of one task: is the most frequent extracted answer among ``samples`` correct?

    Samples without an extracted answer do not vote. A tie goes to the answer seen first.
    None when no sample has an answer (the task then counts as wrong in maj@k).

    >>> s = lambda a, ok: Sample("t", "", 1.0 if ok else 0.0, ok, answer=a)
    >>> majority_correct([s("3", False), s("4", True), s("3", False)])
    False
    >>> majority_correct([s("4", True), s("3", False)])  # tie: first seen wins
    True
    """
    votes = [s for s in samples if s.answer is not None]
    if not votes:
        return None
    counts = Counter(s.answer for s in votes)
    best = max(counts.values())
    winner = next(s for s in votes if counts[s.answer] == best)
    return winner.correct


def ks_for(n: int) -> list[int]:
    """The k values reported for n samples per task: 1, the powers of two below n, and n.

    >>> ks_for(1), ks_for(5), ks_for(8)
    ([1], [1, 2, 4, 5], [1, 2, 4, 8])
    """
    ks = {1, n}
    k = 2
    while k < n:
        ks.add(k)
        k *= 2
    return sorted(ks)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarize(by_task: dict[str, list[Sample]], majority_vote: bool = True) -> dict[str, Any]:
    """Suite metrics from each task's samples.

    ``accuracy`` is the mean fraction of correct samples per task (= pass@1). pass@k is reported
    for each k in :func:`ks_for` of the smallest per-task sample count, maj@k (when
    ``majority_vote``) votes over each task's first k samples.

    Returns:
        JSON-ready dict: tasks, samples, accuracy, pass@k, maj@k, errors, mean_tokens, mean_chars.
    """
    tasks = [s for s in by_task.values() if s]
    if not tasks:
        return {"tasks": 0, "samples": 0, "accuracy": None, "pass@k": {}, "maj@k": {}, "errors": 0,
                "mean_tokens": None, "mean_chars": None}
    n_min = min(len(s) for s in tasks)
    flat = [x for s in tasks for x in s]
    out: dict[str, Any] = {
        "tasks": len(tasks), "samples": len(flat),
        "accuracy": _mean([sum(x.correct for x in s) / len(s) for s in tasks]),
        "pass@k": {str(k): _mean([pass_at_k(len(s), sum(x.correct for x in s), k) for s in tasks])
                   for k in ks_for(n_min)},
        "maj@k": {},
        "errors": sum(x.error is not None for x in flat),
        "not_applicable": sum(x.reward is None and x.error is None for x in flat),
    }
    if majority_vote:
        out["maj@k"] = {str(k): _mean([float(bool(majority_correct(s[:k]))) for s in tasks])
                        for k in ks_for(n_min)}
    tokens = [x.tokens for x in flat if x.tokens is not None]
    out["mean_tokens"] = _mean(tokens) if len(tokens) == len(flat) else None
    out["mean_chars"] = _mean([len(x.completion) for x in flat])
    return out


def is_correct(value: float | None, threshold: float) -> bool:
    """A reward value counts as correct when it is a number >= threshold (NaN/None never do)."""
    return value is not None and not math.isnan(value) and value >= threshold - 1e-9
