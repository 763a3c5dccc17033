"""The Goodhart alarm: the training reward keeps rising while a held-out check falls.

Gao et al. (2022, "Scaling Laws for Reward Model Overoptimization") show the shape: plotted against
the square root of the KL divergence from the initial policy, the proxy reward the policy is trained
on keeps rising while the gold score peaks and then falls. :class:`OverOptimizationMonitor` watches
for the falling half. At every held-out evaluation the trainer calls :meth:`~OverOptimizationMonitor.update`
with the step, the training reward, the held-out score and sqrt(KL); over the last ``window``
evaluations it fits a least-squares line to each series (robust to a single noisy point) and raises
the alarm when the fitted training reward went up while the fitted held-out score went down by at
least ``margin``. The monitor is pure: no I/O, no torch; it returns the alarm message and the
trainer decides (warn, stop, checkpoint).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

__all__ = ["OverOptimizationMonitor", "Check", "Alarm", "fitted_change"]


@dataclass(frozen=True)
class Check:
    """One held-out evaluation point."""

    step: int
    train_reward: float
    held_out: float
    sqrt_kl: float


@dataclass(frozen=True)
class Alarm:
    """An over-optimization alarm: where it fired and the fitted changes over the window."""

    step: int
    sqrt_kl: float
    train_change: float
    held_out_change: float
    message: str


def fitted_change(values: Sequence[float]) -> float:
    """Change from first to last point of the least-squares line through ``values``.

    Points are taken as equally spaced (held-out checks run every N steps).

    >>> fitted_change([0.0, 1.0, 2.0])
    2.0
    >>> round(fitted_change([1.0, 0.0, 1.0]), 6)
    0.0
    """
    n = len(values)
    if n < 2:
        return 0.0
    xbar = (n - 1) / 2
    ybar = sum(values) / n
    sxx = sum((i - xbar) ** 2 for i in range(n))
    sxy = sum((i - xbar) * (y - ybar) for i, y in enumerate(values))
    return sxy / sxx * (n - 1)


class OverOptimizationMonitor:
    """Raise an alarm when the training reward rises while the held-out score falls.

    Args:
        window: how many consecutive held-out checks to look back over (at least 2; 4 to 6 is
            a good default with noisy held-out sets).
        margin: how much the fitted held-out score must fall over the window, in the held-out
            reward's own units (e.g. 0.05 = five points of accuracy).
        min_train_rise: how much the fitted training reward must rise over the window (default
            0: any rise).

    The alarm fires once when the condition starts to hold, and again only after the held-out
    fall has clearly stopped (fitted change above ``-margin / 2``) and then resumed, so noise
    around the threshold does not flood a run left to continue under ``warn``.

    >>> mon = OverOptimizationMonitor(window=3, margin=0.1)
    >>> for step, (train, held) in enumerate([(0.2, 0.5), (0.4, 0.6), (0.6, 0.5), (0.8, 0.3)]):
    ...     msg = mon.update(step, train, held, sqrt_kl=step * 0.5)
    >>> msg.startswith("over-optimization at step 3")
    True
    """

    def __init__(self, window: int, margin: float, min_train_rise: float = 0.0) -> None:
        if not isinstance(window, int) or window < 2:
            raise ValueError(f"window must be an integer >= 2 held-out checks, got {window!r}")
        if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
        if not (math.isfinite(min_train_rise) and min_train_rise >= 0):
            raise ValueError(f"min_train_rise must be a finite number >= 0, got {min_train_rise!r}")
        self.window = window
        self.margin = float(margin)
        self.min_train_rise = float(min_train_rise)
        self.history: list[Check] = []
        self.alarms: list[Alarm] = []
        self._tripped = False

    @property
    def alarmed(self) -> bool:
        """True once any alarm has fired."""
        return bool(self.alarms)

    def update(self, step: int, train_reward: float, held_out: float, sqrt_kl: float) -> str | None:
        """Record one held-out check; return the alarm message when it fires, else None.

        Args:
            step: the optimizer step of this check.
            train_reward: the training (proxy) reward at this step; the trainer passes its
                score on the held-out completions, the ones the held-out check scores.
            held_out: the held-out score at this step (higher is better).
            sqrt_kl: sqrt of the KL divergence from the initial policy (logged, shown in the
                message; the x-axis of the Gao et al. plot).

        Returns:
            A one-line alarm message, or None. Checks with a non-finite training reward or
            held-out score (e.g. a held-out reward that failed) are ignored.
        """
        if not (_finite(train_reward) and _finite(held_out)):
            return None
        self.history.append(Check(int(step), float(train_reward), float(held_out),
                                  float(sqrt_kl) if _finite(sqrt_kl) else math.nan))
        if len(self.history) < self.window:
            return None
        recent = self.history[-self.window:]
        train_change = fitted_change([c.train_reward for c in recent])
        held_change = fitted_change([c.held_out for c in recent])
        if held_change > -self.margin / 2:
            self._tripped = False  # re-arm only once the fall has clearly stopped (hysteresis)
        if not (train_change > self.min_train_rise and held_change <= -self.margin):
            return None
        if self._tripped:
            return None
        self._tripped = True
        last = recent[-1]
        message = (f"over-optimization at step {last.step} (sqrt KL {last.sqrt_kl:.3g}): over the "
                   f"last {self.window} held-out checks (steps {recent[0].step}-{last.step}) the "
                   f"training reward rose {train_change:+.3g} while the held-out score fell "
                   f"{held_change:+.3g} (margin {self.margin:g})")
        self.alarms.append(Alarm(last.step, last.sqrt_kl, train_change, held_change, message))
        return message

    def summary(self) -> dict[str, Any]:
        """JSON-ready history and alarms, for the run's summary and plots."""
        return {"window": self.window, "margin": self.margin,
                "history": [_clean(asdict(c)) for c in self.history],
                "alarms": [_clean(asdict(a)) for a in self.alarms]}


def _finite(v: Any) -> bool:
    """True for a finite number (plain, numpy or 0-d tensor); False for None/NaN/inf."""
    if v is None or isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}
