#!/usr/bin/env python
"""Step time and peak memory: rewardsmith's GRPO trainer against TRL's GRPOTrainer, same work.

    python perf/trainer_vs_trl.py                      # tiny llama and SmolLM2-135M
    python perf/trainer_vs_trl.py --models tiny --steps 8
    python perf/trainer_vs_trl.py --models smollm2 --steps 4 --repeat 1

Both trainers get the same model (a tiny llama built from a config, or the packaged
SmolLM2-135M-Instruct converted to safetensors), the same prompts (procedural arithmetic; chat
messages for SmolLM2, plain text for the tiny model, which has no chat template), the same reward
(rewardsmith's ``format`` reward, cheap, so the trainers are what is timed), G, prompts per step,
max new tokens, temperature, learning rate, beta, loss (``dapo``), and one optimizer update per
batch (TRL: per_device_train_batch_size = prompts x G, no gradient accumulation, steps_per_generation
1, num_iterations 1). rewardsmith uses its defaults for the rest (micro-batches of 8 sorted by length;
TRL runs the 32 sequences as one batch).

Each (model, trainer, repeat) runs in its own subprocess, alternating rewardsmith and TRL, so peak RSS
(``ru_maxrss``) is per trainer and the two see the same machine load over time. A step is timed
from its start to the end of its optimizer update (TRL: ``on_step_begin`` to ``on_step_end``;
rewardsmith: the ``time_step`` it logs); the first ``--warmup`` steps are dropped and the median of
the rest is reported. The step-time ratio is the median over repeats of (rewardsmith run r) / (TRL run
r), two runs back to back under about the same load. The machine this runs on is usually shared
and noisy: compare ratios, not seconds, and repeat when in doubt.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTINGS = {  # the work both trainers do
    "tiny": dict(prompts_per_step=4, num_generations=8, max_new_tokens=32, beta=0.0,
                 temperature=0.7, learning_rate=1e-4),
    "smollm2": dict(prompts_per_step=4, num_generations=8, max_new_tokens=48, beta=0.0,
                    temperature=0.7, learning_rate=2e-5),
}
TARGETS = {"tiny": 0.5, "smollm2": 0.7}


def _model_path(name: str, work: Path) -> str:
    if name == "tiny":
        from rewardsmith.models.tiny import build_tiny_llama

        path = work / "tiny-llama"
        if not path.exists():
            build_tiny_llama(path, hidden_size=256, num_layers=4, num_heads=4,
                             intermediate_size=768, seed=0)
        return str(path)
    from rewardsmith.models.loading import resolve_model

    return resolve_model(None)


def _prompts(name: str, n: int) -> list[dict]:
    from rewardsmith.trainer.config import DataConfig
    from rewardsmith.trainer.data import ProceduralSource

    system = "" if name == "tiny" else None
    cfg = DataConfig(held_out_size=0) if system is None else DataConfig(held_out_size=0,
                                                                         system_prompt=system)
    rows = ProceduralSource(cfg, seed=0).next_rows(n)
    if name == "tiny":  # no chat template: plain text prompts for both trainers
        return [{"prompt": r["prompt"][-1]["content"], "answer": r["answer"]} for r in rows]
    return [{"prompt": r["prompt"], "answer": r["answer"]} for r in rows]


# --- workers (one per subprocess) --------------------------------------------------------------------
def run_rewardsmith(model: str, name: str, steps: int, out: Path, seed: int) -> list[float]:
    from rewardsmith.trainer.loop import GRPOTrainer
    from rewardsmith.trainer.metrics import read_metrics
    from rewardsmith.trainer.options import make_config

    s = SETTINGS[name]
    values = {"model": model, "reward": "format", "output_dir": str(out / "rk"),
              "overwrite_output_dir": True, "max_steps": steps, "eval_every": 0, "save_every": 0,
              "plots": False, "progress": False, "seed": seed, "loss_type": "dapo",
              "held_out_size": 0, **s}
    if name == "tiny":
        values["system_prompt"] = ""
    cfg = make_config(values)
    GRPOTrainer(cfg).train()
    return [r["time_step"] for r in read_metrics(out / "rk" / "metrics.jsonl") if "time_step" in r]


def run_trl(model: str, name: str, steps: int, out: Path, seed: int) -> list[float]:
    import datasets
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from rewardsmith import load_reward

    s = SETTINGS[name]
    rows = _prompts(name, steps * s["prompts_per_step"] + 8)
    times: list[float] = []

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):  # noqa: ANN001
            self.t0 = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):  # noqa: ANN001
            times.append(time.perf_counter() - self.t0)

    batch = s["prompts_per_step"] * s["num_generations"]
    args = GRPOConfig(output_dir=str(out / "trl"), use_cpu=True, bf16=False, max_steps=steps,
                      per_device_train_batch_size=batch, gradient_accumulation_steps=1,
                      num_generations=s["num_generations"], max_completion_length=s["max_new_tokens"],
                      temperature=s["temperature"], learning_rate=s["learning_rate"], beta=s["beta"],
                      loss_type="dapo", num_iterations=1, steps_per_generation=1, logging_steps=1,
                      save_strategy="no", report_to="none", seed=seed, dataloader_num_workers=0,
                      disable_tqdm=True, lr_scheduler_type="constant", adam_beta2=0.99)
    reward = load_reward("format")
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args,
                          train_dataset=datasets.Dataset.from_list(rows), callbacks=[Timer()])
    trainer.train()
    return times


def worker(argv: list[str]) -> None:
    framework, name, model, steps, out, seed, threads = argv
    import torch

    torch.set_num_threads(int(threads))
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(int(seed))
    run = run_rewardsmith if framework == "rewardsmith" else run_trl
    times = run(model, name, int(steps), Path(out), int(seed))
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"times": times, "peak_rss_mib": rss_mib}))


# --- driver ------------------------------------------------------------------------------------------
def _spawn(framework: str, name: str, model: str, steps: int, out: Path, seed: int,
           threads: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", framework, name, model, str(steps), str(out),
           str(seed), str(threads)]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "WANDB_DISABLED": "true"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{framework} on {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def compare(name: str, steps: int, warmup: int, repeat: int, work: Path, threads: int) -> dict:
    model = _model_path(name, work)
    res: dict[str, dict] = {fw: {"times": [], "medians": [], "rss": []} for fw in ("rewardsmith", "trl")}
    for r in range(repeat):
        order = ("rewardsmith", "trl") if r % 2 == 0 else ("trl", "rewardsmith")
        for fw in order:
            got = _spawn(fw, name, model, steps, work / f"{name}-{fw}-{r}", seed=r, threads=threads)
            timed = got["times"][warmup:]
            res[fw]["times"] += timed
            res[fw]["medians"].append(statistics.median(timed))
            res[fw]["rss"].append(got["peak_rss_mib"])
            print(f"  {name:8s} {fw:9s} run {r + 1}: median step {statistics.median(timed):.3f}s"
                  f"  peak RSS {got['peak_rss_mib']:.0f} MiB  (load {os.getloadavg()[0]:.1f})", flush=True)
    rk, trl = res["rewardsmith"], res["trl"]
    out = {"model": name, "settings": SETTINGS[name], "steps_timed_per_run": steps - warmup,
           "runs_per_trainer": repeat,
           "rewardsmith_step_s": statistics.median(rk["times"]), "trl_step_s": statistics.median(trl["times"]),
           "rewardsmith_rss_mib": max(rk["rss"]), "trl_rss_mib": max(trl["rss"])}
    # the ratio of each back-to-back pair of runs (same machine load), then their median
    out["pair_ratios"] = [a / b for a, b in zip(rk["medians"], trl["medians"])]
    out["step_ratio"] = statistics.median(out["pair_ratios"])
    out["rss_ratio"] = out["rewardsmith_rss_mib"] / out["trl_rss_mib"]
    out["target_step_ratio"] = TARGETS[name]
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="tiny,smollm2", help="comma list of tiny, smollm2")
    ap.add_argument("--steps", type=int, default=6, help="steps per run (first --warmup not timed)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2, help="runs per trainer, alternating order")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of both trainers (on a "
                    "busy shared machine more threads than free cores thrash)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--quick", action="store_true",
                    help="the tiny model only, one run per trainer, 4 steps (for perf/run_all.py --quick)")
    args = ap.parse_args()
    if args.quick:
        args.models, args.steps, args.repeat = "tiny", 4, 1
    work = Path(tempfile.mkdtemp(prefix="rk-perf-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(a shared machine: figures are noisy; compare the ratios)")
    results = [compare(m.strip(), args.steps, args.warmup, args.repeat, work, args.threads)
               for m in args.models.split(",") if m.strip()]
    print(f"\n{'model':8s} {'rewardsmith s/step':>16s} {'TRL s/step':>11s} {'ratio*':>6s} {'target':>6s}"
          f" {'rk RSS MiB':>10s} {'TRL RSS MiB':>11s} {'ratio':>6s}")
    for r in results:
        print(f"{r['model']:8s} {r['rewardsmith_step_s']:16.3f} {r['trl_step_s']:11.3f} {r['step_ratio']:6.2f}"
              f" {r['target_step_ratio']:6.2f} {r['rewardsmith_rss_mib']:10.0f} {r['trl_rss_mib']:11.0f}"
              f" {r['rss_ratio']:6.2f}")
    print("* median of the per-repeat ratios (each pair of runs back to back); s/step: pooled medians")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    # the perf convention's last line (perf/README.md): ratio > 1 means rewardsmith is faster;
    # the headline is the first model measured, the rest ride along as extra figures
    head = results[0]
    print("RESULT " + json.dumps({
        "name": "trainer_vs_trl", "rewardsmith": head["rewardsmith_step_s"], "peer": head["trl_step_s"],
        "peer_name": "TRL GRPOTrainer", "unit": "s/step", "higher_is_better": False,
        "ratio": 1 / head["step_ratio"], "target": 1 / head["target_step_ratio"], "quick": args.quick,
        "model": head["model"], "extra": {r["model"]: {"step_ratio": r["step_ratio"], "rss_ratio": r["rss_ratio"]}
                                          for r in results}}))


if __name__ == "__main__":
    main()
