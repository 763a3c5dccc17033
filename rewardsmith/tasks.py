"""Procedural tasks: seeded arithmetic and short word problems with exact integer answers.

Data, not training: the trainer's default prompts (streams ``train`` and ``held_out``) and the
``procedural`` benchmark suite (stream ``bench``, :func:`generate`) both come from here, and this
module imports nothing of the project. Task ``index`` of ``(seed, stream, difficulty)`` depends on
nothing else, so a run's data position is one integer, a held-out stream never shares a random
state with the training stream, and evaluation never sees a training task.

Difficulty levels:
    1. one addition of two two-digit numbers, as a sum or a one-step word problem;
    2. one of +, -, * (the product of a one-digit and a two-digit number);
    3. two-step word problems (buy packs, give some away, share equally).
"""
from __future__ import annotations

import random
from typing import Any, Callable

__all__ = ["make_task", "generate", "LEVELS", "BENCH_STREAM"]

#: the task stream of the ``procedural`` benchmark suite (training uses "train" and "held_out")
BENCH_STREAM = "bench"

_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Emma", "Femi", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena")
_ITEMS = ("apples", "stickers", "marbles", "pencils", "coins", "books", "shells", "cards")


def _sum(rng: random.Random) -> tuple[str, int]:
    a, b = rng.randint(10, 99), rng.randint(10, 99)
    if rng.random() < 0.5:
        return f"What is {a} + {b}?", a + b
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    return f"{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?", a + b


def _mixed(rng: random.Random) -> tuple[str, int]:
    op = rng.choice("+-*")
    if op == "*":
        a, b = rng.randint(2, 9), rng.randint(11, 49)
        return f"What is {a} * {b}?", a * b
    a, b = rng.randint(20, 99), rng.randint(10, 99)
    if op == "-":
        a, b = max(a, b), min(a, b)
        return f"What is {a} - {b}?", a - b
    return f"What is {a} + {b}?", a + b


def _packs(rng: random.Random) -> tuple[str, int]:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    start, packs, per = rng.randint(3, 30), rng.randint(2, 6), rng.randint(3, 12)
    gives = rng.randint(1, start + packs * per - 1)
    return (f"{name} has {start} {item}, buys {packs} packs of {per} {item}, then gives away {gives}. "
            f"How many {item} does {name} have left?", start + packs * per - gives)


def _share(rng: random.Random) -> tuple[str, int]:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    friends, each, lost = rng.randint(2, 6), rng.randint(2, 9), rng.randint(1, 20)
    return (f"{name} had {friends * each + lost} {item} and lost {lost}. {name} shares the rest "
            f"equally among {friends} friends. How many {item} does each friend get?", each)


_Build = Callable[[random.Random], "tuple[str, int]"]
#: difficulty -> task builders (rotated by index)
LEVELS: dict[int, tuple[_Build, ...]] = {1: (_sum,), 2: (_mixed,), 3: (_packs, _share)}


def make_task(index: int, seed: int = 0, difficulty: int = 1, stream: str = "train") -> dict[str, Any]:
    """Task ``index``: a row with ``question``, ``answer`` (the integer as text), ``id``, ``level``.

    >>> t = make_task(0, seed=1)
    >>> t == make_task(0, seed=1), t["level"]
    (True, 1)
    >>> q = make_task(5, difficulty=2)["question"]; int(make_task(5, difficulty=2)["answer"]) == eval(q[8:-1])
    True
    """
    builders = LEVELS[difficulty]
    build = builders[index % len(builders)]
    question, answer = build(random.Random(f"{seed}:{stream}:{difficulty}:{index}"))
    return {"id": f"{stream}-{seed}-{difficulty}-{index}", "question": question,
            "answer": str(answer), "level": difficulty}


def generate(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Rows of the ``procedural`` bench suite: the first ``n`` tasks of ``seed`` in the ``bench``
    stream, difficulty rotating 1, 2, 3 by index, so ``--limit 20`` and ``--limit 200`` share their
    first 20 tasks. Every answer is an integer, checked by the ``math`` reward.

    >>> rows = generate(3, seed=1)
    >>> [r["level"] for r in rows], rows == generate(3, seed=1)
    ([1, 2, 3], True)
    """
    return [make_task(i, seed=seed, difficulty=1 + i % 3, stream=BENCH_STREAM) for i in range(n)]
