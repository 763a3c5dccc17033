"""Rollouts: columns reach the rewards, scoring overlaps generation, dynamic sampling refills."""
from __future__ import annotations

import math
import time

import toy_rewards

from rewardsmith import load_reward
from rewardsmith.models.generation import Generation, GenerationConfig, Generator
from rewardsmith.trainer.rollout import RewardPool, dynamic_rollout, start_rollout


class ScriptedGenerator(Generator):
    """A Generator whose completions for prompt text P are ``script[P]`` (a list of G texts)."""

    def __init__(self, script, delay=0.0):
        self.script, self.delay, self.calls = script, delay, []

    def generate(self, prompts, config):
        self.calls.append((time.perf_counter(), list(prompts)))
        time.sleep(self.delay)
        out = []
        for i, p in enumerate(prompts):
            for text in self.script[p][:config.num_generations]:
                out.append(Generation(i, text, [1, 2], [3], truncated=False))
        self.calls[-1] += (time.perf_counter(),)
        return out


class Rows:
    """A prompt source over fixed rows."""

    def __init__(self, rows):
        self.rows, self.pos = rows, 0

    def next_rows(self, n):
        out = self.rows[self.pos:self.pos + n]
        self.pos += n
        return out


def _pm():
    return toy_rewards.plugin_manager()


def test_columns_groups_and_failures():
    reward = load_reward("toy_exact+toy_flaky", plugin_manager=_pm())
    gen = ScriptedGenerator({"q1": ["4", "5"], "q2": ["Zzzz", "7777"]})
    rows = [{"prompt": "q1", "answer": "4"}, {"prompt": "q2", "answer": "7777"}]
    pool = RewardPool(reward, 2)
    try:
        ro = start_rollout(gen, pool, rows, GenerationConfig(num_generations=2)).wait()
    finally:
        pool.close()
    assert [g.prompt_index for g in ro.generations] == [0, 0, 1, 1]
    assert ro.result.components["toy_exact"] == [1.0, 0.0, 0.0, 1.0]  # answer per sample
    assert math.isnan(ro.result.rewards[2])  # 'toy_flaky' raised on "Zzzz": NaN, not 0
    assert ro.result.errors["toy_flaky"][2].startswith("RuntimeError")
    assert ro.result.rewards[3] == 2.0


def test_rewards_of_a_chunk_are_scored_while_the_next_chunk_generates():
    ended = []

    class SlowReward:  # takes 0.2 s per chunk and records when it finished
        def __init__(self, inner):
            self.inner = inner

        def score(self, *args, **kw):
            time.sleep(0.2)
            ended.append(time.perf_counter())
            return self.inner.score(*args, **kw)

    reward = SlowReward(load_reward("toy_exact", plugin_manager=_pm()))
    gen = ScriptedGenerator({f"q{i}": ["1", "2"] for i in range(4)}, delay=0.2)
    rows = [{"prompt": f"q{i}", "answer": "1"} for i in range(4)]
    pool = RewardPool(reward, 2)
    try:
        pending = start_rollout(gen, pool, rows, GenerationConfig(num_generations=2), chunk_prompts=2)
        ro = pending.wait()
    finally:
        pool.close()
    assert len(gen.calls) == 2
    second_gen_start = gen.calls[1][0]
    assert ended[0] > second_gen_start  # chunk 2 began generating before chunk 1 was scored
    assert ro.result.components["toy_exact"] == [1.0, 0.0] * 4
    assert [g.prompt_index for g in ro.generations] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_dynamic_sampling_drops_flat_groups_and_refills():
    script = {"flat1": ["x", "x"], "flat2": ["1", "1"], "var1": ["1", "x"], "var2": ["x", "1"],
              "var3": ["1", "y"], "flat3": ["y", "y"]}
    rows = [{"prompt": p, "answer": "1"} for p in ("flat1", "var1", "flat2", "var2", "flat3", "var3")]
    reward = load_reward("toy_exact", plugin_manager=_pm())
    pool = RewardPool(reward, 1)
    try:
        ro, info = dynamic_rollout(ScriptedGenerator(script), pool, Rows(rows), 2,
                                   GenerationConfig(num_generations=2), max_rounds=4)
    finally:
        pool.close()
    # round 1: flat1, var1 -> keep var1; round 2: flat2 -> nothing; round 3: var2 -> full
    assert info == {"rounds": 3, "zero_std": [True, False], "kept": 2, "wanted": 2,
                    "exhausted": False}
    assert [r["prompt"] for r in ro.rows] == ["var1", "var2"]
    assert [g.prompt_index for g in ro.generations] == [0, 0, 1, 1]
    assert ro.result.rewards == [1.0, 0.0, 0.0, 1.0]


def test_dynamic_sampling_gives_up_after_max_rounds():
    rows = [{"prompt": "flat", "answer": "1"}] * 10
    pool = RewardPool(load_reward("toy_exact", plugin_manager=_pm()), 1)
    try:
        ro, info = dynamic_rollout(ScriptedGenerator({"flat": ["x", "x"]}), pool, Rows(rows), 2,
                                   GenerationConfig(num_generations=2), max_rounds=2)
    finally:
        pool.close()
    assert info["rounds"] == 2 and len(ro.rows) == 2  # the last round, all flat
    assert info["exhausted"] is True and info["kept"] == 0 and info["wanted"] == 2
    assert ro.result.rewards == [0.0, 0.0, 0.0, 0.0]


def test_the_length_reward_counts_the_policys_own_token_ids():
    import dataclasses
    reward = load_reward("length(max_length=10,cache_length=4)")

    class TwelveTokens(ScriptedGenerator):  # one short word each, but 12 tokens to the policy
        def generate(self, prompts, config):
            return [dataclasses.replace(g, completion_ids=[7] * 12) for g in super().generate(prompts, config)]

    pool = RewardPool(reward, 1)
    try:
        ro = start_rollout(TwelveTokens({"q": ["ok", "ok"]}), pool, [{"prompt": "q"}],
                           GenerationConfig(num_generations=2)).wait()
    finally:
        pool.close()
    assert ro.result.rewards == [-1.0, -1.0]  # by the text's estimate it would be 0.0
