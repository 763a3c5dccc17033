"""The failure policy of trainers that need a number for every sample (verl, OpenRLHF).

TRL can leave a sample out (every function returns NaN for it); verl and OpenRLHF cannot: they
normalise each group of generations with a plain mean and std, so one NaN makes the whole group's
advantages NaN. For them a failed sample gets a finite stand-in, chosen so that it neither rewards
nor punishes what the policy wrote:

* **group mean** (the default, ``error_value="group_mean"``): the mean of the *valid* values of the
  failed sample's group (the samples of the same prompt). Its advantage is then 0: the sample
  neither pulls nor pushes the policy, and the other samples keep their order. When the call sees
  the whole group (a batch, or a server request with the group), the mean is exactly the group's;
  when it sees one sample at a time (verl's ``naive`` manager, its reward loop), it is the mean of
  the recent valid samples of the same group already scored, else of every recent valid sample,
  else 0.0, so the advantage is close to 0, not exactly 0.
* a fixed number (``error_value=0``): only knowingly: it scores the sample as that number.

Every failure is flagged per sample (``rewardsmith_error``), logged at WARNING with the plugin's name
and the running failure rate, and counted in a window of the last ``window`` samples. When more
than ``max_error_rate`` of that window failed, :class:`ErrorRateExceeded` stops the run, so a
broken verifier cannot train a model quietly on stand-in values.
"""
from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict, deque
from typing import Any, Callable, Hashable, Sequence

from rewardsmith.core.errors import RewardError

__all__ = ["GROUP_MEAN", "ErrorRateExceeded", "FailureTracker", "parse_error_value", "missing_label_errors",
           "score_scorable"]

log = logging.getLogger("rewardsmith")

#: the default stand-in for a failed sample: the mean of its group's valid values
GROUP_MEAN = "group_mean"
_RECENT = 64  # valid values remembered per (label, group)


class ErrorRateExceeded(RewardError):
    """Too many samples failed in the recent window: the run must stop."""


def parse_error_value(value: Any) -> float | str:
    """``"group_mean"`` or a number (a user's ``error_value`` setting).

    >>> parse_error_value("group_mean"), parse_error_value("0"), parse_error_value(-1)
    ('group_mean', 0.0, -1.0)
    """
    if isinstance(value, str) and value.strip().lower() == GROUP_MEAN:
        return GROUP_MEAN
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"error_value must be {GROUP_MEAN!r} or a number, not {value!r}") from None


