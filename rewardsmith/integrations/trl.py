"""rewardsmith rewards as TRL reward functions::

    spec = "math:1+format:0.2"
    config = GRPOConfig(..., **grpo_config_kwargs(spec))   # reward_weights=[1.0, 0.2]
    trainer = GRPOTrainer(model, reward_funcs=reward_funcs(spec), args=config, train_dataset=dataset)

Each component of the spec becomes one function, named by its label (``math``, ``format``, or
``math[2]`` for a repeated name), so TRL logs ``rewards/math/mean`` per component and applies the
spec's weights through ``reward_weights``. Completions may be strings or chat messages.

The functions of one spec score each batch together, once. When any component fails on a sample,
*every* function returns NaN for that sample: TRL then leaves the sample out of its group's
baseline and gives it a zero advantage (a failure is never a wrong answer, as it would be if one
component's NaN were summed away next to the others' numbers). ``None`` (not applicable) stays
``None``. Failures are logged with the plugin's name and counted in TRL's metrics:
``rewardsmith/<label>/errors`` per component and ``rewardsmith/failed_samples`` per batch.

This module does not import TRL: the functions only follow its calling convention.
"""
from __future__ import annotations

import hashlib
import math
import threading
from typing import Any, Callable, Mapping, Sequence

from rewardsmith.core.compose import BatchResult, ComposedReward, load_reward
from rewardsmith.core.spec import RewardSpec

__all__ = ["TRLRewardFunction", "reward_funcs", "reward_weights", "grpo_config_kwargs"]

#: keyword arguments TRL passes that are not dataset columns
_TRAINER_KWARGS = ("trainer_state", "log_extra", "log_metric", "environments")

Spec = str | Mapping | RewardSpec | ComposedReward


class _SharedScorer:
    """Scores a batch once for all the functions of one spec (TRL calls them one after another
    with the same batch); each function reads its component and the batch's failures."""

    def __init__(self, composed: ComposedReward) -> None:
        self.composed = composed
        self._key: str | None = None
        self._result: BatchResult | None = None
        self._readers: set[str] = set()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"composed": self.composed}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["composed"])

    def result(self, label: str, prompts: Any, completions: Sequence[Any],
               columns: dict[str, Sequence[Any]]) -> tuple[BatchResult, bool]:
        """The batch's result, and whether this call computed it (the first reader)."""
        key = hashlib.sha256(repr((prompts, completions, sorted(columns.items()))).encode()).hexdigest()
        with self._lock:
            # a label that already read this batch is a new batch with the same content
            if key == self._key and label not in self._readers and self._result is not None:
                self._readers.add(label)
                return self._result, False
            self._result = self.composed.score(prompts, completions, columns)
            self._key, self._readers = key, {label}
            return self._result, True


class TRLRewardFunction:
    """One reward of a spec in TRL's shape: ``f(prompts, completions, **columns) -> list[float | None]``.

    Picklable (TRL and accelerate may copy it to other processes). ``error_count`` counts this
    component's failed samples over the object's life.

    Args:
        scorer: the spec's shared scorer.
        label: the component's label; becomes ``__name__``, which TRL uses in its logs.
    """

    def __init__(self, scorer: _SharedScorer, label: str) -> None:
        self.scorer = scorer
        self.label = label
        self.error_count = 0
        self.__name__ = label
        self.__qualname__ = label

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                 **kwargs: Any) -> list[float | None]:
        n = len(completions)
        columns = {k: v for k, v in kwargs.items()
                   if k not in _TRAINER_KWARGS and isinstance(v, (list, tuple)) and len(v) == n}
        result, first = self.scorer.result(self.label, prompts, completions, columns)
        own = sum(e is not None for e in result.errors[self.label])
        failed = [any(errs[i] is not None for errs in result.errors.values()) for i in range(n)]
        self.error_count += own
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        if callable(log_metric):
            log_metric(f"rewardsmith/{self.label}/errors", float(own))
            if first:
                log_metric("rewardsmith/failed_samples", float(sum(failed)))
        return [math.nan if failed[i] else v for i, v in enumerate(result.components[self.label])]

    def __repr__(self) -> str:
        return f"TRLRewardFunction({self.label!r}, {self.scorer.composed!r})"


def _composed(spec: Spec, strict: bool = False) -> ComposedReward:
    if isinstance(spec, ComposedReward):
        return spec
    return load_reward(spec, strict=strict)


def reward_funcs(spec: Spec, *, strict: bool = False) -> list[TRLRewardFunction]:
    """The list to pass as ``GRPOTrainer(reward_funcs=...)`` for a reward spec.

    Args:
        spec: a spec string (``"math:1+format:0.2"``), a YAML/JSON spec file, a mapping, or an
            already loaded :class:`ComposedReward`.
        strict: raise at the first reward failure instead of leaving the sample out.

    Returns:
        One function per component, in the spec's order. Pass the weights with
        ``GRPOConfig(**grpo_config_kwargs(spec))`` (or ``reward_weights=reward_weights(spec)``).

    >>> from rewardsmith.core.spec import parse_spec
    >>> from rewardsmith.core.reward import reward
    >>> @reward("has_42")
    ... def has_42(completion):
    ...     return float("42" in completion)
    >>> funcs = reward_funcs(ComposedReward(parse_spec("has_42:0.5"), [has_42()]))
    >>> [f.__name__ for f in funcs]
    ['has_42']
    >>> funcs[0](prompts=["q"], completions=[[{"role": "assistant", "content": "42"}]])
    [1.0]
    """
    composed = _composed(spec, strict)
    if strict and not composed.strict:
        composed = ComposedReward(composed.spec, composed.rewards, strict=True)
    scorer = _SharedScorer(composed)
    return [TRLRewardFunction(scorer, c.label) for c in composed.spec.components]


def _parsed(spec: Spec) -> RewardSpec:
    if isinstance(spec, ComposedReward):
        return spec.spec
    if isinstance(spec, RewardSpec):
        return spec
    return load_reward(spec).spec


def reward_weights(spec: Spec) -> list[float]:
    """The spec's weights, in the order of :func:`reward_funcs` (``GRPOConfig(reward_weights=...)``).

    >>> from rewardsmith.core.spec import parse_spec, RewardSpec
    >>> reward_weights(RewardSpec(parse_spec("a:1+b:0.2").components))
    [1.0, 0.2]
    """
    return [float(c.weight) for c in _parsed(spec).components]


def grpo_config_kwargs(spec: Spec) -> dict[str, Any]:
    """``GRPOConfig`` arguments that make TRL combine the functions as the spec says.

    TRL's ``normalize_then_sum`` divides by ``std + 1e-4`` over each group of generations, so its
    totals are close to, not identical with, ``rewardsmith score --aggregate normalize_then_sum``.

    >>> from rewardsmith.core.spec import parse_spec, RewardSpec
    >>> spec = RewardSpec(parse_spec("a:1+b:0.2").components, "normalize_then_sum")
    >>> grpo_config_kwargs(spec)
    {'reward_weights': [1.0, 0.2], 'multi_objective_aggregation': 'normalize_then_sum'}
    """
    parsed = _parsed(spec)
    aggregation = "normalize_then_sum" if parsed.aggregate == "normalize_then_sum" else "sum_then_normalize"
    return {"reward_weights": reward_weights(parsed), "multi_objective_aggregation": aggregation}
