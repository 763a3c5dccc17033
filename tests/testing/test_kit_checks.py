"""The conformance kit catches each kind of unsound reward, and passes a sound one.

Each deliberately broken reward below fails exactly the check written for its flaw; the rewards
live at module level so that the sound ones pickle like a real plugin's.
"""
from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field

import pytest

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.plugin_manager import RewardsmithPluginManager
from rewardsmith.core.probes import Expect, Probe
from rewardsmith.testing.conformance import CHECKS, run_check, select_cases
from rewardsmith.testing.subject import ConformanceError, KitConfig, Subject, Unavailable

FAST = KitConfig(limit=2.0, reward_timeout=0.2, huge_chars=20_000)


class Sound(Reward):
    """1.0 when the completion mentions 42."""

    name = "sound"

    def compute(self, completion):
        return float("42" in completion)


class OutOfRange(Reward):
    """Declares [0, 1] but pays 2 for long answers."""

    name = "out_of_range"

    def compute(self, completion):
        return 2.0 if len(completion) > 1000 else 0.0


class Dice(Reward):
    """Random."""

    name = "dice"

    def compute(self, completion):
        return random.random()


class AsciiOnly(Reward):
    """Crashes on non-ASCII text."""

    name = "ascii_only"

    def compute(self, completion):
        completion.encode("ascii")
        return 0.0


class HoldsALock(Reward):
    """Keeps an unpicklable lock."""

    name = "holds_a_lock"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()

    def compute(self, completion):
        return 0.0


class BatchDependent(Reward):
    """Batch scoring that depends on the batch size."""

    name = "batch_dependent"

    def compute(self, completion):
        return 0.0

    def score_batch(self, prompts, completions, columns=None, *, strict=False):
        return [Score(1.0 if len(completions) > 1 else 0.0) for _ in completions]


class Hangs(Reward):
    """Hangs on huge completions."""

    name = "hangs"

    def compute(self, completion):
        if len(completion) > 10_000:
            threading.Event().wait(30)
        return 0.0


@dataclass(frozen=True)
class TimeoutOptions:
    timeout: float = field(default=60.0, metadata={"help": "seconds per sample"})


class HonoursTimeout(Reward):
    """Slow on hostile input, but stops at its own timeout (returning no score)."""

    name = "honours_timeout"
    Options = TimeoutOptions

    def compute(self, completion, options):
        if "9^{9^" in completion:
            time.sleep(min(options.timeout, 30))
            return None
        return 0.0


@dataclass
class LooseOptions:
    level: int = 1


class Undocumented(Reward):
    name = "undocumented"
    Options = LooseOptions
    value_range = (1.0, 0.0)

    def compute(self, completion):
        return 0.0


class PaysForKeywords(Reward):
    """Pays for the word 'verified' (its own probe catches it)."""

    name = "pays_for_keywords"

    def compute(self, completion):
        return 1.0 if "verified" in completion or "42" in completion else 0.0


class OverpaysAtRandom(Reward):
    """Pays random() * 1.5 for a right answer: out of its declared [0, 1], and only on the positive
    path, which no generic sample and no crafted completion reaches."""

    name = "overpays_at_random"

    def compute(self, completion):
        return random.random() * 1.5 if completion.strip() == "17 + 25 = 42" else 0.0


class Overpays(Reward):
    """Pays 1.25 for a right answer (deterministic, out of its declared [0, 1])."""

    name = "overpays"

    def compute(self, completion):
        return 1.25 if completion.strip() == "17 + 25 = 42" else 0.0


class NeedsAnswer(Reward):
    """Needs an answer column but no plugin gives it a probe."""

    name = "needs_answer"

    def compute(self, completion, answer):
        return float(completion.strip() == answer)


class NeedsConfiguration(Reward):
    """Cannot score without a model option."""

    name = "needs_configuration"

    def compute(self, completion):
        from rewardsmith.core.errors import UsageError
        raise UsageError("needs_configuration needs a model: needs_configuration(model=PATH)")


class MissingDependency(Reward):
    """Needs a module that is not installed."""

    name = "missing_dependency"
    requires = ("surely_not_an_installed_module",)
    extra = "code"

    def compute(self, completion):
        return 0.0


