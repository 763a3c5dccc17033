"""The one toy reward plugin of the tests (the plugin object is this module; its name is ``toy``).

It reaches the tests three ways, all from this file: registered by hand (the ``toy_plugin``
fixture of tests/conftest.py, and tests/trainer/cli_entry.py for the CLI subprocesses), installed
as a fake third-party distribution whose entry point loads a copy of this source (``toy_dist``),
and shipped by value to Ray's workers (the ``ray_local`` fixture of tests/integrations).

- ``toy_contains``: a class reward with options (word, bonus) and details.
- ``toy_exact``: 1 when the completion equals the answer; None without an answer.
- ``toy_number``: a small math-like reward, the last number against the answer (None without
  one); its details name the process that scored the sample (to see Ray tasks run elsewhere).
- ``toy_distinct`` and ``toy_char_a``: vary on any text, so a random model gets a signal.
- ``toy_slow``: sleeps (timeouts).
- ``toy_crash``, ``toy_flaky``, ``toy_fails_when``, ``toy_killer``: the error policy: they raise on
  'boom', on 'Z', on rows whose ``fail`` column is true, or SIGKILL their own process.
"""
from __future__ import annotations

import os
import re
import signal
import time
from dataclasses import dataclass, field

from rewardsmith import Reward, Score, hookimpl, reward

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_calls = {"n": 0}


@dataclass(frozen=True)
class ContainsOptions:
    word: str = field(default="yes", metadata={"help": "the word to look for"})
    bonus: float = field(default=1.0, metadata={"help": "value when found"})


class Contains(Reward):
    """``bonus`` when the completion contains the word, else 0."""

    name = "toy_contains"
    Options = ContainsOptions
    value_range = (0.0, 10.0)

    def compute(self, completion, options):
        found = options.word in completion
        return Score(options.bonus if found else 0.0, {"found": found})


@reward("toy_exact", value_range=(0.0, 1.0))
def toy_exact(completion, answer):
    """1 when the completion equals the answer (the completion stripped); None without an answer."""
    if answer is None:
        return None
    return float(completion.strip() == str(answer))


@reward("toy_number")
def toy_number(completion, answer):
    """1.0 when the last number of the completion equals the answer, None without an answer."""
    if answer is None:
        return None
    numbers = _NUMBER.findall(completion)
    return Score(float(bool(numbers) and float(numbers[-1]) == float(answer)), {"pid": os.getpid()})


@reward("toy_distinct")
def toy_distinct(completion):
    """Share of distinct characters."""
    return len(set(completion)) / len(completion) if completion else 0.0


def _share_of_a(completion):
    return completion.count("a") / len(completion) if completion else 0.0


@reward("toy_char_a")
def toy_char_a(completion):
    """Share of the completion's characters that are 'a' (0 for an empty completion)."""
    return _share_of_a(completion)


@dataclass(frozen=True)
class SlowOptions:
    delay: float = field(default=0.5, metadata={"help": "seconds to sleep per sample"})


class Slow(Reward):
    """Sleeps, then 1.0."""

    name = "toy_slow"
    Options = SlowOptions

    def compute(self, completion, options):
        time.sleep(options.delay)
        return 1.0


@reward("toy_crash")
def toy_crash(completion):
    """Raises on completions containing 'boom', else 0.5."""
    if "boom" in completion:
        raise RuntimeError("exploded")
    return 0.5


@reward("toy_flaky")
def toy_flaky(completion):
    """Raises on completions containing 'Z' (a random model writes some), else 1 past 3 characters."""
    if "Z" in completion:
        raise RuntimeError("flaky reward exploded")
    return float(len(completion) > 3)


@reward("toy_fails_when")
def toy_fails_when(completion, fail=False):
    """Raises on rows whose ``fail`` column is true, else 1.0."""
    if fail:
        raise RuntimeError("this row is set to fail")
    return 1.0


@reward("toy_killer")
def toy_killer(completion):
    """Like toy_char_a, but SIGKILLs its own process on call number $KILL_AFTER_CALLS."""
    _calls["n"] += 1
    if _calls["n"] == int(os.environ.get("KILL_AFTER_CALLS", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    return _share_of_a(completion)


REWARDS = [Contains, toy_exact, toy_number, toy_distinct, toy_char_a, Slow, toy_crash, toy_flaky,
           toy_fails_when, toy_killer]


@hookimpl
def rewardsmith_rewards():
    return list(REWARDS)


def plugin_manager():
    """A plugin manager holding only these rewards (no built-ins, no entry points)."""
    import sys

    from rewardsmith.core.plugin_manager import RewardsmithPluginManager

    pm = RewardsmithPluginManager()
    pm.add_plugin(sys.modules[__name__], "toy")
    return pm
