"""End to end through ``grpo-train`` on a tiny llama: learning, resume after a kill, two processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cli_entry import TINY_FLAGS
from rewardsmith.cli.grpo_train import main
from rewardsmith.trainer.metrics import read_metrics

ENTRY = str(Path(__file__).resolve().parent / "cli_entry.py")


def _metrics(run: Path) -> list[dict]:
    return read_metrics(run / "metrics.jsonl")


def test_reward_rises_on_a_learnable_task(tiny_model, toy_plugin, tmp_path, capsys):
    """Reward = share of 'a' characters; a random tiny llama starts near 1/100 and must learn it."""
    run = tmp_path / "run"
    code = main(["--model", tiny_model, "--reward", "toy_char_a+toy_flaky:0.1", "--output-dir", str(run),
                 "--max-steps", "12", "--num-generations", "8", "--prompts-per-step", "4",
                 "--learning-rate", "2e-2", "--eval-every", "6", "--save-every", "6",
                 "--held-out", "toy_char_a", *TINY_FLAGS])
    assert code == 0, capsys.readouterr().err
    rows = _metrics(run)
    train = [r for r in rows if "reward_mean" in r]
    assert [r["step"] for r in train] == list(range(1, 13))
    first = sum(r["rewards/toy_char_a/mean"] for r in train[:3]) / 3
    last = sum(r["rewards/toy_char_a/mean"] for r in train[-3:]) / 3
    assert last > first + 0.15, (first, last)
    for key in ("reward_std", "rewards/toy_flaky/mean", "rewards/toy_flaky/std", "entropy", "clip_frac",
                "zero_std_frac", "completion_len_mean", "truncated_frac", "time_generate",
                "time_reward", "time_update", "reward_failed", "grad_norm", "completions"):
        assert key in train[-1], key
    assert sum(r["reward_failed"] for r in train) > 0  # 'toy_flaky' raised on some samples: counted
    evals = [r for r in rows if "held_out" in r]
    assert [r["step"] for r in evals] == [0, 6, 12]
    assert evals[-1]["held_out"] > evals[0]["held_out"] and evals[-1]["sqrt_kl"] > 0
    ckpt = run / "checkpoint-12"
    assert (ckpt / "model.safetensors").is_file() and (ckpt / "trainer_state.pt").is_file()
    assert (run / "checkpoint-6").is_dir() and (run / "config.yaml").is_file()
    assert {p.name for p in (run / "plots").iterdir()} >= {"rewards.png", "overoptimization.png"}
    assert main(["report", str(run)]) == 0
    assert "train reward" in capsys.readouterr().out


def test_resume_after_a_kill_continues_exactly(tiny_model, toy_plugin, tmp_path):
    """Run A: 4 steps straight. Run B: killed (SIGKILL) during step 3, resumed from checkpoint-2.
    Steps 3-4 and the final weights must be identical."""
    flags = ["--model", tiny_model, "--reward", "toy_killer", "--max-steps", "4", "--save-every", "2",
             "--num-generations", "4", "--prompts-per-step", "2", "--learning-rate", "1e-2",
             "--eval-every", "0", "--lr-scheduler", "cosine", "--no-plots", *TINY_FLAGS]
    a, b = tmp_path / "a", tmp_path / "b"
    assert main([*flags, "--output-dir", str(a)]) == 0
    env = {**os.environ, "KILL_AFTER_CALLS": str(2 * 8 + 3)}  # 8 samples per step: inside step 3
    killed = subprocess.run([sys.executable, ENTRY, *flags, "--output-dir", str(b)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert (b / "checkpoint-2").is_dir() and not (b / "checkpoint-4").exists()
    assert main([*flags, "--output-dir", str(b), "--resume"]) == 0
    rows_a, rows_b = _metrics(a), _metrics(b)
    assert [r["step"] for r in rows_b] == [1, 2, 3, 4]
    for ra, rb in zip(rows_a, rows_b):
        assert {k: v for k, v in ra.items() if not k.startswith("time_")} == \
               {k: v for k, v in rb.items() if not k.startswith("time_")}
    wa = load_file(a / "checkpoint-4" / "model.safetensors")
    wb = load_file(b / "checkpoint-4" / "model.safetensors")
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    w2 = load_file(b / "checkpoint-2" / "model.safetensors") if (b / "checkpoint-2").exists() else None
    assert w2 is None or not all(torch.equal(w2[k], wb[k]) for k in wb)  # it did train after resume


def test_output_dir_with_a_run_needs_resume_or_overwrite(tiny_model, toy_plugin, tmp_path, capsys):
    run = tmp_path / "r"
    run.mkdir()
    (run / "metrics.jsonl").write_text(json.dumps({"step": 1}) + "\n")
    assert main(["--model", tiny_model, "--reward", "toy_char_a", "--output-dir", str(run)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert main(["--model", tiny_model, "--reward", "toy_char_a", "--output-dir", str(run), "--resume"]) == 2
    assert "no checkpoint" in capsys.readouterr().err


@pytest.mark.slow
def test_two_cpu_processes_with_torchrun(tiny_model, tmp_path):
    """Data parallel over gloo: each process samples its half of the prompts; one run folder."""
    run = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           ENTRY, "--model", tiny_model, "--reward", "toy_char_a", "--output-dir", str(run),
           "--max-steps", "2", "--num-generations", "4", "--prompts-per-step", "4",
           "--eval-every", "2", "--no-plots", "--dynamic-sampling", *TINY_FLAGS,
           "--micro-batch-size", "3"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = _metrics(run)
    train = [r for r in rows if "reward_mean" in r]
    assert [r["step"] for r in train] == [1, 2]
    # 2 processes x 2 prompts x G=4, minus the zero-variance groups dynamic sampling dropped
    assert all(0 < r["completions"] <= 16 and r["completions"] % 4 == 0 for r in train)
    assert all("dynamic_rounds" in r for r in train) and "held_out" in rows[-1]
    assert (run / "checkpoint-2" / "rank0.pt").is_file() and (run / "checkpoint-2" / "rank1.pt").is_file()
    assert done.stdout.count("run folder:") == 1  # only process 0 reports


@pytest.mark.slow
def test_default_command_runs_the_packaged_model_with_math_and_format(tmp_path, capsys):
    """``grpo-train --reward math+format`` on the packaged SmolLM2 and procedural data, shrunk to
    one small step (the first use converts the GGUF into the cache, ~20 s, once)."""
    run = tmp_path / "default"
    code = main(["--reward", "math+format", "--output-dir", str(run), "--max-steps", "1",
                 "--prompts-per-step", "2", "--num-generations", "2", "--max-new-tokens", "12",
                 "--held-out-size", "2", "--no-progress", "--no-plots", "--num-threads", "1"])
    assert code == 0, capsys.readouterr().err
    rows = read_metrics(run / "metrics.jsonl")
    assert [r["step"] for r in rows] == [0, 1]
    step = rows[1]
    for key in ("rewards/math/mean", "rewards/format/mean", "accuracy", "eval_accuracy", "sqrt_kl"):
        assert key in step, key
    assert step["completions"] == 4 and step["reward_failed"] == 0
    assert (run / "checkpoint-1" / "model.safetensors").is_file()
