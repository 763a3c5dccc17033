"""Exceptions of the host. A UsageError is a user mistake: the CLI prints it and exits 2."""
from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["RewardkitError", "UsageError", "SpecError", "RewardError", "PluginError", "did_you_mean"]


class RewardkitError(Exception):
    """Base class of rewardkit's own errors."""


class UsageError(RewardkitError):
    """Bad input from the user (unknown reward, bad option, malformed file). CLI exit code 2."""


class SpecError(UsageError):
    """A reward spec that does not parse; the message points at the position."""


class RewardError(RewardkitError):
    """A reward raised while scoring (only surfaces in strict mode)."""


class PluginError(RewardkitError):
    """A plugin is broken or conflicts with another one."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint, or ''.

    >>> did_you_mean("mth", ["math", "format"])
    " Did you mean 'math'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""
