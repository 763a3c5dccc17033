"""Synthetic arithmetic chains: exact labels, errors that propagate, no range shortcut."""
from __future__ import annotations

import re

import pytest

from rewardkit import load_reward
from rewardkit.prm.synthetic import ERROR_KINDS, ChainConfig, make_problem, solve, synthetic_examples

_STEP = re.compile(r"^(\d+) ([+\-*]) (\d+) = (\d+)$")


def _locally_right(step: str) -> bool:
    x, op, b, y = _STEP.match(step).groups()
    return {"+": int(x) + int(b), "-": int(x) - int(b), "*": int(x) * int(b)}[op] == int(y)


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_labels_mark_the_first_error_and_everything_after(kind):
    cfg = ChainConfig(error_rate=1.0, error_kinds=(kind,), max_value=30)
    for ex in synthetic_examples(60, 2, cfg, seed=3):
        if ex.final_correct:  # no in-range error was possible for this problem
            continue
        first_bad = ex.labels.index(0.0)
        assert ex.labels == [1.0] * first_bad + [0.0] * (len(ex.labels) - first_bad)
        equations = ex.steps[:-1]
        prev = int(re.match(r"Start with (\d+)\.", ex.prompt).group(1))
        for i, step in enumerate(equations):
            x = int(step.split()[0])
            consistent = _locally_right(step) and x == prev
            prev = int(step.split()[-1])
            # a step is labelled wrong exactly from the first inconsistent one on
            assert consistent == (i < first_bad) or i > first_bad
            if i == first_bad:
                assert not consistent
        numbers = [int(t) for s in equations for t in (s.split()[0], s.split()[-1])]
        assert 0 <= min(numbers) and max(numbers) <= 30   # wrong values never leave the range


def test_correct_solutions_are_all_positive_and_consistent():
    for ex in synthetic_examples(50, 2, ChainConfig(error_rate=0.0), seed=1):
        assert ex.final_correct and ex.labels == [1.0] * len(ex.steps)
        assert all(_locally_right(s) for s in ex.steps[:-1])


def test_final_correct_agrees_with_the_math_verifier():
    examples = synthetic_examples(40, 2, ChainConfig(), seed=7)
    reward = load_reward("math")
    result = reward.score([e.prompt for e in examples], ["\n\n".join(e.steps) for e in examples],
                          {"answer": [e.answer for e in examples]})
    assert result.rewards == [float(e.final_correct) for e in examples]


def test_same_seed_same_data_and_error_rate_roughly_holds():
    a = synthetic_examples(200, 1, ChainConfig(error_rate=0.5), seed=5)
    assert [e.steps for e in a] == [e.steps for e in synthetic_examples(200, 1, ChainConfig(error_rate=0.5), seed=5)]
    wrong = sum(not e.final_correct for e in a)
    assert 70 < wrong < 130


def test_problem_intermediates_stay_in_range():
    import random
    rng = random.Random(0)
    cfg = ChainConfig(max_value=15)
    for _ in range(100):
        start, ops = make_problem(rng, cfg)
        steps, _ = solve(start, ops)
        assert all(0 <= int(s.split()[-1]) <= 15 for s in steps[:-1])


@pytest.mark.parametrize("kwargs,match", [
    ({"min_ops": 0}, "min_ops"),
    ({"max_value": 5}, "max_value"),
    ({"error_rate": 1.5}, "error_rate"),
    ({"error_kinds": ("typo",)}, "error_kinds"),
])
def test_config_checks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ChainConfig(**kwargs)
