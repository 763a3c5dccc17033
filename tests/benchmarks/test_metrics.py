"""pass@k, maj@k and the suite summary against values computed by hand."""
from __future__ import annotations

import math

import pytest

from rewardsmith.benchmarks.metrics import Sample, is_correct, ks_for, majority_correct, pass_at_k, summarize
from rewardsmith.benchmarks.runner import answer_of


@pytest.mark.parametrize("n,c,k,expected", [
    (1, 1, 1, 1.0),          # the only sample is right
    (1, 0, 1, 0.0),
    (5, 2, 1, 2 / 5),        # pass@1 is the fraction correct
    (5, 2, 2, 1 - 3 / 10),   # 1 - C(3,2)/C(5,2)
    (5, 2, 3, 1 - 1 / 10),   # 1 - C(3,3)/C(5,3)
    (5, 2, 4, 1.0),          # only 3 wrong samples: any 4 include a right one
    (10, 1, 5, 1 - 126 / 252),  # 1 - C(9,5)/C(10,5) = 0.5
    (4, 0, 4, 0.0),
    (200, 13, 10, 1 - math.comb(187, 10) / math.comb(200, 10)),  # large n stays exact
])
def test_pass_at_k_matches_hand_values(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n,c,k", [(3, 1, 4), (3, 4, 1), (3, 1, 0)])
def test_pass_at_k_rejects_impossible_inputs(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def _s(answer, ok, error=None):
    return Sample("t", "", math.nan if error else float(ok), ok, answer=answer, error=error)


@pytest.mark.parametrize("samples,expected", [
    ([_s("5", True), _s("3", False), _s("5", True)], True),     # 5 wins 2-1 and is right
    ([_s("3", False), _s("5", True), _s("3", False)], False),   # 3 wins 2-1 and is wrong
    ([_s("3", False), _s("5", True)], False),                   # tie: first seen (3) wins
    ([_s(None, False), _s("5", True)], True),                   # no answer: no vote
    ([_s(None, False), _s(None, False)], None),                 # nobody voted
])
def test_majority_vote(samples, expected):
    assert majority_correct(samples) is expected


def test_summary_of_two_tasks_by_hand():
    table = {
        # correct 2 of 4; votes 5,3,3,5: tie at k=4 and k=2 goes to "5" (first seen), which is right
        "A": [_s("5", True), _s("3", False), _s("3", False), _s("5", True)],
        # correct 1 of 4; votes 7,7,9: "7" wins at every k and is wrong
        "B": [_s("7", False), _s("7", False), _s("9", True), _s(None, False)],
    }
    m = summarize(table)
    assert m["tasks"] == 2 and m["samples"] == 8
    assert m["accuracy"] == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert m["pass@k"]["1"] == pytest.approx(0.375)
    assert m["pass@k"]["2"] == pytest.approx(((1 - 1 / 6) + (1 - 3 / 6)) / 2)  # C(2,2)/C(4,2), C(3,2)/C(4,2)
    assert m["pass@k"]["4"] == pytest.approx(1.0)
    assert m["maj@k"] == {"1": 0.5, "2": 0.5, "4": 0.5}
    assert m["errors"] == 0 and m["mean_tokens"] is None


def test_summary_counts_errors_and_never_treats_them_as_right():
    m = summarize({"A": [_s("1", False, error="RuntimeError: boom"), _s("1", True)]}, majority_vote=False)
    assert m["errors"] == 1 and m["accuracy"] == 0.5 and m["maj@k"] == {}
    assert not is_correct(math.nan, 1.0) and not is_correct(None, 1.0) and is_correct(1.0, 1.0)


def test_summary_uses_the_smallest_sample_count_for_k():
    m = summarize({"A": [_s("1", True)] * 3, "B": [_s("1", True)] * 2})
    assert list(m["pass@k"]) == ["1", "2"] == [str(k) for k in ks_for(2)]


@pytest.mark.parametrize("details,text,expected", [
    ({}, "so x = \\boxed{\\frac{1}{2}} done", "\\frac{1}{2}"),   # nested braces
    ({}, "first 3, then 1,234 apples", "1234"),                   # last number, commas dropped
    ({"extracted": "42"}, "\\boxed{7}", "42"),                   # the reward's own extraction wins
    ({"extracted": "1,000"}, "", "1000"),                         # same number, same vote
    ({"reason": "no final answer found"}, "it is 5", None),       # the reward found none: no vote
    ({}, "no answer here", None),
])
def test_answer_used_for_voting(details, text, expected):
    assert answer_of(details, text) == expected
