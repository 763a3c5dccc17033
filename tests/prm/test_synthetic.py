"""Synthetic arithmetic chains: exact labels, errors that propagate, no range shortcut."""
from __future__ import annotations

import re

import pytest

from rewardsmith import load_reward
from rewardsmith.prm.synthetic import ERROR_KINDS, ChainConfig, equations, make_problem, solve, synthetic_examples


def _locally_right(step: str) -> bool:
    [(x, op, b, y)] = equations([step])
    return {"+": x + b, "-": x - b, "*": x * b}[op] == y


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_labels_mark_the_first_error_and_everything_after(kind):
    cfg = ChainConfig(error_rate=1.0, error_kinds=(kind,), max_value=30)
    for ex in synthetic_examples(60, 2, cfg, seed=3):
        if ex.final_correct:  # no in-range error was possible for this problem
            continue
        first_bad = ex.labels.index(0.0)
        assert ex.labels == [1.0] * first_bad + [0.0] * (len(ex.labels) - first_bad)
        prev = int(re.match(r"Start with (\d+)\.", ex.prompt).group(1))
        for i, step in enumerate(ex.steps[:-1]):
            [(x, _, _, y)] = equations([step])
            consistent = _locally_right(step) and x == prev
            prev = y
            # a step is labelled wrong exactly from the first inconsistent one on
            assert consistent == (i < first_bad) or i > first_bad
            if i == first_bad:
                assert not consistent
        numbers = [n for x, _, _, y in equations(ex.steps) for n in (x, y)]
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


def test_right_solutions_of_a_problem_differ_in_wording_not_in_equations():
    # issue 17 item 7: when every right candidate of a problem was one text, a scorer that reads
    # nothing picked right far less often than a random pick; sampled solutions differ in wording
    examples = synthetic_examples(50, 8, ChainConfig(error_rate=0.0), seed=2)
    by_problem: dict = {}
    for ex in examples:
        by_problem.setdefault(ex.group, []).append(ex)
    distinct = [len({tuple(e.steps) for e in group}) for group in by_problem.values()]
    assert sum(distinct) / len(distinct) > 6
    for group in by_problem.values():
        assert len({tuple(equations(e.steps)) for e in group}) == 1
        assert len({e.steps[-1].rsplit("{", 1)[1] for e in group}) == 1   # one boxed answer
