"""Helpers of the trainer tests: reward plugins registered by hand (no entry point), shared flags."""
from __future__ import annotations

import os
import signal
from pathlib import Path

from rewardsmith import hookimpl, reward

HERE = Path(__file__).resolve().parent
#: flags every tiny run shares: small, fast, no system prompt (the char tokenizer is tiny), one
#: torch thread (a tiny model gains nothing from two, and a busy machine punishes them)
TINY_FLAGS = ["--system-prompt", "", "--max-new-tokens", "8", "--no-progress", "--held-out-size", "8",
              "--micro-batch-size", "0", "--num-threads", "1"]

_calls = {"n": 0}


@reward("char_a")
def char_a(completion):
    """Share of the completion's characters that are 'a' (0 for an empty completion)."""
    return completion.count("a") / len(completion) if completion else 0.0


@reward("exact_match")
def exact_match(completion, answer):
    """1 when the stripped completion equals the gold answer."""
    return float(completion.strip() == str(answer))


@reward("flaky")
def flaky(completion):
    """Raises on completions containing 'Z' (so the trainer must count and exclude them)."""
    if "Z" in completion:
        raise RuntimeError("flaky reward exploded")
    return float(len(completion) > 3)


@reward("killer")
def killer(completion):
    """Like char_a, but SIGKILLs its own process on call number $KILL_AFTER_CALLS."""
    _calls["n"] += 1
    if _calls["n"] == int(os.environ.get("KILL_AFTER_CALLS", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    return completion.count("a") / len(completion) if completion else 0.0


@hookimpl
def rewardsmith_rewards():
    return [char_a, exact_match, flaky, killer]


def plugin_manager():
    """A plugin manager holding only these rewards."""
    import sys

    from rewardsmith.core.plugin_manager import RewardsmithPluginManager

    pm = RewardsmithPluginManager()
    pm.add_plugin(sys.modules[__name__], "trainer-test-rewards")
    return pm
