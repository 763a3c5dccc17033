"""Rows of the ``procedural`` suite: the trainer's seeded arithmetic tasks, from a stream of their
own (``bench``), so evaluation never sees a training task. Difficulty rotates 1, 2, 3 by index.

Task ``i`` of seed ``s`` depends only on ``(s, i)``, so ``--limit 20`` and ``--limit 200`` share
their first 20 tasks. Every answer is an integer, checked by the ``math`` reward.
"""
from __future__ import annotations

from typing import Any

__all__ = ["STREAM", "generate"]

#: the task stream used for evaluation (training uses "train")
STREAM = "bench"


def generate(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """The first ``n`` tasks of ``seed``: rows with ``id``, ``question``, ``answer``, ``level``.

    >>> rows = generate(3, seed=1)
    >>> [r["level"] for r in rows], rows == generate(3, seed=1)
    ([1, 2, 3], True)
    """
    from rewardkit.trainer.tasks import make_task

    return [make_task(i, seed=seed, difficulty=1 + i % 3, stream=STREAM) for i in range(n)]
