"""The PRM verifier: a completion in, a :class:`Verdict` with per-step scores out."""
from __future__ import annotations

import time
from typing import Any, Sequence

from rewardsmith.basics import completion_text, prompt_text
from rewardsmith.verifiers.prm.scorer import PRMScorer
from rewardsmith.verifiers.prm.steps import split_steps
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["verify_steps"]


def verify_steps(scorer: PRMScorer, prompts: Sequence[Any] | None, completions: Sequence[Any],
                 separator: str = "\n\n", threshold: float = 0.5) -> list[Verdict]:
    """Split each completion into steps and score every step with ``scorer``, in batches.

    Args:
        scorer: a loaded PRM.
        prompts: one prompt per completion (text or chat messages), or None.
        completions: the policy's outputs (text or chat messages).
        separator: the string between steps.
        threshold: a solution is judged correct when every step scores at least this.

    Returns:
        one Verdict per completion: ``details["step_scores"]`` holds the per-step scores and
        ``details["unscored_steps"]`` counts the steps past the PRM's ``max_length`` (they have no
        score); ``correct`` is None when there is no step or some step went unscored; ``error``
        is set when the solution could not be scored at all (e.g. the forward pass failed).

    >>> import tempfile
    >>> from rewardsmith.prm.tiny import save_tiny_prm
    >>> from rewardsmith.verifiers.prm.scorer import load_scorer
    >>> scorer = load_scorer(save_tiny_prm("value_head", tempfile.mkdtemp() + "/prm"))
    >>> v, empty = verify_steps(scorer, ["Start with 2. Add 3."], ["2 + 3 = 5\\n\\nThe answer is 5.", ""])
    >>> v.details["steps"], len(v.details["step_scores"]), empty.correct, empty.details
    (2, 2, None, {'steps': 0})
    """
    start = time.perf_counter()
    prompts = list(prompts) if prompts is not None else [None] * len(completions)
    marker = scorer.convention.marker
    steps = [split_steps(completion_text(c), separator, [marker]) for c in completions]
    todo = [i for i, s in enumerate(steps) if s]
    results = scorer.score([prompt_text(prompts[i]) for i in todo], [steps[i] for i in todo])
    elapsed = (time.perf_counter() - start) / max(len(completions), 1)
    verdicts = [Verdict(None, details={"steps": 0}, elapsed=elapsed)] * len(completions)
    for i, res in zip(todo, results):
        if isinstance(res, Exception):
            verdicts[i] = Verdict(None, details={"steps": len(steps[i])}, elapsed=elapsed,
                                  error=f"{type(res).__name__}: {res}")
        else:
            unscored = len(steps[i]) - len(res)
            correct = None if unscored else min(res) >= threshold
            verdicts[i] = Verdict(correct, details={"steps": len(steps[i]), "step_scores": res,
                                                    "unscored_steps": unscored}, elapsed=elapsed)
    return verdicts
