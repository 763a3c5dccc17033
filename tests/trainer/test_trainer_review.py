"""What a review of the trainer found (issue 17, items 1-6, 10, 11): each test fails without its fix."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
import torch

from cli_entry import TINY_FLAGS
from rewardsmith.models import GenerationConfig, HFGenerator
from rewardsmith.cli.grpo_train import main
from rewardsmith.trainer.config import GRPOConfig, ModelConfig
from rewardsmith.trainer.evaluate import Evaluator
from rewardsmith.trainer.logprobs import completion_logps, sequence_kl
from rewardsmith.trainer.loss import LossConfig, Totals
from rewardsmith.trainer.metrics import read_metrics
from rewardsmith.trainer.policy import Reference, load_policy, make_optimizer, make_scheduler
from rewardsmith.trainer.config import OptimConfig
from rewardsmith.trainer.update import fill_logps, make_micro_batches, run_update


def _gens(model, tok, n=3):
    gen = HFGenerator(model, tok, seed=0)
    return gen.generate(["ab", "a longer prompt"], GenerationConfig(max_new_tokens=6, num_generations=n))


def _eval_kl(policy, reference, tok, gens):
    ev = Evaluator(None, None, None, [], GenerationConfig(), reference, tok.pad_token_id, "cpu", 4)
    return ev._kl(policy, gens)


# --- 1. LoRA: the eval KL compared the model with itself -------------------------------------
def test_lora_eval_kl_is_positive_once_the_adapters_moved(tiny_model):
    cfg = ModelConfig(model=tiny_model, lora_r=4, device="cpu")
    policy, tok = load_policy(cfg, "cpu")
    ref = Reference(policy, cfg, "cpu", resumed=False)
    gens = _gens(policy, tok)
    assert max(_eval_kl(policy, ref, tok, gens)) == pytest.approx(0.0, abs=1e-6)  # not moved yet
    with torch.no_grad():
        for name, p in policy.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    kl = _eval_kl(policy, ref, tok, gens)
    assert min(kl) > 1e-3, kl
    with ref.active() as base:  # the same number as two separate modules give
        frozen = _copy_of(base)
    batch = make_micro_batches([g.prompt_ids for g in gens], [g.completion_ids for g in gens],
                               tok.pad_token_id, 0)[0]
    expected = sequence_kl(policy, frozen, batch.packed)
    got = torch.tensor([kl[i] for i in batch.index])
    assert torch.allclose(got, expected, rtol=1e-4, atol=1e-5)


def _copy_of(module):
    import copy

    inner = module.get_base_model() if hasattr(module, "get_base_model") else module
    return copy.deepcopy(inner).eval()


# --- 2. clip fraction / KL / entropy over every pass -----------------------------------------
def test_update_stats_cover_every_pass(tiny_model):
    cfg = ModelConfig(model=tiny_model, device="cpu")
    model, tok = load_policy(cfg, "cpu")
    gens = _gens(model, tok, n=4)
    micro = make_micro_batches([g.prompt_ids for g in gens], [g.completion_ids for g in gens],
                               tok.pad_token_id, 4, groups=[g.prompt_index for g in gens])
    fill_logps(model, micro, "old_logps", 1.0, "cpu")
    adv = torch.tensor([1.0, -1.0, 0.5, -0.5] * 2)
    for mb in micro:
        mb.advantages = adv[mb.index]
        mb.loss_mask = mb.packed.completion_mask.clone()
    opt = make_optimizer(model, OptimConfig(learning_rate=5e-2))
    sched = make_scheduler(opt, OptimConfig(learning_rate=5e-2), 3)
    totals = Totals(sequences=8, tokens=float(sum(mb.loss_mask.sum() for mb in micro)),
                    micro_batches=len(micro))
    loss_cfg = LossConfig("dapo", 0.01, 0.01, "token", 0.0, "k3", 6)
    stats = run_update(model, opt, sched, micro, loss_cfg, totals, num_iterations=3,
                       max_grad_norm=1.0, temperature=1.0, device="cpu")
    tokens = stats.tokens
    assert tokens == totals.tokens  # counted once, not once per pass
    assert stats.extra["clip_sum/pass1"] == 0.0  # on-policy first pass: ratio exactly 1
    assert stats.extra["clip_sum/pass2"] > 0 and stats.extra["clip_sum/pass3"] > 0
    clip = (stats.clip_low_sum + stats.clip_high_sum) / tokens
    per_pass = sum(stats.extra[f"clip_sum/pass{k}"] for k in (1, 2, 3)) / 3 / tokens
    assert clip == pytest.approx(per_pass) and clip > 0


# --- 3. beta = 0: no second model in memory --------------------------------------------------
def test_on_disk_reference_swaps_the_initial_weights_in_and_out(tiny_model):
    cfg = ModelConfig(model=tiny_model, device="cpu")
    policy, tok = load_policy(cfg, "cpu")
    gens = _gens(policy, tok)
    batch = make_micro_batches([g.prompt_ids for g in gens], [g.completion_ids for g in gens],
                               tok.pad_token_id, 0)[0].packed
    with torch.no_grad():
        initial, _ = completion_logps(policy, batch)
    ref = Reference(policy, cfg, "cpu", resumed=False, on_disk=True)
    assert ref.model is None
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        moved, _ = completion_logps(policy, batch)
        with ref.active() as r:
            assert r is policy
            again, _ = completion_logps(r, batch)
        after, _ = completion_logps(policy, batch)
        with ref.active(weights_unchanged=True) as r:  # the saved current weights are reused
            again2, _ = completion_logps(r, batch)
        after2, _ = completion_logps(policy, batch)
    assert torch.equal(again, initial) and torch.equal(again2, initial)  # inside: initial weights
    assert torch.equal(after, moved) and torch.equal(after2, moved)      # outside: trained ones
    assert all(p.requires_grad for p in policy.parameters())
    assert min(_eval_kl(policy, ref, tok, gens)) > 0
    folder = ref._dir
    ref.close()
    assert not os.path.exists(folder)


_PEAK = r"""
import resource, sys
from rewardsmith.models.tiny import build_tiny_llama
from rewardsmith.trainer.config import *
from rewardsmith.trainer.loop import GRPOTrainer
import toy_rewards
out, eval_every = sys.argv[1], int(sys.argv[2])
model = build_tiny_llama(out + "/model", hidden_size=512, num_layers=8, num_heads=8,
                         intermediate_size=1536, seed=0)
