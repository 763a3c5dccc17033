"""Cascades: a rule-based reward first, a second reward (a judge) only for what the rule refused.

``math(fallback=judge(base_url=...,model=...))`` scores every sample with ``math``; the samples
math refused (0.0 for a wrong or missing final answer; not hedges or resource attacks, which the
rule refuses on purpose) go to the fallback, whose value then decides. Which scores count as
refused is the rule's call: a reward may define ``fallback_wanted(score) -> bool``; by default a
score at the bottom of its value range is refused. A fallback reward may define
``as_fallback()`` to configure itself for the role (the judge switches to its equivalence rubric).
Every sample's details say which path decided (``decided_by``); the wrapper counts how many
samples reached the fallback.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from rewardsmith.core.errors import UsageError
from rewardsmith.core.reward import LockedState, Reward, Score

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.registry import RewardRegistry

__all__ = ["FallbackReward", "with_fallback"]


def _default_wanted(rule: Reward, score: Score) -> bool:
    return score.error is None and score.value is not None and score.value <= rule.value_range[0]


class FallbackReward(LockedState, Reward):
    """``rule``'s value, except where ``rule`` refused: there ``fallback``'s value.

    A fallback that fails gives no score (NaN, counted), never the rule's 0.
    """

    def __init__(self, rule: Reward, fallback: Reward) -> None:
        Reward.__init__(self, rule.options)
        self.rule, self.fallback = rule, fallback
        self.name, self.plugin = rule.name, rule.plugin
        self.Options = rule.Options
        self.value_range = (min(rule.value_range[0], fallback.value_range[0]),
                            max(rule.value_range[1], fallback.value_range[1]))
        self.scored = 0
        self.reached = 0
        LockedState.__init__(self)

    def required_columns(self) -> list[str]:  # type: ignore[override]
        return sorted(set(self.rule.required_columns()) | set(self.fallback.required_columns()))

    def score(self, prompt: Any = None, completion: Any = "", **context: Any) -> Score:
        return self.score_batch([prompt], [completion], {k: [v] for k, v in context.items()}, strict=True)[0]

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        columns = dict(columns or {})
        n = len(completions)
        prompts = list(prompts) if prompts is not None else [None] * n
        first = self.rule.score_batch(prompts, completions, columns, strict=strict)
        wanted = getattr(self.rule, "fallback_wanted", None)
        todo = [i for i, s in enumerate(first)
                if (wanted(s) if wanted is not None else _default_wanted(self.rule, s))]
        second = self.fallback.score_batch([prompts[i] for i in todo], [completions[i] for i in todo],
                                           {k: [v[i] for i in todo] for k, v in columns.items()},
                                           strict=strict) if todo else []
        out = [s if s.value is None and s.error is None  # not applicable: nobody decided
               else Score(s.value, {**s.details, "decided_by": self.rule.name}, s.error) for s in first]
        for i, s in zip(todo, second):
            details = {**first[i].details, "decided_by": self.fallback.name,
                       "rule_value": first[i].value, self.fallback.name: dict(s.details)}
            error = f"fallback {self.fallback.name!r} failed: {s.error}" if s.error else None
            out[i] = Score(s.value, details, error)
        with self._lock:
            self.scored += sum(s.value is not None or s.error is not None for s in first)
            self.reached += len(todo)
        return out

    def summary_line(self) -> str | None:
        """The share of samples that reached the fallback, and the fallback's own summary."""
        share = f"{100.0 * self.reached / self.scored:.1f}%" if self.scored else "n/a"
        line = (f"{self.rule.name}: {self.reached} of {self.scored} scored samples ({share}) "
                f"reached the fallback {self.fallback.name!r}")
        extra = getattr(self.fallback, "summary_line", None)
        more = extra() if callable(extra) else None
        return f"{line}; {more}" if more else line

    def __repr__(self) -> str:
        return f"FallbackReward({self.rule!r}, fallback={self.fallback!r})"


def with_fallback(rule: Reward, spec: Any, registry: RewardRegistry) -> FallbackReward:
    """Wrap ``rule`` so that ``spec`` (``judge(...)``, or a mapping with name and options) scores
    the samples it refuses."""
    from rewardsmith.core.spec import parse_spec
    if isinstance(spec, Mapping):
        name, options = str(spec.get("name", "")), dict(spec.get("options") or {})
    else:
        comps = parse_spec(str(spec), known=registry.names()).components
        if len(comps) != 1 or comps[0].weight != 1.0:
            raise UsageError(f"reward {rule.name!r}: fallback must be one reward without a weight, "
                             f"e.g. fallback=judge(base_url=...,model=...); got {spec!r}")
        name, options = comps[0].name, comps[0].options
    fallback = registry.create(name, options)
    as_fallback = getattr(fallback, "as_fallback", None)
    if callable(as_fallback):
        fallback = as_fallback()
    return FallbackReward(rule, fallback)
