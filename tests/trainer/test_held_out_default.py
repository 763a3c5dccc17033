"""The default held-out check: the training spec's correctness component alone.

A unit table for the selection rule, and an end-to-end tiny run whose training reward is gameable
(it pays mostly for a keyword letter, a little for a stand-in correctness check): with no
``--held-out`` the check is the correctness component, it falls while the training reward rises,
and the over-optimization alarm fires. With the old default (the training reward itself as the
check) the same run would not have raised it: the check would have risen with the reward.
"""
from __future__ import annotations

import sys

import pytest

from rewardsmith import hookimpl, reward
from rewardsmith.core.plugin_manager import RewardsmithPluginManager
from rewardsmith.core.spec import parse_spec
from rewardsmith.trainer.evaluate import default_held_out


@pytest.mark.parametrize("spec, expected", [
    ("math+format", "math"),                      # the main job: correctness alone
    ("format+math", "math"),                      # order does not matter
    ("math:1+format:0.2", "math"),                # weights do not matter
    ("code+format+length", "code"),               # code is a correctness check too
    ("math+code", "math"),                        # the first correctness component
    ("math", None),                               # the spec is the check already
    ("format+length", None),                      # no correctness component: the training reward
])
def test_default_held_out_selection(spec, expected):
    parsed = parse_spec(spec)
    labels = [c.label for c in parsed.components]
    assert default_held_out(labels, [c.name for c in parsed.components]) == expected


@reward("a_share")
def a_share(completion):
    """The gameable part: share of the completion's characters that are 'a'."""
    return completion.count("a") / len(completion) if completion else 0.0


@reward("correct")
def correct(completion):
    """Stand-in for a correctness check a random tiny model can pass: 1 when the completion uses
    at least four distinct characters (what spamming one letter destroys)."""
    return 1.0 if len(set(completion)) >= 4 else 0.0


@hookimpl
def rewardsmith_rewards():
    return [a_share, correct]


def _config(tmp_path, model, **run):
    from rewardsmith.trainer.config import (DataConfig, GRPOConfig, ModelConfig, OptimConfig,
                                          RunConfig, TrainConfig)

    return TrainConfig(
        model=ModelConfig(model=str(model), device="cpu", use_chat_template=False),
        data=DataConfig(held_out_size=16, system_prompt=""),
        grpo=GRPOConfig(reward="a_share+correct:0.2", num_generations=8, prompts_per_step=4,
                        max_new_tokens=12, reward_workers=1),
        optim=OptimConfig(learning_rate=1e-2),
        run=RunConfig(output_dir=str(tmp_path / "run"), save_every=0, plots=False, progress=False,
                      num_threads=1, **run))


def test_gamed_run_raises_the_alarm_with_the_default_held_out(tmp_path):
    from rewardsmith.models.tiny import build_tiny_llama
    from rewardsmith.trainer.loop import GRPOTrainer

    pm = RewardsmithPluginManager()
    pm.add_plugin(sys.modules[__name__], "held-out-test-rewards")
    model = build_tiny_llama(tmp_path / "model", seed=0)
    cfg = _config(tmp_path, model, max_steps=14, eval_every=2, eval_temperature=1.0,
                  overopt_window=3, overopt_margin=0.1, on_overoptimization="stop")
    assert cfg.run.held_out is None  # the default choice is under test
    summary = GRPOTrainer(cfg, plugin_manager=pm).train()

    assert summary["held_out_check"] == "correct"
    assert summary["stopped_by_monitor"] is True, summary["overoptimization"]
    history = summary["overoptimization"]["history"]
    assert history[0]["step"] == 0 and history[0]["sqrt_kl"] == 0  # the initial policy counts
    assert history[-1]["train_reward"] > history[0]["train_reward"], history  # the proxy rose
    (alarm,) = summary["overoptimization"]["alarms"]
    # over the alarm's window the fitted proxy rose while the fitted correctness fell
    assert alarm["train_change"] > 0 and alarm["held_out_change"] <= -0.1, history


def test_held_out_flag_overrides_the_default(tmp_path):
    from rewardsmith.models.tiny import build_tiny_llama
    from rewardsmith.trainer.loop import GRPOTrainer

    pm = RewardsmithPluginManager()
    pm.add_plugin(sys.modules[__name__], "held-out-test-rewards")
    model = build_tiny_llama(tmp_path / "model", seed=0)
    trainer = GRPOTrainer(_config(tmp_path, model, max_steps=1, held_out="a_share"),
                          plugin_manager=pm)
    assert trainer.held_label is None and trainer.held_out_check == "a_share"
    assert trainer.held_out_reward is not None


def test_the_seed_1_collapse_of_issue_13_raises_the_default_alarm():
    """Issue 13's seed-1 run, as the monitor now sees it with the default settings: at steps 0, 10
    and 20 the training spec scored 0.83, 1.02, 1.03 on the held-out completions (format reached
    1.0) while the default check, math alone, went 0.17, 0.02, 0.03. The old default check (the
    training spec itself) rose, so the alarm stayed silent; now it fires at step 20."""
    from rewardsmith.trainer.config import RunConfig
    from rewardsmith.trainer.overoptimization import OverOptimizationMonitor

    run = RunConfig()
    mon = OverOptimizationMonitor(window=run.overopt_window, margin=run.overopt_margin)
    checks = [(0, 0.83, 0.17), (10, 1.02, 0.02), (20, 1.03, 0.03)]
    messages = [mon.update(step, train, held, sqrt_kl=step / 10) for step, train, held in checks]
    assert messages[:2] == [None, None] and messages[2].startswith("over-optimization at step 20")
    old = OverOptimizationMonitor(window=run.overopt_window, margin=run.overopt_margin)
    assert not any(old.update(step, train, train, step / 10) for step, train, _ in checks)
