"""The procedural tasks (``rewardsmith.tasks``): exact answers, and outputs pinned bit for bit.

The default training run and the ``procedural`` bench suite depend on these exact tasks: a change
to the generator changes every default run. If a change is meant, update the pins and say so.
"""
from __future__ import annotations

import doctest
import hashlib
import json

import pytest

import rewardsmith.tasks
from rewardsmith.tasks import LEVELS, generate, make_task

#: sha256 of the JSON of 200 tasks x seeds 0, 1, 7 per "stream-difficulty", and of generate(300, seed=3)
PINNED = {
    "train-1": "3e277c188c2363434005c990609411374da43e7bc12961c98dbb07a2eabae760",
    "train-2": "e55fa56654e1d39d31eb6c00fbf8df61b1b6590a490420f154341788a118c394",
    "train-3": "6c6b57a98fdef7d539dba90a20a418b5dda9f0bfc109999f938c86bc7dc9b927",
    "held_out-1": "4c486f03c47d2a90e5339c67922a8b25c06ad1f3e5eabf5e4b5b904c1413c63c",
    "held_out-2": "6d6b153b643fbaf1006a1d93b3994bacd9c0c2fc5d2d9a86f89bf6b78ddda312",
    "held_out-3": "f0b0c35400638df1251cbf74e754289e273bd1d0dfbb988527f7f43192dbffe7",
    "bench-1": "e62b760513e83c6c9c4c6f16bc6fd82f19cc1498edb75be172d07757b0b7178d",
    "bench-2": "33a79a6c1c5fb5d155ee503045d1b6060d4765271ee078ae8d17d21d9f547c5d",
    "bench-3": "0e858541ffac5b525bb46acf4f520efffba55573f305445e57ffa6419cdbfbc5",
    "generate": "505d9ab063e5e8b2f0f038c5ab1248928c3bd69cd7cb51e2551301d6d7538ff9"
}


def _digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("key", sorted(k for k in PINNED if k != "generate"))
def test_streams_are_pinned(key):
    stream, difficulty = key.rsplit("-", 1)
    rows = [make_task(i, seed=s, difficulty=int(difficulty), stream=stream)
            for s in (0, 1, 7) for i in range(200)]
    assert _digest(rows) == PINNED[key]


def test_bench_rows_are_pinned():
    assert _digest(generate(300, seed=3)) == PINNED["generate"]
    assert generate(3, seed=0)[0] == make_task(0, seed=0, difficulty=1, stream="bench")


def test_a_few_tasks_read_as_before():
    assert make_task(0) == {"id": "train-0-1-0", "question": "What is 71 + 18?", "answer": "89", "level": 1}
    assert make_task(3, difficulty=3) == {
        "id": "train-0-3-3", "level": 3, "answer": "2",
        "question": "Hana had 24 books and lost 16. Hana shares the rest equally among 4 friends. "
                    "How many books does each friend get?"}


@pytest.mark.parametrize("difficulty", sorted(LEVELS))
def test_procedural_answers_are_exact(difficulty):
    for i in range(60):
        task = make_task(i, seed=3, difficulty=difficulty)
        q, answer = task["question"], int(task["answer"])
        if q.startswith("What is "):
            assert eval(q[len("What is "):-1]) == answer  # noqa: S307 - our own arithmetic
        assert make_task(i, seed=3, difficulty=difficulty) == task  # seeded
    assert make_task(0, seed=1) != make_task(0, seed=2)


def test_procedural_word_problems_level_3():
    task = make_task(0, seed=0, difficulty=3)  # "has S, buys P packs of N, gives away K"
    nums = [int(w.strip(",.")) for w in task["question"].split() if w.strip(",.").isdigit()]
    start, packs, per, gives = nums
    assert int(task["answer"]) == start + packs * per - gives


def test_docstring_examples():
    result = doctest.testmod(rewardsmith.tasks)
    assert result.attempted > 0 and result.failed == 0
