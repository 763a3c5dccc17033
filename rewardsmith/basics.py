"""The ground floor: rewardsmith's base errors and the text of a prompt or completion.

Both the host (:mod:`rewardsmith.core`) and the verifiers (:mod:`rewardsmith.verifiers`) stand on this
module, and it imports nothing of the project, so a verifier can be used without loading the
host (no pluggy, no plugin manager). Plugin authors import these names from ``rewardsmith``.

>>> completion_text([{"role": "assistant", "content": "4"}]), prompt_text("What is 2+2?")
('4', 'What is 2+2?')
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["RewardsmithError", "UsageError", "did_you_mean", "completion_text", "prompt_text"]


class RewardsmithError(Exception):
    """Base class of rewardsmith's own errors."""


class UsageError(RewardsmithError):
    """Bad input from the user (unknown reward, bad option, malformed file). CLI exit code 2."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint, or ''.

    >>> did_you_mean("mth", ["math", "format"])
    " Did you mean 'math'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def completion_text(completion: Any) -> str:
    """Text of a completion given as a string or as chat messages (TRL's conversational shape).

    Only assistant messages count (a message without a role is the assistant's).

    >>> completion_text([{"role": "assistant", "content": "4"}])
    '4'
    >>> completion_text("plain")
    'plain'
    """
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        parts = [m.get("content") or "" for m in completion
                 if isinstance(m, Mapping) and m.get("role", "assistant") == "assistant"]
        return "".join(str(p) for p in parts)
    return str(completion)


def prompt_text(prompt: Any) -> str:
    """Text of a prompt given as a string or chat messages (all roles, newline-joined).

    >>> prompt_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}])
    'Be brief.\\n2+2?'
    """
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        return "\n".join(str(m.get("content") or "") for m in prompt if isinstance(m, Mapping))
    return str(prompt)
