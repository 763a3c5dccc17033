"""The ``prm`` reward: a process reward model's step scores, aggregated into one value.

Spec examples::

    prm(model=runs/prm)                                  min over steps, in [0, 1]
    math+prm(model=runs/prm,aggregate=min):0.2           a bounded shaping term beside correctness
    prm(model=Qwen/Qwen2.5-Math-PRM-7B,trust_remote_code=true)
    prm(model=runs/prm,shaping=clip,eta=0.6)             in [-0.6, 0]: extra steps never pay (with min)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

from rewardsmith import hookimpl
from rewardsmith.core.probes import Probe
from rewardsmith.core.reward import Reward, Score
from rewardsmith.verifiers.prm.aggregation import aggregate, shape, value_range
from rewardsmith.verifiers.prm.steps import decode_escapes

__all__ = ["PRMOptions", "PRMReward"]


@dataclass(frozen=True)
class PRMOptions:
    """Options of the ``prm`` reward."""

    model: str = field(default="", metadata={
        "help": "PRM directory (from 'rewardsmith prm train') or hub id, e.g. Qwen/Qwen2.5-Math-PRM-7B"})
    convention: Literal["auto", "token_classifier", "step_tag", "value_head"] = field(default="auto", metadata={
        "help": "how the PRM reads steps; auto decides from the model's config"})
    aggregate: Literal["min", "prod", "last", "mean"] = field(default="min", metadata={
        "help": "how step values become one value (min resists step farming; last and mean do not)"})
    shaping: Literal["none", "clip", "delta"] = field(default="none", metadata={
        "help": "per-step shaping before aggregation: clip = min(r - eta, 0), delta = r_i - r_(i-1)"})
    eta: float = field(default=0.5, metadata={"help": "threshold of shaping=clip, in [0, 1]"})
    step_separator: str = field(default="\n\n", metadata={
        "help": "string between steps of a completion (escapes \\n and \\t are understood)"})
    marker: str = field(default="", metadata={
        "help": "override the step marker the PRM reads (default: the convention's own)"})
    batch_size: int = field(default=8, metadata={"help": "solutions per forward pass"})
    max_length: int = field(default=4096, metadata={"help": "longest scoring input in tokens; steps past it score 0"})
    device: str = field(default="auto", metadata={"help": "auto, cpu, cuda, cuda:1, ..."})
    dtype: str = field(default="auto", metadata={"help": "auto (bfloat16 on GPU, float32 on CPU), float32, bfloat16"})
    trust_remote_code: bool = field(default=False, metadata={
        "help": "allow the model's own code (needed by Qwen2.5-Math-PRM)"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "step_separator", decode_escapes(self.step_separator))
        if not self.step_separator:
            raise ValueError("step_separator must not be empty")
        if not 0.0 <= self.eta <= 1.0:
            raise ValueError(f"eta must lie in [0, 1], got {self.eta}")
        if self.batch_size < 1 or self.max_length < 1:
            raise ValueError("batch_size and max_length must be positive")
        value_range(self.shaping, self.aggregate, self.eta)  # rejects prod with shaping


class PRMReward(Reward):
    """Process reward: a PRM scores every step; the aggregate (min by default) is the reward.

    The completion is split at ``step_separator``; step markers the policy wrote itself are
    removed; all steps of a batch are scored in batched forward passes. ``details`` holds
    ``step_scores`` (and ``shaped`` values when shaping is on). A completion without any step is
    not applicable (None). Steps past ``max_length`` tokens cannot be verified and score 0
    (``details["unscored_steps"]`` counts them), so overlong output never earns more.

    >>> PRMReward.value_range, PRMReward(model="runs/prm", aggregate="last").value_range
    ((-1.0, 1.0), (0.0, 1.0))
    >>> PRMReward(model="runs/prm", shaping="clip", eta=0.3).value_range
    (-0.3, 0.0)
    """

    name = "prm"
    Options = PRMOptions
    #: every setting's range (shaping=delta reaches -1); an instance narrows it to its own options'
    value_range = (-1.0, 1.0)
    requires = ("torch", "transformers")
    extra = "train"

    def __init__(self, options: Any = None, **option_values: Any) -> None:
        super().__init__(options, **option_values)
        o = self.options
        self.value_range = value_range(o.shaping, o.aggregate, o.eta)

    def scorer(self) -> Any:
        """The loaded PRM (shared by every reward instance with the same model options)."""
        from rewardsmith.verifiers.prm.scorer import load_scorer
        o = self.options
        return load_scorer(o.model, o.convention, o.marker or None, o.device, o.dtype,
                           o.trust_remote_code, o.batch_size, o.max_length)

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        """Score a batch in batched forward passes; a model that cannot load raises UsageError."""
        from rewardsmith.verifiers.prm.verify import verify_steps
        self.check_columns(dict(columns or {}), len(completions))
        verdicts = verify_steps(self.scorer(), prompts, completions, self.options.step_separator)
        return [self._safe(lambda v=v: self._from_verdict(v), i, strict) for i, v in enumerate(verdicts)]

    def score(self, prompt: Any = None, completion: Any = "", **context: Any) -> Score:
        """Score one sample (a batch of one)."""
        return self.score_batch([prompt], [completion], strict=True)[0]

    def _from_verdict(self, verdict: Any) -> Score:
        if verdict.error:
            raise RuntimeError(verdict.error)
        if not verdict.details.get("steps"):
            return Score(None, {"steps": 0})
        o = self.options
        unscored = verdict.details.get("unscored_steps", 0)
        steps = list(verdict.details["step_scores"]) + [0.0] * unscored  # unverifiable = wrong
        values = shape(steps, o.shaping, o.eta)
        details: dict[str, Any] = {"steps": len(steps), "step_scores": [round(s, 6) for s in steps]}
        if unscored:
            details["unscored_steps"] = unscored
        if o.shaping != "none":
            details["shaped"] = [round(v, 6) for v in values]
        value = aggregate(values, o.aggregate)
        if math.isnan(value):
            raise RuntimeError("the PRM returned NaN step scores")
        return Score(value, details)


@hookimpl
def rewardsmith_rewards() -> list[type[Reward]]:
    """The ``prm`` reward."""
    return [PRMReward]


@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """PRM probes (farming the process reward model with extra steps) for ``prm``."""
    if reward_name != PRMReward.name:
        return []
    from rewardsmith.plugins.probes.prm import probes
    return probes()
