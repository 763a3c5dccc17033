"""Exceptions of the host. A UsageError is a user mistake: the CLI prints it and exits 2.

The base classes and :func:`did_you_mean` live in :mod:`rewardsmith.basics` (the verifiers raise
them too, without loading the host); they are re-exported here as part of the host's API.
"""
from __future__ import annotations

from typing import Any

from rewardsmith.basics import RewardsmithError, UsageError, did_you_mean

__all__ = ["RewardsmithError", "UsageError", "SpecError", "RewardError", "PluginError", "did_you_mean"]


class SpecError(UsageError):
    """A reward spec that does not parse; the message points at the position."""


class RewardError(RewardsmithError):
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


class PluginError(RewardsmithError):
    """A plugin is broken or conflicts with another one."""

