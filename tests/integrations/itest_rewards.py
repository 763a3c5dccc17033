"""Rewards registered by the integration tests (the plugin object is this module).

``itest_exact`` is a small math-like reward (last number against ``answer``; None without an
answer), ``itest_distinct`` varies on any text, ``itest_slow`` sleeps (timeouts), ``itest_crash``
raises on 'boom' and ``itest_fails_when`` on rows whose ``fail`` column is true (the error policy).
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

from rewardsmith import Reward, Score, hookimpl, reward

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@reward("itest_exact")
def itest_exact(completion, answer):
    """1.0 when the last number of the completion equals the answer, None without an answer.
    The details name the process that scored the sample (to see Ray tasks run elsewhere)."""
    if answer is None:
        return None
    numbers = _NUMBER.findall(completion)
    return Score(float(bool(numbers) and float(numbers[-1]) == float(answer)), {"pid": os.getpid()})


@reward("itest_distinct")
def itest_distinct(completion):
    """Share of distinct characters (varies on any text, so a random model gets a signal)."""
    return len(set(completion)) / len(completion) if completion else 0.0


@dataclass(frozen=True)
class SlowOptions:
    delay: float = field(default=0.5, metadata={"help": "seconds to sleep per sample"})


class Slow(Reward):
    """Sleeps, then 1.0."""

    name = "itest_slow"
    Options = SlowOptions

    def compute(self, completion, options):
        time.sleep(options.delay)
        return 1.0


@reward("itest_crash")
def itest_crash(completion):
    """Raises on completions containing 'boom', else 0.5."""
    if "boom" in completion:
        raise RuntimeError("exploded")
    return 0.5


@reward("itest_fails_when")
def itest_fails_when(completion, fail=False):
    """Raises on rows whose ``fail`` column is true, else 1.0."""
    if fail:
        raise RuntimeError("this row is set to fail")
    return 1.0


@hookimpl
def rewardsmith_rewards():
    return [itest_exact, itest_distinct, Slow, itest_crash, itest_fails_when]
