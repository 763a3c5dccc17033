"""Reading a judge's reply: the verdict-token probability when the backend gives logprobs,
else a strict parse of one final verdict line. Anything else is no verdict (NaN), never 0 or 1."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

__all__ = ["Reply", "Reading", "read_verdict"]

#: (chosen token, [(candidate token, logprob), ...]) for one generated position
Position = tuple[str, Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class Reply:
    """What a judge backend returned for one request.

    Attributes:
        text: the reply's text.
        positions: per generated token, the chosen token and the top candidates with their
            logprobs; empty when the backend gives no logprobs.
        prompt_tokens, completion_tokens: token usage the backend reported (0 when unknown).
    """

    text: str
    positions: Sequence[Position] = field(default_factory=tuple)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_json(self) -> dict:
        return {"text": self.text, "positions": [[t, [list(c) for c in cs]] for t, cs in self.positions],
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}

    @classmethod
    def from_json(cls, data: Mapping) -> Reply:
        return cls(str(data["text"]), tuple((t, tuple((str(a), float(b)) for a, b in cs))
                                            for t, cs in data.get("positions") or ()),
                   int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0))


@dataclass(frozen=True)
class Reading:
    """A verdict read from a reply: ``score`` (NaN when none), ``label``, ``how`` and ``error``."""

    score: float
    label: str | None
    how: str  # "logprobs", "parsed" or "none"
    error: str | None = None


_LINE = re.compile(r"^[\s*_#>`-]*(?:(?:final\s+)?(?:verdict|answer|grade)\s*[:=-]\s*)?[\s*_`]*"
                   r"([A-Za-z]+)[\s*_`]*[.!]?[\s*_`]*$", re.IGNORECASE)


def _parse(text: str, labels: Mapping[str, float]) -> Reading:
    names = {k.lower(): k for k in labels}
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return Reading(math.nan, None, "none", "empty judge reply")
    m = _LINE.match(lines[-1])
    label = names.get(m.group(1).lower()) if m else None
    if label is None:
        return Reading(math.nan, None, "none", f"unparseable judge reply: {_short(text)!r}")
    for ln in lines[:-1]:
        other = _LINE.match(ln)
        if other and other.group(1).lower() in names and names[other.group(1).lower()] != label:
            return Reading(math.nan, None, "none", f"ambiguous judge reply: {_short(text)!r}")
    return Reading(float(labels[label]), label, "parsed")


def _short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


def _logprob_reading(positions: Sequence[Position], labels: Mapping[str, float]) -> Reading | None:
    names = {k.lower(): k for k in labels}
    for chosen, candidates in positions:
        if not chosen.strip():
            continue  # leading whitespace tokens
        if _norm(chosen) not in names:
            return None  # the reply does not open with a verdict word: parse the text instead
        mass: dict[str, float] = {}
        for token, logprob in candidates:
            label = names.get(_norm(token))
            if label is not None and math.isfinite(logprob):
                mass[label] = mass.get(label, 0.0) + math.exp(logprob)
        total = sum(mass.values())
        if total <= 0.0:
            return None
        score = sum(p * labels[k] for k, p in mass.items()) / total
        return Reading(score, max(mass, key=mass.get), "logprobs")
    return None


def _norm(token: str) -> str:
    return token.strip().strip("*_`.:").lower()


def read_verdict(reply: Reply, labels: Mapping[str, float]) -> Reading:
    """The verdict in ``reply`` for a rubric with verdict ``labels`` (label -> score).

    With logprobs, the reply's first word must be a label; the score is then the probability-
    weighted label score over the labels among the top candidates (P(yes) for yes/no), unless
    the text's final line states a different verdict (ambiguous). Without logprobs, the last
    non-empty line must be exactly one label (optionally after ``Verdict:``), and no other line
    may state a different one.

    >>> read_verdict(Reply("Yes."), {"yes": 1.0, "no": 0.0}).score
    1.0
    >>> read_verdict(Reply("yes\\nVerdict: no"), {"yes": 1.0, "no": 0.0}).error[:9]
    'ambiguous'
    >>> r = read_verdict(Reply("yes", [("yes", [("yes", -0.2), ("no", -1.7)])]), {"yes": 1.0, "no": 0.0})
    >>> r.how, round(r.score, 3)
    ('logprobs', 0.818)
    """
    parsed = _parse(reply.text, labels)
    reading = _logprob_reading(reply.positions, labels)
    if reading is None or (parsed.error or "").startswith("ambiguous"):
        return parsed
    if parsed.label is not None and parsed.label != reading.label:
        return Reading(math.nan, None, "none", f"ambiguous judge reply: {_short(reply.text)!r}")
    return reading
