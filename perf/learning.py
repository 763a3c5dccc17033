#!/usr/bin/env python
"""Does the default ``grpo-train --reward math+format`` learn for every seed?

Runs the default job (embedded SmolLM2-135M-Instruct, procedural sums, every setting the default)
for seeds 0, 1 and 2 (40 steps each; ``--quick``: seeds 0 and 1, 20 steps), each in its own
process, and prints per seed the held-out accuracy curve (64 held-out prompts, greedy, every
``eval_every`` steps), its gain (last - first), the median step time and whether the
over-optimization alarm fired; then the median gain. Targets: every seed at least +0.15, median at
least +0.25.

There is no peer: the ``RESULT`` line carries the worst seed's gain as ``rewardsmith`` and
``ratio`` = worst gain / 0.15 (so ``ratio`` >= ``target`` 1.0 means every seed met its target).
Unlike the other perf scripts this one takes tens of minutes even with ``--quick`` (20 training
steps of a 135M model on a CPU per seed); give ``run_all.py`` a ``--timeout`` to match.

    python perf/learning.py --quick                  # seeds 0, 1; 20 steps
    python perf/learning.py --parallel 2             # seeds 0, 1, 2; 40 steps; two at a time
    python perf/learning.py --reuse --out runs/learning --plot docs/img/learning-seeds.png
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_TARGET, MEDIAN_TARGET = 0.15, 0.25


def run_seed(seed: int, steps: int, out: Path, reuse: bool, log, threads: int = 1) -> Path:
    """Train one seed with the defaults into ``out/seed-N`` (or reuse a finished run there)."""
    folder = out / f"seed-{seed}"
    if reuse and _finished(folder, steps):
        log(f"seed {seed}: reusing the finished run in {folder}")
        return folder
    cmd = [sys.executable, "-m", "rewardsmith.cli.grpo_train", "--reward", "math+format",
           "--seed", str(seed), "--max-steps", str(steps), "--output-dir", str(folder),
           "--overwrite-output-dir", "--save-every", "0", "--num-threads", str(threads), "--no-progress",
           "--no-plots"]
    log(f"seed {seed}: {' '.join(cmd[1:])}")
    began = time.perf_counter()
    with open(out / f"seed-{seed}.log", "w") as fh:
        code = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        raise SystemExit(f"learning: seed {seed} failed (exit {code}); see {out}/seed-{seed}.log")
    log(f"seed {seed}: done in {time.perf_counter() - began:.0f} s")
    return folder


def _finished(folder: Path, steps: int) -> bool:
    rows = _rows(folder)
    return bool(rows) and max(r.get("step", 0) for r in rows) >= steps


def _rows(folder: Path) -> list[dict]:
    path = folder / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def seed_result(seed: int, folder: Path) -> dict:
    """The held-out accuracy curve, gain, median step time and alarms of one run."""
    rows = _rows(folder)
    curve = [(r["step"], r["eval_accuracy"]) for r in rows if r.get("eval_accuracy") is not None]
    times = [r["time_step"] for r in rows if r.get("time_step") is not None]
    alarms = [r["overoptimization"] for r in rows if r.get("overoptimization")]
    train = [r["accuracy"] for r in rows if r.get("accuracy") is not None]
    return {"seed": seed, "curve": curve, "gain": curve[-1][1] - curve[0][1] if curve else None,
            "step_time": statistics.median(times) if times else None, "alarm": bool(alarms),
            "alarms": alarms, "steps": max((r.get("step", 0) for r in rows), default=0),
            "train_acc_first5": sum(train[:5]) / len(train[:5]) if train else None,
            "train_acc_last5": sum(train[-5:]) / len(train[-5:]) if train else None}


def table(results: list[dict]) -> str:
    steps = sorted({s for r in results for s, _ in r["curve"]})
    head = "| seed | " + " | ".join(f"step {s}" for s in steps) + \
        " | gain | median s/step | alarm |"
    lines = [head, "|" + " --- |" * (len(steps) + 4)]
    for r in results:
        acc = dict(r["curve"])
        cells = [f"{acc[s]:.3f}" if s in acc else "" for s in steps]
        lines.append(f"| {r['seed']} | " + " | ".join(cells) +
                     f" | {r['gain']:+.3f} | {r['step_time']:.1f} | {'yes' if r['alarm'] else 'no'} |")
    return "\n".join(lines)


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for r in results:
        ax.plot(*zip(*r["curve"]), marker="o", label=f"seed {r['seed']} ({r['gain']:+.2f})")
    ax.set(xlabel="step", ylabel="held-out accuracy (math, greedy)", ylim=(-0.02, 1.02),
           title="grpo-train --reward math+format, per seed")
    ax.grid(alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--quick", action="store_true", help="seeds 0 and 1, 20 steps")
    ap.add_argument("--seeds", help="comma list of seeds (default 0,1,2; --quick 0,1)")
    ap.add_argument("--steps", type=int, help="training steps per seed (default 40; --quick 20)")
    ap.add_argument("--out", default="runs/learning", help="run folders go to OUT/seed-N")
    ap.add_argument("--parallel", type=int, default=1, help="seeds trained at once (the CPU's "
                    "cores are shared among them)")
    ap.add_argument("--reuse", action="store_true", help="reuse finished runs found in --out")
    ap.add_argument("--plot", help="write one PNG with every seed's curve here")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in (args.seeds or ("0,1" if args.quick else "0,1,2")).split(",")]
    steps = args.steps or (20 if args.quick else 40)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    env_note = os.environ.get("PYTHONPATH", "")
    log(f"seeds {seeds}, {steps} steps each, {args.parallel} at a time"
        + (f" (PYTHONPATH={env_note})" if env_note else ""))
    threads = max(1, (os.cpu_count() or 1) // max(1, args.parallel))
    with ThreadPoolExecutor(max(1, args.parallel)) as pool:
        folders = list(pool.map(lambda s: run_seed(s, steps, out, args.reuse, log, threads), seeds))
    results = [seed_result(s, f) for s, f in zip(seeds, folders)]
    for r in results:
        curve = ", ".join(f"{s}: {a:.3f}" for s, a in r["curve"])
        print(f"seed {r['seed']}: held-out accuracy {curve}; gain {r['gain']:+.3f}; "
              f"median step {r['step_time']:.1f} s; train accuracy (first 5 / last 5 steps) "
              f"{r['train_acc_first5']:.2f} / {r['train_acc_last5']:.2f}; alarm "
              f"{'FIRED: ' + r['alarms'][0] if r['alarm'] else 'silent'}")
    gains = [r["gain"] for r in results]
    worst, median = min(gains), statistics.median(gains)
    print(table(results))
    print(f"median gain {median:+.3f} (target {MEDIAN_TARGET:+.2f}); worst seed {worst:+.3f} "
          f"(target {SEED_TARGET:+.2f}); every seed >= target: {worst >= SEED_TARGET}")
    if args.plot:
        plot(results, Path(args.plot))
        print(f"plot: {args.plot}")
    result = {"name": "learning", "rewardsmith": round(worst, 4), "peer": None,
              "peer_name": "none (absolute targets)", "unit": "held-out accuracy gain (worst seed)",
              "higher_is_better": True, "ratio": round(worst / SEED_TARGET, 3), "target": 1.0,
              "n": len(seeds), "quick": args.quick, "steps": steps,
              "median_gain": round(median, 4), "median_target": MEDIAN_TARGET,
              "gains": {str(r["seed"]): round(r["gain"], 4) for r in results},
              "step_time": {str(r["seed"]): round(r["step_time"], 2) for r in results},
              "alarm": {str(r["seed"]): r["alarm"] for r in results},
              "note": "no peer: the ratio is the worst seed's gain over its +0.15 target"}
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