class FailureTracker:
    """Stand-ins for failed samples, the running failure rate, and the stop past ``max_error_rate``.

    Thread-safe (verl's reward loop and the server score from several threads). One tracker per
    trainer process and reward spec.

    Args:
        max_error_rate: the largest share of failed samples tolerated in the window (0 to 1).
        window: how many recent samples the rate is taken over.
        error_value: :data:`GROUP_MEAN` or a fixed number for failed samples.
        where: how the warning names the integration (``verl``, ``rewardsmith serve``).

    >>> t = FailureTracker(max_error_rate=0.5, window=4)
    >>> t.settle({"score": [float("nan"), 1.0, 0.0]}, ["plugin 'x': boom", None, None], ["q"] * 3)
    ({'score': [0.5, 1.0, 0.0]}, [True, False, False])
    """

    def __init__(self, max_error_rate: float = 0.05, window: int = 256,
                 error_value: float | str = GROUP_MEAN, where: str = "rewardsmith") -> None:
        if not 0 <= max_error_rate <= 1:
            raise ValueError(f"max_error_rate must be between 0 and 1, not {max_error_rate}")
        if window < 1:
            raise ValueError("the error-rate window must hold at least 1 sample")
        self.max_error_rate = float(max_error_rate)
        self.window = int(window)
        self.error_value = error_value
        self.where = where
        self.recent: deque[bool] = deque(maxlen=self.window)
        self.total = 0
        self.failed = 0
        self.stopped: str | None = None
        self._valid: dict[tuple[str, Hashable], deque[float]] = defaultdict(lambda: deque(maxlen=_RECENT))
        self._valid_all: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=self.window))
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # picklable (verl may ship the function to workers)
        state = {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_valid", "_valid_all")}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["max_error_rate"], state["window"], state["error_value"], state["where"])

    # ------------------------------------------------------------------------------------------
    def settle(self, values: dict[str, list[float | None]], errors: Sequence[str | None],
               groups: Sequence[Hashable]) -> tuple[dict[str, list[float | None]], list[bool]]:
        """Replace the values of failed samples by their stand-ins, record, warn, maybe stop.

        Args:
            values: per label (``score``, each component, ...), one value per sample. NaN (no
                score) gets a stand-in, and so does the ``score`` of every failed sample; a
                component that was scored keeps its value; ``None`` (not applicable) is left alone.
            errors: per sample, the failure message naming the plugin, or None when it was scored.
            groups: per sample, the group it belongs to (its prompt, or a stand-in for it).

        Returns:
            ``(values with stand-ins, failed flags)``.

        Raises:
            ErrorRateExceeded: more than ``max_error_rate`` of the last ``window`` samples failed
                (also on every later call: the run must stop).
        """
        n = len(errors)
        score = values.get("score", [None] * n)
        failed = [errors[i] is not None or _nan(score[i]) for i in range(n)]
        with self._lock:
            if self.stopped:
                raise ErrorRateExceeded(self.stopped)
            out = {label: list(vals) for label, vals in values.items()}
            in_call: dict[tuple[str, Hashable], list[float]] = defaultdict(list)
            for label, vals in values.items():
                for i, v in enumerate(vals):
                    if not failed[i] and v is not None and not _nan(v):
                        in_call[(label, groups[i])].append(float(v))
            for label, vals in out.items():  # a failed sample's total; a failed component
                for i, v in enumerate(vals):
                    if _nan(v) or (label == "score" and failed[i]):
                        vals[i] = self._stand_in(label, groups[i], in_call)
            for (label, group), vs in in_call.items():
                self._valid[(label, group)].extend(vs)
                self._valid_all[label].extend(vs)
            scores = out.get("score", [None] * n)
            for i in range(n):
                self._record(failed[i], errors[i] or "the reward returned NaN", scores[i])
        return out, failed

    def _stand_in(self, label: str, group: Hashable,
                  in_call: dict[tuple[str, Hashable], list[float]]) -> float:
        if self.error_value != GROUP_MEAN:
            return float(self.error_value)
        for pool in (in_call.get((label, group)), self._valid.get((label, group)), self._valid_all.get(label)):
            if pool:
                return sum(pool) / len(pool)
        return 0.0

    def _record(self, failed: bool, message: str, stand_in: float | None) -> None:
        self.recent.append(failed)
        self.total += 1
        if not failed:
            return
        self.failed += 1
        bad = sum(self.recent)
        rate = f"{bad} of the last {len(self.recent)} samples failed ({bad / len(self.recent):.1%})"
        log.warning("%s: reward failed: %s; sent %s instead (error_value=%s); %s, "
                    "max_error_rate %.1f%% of %d", self.where, message,
                    "nothing" if stand_in is None else f"{stand_in:g}", self.error_value, rate,
                    100 * self.max_error_rate, self.window)
        if bad > self.max_error_rate * self.window:
            self.stopped = (f"{self.where}: {bad} of the last {len(self.recent)} samples failed, more than "
                            f"max_error_rate={self.max_error_rate:g} of {self.window}; the run stops so "
                            f"that a broken reward cannot train the model on stand-in values. Last "
                            f"failure: {message}. Fix the reward, or raise max_error_rate knowingly.")
            log.error("%s", self.stopped)
            raise ErrorRateExceeded(self.stopped)

    def stats(self) -> dict[str, Any]:
        """Counts for a health report."""
        with self._lock:
            bad = sum(self.recent)
            return {"samples": self.total, "failed": self.failed, "recent_failed": bad,
                    "recent_samples": len(self.recent), "max_error_rate": self.max_error_rate,
                    "window": self.window, "stopped": self.stopped}


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def missing_label_errors(reward: Any, column: str, labels: Sequence[Any]) -> list[str | None]:
    """Per sample, why it cannot be scored when a component needs ``column`` and its label is
    missing or blank (a counted failure, never a 0.0); None where the label is there or unneeded."""
    needs = [c.label for c, r in reward.components if column in r.required_columns()]
    if not needs:
        return [None] * len(labels)
    return [f"missing label ({v!r} in {column!r}); {', '.join(needs)} needs it"
            if v is None or (isinstance(v, str) and not v.strip()) else None for v in labels]


def score_scorable(score: Callable[..., Any], reward: Any, prompts: Sequence[Any],
                   completions: Sequence[Any], columns: dict[str, Sequence[Any]],
                   errors: Sequence[str | None]) -> tuple[dict[str, list[float | None]], list[str | None]]:
    """Score only the samples without an error; the others are NaN (to be settled as failures).

    Args:
        score: ``score(prompts, completions, columns) -> BatchResult`` (a reward's or an executor's).
        reward: the composed reward (for its labels and plugin names).
        errors: per sample, why it cannot be scored, or None.

    Returns:
        ``(values, errors)``: ``score`` and each component, one value per sample; and per sample
        the first failure message, naming the component and its plugin.
    """
    n = len(errors)
    labels = reward.spec.labels
    values: dict[str, list[float | None]] = {k: [math.nan] * n for k in ["score", *labels]}
    errors = list(errors)
    todo = [i for i, e in enumerate(errors) if e is None]
    if todo:
        result = score([prompts[i] for i in todo], [completions[i] for i in todo],
                       {k: [v[i] for i in todo] for k, v in columns.items()})
        plugins = {c.label: r.plugin for c, r in reward.components}
        for j, i in enumerate(todo):
            values["score"][i] = result.rewards[j]
            for label in labels:
                values[label][i] = result.components[label][j]
            errors[i] = next((f"{label} (plugin {plugins[label]!r}): {result.errors[label][j]}"
                              for label in labels if result.errors[label][j] is not None), None)
    return values, errors