class _Plugin:
    @hookimpl
    def rewardsmith_rewards(self):
        return [Sound, OutOfRange, Dice, AsciiOnly, HoldsALock, BatchDependent, Hangs,
                HonoursTimeout, Undocumented, PaysForKeywords, NeedsAnswer, NeedsConfiguration,
                MissingDependency, OverpaysAtRandom, Overpays]

    @hookimpl
    def rewardsmith_probes(self, reward_name):
        honest = "17 + 25 = 42"
        return [Probe(name="pays/keyword", reward="pays_for_keywords", completion="verified",
                      honest=honest, expect=Expect.eq(0), description="a keyword, no answer"),
                Probe(name="sound/prose", reward="sound", completion="no number here",
                      honest=honest, expect=Expect.eq(0)),
                *(Probe(name=f"{name}/prose", reward=name, completion="no number here", honest=honest,
                        expect=Expect.eq(0)) for name in ("overpays_at_random", "overpays"))]


@pytest.fixture(scope="module")
def pm():
    manager = RewardsmithPluginManager()
    assert manager.add_plugin(_Plugin(), "kit-test")
    return manager


def run(pm, item, check):
    return run_check(Subject(item, pm, FAST), check)


@pytest.mark.parametrize("check", CHECKS)
def test_a_sound_reward_passes_every_check(pm, check):
    run(pm, "sound", check)


@pytest.mark.parametrize("item,check,message", [
    ("out_of_range", "edge_cases", "outside the declared range [0, 1]"),  # range
    ("dice", "determinism", "not deterministic"),  # random values
    ("ascii_only", "edge_cases", "unicode-cjk-emoji: raised UnicodeEncodeError"),  # names the sample
    ("holds_a_lock", "pickle", "does not pickle"),  # process pools and Ray need pickle
    ("batch_dependent", "batch_equals_samples", "per-sample and score_batch values differ"),
    ("hangs", "timeout", "still running after 2 s"),  # the kit's limit holds
    ("hangs", "edge_cases", "still running after 2 s"),  # every check is protected, not only one
    ("undocumented", "declaration", "no docstring"),  # docs are the reward's description
    ("undocumented", "declaration", "not a finite (low, high) pair"),  # (1, 0) is not a range
    ("undocumented", "declaration", "Options is not a frozen dataclass"),
    ("pays_for_keywords", "probes", "pays/keyword (kit-test): VULNERABLE"),  # its own probe
    ("needs_answer", "edge_cases", "no probe provides them"),  # columns come from probes
    # out of range only on the positive path: the honest references are checked too
    ("overpays", "probes", "overpays/prose: the honest reference earned 1.25, outside the declared range [0, 1]"),
    ("overpays_at_random", "probes", "overpays_at_random/prose: the honest reference earned"),
])
def test_each_flaw_fails_its_check(pm, item, check, message):
    with pytest.raises(ConformanceError, match=re.escape(message)):
        run(pm, item, check)


def test_a_reward_whose_own_timeout_holds_passes(pm):
    start = time.perf_counter()
    note = run(pm, "honours_timeout", "timeout")  # built with timeout=0.2, so well under the 2 s
    assert "with timeout=0.2" in note and time.perf_counter() - start < 2.0


@pytest.mark.parametrize("item,reason", [
    ("missing_dependency", "missing module 'surely_not_an_installed_module'"),
    ("needs_configuration", "cannot score with these options"),
])
def test_unrunnable_rewards_are_unavailable_with_the_reason(pm, item, reason):
    with pytest.raises(Unavailable, match=reason):
        run(pm, item, "edge_cases")


def test_selection_by_plugin_and_by_spec_item(pm):
    cases = select_cases(plugin="kit-test", checks=["pickle"], plugin_manager=pm)
    assert len(cases) == 15 and {c.check for c in cases} == {"pickle"}
    cases = select_cases(["honours_timeout(timeout=5)"], plugin_manager=pm)
    assert [c.id for c in cases][:2] == ["honours_timeout(timeout=5)-declaration",
                                         "honours_timeout(timeout=5)-edge_cases"]
    missing = select_cases(plugin="nope", plugin_manager=pm)
    with pytest.raises(ConformanceError, match="no rewards found for plugin 'nope'"):
        missing[0].run()


def test_spec_options_reach_the_reward(pm):
    subj = Subject("honours_timeout(timeout=0.1)", pm, FAST)
    assert subj.make().options.timeout == 0.1


@pytest.mark.parametrize("check", [c for c in CHECKS if c != "probes"])
def test_a_reward_out_of_range_only_on_its_positive_path_passes_the_other_checks(pm, check):
    # why the probes check must look at the honest references: nothing else reaches that path
    for item in ("overpays", "overpays_at_random"):
        run(pm, item, check)
