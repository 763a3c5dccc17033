"""Composition: a weighted sum of reward components, keeping every component's values.

Per sample: a component that is ``None`` (not applicable) is left out of that sample's sum and
counted; if every component is ``None`` the total is ``None``. A component that failed (NaN, no
score) makes the total NaN, so a broken verifier never looks like a wrong answer. A value outside
the component's declared ``value_range`` is such a failure too (see :meth:`Reward.checked_batch`).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from rewardsmith.core.errors import UsageError
from rewardsmith.core.reward import LockedState, Reward, Score, _list_columns, prompt_text
from rewardsmith.core.spec import ComponentSpec, RewardSpec, load_spec

__all__ = ["BatchResult", "ComposedReward", "load_reward", "combine"]


@dataclass
class BatchResult:
    """Scores of one batch: totals, and per component (by label) values, details and errors."""

    rewards: list[float | None]
    components: dict[str, list[float | None]]
    details: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    errors: dict[str, list[str | None]] = field(default_factory=dict)

    def row(self, i: int, details: bool = False) -> dict[str, Any]:
        """JSON-ready summary of sample ``i`` (NaN becomes null, with the error kept); with
        ``details``, each component's details (extracted answer, reason, ...) too."""
        out: dict[str, Any] = {"reward": _json_num(self.rewards[i]),
                               "rewards": {k: _json_num(v[i]) for k, v in self.components.items()}}
        errs = {k: v[i] for k, v in self.errors.items() if v[i]}
        if errs:
            out["reward_errors"] = errs
        if details:
            out["reward_details"] = {k: v[i] for k, v in self.details.items()}
        return out

    def counts(self) -> dict[str, dict[str, int]]:
        """Per component: how many samples were None (not applicable) and how many failed."""
        return {k: {"none": sum(x is None for x in v),
                    "errors": sum(e is not None for e in self.errors.get(k, []))}
                for k, v in self.components.items()}


def _json_num(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def combine(values: Sequence[float | None], weights: Sequence[float]) -> float | None:
    """Weighted sum of one sample's component values with the None/NaN policy.

    >>> combine([1.0, None], [1.0, 0.2])
    1.0
    >>> combine([None, None], [1.0, 1.0]) is None
    True
    >>> math.isnan(combine([float("nan"), 1.0], [1.0, 1.0]))
    True
    """
    present = [(v, w) for v, w in zip(values, weights) if v is not None]
    if not present:
        return None
    if any(math.isnan(v) for v, _ in present):
        return math.nan
    return float(sum(v * w for v, w in present))


def _normalize_in_groups(values: list[float | None], groups: Sequence[Any]) -> list[float | None]:
    """z-score each value within its group, over the group's finite values; None stays None."""
    by_group: dict[Any, list[float]] = {}
    for v, g in zip(values, groups):
        if v is not None and not math.isnan(v):
            by_group.setdefault(g, []).append(v)
    stats = {}
    for g, vs in by_group.items():
        mean = sum(vs) / len(vs)
        std = math.sqrt(sum((x - mean) ** 2 for x in vs) / len(vs))
        stats[g] = (mean, std)
    out: list[float | None] = []
    for v, g in zip(values, groups):
        if v is None or math.isnan(v):
            out.append(v)
        else:
            mean, std = stats[g]
            out.append(0.0 if std < 1e-12 else (v - mean) / std)
    return out


class ComposedReward(LockedState):
    """A reward spec bound to reward instances. Picklable (for process pools and Ray).

    Call :meth:`score` for the full result, or the object itself in TRL's shape for totals.
    ``error_counts`` accumulates failures per component label over the object's life.
    """

    def __init__(self, spec: RewardSpec, rewards: Sequence[Reward], strict: bool = False) -> None:
        if len(spec.components) != len(rewards):
            raise ValueError("one reward instance per spec component")
        self.spec = spec
        self.rewards = list(rewards)
        self.strict = strict
        self.error_counts: Counter[str] = Counter({label: 0 for label in spec.labels})
        LockedState.__init__(self)
        self.__name__ = str(spec)

    @property
    def components(self) -> list[tuple[ComponentSpec, Reward]]:
        return list(zip(self.spec.components, self.rewards))

    def required_columns(self) -> list[str]:
        return sorted({c for r in self.rewards for c in r.required_columns()})

    def score(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:
        """Score a batch. ``groups`` (one id per sample) is used by ``normalize_then_sum``;
        by default samples that share a prompt form a group."""
        n = len(completions)
        columns = dict(columns or {})
        comp_values: dict[str, list[float | None]] = {}
        details: dict[str, list[Mapping[str, Any]]] = {}
        errors: dict[str, list[str | None]] = {}
        for comp, reward in self.components:
            scores: list[Score] = reward.checked_batch(prompts, completions, columns, strict=self.strict)
            comp_values[comp.label] = [s.value for s in scores]
            details[comp.label] = [dict(s.details) for s in scores]
            errors[comp.label] = [s.error for s in scores]
            failed = sum(s.error is not None for s in scores)
            if failed:
                with self._lock:  # the server scores from several threads
                    self.error_counts[comp.label] += failed
        summed = comp_values
        if self.spec.aggregate == "normalize_then_sum":
            if groups is None:
                groups = [prompt_text(p) for p in (prompts or [None] * n)]
            summed = {k: _normalize_in_groups(v, groups) for k, v in comp_values.items()}
        weights = [c.weight for c in self.spec.components]
        labels = self.spec.labels
        totals = [combine([summed[lab][i] for lab in labels], weights) for i in range(n)]
        return BatchResult(totals, comp_values, details, errors)

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                 **columns: Any) -> list[float | None]:
        return self.score(prompts, completions, _list_columns(columns, len(completions))).rewards

    def __repr__(self) -> str:
        return f"ComposedReward({str(self.spec)!r}, aggregate={self.spec.aggregate!r})"


def load_reward(spec: str | Mapping | RewardSpec, *, strict: bool = False,
                aggregate: str | None = None, plugin_manager: Any = None) -> ComposedReward:
    """Build a :class:`ComposedReward` from a spec string, file, or mapping.

    >>> r = load_reward("format")
    >>> r.spec.labels
    ['format']
    """
    if plugin_manager is None:
        from rewardsmith.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    registry = plugin_manager.registry
    parsed = load_spec(spec, known=registry.names(), aggregate=aggregate)
    if not parsed.components:
        raise UsageError("empty reward spec")
    rewards = [registry.create(c.name, c.options) for c in parsed.components]
    return ComposedReward(parsed, rewards, strict=strict)
