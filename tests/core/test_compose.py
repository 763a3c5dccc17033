"""Composition: weights, None and NaN policy, normalize_then_sum, per-component values."""
from __future__ import annotations

import math
import pickle

import pytest

from rewardsmith.core.compose import load_reward


@pytest.fixture(autouse=True)
def toy(toy_dist):
    toy_dist()


def test_weighted_sum_keeps_components():
    r = load_reward("toy_contains:1+toy_exact:0.5")
    res = r.score(None, ["yes", "no", "yes"], {"answer": ["yes", "no", "x"]})
    assert res.components == {"toy_contains": [1.0, 0.0, 1.0], "toy_exact": [1.0, 1.0, 0.0]}
    assert res.rewards == [1.5, 0.5, 1.0]


def test_none_component_is_left_out_and_all_none_gives_none():
    r = load_reward("toy_exact+toy_exact:2")
    res = r.score(None, ["a", "b"], {"answer": [None, "b"]})
    assert res.rewards == [None, 3.0]
    r2 = load_reward("toy_contains+toy_exact")
    assert r2.score(None, ["yes"], {"answer": [None]}).rewards == [1.0]
    assert res.counts()["toy_exact"] == {"none": 1, "errors": 0}


def test_failed_component_makes_the_total_no_score_and_is_counted():
    r = load_reward("toy_contains+toy_crash")
    res = r.score(None, ["yes", "yes boom"])
    assert res.rewards[0] == 1.5 and math.isnan(res.rewards[1])
    assert r.error_counts["toy_crash"] == 1
    row = res.row(1)
    assert row["reward"] is None and row["rewards"]["toy_crash"] is None
    assert "exploded" in row["reward_errors"]["toy_crash"]


def test_options_reach_the_reward():
    r = load_reward("toy_contains(word=hi,bonus=3):2")
    assert r.score(None, ["hi there"]).rewards == [6.0]


def test_normalize_then_sum_normalises_within_groups():
    r = load_reward("toy_contains(bonus=10)+toy_exact", aggregate="normalize_then_sum")
    comps = ["yes", "no", "yes", "no"]
    res = r.score(["p1", "p1", "p2", "p2"], comps, {"answer": ["yes", "yes", "no", "no"]})
    # toy_contains per group: [10, 0] -> [1, -1]; toy_exact: p1 [1, 0] -> [1, -1], p2 [0, 1] -> [-1, 1]
    assert res.rewards == pytest.approx([2.0, -2.0, 0.0, 0.0])
    assert res.components["toy_contains"] == [10.0, 0.0, 10.0, 0.0]  # raw values are kept


def test_normalize_with_constant_group_is_zero():
    r = load_reward("toy_contains", aggregate="normalize_then_sum")
    assert r.score(["p", "p"], ["yes", "yes"]).rewards == [0.0, 0.0]


def test_trl_shape_call_and_pickle():
    r = load_reward("toy_contains:1+toy_exact:0.5")
    assert r(prompts=["p"], completions=["yes"], answer=["yes"]) == [1.5]
    clone = pickle.loads(pickle.dumps(r))
    assert clone(prompts=["p"], completions=["yes"], answer=["yes"]) == [1.5]
