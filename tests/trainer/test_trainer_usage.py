"""The trainer logs, per step, what counted components (a judge) used: deltas of their totals."""
from __future__ import annotations

from rewardsmith.core.spec import ComponentSpec
from rewardsmith.trainer.metrics import UsageMeter


class Counting:
    """A component that counts its cost the way the judge reward does (running totals)."""

    def __init__(self) -> None:
        self.requests = 0

    def usage(self) -> dict[str, int]:
        return {"requests": self.requests, "tokens": 7 * self.requests}


class Rule:
    """A rule-based component (no usage) with a counted fallback, as ``math(fallback=judge)``."""

    def __init__(self, fallback: Counting) -> None:
        self.fallback = fallback


class Composed:
    def __init__(self, pairs):
        self.components = pairs


def test_usage_is_logged_per_step_as_the_change_since_the_last_step():
    judge, behind = Counting(), Counting()
    meter = UsageMeter(Composed([(ComponentSpec("judge", label="judge"), judge),
                                 (ComponentSpec("math", label="math"), Rule(behind)),
                                 (ComponentSpec("format", label="format"), object())]))
    judge.requests, behind.requests = 3, 1
    assert meter.step() == {"usage/judge/requests": 3, "usage/judge/tokens": 21,
                            "usage/math.fallback/requests": 1, "usage/math.fallback/tokens": 7}
    judge.requests = 5
    assert meter.step() == {"usage/judge/requests": 2, "usage/judge/tokens": 14,
                            "usage/math.fallback/requests": 0, "usage/math.fallback/tokens": 0}
