"""``grpo-train report RUN_DIR``: PNG plots of a run's curves and a short summary.

Writes ``RUN_DIR/plots/{rewards,overoptimization,training,lengths_time}.png`` and
``RUN_DIR/summary.json``; works on a finished, running or killed run (it only reads metrics.jsonl).
"""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any, Sequence

from rewardsmith.core.atomic import atomic_write_text
from rewardsmith.core.errors import UsageError
from rewardsmith.trainer.metrics import read_metrics

__all__ = ["write_report", "summarize", "format_summary"]


def _series(rows: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    xs, ys = [], []
    for r in rows:
        v = r.get(key)
        if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
            xs.append(r["step"])
            ys.append(float(v))
    return xs, ys


def _avg(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Headline figures: reward and accuracy at the start and end, held-out curve, step times."""
    train = [r for r in rows if r.get("step", 0) > 0 and "reward_mean" in r]
    out: dict[str, Any] = {"steps": max((r["step"] for r in rows), default=0)}
    _, rewards = _series(train, "reward_mean")
    k = max(1, min(5, len(rewards) // 4)) if rewards else 1
    out["reward_first"], out["reward_last"] = _avg(rewards[:k]), _avg(rewards[-k:])
    _, acc = _series(train, "accuracy")
    if acc:
        out["accuracy_first"], out["accuracy_last"] = _avg(acc[:k]), _avg(acc[-k:])
    steps, eval_acc = _series(rows, "eval_accuracy")
    if eval_acc:
        out["eval_accuracy_curve"] = dict(zip(map(str, steps), eval_acc))
        out["eval_accuracy_gain"] = eval_acc[-1] - eval_acc[0]
    steps, held = _series(rows, "held_out")
    if held:
        out["held_out_curve"] = dict(zip(map(str, steps), held))
    for key in ("time_step", "time_generate", "time_reward_wait", "time_logps", "time_update"):
        _, ts = _series(train, key)
        if ts:
            out[f"median_{key}"] = statistics.median(ts)
    alarms = [r["overoptimization"] for r in rows if r.get("overoptimization")]
    if alarms:
        out["overoptimization_alarms"] = alarms
    return out


def format_summary(s: dict[str, Any]) -> str:
    """A few human lines."""
    f = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [f"steps: {s.get('steps')}",
             f"train reward: {f(s.get('reward_first'))} -> {f(s.get('reward_last'))}"]
    if "accuracy_first" in s:
        lines.append(f"train accuracy: {f(s['accuracy_first'])} -> {f(s['accuracy_last'])}")
    if "eval_accuracy_curve" in s:
        curve = ", ".join(f"{k}: {v:.3f}" for k, v in s["eval_accuracy_curve"].items())
        lines.append(f"held-out accuracy by step: {curve} (gain {s['eval_accuracy_gain']:+.3f})")
    if "median_time_step" in s:
        lines.append("median step time: " + ", ".join(
            f"{k.removeprefix('median_time_')} {s[k]:.2f}s" for k in s if k.startswith("median_time_")))
    for alarm in s.get("overoptimization_alarms", []):
        lines.append(f"alarm: {alarm}")
    return "\n".join(lines)


def _plot(ax: Any, rows: Sequence[dict[str, Any]], key: str, label: str | None = None,
          **kw: Any) -> bool:
    xs, ys = _series(rows, key)
    if xs:
        ax.plot(xs, ys, label=label or key, marker="o" if len(xs) < 30 else None, ms=3, **kw)
    return bool(xs)


def _legend(ax: Any) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def _fig_rewards(plt: Any, rows: Sequence[dict[str, Any]], train: list) -> Any:
    comps = sorted({k[len("rewards/"):-len("/mean")] for r in train for k in r
                    if k.startswith("rewards/") and k.endswith("/mean")})
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    xs, ys = _series(train, "reward_mean")
    _, sd = _series(train, "reward_std")
    if xs:
        a.plot(xs, ys, label="reward (mean)", color="black")
        if len(sd) == len(ys):
            a.fill_between(xs, [y - s for y, s in zip(ys, sd)], [y + s for y, s in zip(ys, sd)],
                           color="grey", alpha=0.2)
    for c in comps:
        _plot(a, train, f"rewards/{c}/mean", c)
    a.set(title="training reward per component", xlabel="step")
    _legend(a)
    if _series(rows, "eval_accuracy")[0] or _series(train, "accuracy")[0]:
        _plot(b, train, "accuracy", "train accuracy")
        _plot(b, rows, "eval_accuracy", "held-out accuracy", linewidth=2)
        b.set(title="accuracy", xlabel="step", ylim=(-0.02, 1.02))
    else:  # no correctness reward in the spec: the held-out reward instead
        _plot(b, rows, "eval_reward", "held-out reward (training spec)")
        _plot(b, rows, "held_out", "held-out score")
        b.set(title="held-out evaluation", xlabel="step")
    _legend(b)
    return fig


def _fig_overoptimization(plt: Any, rows: Sequence[dict[str, Any]], train: list) -> Any:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    _plot(a, train, "reward_mean", "train reward")
    _plot(a, rows, "held_out", "held-out")
    twin = a.twinx()
    _plot(twin, rows, "sqrt_kl", "sqrt(KL)", color="tab:red", linestyle="--")
    twin.set_ylabel("sqrt(KL) from the initial policy (dashed)", color="tab:red")
    a.set(title="train reward vs held-out vs sqrt(KL)", xlabel="step")
    _legend(a)
    kl = {r["step"]: r.get("sqrt_kl") for r in rows}
    pts = [(kl[s], h) for s, h in zip(*_series(rows, "held_out")) if isinstance(kl.get(s), (int, float))]
    if pts:
        b.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label="held-out")
    b.set(title="held-out score against sqrt(KL) (Gao et al.)", xlabel="sqrt(KL)")
    return fig


def _fig_training(plt: Any, train: list) -> Any:
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.5))
    panels = (("loss",), ("kl", "grad_norm"), ("clip_frac", "clip_low", "clip_high"),
              ("entropy", "zero_std_frac"))
    for ax, keys in zip(axes, panels):
        shown = [_plot(ax, train, k) for k in keys]
        ax.set(title=", ".join(k for k, s in zip(keys, shown) if s) or "(not logged)", xlabel="step")
        _legend(ax)
    return fig


def _fig_lengths_time(plt: Any, rows: Sequence[dict[str, Any]], train: list) -> Any:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for k in ("completion_len_mean", "completion_len_max"):
        _plot(a, train, k)
    _plot(a, rows, "eval_completion_len_mean")
    a.set(title="completion length (tokens)", xlabel="step")
    _legend(a)
    for k in ("time_generate", "time_reward_wait", "time_logps", "time_update", "time_step"):
        _plot(b, train, k)
    b.set(title="seconds per step", xlabel="step")
    _legend(b)
    return fig


def _figures(rows: Sequence[dict[str, Any]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in rows if "reward_mean" in r]
    figures = {"rewards.png": _fig_rewards(plt, rows, train),
               "overoptimization.png": _fig_overoptimization(plt, rows, train),
               "training.png": _fig_training(plt, train),
               "lengths_time.png": _fig_lengths_time(plt, rows, train)}
    paths = []
    for name, fig in figures.items():
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        paths.append(out / name)
    return paths


def write_report(run_dir: str | Path, extra: dict[str, Any] | None = None,
                 plots: bool = True) -> dict[str, Any]:
    """Plots (unless ``plots`` is False) and ``summary.json`` for ``run_dir``; returns the summary
    (with the ``plots`` paths)."""
    run = Path(run_dir)
    metrics = run / "metrics.jsonl"
    if not metrics.is_file():
        raise UsageError(f"{run} has no metrics.jsonl: is it a grpo-train output folder?")
    rows = read_metrics(metrics)
    if not rows:
        raise UsageError(f"{metrics} is empty: the run has not finished a step yet")
    summary = summarize(rows)
    summary["plots"] = []
    if plots:
        (run / "plots").mkdir(exist_ok=True)
        summary["plots"] = [str(p) for p in _figures(rows, run / "plots")]
    merged = {**(extra or {}), **summary}
    atomic_write_text(run / "summary.json", json.dumps(merged, indent=2, default=str), make_parents=True)
    return summary