cfg = TrainConfig(model=ModelConfig(model=str(model), device="cpu", use_chat_template=False),
                  data=DataConfig(held_out_size=4, system_prompt=""),
                  grpo=GRPOConfig(reward="toy_char_a", num_generations=2, prompts_per_step=2,
                                  max_new_tokens=4, reward_workers=1),
                  run=RunConfig(output_dir=out + "/run", max_steps=1, eval_every=eval_every,
                                save_every=0, plots=False, progress=False, num_threads=1))
GRPOTrainer(cfg, plugin_manager=toy_rewards.plugin_manager()).train()
print("PEAK", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_beta_zero_peak_memory_holds_one_model(tmp_path):
    """Peak RSS of a 1-step run with evaluations (which measure KL to the initial policy) is within
    half a model of the same run without evaluations; a reference copy would add a whole one."""
    params = 8 * (4 * 512 * 512 + 3 * 512 * 1536) + 98 * 512
    model_bytes = params * 4

    def peak(eval_every):
        tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # holds toy_rewards.py
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [tests] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
        out = tmp_path / f"e{eval_every}"
        res = subprocess.run([sys.executable, "-c", _PEAK, str(out), str(eval_every)], env=env,
                             capture_output=True, text=True, timeout=900)
        assert res.returncode == 0, res.stderr[-2000:]
        return int(res.stdout.split("PEAK")[-1])

    without, with_eval = peak(0), peak(1)
    assert with_eval - without < 0.5 * model_bytes, (without, with_eval, model_bytes)


# --- 4. settings that do not do what they say ------------------------------------------------
def test_k1_loss_and_token_level_gspo_are_warned(caplog):
    with caplog.at_level(logging.WARNING, logger="rewardsmith.trainer"):
        GRPOConfig()
        GRPOConfig(kl_estimator="k1")                 # k1 without a penalty: nothing to warn
        GRPOConfig(importance_sampling_level="sequence", loss_type="grpo")
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="rewardsmith.trainer"):
        GRPOConfig(beta=0.1, kl_estimator="k1")
        GRPOConfig(importance_sampling_level="sequence")  # dapo: token-level
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "k1" in messages[0] and "does not regularise" in messages[0]
    assert "GSPO" in messages[1] and "--loss-type grpo" in messages[1]


# --- 6. dynamic sampling out of rounds -------------------------------------------------------
def test_dynamic_sampling_exhausted_is_reported(tiny_model, toy_plugin, tmp_path, caplog):
    run = tmp_path / "run"
    with caplog.at_level(logging.WARNING, logger="rewardsmith.trainer"):
        code = main(["--model", tiny_model, "--reward", "toy_exact", "--output-dir", str(run),
                     "--max-steps", "1", "--num-generations", "2", "--prompts-per-step", "2",
                     "--dynamic-sampling", "--dynamic-sampling-max-rounds", "2",
                     "--eval-every", "0", "--no-plots", *TINY_FLAGS])
    assert code == 0
    (row,) = read_metrics(run / "metrics.jsonl")
    # a random tiny model never matches a gold answer: every group is flat
    assert row["dynamic_rounds"] == 2 and row["dynamic_kept_groups"] == 0
    assert row["dynamic_exhausted"] is True
    assert any("dynamic sampling ran out of rounds" in r.getMessage() and "0 of 2" in r.getMessage()
               for r in caplog.records)


# --- 10. say what it is doing before the first step line --------------------------------------
def test_status_lines_come_before_the_first_step_line(tiny_model, toy_plugin, tmp_path, capsys):
    run = tmp_path / "run"
    flags = [f for f in TINY_FLAGS if f != "--no-progress"]
    assert main(["--model", tiny_model, "--reward", "toy_char_a", "--output-dir", str(run),
                 "--max-steps", "1", "--num-generations", "2", "--prompts-per-step", "2",
                 "--eval-every", "1", "--no-plots", *flags]) == 0
    err = capsys.readouterr().err.splitlines()
    first_step = next(i for i, line in enumerate(err) if line.startswith("step 1/1"))
    before = "\n".join(err[:first_step])
    assert "loading the model" in before and "evaluating the initial policy" in before
    assert "step 1: generating 2 x 2 completions" in before


# --- 11. a failed start leaves no run folder ---------------------------------------------------
def test_failed_start_leaves_no_output_folder(tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["--dataset", str(tmp_path / "missing.jsonl"), "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert "missing.jsonl" in err and "Traceback" not in err
    assert not out.exists()
