"""verl's own code around our reward function: its reward managers (the reward loop's ``naive``, the
legacy ``naive``, ``batch`` and ``prime``) over a small ``DataProto`` batch with one failing sample,
its loader (``pkg://``), and its GRPO advantage function on the rewards they produce.

verl is installed from the package index without its dependencies (``pip install --no-deps verl``,
plus the few it needs to import: scripts/setup.sh); nothing here copies its code.
"""
from __future__ import annotations

import asyncio
import itertools
import math
import statistics

import numpy as np
import pytest
from itest_peers import import_peer

verl_protocol = import_peer("verl.protocol")

import torch  # noqa: E402

import rewardsmith.integrations.verl as rk_verl  # noqa: E402
from rewardsmith.integrations.failures import ErrorRateExceeded  # noqa: E402

SPEC = "math:1+format:0.2+toy_crash:0.1"
# two groups (verl's uid) of four rollouts; 'boom' makes toy_crash fail on sample 2 only
ROWS = [("a", "4", "\\boxed{4}"), ("a", "4", "\\boxed{5}"), ("a", "4", "boom \\boxed{4}"), ("a", "4", "it is 4"),
        ("b", "9", "\\boxed{9}"), ("b", "9", "\\boxed{8}"), ("b", "9", "9"), ("b", "9", "no idea")]
FLAGS = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


@pytest.fixture(autouse=True)
def fresh_trackers():
    """Each test starts its own failure-rate window (the window lives as long as the process)."""
    rk_verl._trackers.clear()
    yield
    rk_verl._trackers.clear()


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from rewardsmith.models.tiny import build_tiny_llama

    path = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden_size=16, num_layers=1, num_heads=2,
                            intermediate_size=32)
    return AutoTokenizer.from_pretrained(path)


def _batch(tokenizer, rows=ROWS):
    """A DataProto as verl's rollout leaves it: left-padded prompts, right-padded responses."""
    prompts = [tokenizer.encode(f"Q{uid}: what is it?", add_special_tokens=False) for uid, _, _ in rows]
    responses = [tokenizer.encode(text, add_special_tokens=False) for _, _, text in rows]
    p_len, r_len, pad = max(map(len, prompts)), max(map(len, responses)), tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    response_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    mask = torch.tensor([[0] * (p_len - len(p)) + [1] * len(p) + [1] * len(r) + [0] * (r_len - len(r))
                         for p, r in zip(prompts, responses)])
    non_tensors = {
        "data_source": np.array(["openai/gsm8k"] * len(rows), dtype=object),
        "reward_model": np.array([{"ground_truth": gt, "style": "rule"} for _, gt, _ in rows], dtype=object),
        "extra_info": np.array([{"index": uid, "split": "train"} for uid, _, _ in rows], dtype=object),
        "uid": np.array([uid for uid, _, _ in rows], dtype=object),
    }
    return verl_protocol.DataProto.from_dict(
        tensors={"prompts": prompt_ids, "responses": response_ids, "attention_mask": mask,
                 "input_ids": torch.cat([prompt_ids, response_ids], 1)},
        non_tensors=non_tensors)


def _verl_function(name: str, **reward_kwargs):
    """Our function as verl's own loader gives it to a manager: pkg:// path, name, reward_kwargs."""
    from omegaconf import OmegaConf
    from verl.trainer.ppo.reward import get_custom_reward_fn

    config = OmegaConf.create({"reward": {"custom_reward_function": {
        "path": "pkg://rewardsmith.integrations.verl", "name": name,
        "reward_kwargs": {"reward_spec": SPEC, **reward_kwargs}}}})
    return get_custom_reward_fn(config)


def _advantages(reward_tensor, data):
    """verl's own GRPO advantage over the rewards a manager produced."""
    from verl.trainer.ppo.core_algos import compute_grpo_outcome_advantage

    response_mask = data.batch["attention_mask"][:, data.batch["prompts"].shape[1]:]
    advantages, _ = compute_grpo_outcome_advantage(reward_tensor, response_mask, data.non_tensor_batch["uid"])
    return advantages.sum(-1)  # (B,): one value per response (the mask keeps it on valid tokens)


def _expected(label: str | None = None):
    """What rewardsmith gives the batch's samples: totals, or one component's values."""
    from rewardsmith.core.compose import load_reward

    result = load_reward(SPEC).score(None, [t for _, _, t in ROWS], {"answer": [g for _, g, _ in ROWS]})
    return result.rewards if label is None else result.components[label]


def test_legacy_naive_manager_one_failure_flagged_and_advantages_finite(toy_plugin, tokenizer, caplog):
    from verl.workers.reward_manager import NaiveRewardManager

    data = _batch(tokenizer)
    manager = NaiveRewardManager(tokenizer, num_examine=0, compute_score=_verl_function("compute_score"))
    out = manager(data, return_dict=True)
    rewards, info = out["reward_tensor"].sum(-1), out["reward_extra_info"]
    expected = _expected()
    assert info["rewardsmith_error"] == FLAGS
    assert math.isnan(expected[2]) and all(math.isfinite(r) for r in rewards.tolist())
    for i in (0, 1, 3, 4, 5, 6, 7):
        assert rewards[i].item() == pytest.approx(expected[i])
    # one response at a time: the stand-in is the mean of its group's valid samples scored so far
    assert rewards[2].item() == pytest.approx((expected[0] + expected[1]) / 2)
    # math is the correctness component: acc is its value (here the failed sample's math succeeded)
    assert info["acc"] == _expected("math") and info["math"] == _expected("math")
    assert "toy_crash" in caplog.text and "exploded" in caplog.text
    assert "1 of the last 3 samples failed" in caplog.text
    advantages = _advantages(out["reward_tensor"], data)
    assert torch.isfinite(advantages).all()


