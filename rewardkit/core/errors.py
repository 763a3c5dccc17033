"""Exceptions of the host. A UsageError is a user mistake: the CLI prints it and exits 2."""
from __future__ import annotations

import difflib
from typing import Any, Iterable

__all__ = ["RewardkitError", "UsageError", "SpecError", "RewardError", "PluginError", "did_you_mean"]


class RewardkitError(Exception):
    """Base class of rewardkit's own errors."""


class UsageError(RewardkitError):
    """Bad input from the user (unknown reward, bad option, malformed file). CLI exit code 2."""


class SpecError(UsageError):
    """A reward spec that does not parse; the message points at the position."""


class RewardError(RewardkitError):
    """A reward raised while scoring (only surfaces in strict mode).

    Built from its parts so that a caller that knows more (the input file's line) can say so:
    ``sample`` counts from 1 within the scored batch, ``line`` is the input line when known.
    """

    def __init__(self, message: str, *, reward: str = "", plugin: str = "", sample: int | None = None,
                 line: int | None = None) -> None:
        self.reason, self.reward, self.plugin, self.sample, self.line = message, reward, plugin, sample, line
        super().__init__(self._text())

    def _text(self) -> str:
        if not self.reward:
            return self.reason
        where = "" if self.sample is None else f" on sample {self.sample}"
        where += "" if self.line is None else f" (line {self.line})"
        return f"reward {self.reward!r} (plugin {self.plugin!r}) failed{where}: {self.reason}"

    def at(self, sample: int, line: int | None) -> "RewardError":
        """The same failure, renumbered: sample ``sample`` of the whole input, from ``line``."""
        return RewardError(self.reason, reward=self.reward, plugin=self.plugin, sample=sample, line=line)

    def __reduce__(self) -> tuple:  # keep the parts across process pools and Ray
        return (_rebuild_reward_error, (self.reason, self.reward, self.plugin, self.sample, self.line))


def _rebuild_reward_error(*parts: Any) -> RewardError:
    reason, reward, plugin, sample, line = parts
    return RewardError(reason, reward=reward, plugin=plugin, sample=sample, line=line)


class PluginError(RewardkitError):
    """A plugin is broken or conflicts with another one."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint, or ''.

    >>> did_you_mean("mth", ["math", "format"])
    " Did you mean 'math'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""
