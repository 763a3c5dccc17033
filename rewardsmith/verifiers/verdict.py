"""The one result type every verifier returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """What a verifier concluded about one completion.

    A verifier answers "is this right?"; a reward plugin turns verdicts into floats.

    Attributes:
        correct: True or False when the verifier could decide; None when it could not
            (nothing to check, e.g. no final answer was found).
        score: an optional graded value in [0, 1] (e.g. the fraction of unit tests passed);
            None when only ``correct`` is meaningful.
        details: small, JSON-serialisable facts for logs (extracted answer, reason, per-test results).
        elapsed: wall-clock seconds the verification took.
        error: set when verification itself failed (timeout, crash of the checker). A verdict with an
            error is "no verdict", never silently a wrong answer.

    >>> Verdict(correct=True, details={"extracted": "42"}).ok
    True
    """

    correct: bool | None
    score: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the verifier decided the completion is correct."""
        return self.correct is True and self.error is None