def test_without_a_finite_stand_in_verls_advantages_for_the_group_are_nan(toy_plugin, tokenizer):
    """Why the stand-in exists: NaN for the failed sample (error_value=nan) poisons its whole group."""
    from verl.workers.reward_manager import NaiveRewardManager

    data = _batch(tokenizer)
    fn = _verl_function("compute_score", error_value="nan")
    advantages = _advantages(NaiveRewardManager(tokenizer, 0, compute_score=fn)(data), data)
    assert torch.isnan(advantages[:4]).all() and torch.isfinite(advantages[4:]).all()


@pytest.fixture
def event_loop_for_verl():
    """verl's reward-loop managers take the thread's current event loop when built; an earlier test
    may have closed that one, so each of these tests gets a fresh loop (and leaves an open one)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(asyncio.new_event_loop())


def test_reward_loop_naive_manager_the_default(toy_plugin, tokenizer, event_loop_for_verl):
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager

    data = _batch(tokenizer)
    manager = NaiveRewardManager(config=None, tokenizer=tokenizer, compute_score=_verl_function("compute_score"))
    results = [manager.loop.run_until_complete(manager.run_single(data[i:i + 1])) for i in range(len(data))]
    scores = [r["reward_score"] for r in results]
    assert [r["reward_extra_info"]["rewardsmith_error"] for r in results] == FLAGS
    assert all("acc" in r["reward_extra_info"] for r in results)
    rm_scores = manager.assemble_rm_scores(data, scores)
    assert torch.isfinite(_advantages(rm_scores, data)).all()


def test_legacy_batch_manager_substitutes_the_exact_group_mean(toy_plugin, tokenizer):
    from verl.workers.reward_manager import BatchRewardManager

    data = _batch(tokenizer)
    manager = BatchRewardManager(tokenizer, 0, compute_score=_verl_function("compute_score_batch"))
    out = manager(data, return_dict=True)
    assert out["reward_extra_info"]["rewardsmith_error"] == FLAGS
    advantages = _advantages(out["reward_tensor"], data)
    assert torch.isfinite(advantages).all()
    assert advantages[2].item() == pytest.approx(0.0, abs=1e-6)  # the whole group was visible: exactly 0


def test_prime_manager_gets_plain_numbers(toy_plugin, tokenizer):
    from verl.workers.reward_manager import PrimeRewardManager

    data = _batch(tokenizer)
    manager = PrimeRewardManager(tokenizer, 0, compute_score=_verl_function("compute_score_number"))
    reward_tensor = manager(data)
    rewards = reward_tensor.sum(-1)
    expected = _expected()
    assert torch.isfinite(rewards).all() and torch.isfinite(data.batch["acc"]).all()
    for i in (0, 1, 3, 4, 5, 6, 7):
        assert rewards[i].item() == pytest.approx(expected[i])
    # prime scores the responses in a pool of worker processes: the one that scores the failed sample
    # has seen none, or some, of its group's other samples (which depends on scheduling), so the
    # stand-in is 0.0 or the mean of such a subset; no flag reaches verl (documented: prefer the
    # reward loop)
    seen = [expected[i] for i in (0, 1, 3)]
    allowed = [0.0] + [statistics.fmean(c) for k in (1, 2, 3) for c in itertools.combinations(seen, k)]
    assert any(rewards[2].item() == pytest.approx(v) for v in allowed), (rewards[2].item(), allowed)
    assert torch.isfinite(_advantages(reward_tensor, data)).all()


def test_the_run_stops_past_max_error_rate(toy_plugin, tokenizer):
    from verl.workers.reward_manager import NaiveRewardManager

    rows = [(uid, gt, "boom" if i % 2 == 0 else text) for i, (uid, gt, text) in enumerate(ROWS)]
    data = _batch(tokenizer, rows)
    fn = _verl_function("compute_score", max_error_rate=0.1, error_window=20)  # more than 2 failures stop
    manager = NaiveRewardManager(tokenizer, 0, compute_score=fn)
    with pytest.raises(ErrorRateExceeded, match=r"3 of the last 5 samples failed.*max_error_rate=0.1"):
        manager(data)
    with pytest.raises(ErrorRateExceeded):  # and it stays stopped
        manager(_batch(tokenizer))


def test_strict_stops_at_the_first_failure(toy_plugin, tokenizer):
    from verl.workers.reward_manager import NaiveRewardManager

    from rewardsmith.core.errors import RewardError

    manager = NaiveRewardManager(tokenizer, 0, compute_score=_verl_function("compute_score", strict=True))
    with pytest.raises(RewardError, match="toy_crash"):
        manager(_batch(tokenizer))


def test_the_reward_loop_stops_past_max_error_rate(toy_plugin, tokenizer, event_loop_for_verl):
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager

    rows = [(uid, gt, "boom") for uid, gt, _ in ROWS]
    data = _batch(tokenizer, rows)
    fn = _verl_function("compute_score", max_error_rate=0.05, error_window=20)  # the second failure stops
    manager = NaiveRewardManager(config=None, tokenizer=tokenizer, compute_score=fn)
    first = manager.loop.run_until_complete(manager.run_single(data[0:1]))
    assert first["reward_extra_info"]["rewardsmith_error"] == 1.0 and math.isfinite(first["reward_score"])
    with pytest.raises(ErrorRateExceeded, match="2 of the last 2 samples failed"):
        manager.loop.run_until_complete(manager.run_single(data[1:2]))
