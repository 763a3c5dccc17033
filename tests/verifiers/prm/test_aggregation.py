"""Aggregation of step scores and the bounded shaping against step farming."""
from __future__ import annotations

import pytest

from rewardsmith.verifiers.prm.aggregation import aggregate, shape, value_range

AGG_CASES = [
    # (steps, how, expected)
    ([0.9, 0.4, 0.8], "min", 0.4),      # the weakest step
    ([0.5, 0.5, 0.8], "prod", 0.2),     # product of probabilities
    ([0.9, 0.4, 0.8], "last", 0.8),     # the final step only
    ([0.9, 0.3, 0.6], "mean", 0.6),     # the average
    ([0.7], "min", 0.7),                # one step: every aggregation is that step
    ([0.7], "prod", 0.7),
]


@pytest.mark.parametrize("steps,how,expected", AGG_CASES)
def test_aggregate(steps, how, expected):
    assert aggregate(steps, how) == pytest.approx(expected)


def test_aggregate_rejects_unknown_and_empty():
    with pytest.raises(ValueError, match="min, prod, last, mean"):
        aggregate([0.5], "max")
    with pytest.raises(ValueError, match="no steps"):
        aggregate([], "min")


@pytest.mark.parametrize("steps,shaping,eta,expected", [
    ([0.9, 0.2, 0.5], "none", 0.5, [0.9, 0.2, 0.5]),
    ([0.9, 0.2, 0.5], "clip", 0.5, [0.0, -0.3, 0.0]),     # min(r - eta, 0)
    ([0.9, 0.2], "clip", 0.0, [0.0, 0.0]),                 # eta 0: nothing is ever penalised
    ([0.9, 0.2, 0.5], "delta", 0.5, [0.9, -0.7, 0.3]),     # r1, then r_i - r_(i-1)
])
def test_shape(steps, shaping, eta, expected):
    assert shape(steps, shaping, eta) == pytest.approx(expected)


def test_clip_cannot_be_farmed_with_trivial_steps():
    """Appending steps the PRM is sure about never raises a clipped min or last above 0."""
    bad = [0.9, 0.1]
    farmed = bad + [0.99] * 50
    for how in ("min",):
        assert aggregate(shape(farmed, "clip", 0.5), how) == aggregate(shape(bad, "clip", 0.5), how)
    assert max(shape(farmed, "clip", 0.5)) == 0.0
    # without shaping, mean is farmable: the same trick lifts it
    assert aggregate(farmed, "mean") > aggregate(bad, "mean")


def test_delta_gives_trivial_steps_nothing():
    assert shape([0.6, 0.6, 0.6], "delta")[1:] == [0.0, 0.0]


@pytest.mark.parametrize("shaping,how,eta,expected", [
    ("none", "prod", 0.5, (0.0, 1.0)),
    ("clip", "min", 0.3, (-0.3, 0.0)),
    ("delta", "last", 0.5, (-1.0, 1.0)),
])
def test_value_range(shaping, how, eta, expected):
    assert value_range(shaping, how, eta) == expected


@pytest.mark.parametrize("shaping", ["clip", "delta"])
def test_prod_with_shaping_is_refused(shaping):
    with pytest.raises(ValueError, match="prod"):
        value_range(shaping, "prod", 0.5)
