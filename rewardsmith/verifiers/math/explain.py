r"""Why did the math verifier decide that? Each step of one comparison, in order.

:func:`explain` re-runs the steps :func:`~rewardsmith.verifiers.math.verify_math` takes (extract,
normalise, classify the gold, compare by kind) and returns them as ``(step, value)`` rows ending
in the verdict, for ``rewardsmith explain``.

>>> rows = dict(explain("(1, 234)", r"so \boxed{(1,234)}"))
>>> rows["gold kind"], rows["verdict"]
('tuple', 'correct')
"""
from __future__ import annotations

from typing import Any

from rewardsmith.verifiers.math.config import MathConfig
from rewardsmith.verifiers.math.extract import extract_answer
from rewardsmith.verifiers.math.normalize import latex_clean, plain, prepare_gold

__all__ = ["explain"]


def _gold_rows(gold: str) -> list[tuple[str, str]]:
    g = prepare_gold(gold)
    rows = [("gold", gold), ("gold cleaned", g.text), ("gold plain", g.plain),
            ("gold kind", g.kind)]
    if g.number is not None:
        rows.append(("gold number", f"{g.number.value}" + (
            f" ({g.number.places} decimals written)" if g.number.places else "")))
    rows.append(("gold single value", "yes (hedged answers are refused)" if g.single else
                 "no (several values, a set or a relation)"))
    return rows


def explain(gold: Any, completion: str, config: MathConfig | None = None, *,
            prompt: Any = None) -> list[tuple[str, str]]:
    """The steps of verifying ``completion`` against ``gold`` (gold first), as rows.

    Args:
        gold: the gold answer.
        completion: the completion text.
        config: verifier options (default :class:`MathConfig`).
        prompt: the question, optional.

    Returns:
        ``(step, value)`` rows: the gold's cleaning and kind, what was extracted and how each
        answer was normalised, then ``verdict``, ``reason`` and ``path``.
    """
    from rewardsmith.verifiers.math.verify import verify_math
    config = config or MathConfig()
    rows = _gold_rows(str(gold))
    extraction = extract_answer(completion, config.last_number_fallback)
    rows.append(("extraction method", extraction.method))
    for i, answer in enumerate(extraction.answers, 1):
        suffix = f" {i}" if len(extraction.answers) > 1 else ""
        text = latex_clean(answer)
        rows += [(f"extracted{suffix}", answer), (f"answer cleaned{suffix}", text),
                 (f"answer plain{suffix}", plain(text, cleaned=True))]
    verdict = verify_math(gold, completion, config, prompt=prompt)
    label = {True: "correct", False: "wrong", None: "no answer" if verdict.error is None
             else "error (counted, no score)"}[verdict.correct]
    rows += [("verdict", label), ("reason", str(verdict.details.get("reason", ""))),
             ("path", str(verdict.details.get("path", "")))]
    if verdict.error:
        rows.append(("error", verdict.error))
    return rows
