"""The ``math`` reward: 1.0 when the completion's final answer equals the gold ``answer``, else 0.0.

The gold comes from the dataset column ``answer``: a LaTeX answer (MATH), a number, a choice
letter, or a whole GSM8K answer (its ``#### N`` gives the gold, commas removed). With the prompt,
an answer that only copies an expression from the question (``Factor ab+5b+2a+10`` answered
``ab+5b+2a+10``) gets nothing. The answer is
read from the last ``\\boxed{}``, a ``#### N`` line or a "final answer is" phrase (options:
:class:`~rewardsmith.verifiers.math.MathConfig`); details give the extracted answer and the reason.

Values: 1.0 right; 0.0 wrong, hedged, refused (resource attack), timed out, or no final answer;
None when the row has no gold answer (not applicable); NaN ("no score", counted and logged by the
host) when the verifier itself failed, or on a timeout with ``on_timeout=error``.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.probes import Probe
from rewardsmith.core.reward import completion_text
from rewardsmith.verifiers.math import MathConfig, verify_math, verify_math_batch
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["MathReward"]

log = logging.getLogger("rewardsmith")


class VerificationError(RuntimeError):
    """The math verifier could not decide (a crashed comparison)."""


class MathReward(Reward):
    """1.0 when the final answer equals the gold ``answer`` column, else 0.0 (None: no gold).

    >>> r = MathReward()
    >>> r(completions=["48 + 24 = 72\\n#### 72", "The final answer is $\\\\frac{3}{4}$.", "#### 7"],
    ...   answer=["...\\n#### 72", "0.75", "8"])
    [1.0, 1.0, 0.0]
    >>> r.score(None, "I got 5 or 6", answer="5").details["reason"]
    'no final answer found'
    >>> MathReward(last_number_fallback=True)(completions=["so it is 5"], answer=["5"])
    [1.0]
    """

    name = "math"
    Options = MathConfig
    value_range = (0.0, 1.0)

    def compute(self, completion: str, answer: Any, options: MathConfig,
                prompt: Any = None) -> Score | None:
        if answer is None:
            return None
        return _to_score(verify_math(answer, completion, options, prompt=prompt))

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        """All completions of a batch go to the verifier at once (one pool round trip for the
        comparisons that need sympy); same error policy as :meth:`Reward.score_batch`."""
        columns = dict(columns or {})
        self.check_columns(columns, len(completions))
        golds = list(columns["answer"])
        todo = [i for i, g in enumerate(golds) if g is not None]
        questions = [prompts[i] for i in todo] if prompts is not None else None
        try:
            verdicts = verify_math_batch([golds[i] for i in todo],
                                         [completion_text(completions[i]) for i in todo],
                                         self.options, prompts=questions)
        except Exception as exc:  # noqa: BLE001 - one at a time pins the failing sample
            log.warning("reward 'math': batch verification failed (%s: %s); scoring one by one",
                        type(exc).__name__, exc)
            return super().score_batch(prompts, completions, columns, strict=strict)
        out = [Score(None) for _ in completions]
        for i, verdict in zip(todo, verdicts):
            out[i] = self._safe(lambda v=verdict: _to_score(v), i, strict)
        return out

    def fallback_wanted(self, score: Score) -> bool:
        """Which scores a ``fallback=`` reward may overturn: a wrong or missing final answer, but
        not what a guard refused on purpose (hedges, echoes, resource attacks, no-credit timeouts)."""
        reason = str(score.details.get("reason", ""))
        return (score.error is None and score.value == 0.0 and score.details.get("path") != "guard"
                and not reason.startswith(("hedged", "no credit")))


def _to_score(verdict: Verdict) -> Score:
    details = {**verdict.details, "elapsed": round(verdict.elapsed, 6)}
    if verdict.error is not None:
        raise VerificationError(verdict.error)
    return Score(1.0 if verdict.ok else 0.0, details=details)


@hookimpl
def rewardsmith_rewards():
    return [MathReward]


@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Math probes (answers a lenient equivalence checker would pay for) for ``math``."""
    if reward_name != MathReward.name:
        return []
    from rewardsmith.plugins.probes.math import probes
    return probes()
