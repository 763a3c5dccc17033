"""End to end: a tiny GRPO run on a gameable reward is caught by the over-optimization alarm.

The training reward pays for a keyword letter ('a': its share of the characters), which a policy
games by writing nothing else. The held-out check, never trained on, is the variety of the text
(distinct characters / length). A real tiny Llama (built from a config, char tokenizer) learns to
spam 'a' within a few steps: the training reward rises, the held-out variety falls, the monitor
raises the alarm and ``on_overoptimization=stop`` ends the run early. The alarm shows in the
metrics, the run summary and the report.
"""
from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("torch")

from rewardsmith import hookimpl, reward  # noqa: E402
from rewardsmith.core.plugin_manager import RewardsmithPluginManager  # noqa: E402


@reward("a_share")
def a_share(completion):
    """The gameable proxy: share of the completion's characters that are the keyword 'a'."""
    return completion.count("a") / len(completion) if completion else 0.0


@reward("variety")
def variety(completion):
    """The held-out check: distinct characters / length (None for an empty completion)."""
    return len(set(completion)) / len(completion) if completion else None


@hookimpl
def rewardsmith_rewards():
    return [a_share, variety]


def test_gamed_run_trips_the_alarm_and_stops(tmp_path):
    from rewardsmith.models.tiny import build_tiny_llama
    from rewardsmith.trainer.config import (DataConfig, GRPOConfig, ModelConfig, OptimConfig,
                                          RunConfig, TrainConfig)
    from rewardsmith.trainer.loop import GRPOTrainer

    pm = RewardsmithPluginManager()
    pm.add_plugin(sys.modules[__name__], "e2e-test-rewards")
    model = build_tiny_llama(tmp_path / "model", seed=0)
    max_steps = 14
    cfg = TrainConfig(
        model=ModelConfig(model=str(model), device="cpu", use_chat_template=False),
        data=DataConfig(held_out_size=16, system_prompt=""),
        grpo=GRPOConfig(reward="a_share", num_generations=8, prompts_per_step=4, max_new_tokens=12,
                        reward_workers=1),
        optim=OptimConfig(learning_rate=1e-2),
        run=RunConfig(output_dir=str(tmp_path / "run"), max_steps=max_steps, eval_every=2,
                      eval_temperature=1.0, held_out="variety", overopt_window=3, overopt_margin=0.1,
                      on_overoptimization="stop", save_every=0, plots=True, progress=False),
    )
    summary = GRPOTrainer(cfg, plugin_manager=pm).train()

    assert summary["stopped_by_monitor"] is True and summary["steps"] < max_steps
    over = summary["overoptimization"]
    (alarm,) = over["alarms"]
    assert alarm["step"] == summary["steps"] and alarm["step"] > 2 * cfg.run.eval_every
    assert alarm["train_change"] > 0 and alarm["held_out_change"] <= -0.1
    history = over["history"]
    assert history[-1]["train_reward"] > history[0]["train_reward"]  # the proxy was gamed ...
    assert history[-1]["held_out"] < history[0]["held_out"] - 0.1    # ... and the check fell
    assert history[0]["step"] == 0 and history[0]["sqrt_kl"] == 0  # the initial policy
    assert history[-1]["sqrt_kl"] > history[1]["sqrt_kl"] > 0

    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    flagged = [r for r in rows if r.get("overoptimization")]
    assert [r["step"] for r in flagged] == [alarm["step"]]
    assert flagged[0]["overoptimization"] == alarm["message"]
    assert summary.get("overoptimization_alarms") == [alarm["message"]]  # the report's summary
    assert (tmp_path / "run" / "plots" / "overoptimization.png").is_file()
