"""Reward-hacking probes: crafted completions a robust reward must not pay for.

A :class:`Probe` names the reward it targets, carries a crafted completion with its context (prompt
and dataset columns) and an :class:`Expect` the reward's value must meet, e.g. ``Expect.eq(0)`` or
``Expect.lt_honest()`` ("less than what the honest reference completion earns"). Plugins contribute
probes through the ``rewardsmith_probes(reward_name)`` hook; :mod:`rewardsmith.core.probe_runner`
scores them and returns one :class:`ProbeResult` per probe and component.

A probe's status is ``ROBUST`` (expectation met), ``VULNERABLE`` (the reward paid for the hack, or a
resource attack ran past the probe's time limit), ``ERROR`` (the reward failed: no score on the probe
or on the honest reference, where the probe does not allow that) or ``SKIPPED`` (the reward is not
available here, or the probe does not apply to this configuration).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Expect", "Probe", "ProbeResult", "ROBUST", "VULNERABLE", "ERROR", "SKIPPED",
           "format_value", "is_nan"]

ROBUST, VULNERABLE, ERROR, SKIPPED = "ROBUST", "VULNERABLE", "ERROR", "SKIPPED"
_EPS = 1e-9
_OPS = ("eq", "le", "lt", "lt_honest", "le_honest", "none_or_zero", "none_or_le")


@dataclass(frozen=True)
class Expect:
    """What a robust reward's value on a probe must satisfy.

    Build one with the constructors: ``Expect.eq(0)``, ``Expect.le(0.2)``, ``Expect.lt(0.5)``,
    ``Expect.lt_honest()`` (strictly below the honest reference's reward, by ``margin``),
    ``Expect.le_honest(tolerance)`` (no more than the honest reference), ``Expect.none_or_zero()``
    (not applicable, or 0) and ``Expect.none_or_le(x)``.

    >>> Expect.eq(0).check(0.0)
    True
    >>> Expect.lt_honest().check(1.0, honest=1.0)
    False
    >>> str(Expect.le(0.2)), str(Expect.lt_honest(0.1))
    ('<= 0.2', '< honest - 0.1')
    """

    op: str
    value: float = 0.0

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown expectation {self.op!r}; use one of {', '.join(_OPS)}")

    # --- constructors --------------------------------------------------------------------------
    @classmethod
    def eq(cls, value: float) -> Expect:
        return cls("eq", float(value))

    @classmethod
    def le(cls, value: float) -> Expect:
        return cls("le", float(value))

    @classmethod
    def lt(cls, value: float) -> Expect:
        return cls("lt", float(value))

    @classmethod
    def lt_honest(cls, margin: float = 0.0) -> Expect:
        return cls("lt_honest", float(margin))

    @classmethod
    def le_honest(cls, tolerance: float = 0.0) -> Expect:
        return cls("le_honest", float(tolerance))

    @classmethod
    def none_or_zero(cls) -> Expect:
        return cls("none_or_zero")

    @classmethod
    def none_or_le(cls, value: float) -> Expect:
        return cls("none_or_le", float(value))

    # --- checking ------------------------------------------------------------------------------
    @property
    def needs_honest(self) -> bool:
        return self.op in ("lt_honest", "le_honest")

    def check(self, got: float | None, honest: float | None = None) -> bool:
        """True when ``got`` meets the expectation (``honest``: the reference's reward)."""
        if self.op == "none_or_zero":
            return got is None or abs(got) <= _EPS
        if self.op == "none_or_le":
            return got is None or got <= self.value + _EPS
        if got is None:
            return False
        if self.op == "eq":
            return abs(got - self.value) <= _EPS
        if self.op == "le":
            return got <= self.value + _EPS
        if self.op == "lt":
            return got < self.value
        if honest is None:
            raise ValueError(f"expectation {self} needs the honest reference's reward")
        if self.op == "le_honest":
            return got <= honest + self.value + _EPS
        return got < honest - self.value - _EPS

    def __str__(self) -> str:
        v = f"{self.value:g}"
        return {"eq": f"= {v}", "le": f"<= {v}", "lt": f"< {v}",
                "lt_honest": f"< honest - {v}" if self.value else "< honest",
                "le_honest": f"<= honest + {v}" if self.value else "<= honest",
                "none_or_zero": "None or 0",
                "none_or_le": f"None or <= {v}"}[self.op]


@dataclass(frozen=True)
class Probe:
    """One reward-hacking probe.

    Attributes:
        name: a short unique id, e.g. ``math/boxed-several``.
        reward: the name of the reward this probe targets (``math``, ``code``, ...).
        completion: the crafted completion (text or chat messages).
        expect: what a robust reward's value must satisfy.
        prompt: the prompt the completion answers (text or chat messages).
        columns: the dataset columns of the sample (``answer``, ``tests``, ...).
        honest: an honest reference completion for the same sample, scored in the same batch.
            Needed by ``*_honest`` expectations; with any other expectation it must earn more
            than the crafted completion (else the probe is an ERROR: a reward that pays 0 for
            everything would otherwise pass every "= 0" probe).
        description: one line saying which hack this is.
        allow_error: when True, "no score" (NaN) on the crafted completion counts as robust (a
            resource attack the reward refused to finish pays nothing).
        max_seconds: when set, the probe is scored on its own and is VULNERABLE when scoring
            takes longer (a resource attack).
        applies: option values the component must have for the probe to apply, e.g.
            ``{"partial": False}`` or ``{"answer": ("boxed", "any")}`` (one of several);
            otherwise the probe is SKIPPED with that reason.
    """

    name: str
    reward: str
    completion: Any
    expect: Expect
    prompt: Any = None
    columns: Mapping[str, Any] = field(default_factory=dict)
    honest: Any = None
    description: str = ""
    allow_error: bool = False
    max_seconds: float | None = None
    applies: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.expect.needs_honest and self.honest is None:
            raise ValueError(f"probe {self.name!r}: expectation {self.expect} needs `honest=`, "
                             "an honest reference completion")


@dataclass
class ProbeResult:
    """The outcome of one probe against one reward component."""

    probe: Probe
    component: str
    status: str
    got: float | None = None
    honest: float | None = None
    reason: str = ""
    seconds: float = 0.0
    plugin: str = "-"

    @property
    def expected(self) -> str:
        return str(self.probe.expect)

    def got_text(self) -> str:
        return format_value(self.got)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (NaN becomes null)."""
        return {"probe": self.probe.name, "reward": self.probe.reward, "component": self.component,
                "plugin": self.plugin, "description": self.probe.description,
                "expected": self.expected, "got": _json(self.got), "honest": _json(self.honest),
                "status": self.status, "reason": self.reason, "seconds": round(self.seconds, 4)}


def format_value(v: float | None) -> str:
    """A reward value for reports: ``None``, ``no score`` (NaN) or 4 significant digits."""
    if v is None:
        return "None"
    if math.isnan(v):
        return "no score"
    return f"{v:.4g}"


def _json(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else v


def is_nan(v: float | None) -> bool:
    """True for a NaN value ("no score"), False for None and numbers."""
    return v is not None and math.isnan(v)
