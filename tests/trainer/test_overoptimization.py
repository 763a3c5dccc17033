"""The Goodhart alarm on synthetic curves shaped like Gao et al. (2022).

Their RL fit is R(d) = d * (alpha - beta * log d), d = sqrt(KL from the initial policy). The proxy
(training) reward has a small beta and keeps rising over the run; the gold (held-out) score has a
larger beta, so it peaks at d* = exp((alpha - beta) / beta) and then falls.
"""
from __future__ import annotations

import json
import math
import random

import pytest

from rewardsmith.trainer.overoptimization import OverOptimizationMonitor, fitted_change


def gao(d: float, alpha: float, beta: float) -> float:
    return d * (alpha - beta * math.log(d))


def run(monitor, checks=40, beta_gold=0.4, noise=0.02, seed=0, every=10):
    """Feed ``checks`` held-out evaluations; return [(step, sqrt_kl, message)] of the alarms."""
    rng = random.Random(seed)
    alarms = []
    for k in range(1, checks + 1):
        d = 10.0 * k / checks  # sqrt(KL) grows over training
        train = gao(d, 1.0, 0.1) + rng.gauss(0, noise)
        held = gao(d, 1.0, beta_gold) + rng.gauss(0, noise)
        msg = monitor.update(k * every, train, held, d)
        if msg:
            alarms.append((k * every, d, msg))
    return alarms


def test_gold_peak_then_fall_trips_the_alarm_once_after_the_peak():
    peak = math.exp((1.0 - 0.4) / 0.4)  # d* ~ 4.48
    for seed in range(5):
        mon = OverOptimizationMonitor(window=5, margin=0.1)
        alarms = run(mon, seed=seed)
        assert len(alarms) == 1, (seed, alarms)
        step, d, msg = alarms[0]
        assert peak < d < 7.5, (seed, d)  # after the peak, and soon after it
        assert f"step {step}" in msg and "sqrt KL" in msg and "held-out score fell" in msg
        assert mon.alarmed and mon.alarms[0].held_out_change <= -0.1 < 0 < mon.alarms[0].train_change


def test_no_alarm_while_the_held_out_score_keeps_rising():
    for seed in range(5):
        mon = OverOptimizationMonitor(window=5, margin=0.05)
        assert run(mon, beta_gold=0.15, seed=seed) == []  # gold peaks at d = e^5.7: never here


def test_noise_below_the_margin_does_not_trip_it():
    rng = random.Random(1)
    mon = OverOptimizationMonitor(window=6, margin=0.1)
    for k in range(300):
        assert mon.update(k, 0.01 * k, 0.5 + rng.gauss(0, 0.03), math.sqrt(k)) is None


def test_falling_training_reward_is_a_collapse_not_over_optimization():
    mon = OverOptimizationMonitor(window=4, margin=0.05)
    msgs = [mon.update(k, 1.0 - 0.1 * k, 1.0 - 0.1 * k, 0.1 * k) for k in range(10)]
    assert not any(msgs)


def test_alarm_re_arms_after_the_condition_stops_holding():
    mon = OverOptimizationMonitor(window=3, margin=0.1)
    held = [0.5, 0.6, 0.5, 0.3, 0.2, 0.4, 0.6, 0.8, 0.5, 0.3, 0.1]
    msgs = [mon.update(k, 0.1 * k, h, 0.2 * k) for k, h in enumerate(held)]
    fired = [k for k, m in enumerate(msgs) if m]
    assert fired == [3, 9]  # the second fall counts again; the checks in between do not repeat it
    assert [a.step for a in mon.alarms] == [3, 9]


def test_non_finite_checks_are_ignored():
    mon = OverOptimizationMonitor(window=2, margin=0.0)
    assert mon.update(0, 0.1, float("nan"), 0.0) is None
    assert mon.update(1, None, 0.5, 0.0) is None  # type: ignore[arg-type]
    assert mon.history == []
    mon.update(2, 0.1, 0.5, float("nan"))
    assert mon.update(3, 0.2, 0.4, 1.0) is not None  # NaN sqrt_kl is kept, shown as nan
    summary = mon.summary()
    json.dumps(summary, allow_nan=False)  # JSON-ready: NaN became null
    assert summary["history"][0]["sqrt_kl"] is None and summary["alarms"][0]["step"] == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"window": 1, "margin": 0.1}, "window"),
    ({"window": 2.5, "margin": 0.1}, "window"),
    ({"window": 3, "margin": -0.1}, "margin"),
    ({"window": 3, "margin": float("nan")}, "margin"),
])
def test_bad_settings_say_what_is_accepted(kwargs, match):
    with pytest.raises(ValueError, match=match):
        OverOptimizationMonitor(**kwargs)


def test_fitted_change_is_robust_to_one_outlier():
    assert fitted_change([0.0, 0.1, 0.2, 0.3]) == pytest.approx(0.3)
    # a single low point at the end of a flat series moves the fit much less than the point
    assert fitted_change([0.5, 0.5, 0.5, 0.5, 0.2]) > -0.25


def test_monitor_survives_a_checkpoint_round_trip():
    # the trainer pickles the monitor into trainer_state.pt and restores it on --resume
    import pickle

    mon = OverOptimizationMonitor(window=3, margin=0.1)
    for k, h in enumerate([0.5, 0.6, 0.5, 0.3]):
        mon.update(k, 0.1 * k, h, 0.2 * k)
    back = pickle.loads(pickle.dumps(mon))
    assert back.summary() == mon.summary() and back.alarmed
    assert back.update(4, 0.5, 0.1, 1.0) is None  # still latched: no second alarm for the same fall
