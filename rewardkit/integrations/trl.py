"""rewardkit rewards as TRL reward functions (``GRPOTrainer(reward_funcs=...)``)::

    funcs, weights = reward_funcs("math:1+format:0.2")
    config = GRPOConfig(..., **grpo_config_kwargs("math:1+format:0.2"))  # reward_weights=weights
    trainer = GRPOTrainer(model, reward_funcs=funcs, args=config, train_dataset=dataset)

Each component of the spec becomes one function, named by its label (``math``, ``format``, or
``math[2]`` for a repeated name), so TRL logs ``rewards/math/mean`` per component and applies the
spec's weights through ``reward_weights``. Completions may be strings or chat messages
(conversational datasets). ``None`` ("not applicable") is returned as ``None``; a failed sample
is NaN ("no score") and is logged with the plugin's name and counted (``rewardkit/<label>/errors``
in TRL's metrics): TRL treats both as missing when it sums, never as 0.0.

This module does not import TRL: the functions only follow its calling convention.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Mapping, Sequence

from rewardkit.core.compose import ComposedReward, load_reward
from rewardkit.core.reward import Reward
from rewardkit.core.spec import RewardSpec

__all__ = ["TRLRewardFunction", "reward_funcs", "grpo_config_kwargs"]

log = logging.getLogger("rewardkit")

#: keyword arguments TRL passes that are not dataset columns
_TRAINER_KWARGS = ("completion_ids", "trainer_state", "log_extra", "log_metric", "environments")


class TRLRewardFunction:
    """One reward of a spec in TRL's shape: ``f(prompts, completions, **columns) -> list[float | None]``.

    Picklable (TRL and accelerate may copy it to other processes). ``error_count`` counts failed
    samples over the object's life.

    Args:
        reward: the reward instance (from the registry).
        label: the component's label; becomes ``__name__``, which TRL uses in its logs.
        strict: raise :class:`RewardError` at the first failure instead of returning NaN.
    """

    def __init__(self, reward: Reward, label: str, strict: bool = False) -> None:
        self.reward = reward
        self.label = label
        self.strict = strict
        self.error_count = 0
        self.__name__ = label
        self.__qualname__ = label

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                 **kwargs: Any) -> list[float | None]:
        n = len(completions)
        columns = {k: v for k, v in kwargs.items()
                   if k not in _TRAINER_KWARGS and isinstance(v, (list, tuple)) and len(v) == n}
        scores = self.reward.checked_batch(prompts, completions, columns, strict=self.strict)
        failed = sum(s.failed for s in scores)
        self.error_count += failed
        log_metric: Callable[[str, float], None] | None = kwargs.get("log_metric")
        if callable(log_metric):
            log_metric(f"rewardkit/{self.label}/errors", float(failed))
        return [s.value for s in scores]

    def __repr__(self) -> str:
        return f"TRLRewardFunction({self.label!r}, {self.reward!r})"


def _composed(spec: str | Mapping | RewardSpec | ComposedReward, strict: bool) -> ComposedReward:
    if isinstance(spec, ComposedReward):
        return spec
    return load_reward(spec, strict=strict)


def reward_funcs(spec: str | Mapping | RewardSpec | ComposedReward, *,
                 strict: bool = False) -> tuple[list[TRLRewardFunction], list[float]]:
    """TRL reward functions and their weights for a reward spec.

    Args:
        spec: a spec string (``"math:1+format:0.2"``), a YAML/JSON spec file, a mapping, or an
            already loaded :class:`ComposedReward`.
        strict: raise at the first reward failure instead of returning NaN for that sample.

    Returns:
        ``(functions, weights)``: pass ``functions`` as ``reward_funcs`` and ``weights`` as
        ``GRPOConfig(reward_weights=...)``. For ``aggregate: normalize_then_sum`` also set
        ``multi_objective_aggregation`` (see :func:`grpo_config_kwargs`).

    >>> from rewardkit.core.spec import parse_spec
    >>> from rewardkit.core.reward import reward
    >>> @reward("has_42")
    ... def has_42(completion):
    ...     return float("42" in completion)
    >>> funcs, weights = reward_funcs(ComposedReward(parse_spec("has_42:0.5"), [has_42()]))
    >>> funcs[0].__name__, weights
    ('has_42', [0.5])
    >>> funcs[0](prompts=["q"], completions=[[{"role": "assistant", "content": "42"}]])
    [1.0]
    """
    composed = _composed(spec, strict)
    funcs = [TRLRewardFunction(r, c.label, strict=strict or composed.strict) for c, r in composed.components]
    return funcs, [float(c.weight) for c in composed.spec.components]


def grpo_config_kwargs(spec: str | Mapping | RewardSpec | ComposedReward) -> dict[str, Any]:
    """``GRPOConfig`` arguments that make TRL combine the functions as the spec says.

    TRL's ``normalize_then_sum`` divides by ``std + 1e-4`` over each group of generations, so its
    totals are close to, not identical with, ``rewardkit score --aggregate normalize_then_sum``.

    >>> from rewardkit.core.spec import parse_spec, RewardSpec
    >>> spec = RewardSpec(parse_spec("a:1+b:0.2").components, "normalize_then_sum")
    >>> grpo_config_kwargs(spec)
    {'reward_weights': [1.0, 0.2], 'multi_objective_aggregation': 'normalize_then_sum'}
    """
    if isinstance(spec, ComposedReward):
        parsed = spec.spec
    elif isinstance(spec, RewardSpec):
        parsed = spec
    else:
        parsed = load_reward(spec).spec
    aggregation = "normalize_then_sum" if parsed.aggregate == "normalize_then_sum" else "sum_then_normalize"
    return {"reward_weights": [float(c.weight) for c in parsed.components],
            "multi_objective_aggregation": aggregation}
