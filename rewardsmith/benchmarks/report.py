"""Result writers: ``results.json``, a Markdown table (one column per model or completions file),
a PNG bar chart, and one JSONL of scored samples per (system, suite). Every file is written
through a temp file and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

from rewardsmith.benchmarks.runner import SuiteRun
from rewardsmith.core.atomic import atomic_write

__all__ = ["markdown_table", "write_results", "plot"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if x is None else fmt.format(x)


def _metric_rows(run: SuiteRun) -> dict[str, str]:
    m, t = run.metrics, run.timing
    rows = {"tasks x samples": f"{m['tasks']} x {m['samples'] // max(m['tasks'], 1)}",
            "accuracy": _pct(m["accuracy"])}
    rows.update({f"pass@{k}": _pct(v) for k, v in m["pass@k"].items() if k != "1"})
    rows.update({f"maj@{k}": _pct(v) for k, v in m["maj@k"].items() if k != "1"})
    rows["mean length (tokens)"] = _num(m["mean_tokens"])
    rows["mean length (chars)"] = _num(m["mean_chars"], "{:.0f}")
    rows["scoring errors"] = str(m["errors"])
    gen = "" if t.get("generate_s") is None else f"gen {t['generate_s']:.1f} s + "
    rows["time"] = f"{gen}score {t['score_s']:.1f} s"
    return rows


def markdown_table(runs: Sequence[SuiteRun]) -> str:
    """One table: a block of metric rows per suite, one column per system (side by side)."""
    systems = list(dict.fromkeys(r.system for r in runs))
    suites = list(dict.fromkeys(r.suite for r in runs))
    cells = {(r.system, r.suite): _metric_rows(r) for r in runs}
    lines = ["| suite | metric | " + " | ".join(systems) + " |",
             "|---|---|" + "---:|" * len(systems)]
    for suite in suites:
        metrics = list(dict.fromkeys(k for s in systems for k in cells.get((s, suite), {})))
        version = next(r.suite_version for r in runs if r.suite == suite)
        for i, metric in enumerate(metrics):
            label = f"{suite} (v{version})" if i == 0 else ""
            vals = [cells.get((s, suite), {}).get(metric, "") for s in systems]
            lines.append(f"| {label} | {metric} | " + " | ".join(vals) + " |")
    return "\n".join(lines) + "\n"


def plot(runs: Sequence[SuiteRun], path: Path) -> bool:
    """Grouped bars of accuracy (and the largest pass@k / maj@k when k > 1) per suite and system.

    Returns False (and writes nothing) when matplotlib is not installed.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    systems = list(dict.fromkeys(r.system for r in runs))
    suites = list(dict.fromkeys(r.suite for r in runs))
    by = {(r.system, r.suite): r for r in runs}
    panels = [("accuracy (pass@1)", lambda m: m["accuracy"])]
    for metric in ("pass@k", "maj@k"):
        largest = {max(map(int, r.metrics[metric]), default=1) for r in runs}
        if max(largest) > 1:  # each run's largest k (completions files may differ)
            title = f"{metric[:-1]}{largest.pop()}" if len(largest) == 1 else f"{metric} (largest k)"
            panels.append((title, lambda m, metric=metric: list(m[metric].values())[-1] if m[metric] else None))
    fig, axes = plt.subplots(1, len(panels), figsize=(max(4.5, 1.6 * len(suites) * len(panels) + 2), 3.8),
                             squeeze=False)
    width = 0.8 / len(systems)
    for ax, (title, get) in zip(axes[0], panels):
        for j, system in enumerate(systems):
            xs = [i + (j - (len(systems) - 1) / 2) * width for i in range(len(suites))]
            vals = [100 * (get(by[(system, s)].metrics) or 0) if (system, s) in by else 0 for s in suites]
            bars = ax.bar(xs, vals, width, label=system)
            ax.bar_label(bars, fmt="%.1f", fontsize=7)
        ax.set_xticks(range(len(suites)), suites)
        ax.set_ylim(0, 105)
        ax.set_ylabel("%")
        ax.set_title(title, fontsize=10)
    axes[0][0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=120), binary=True,
                 make_parents=True)
    plt.close(fig)
    return True


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_.") or "system"


def write_results(runs: Sequence[SuiteRun], out_dir: str | os.PathLike, config: dict[str, Any]) -> dict[str, Path]:
    """Write results.json, results.md, results.png and samples/<system>__<suite>.jsonl.

    Returns:
        name -> path of each file written (``plot`` is absent without matplotlib).
    """
    from rewardsmith import __version__

    out = Path(out_dir)
    paths = {"json": out / "results.json", "markdown": out / "results.md", "plot": out / "results.png"}
    doc = {"rewardsmith": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "config": config, "results": [r.to_json() for r in runs]}
    atomic_write(paths["json"], lambda fh: json.dump(doc, fh, indent=2), make_parents=True)
    atomic_write(paths["markdown"], lambda fh: fh.write(markdown_table(runs)), make_parents=True)
    if not plot(runs, paths["plot"]):
        del paths["plot"]
    for run in runs:
        p = out / "samples" / f"{_slug(run.system)}__{run.suite}.jsonl"
        rows = [{"id": s.task_id, "completion": s.completion, "reward": None if s.reward != s.reward else s.reward, "correct": s.correct,
                 "answer": s.answer, "tokens": s.tokens, "error": s.error, "details": s.details}
                for s in run.samples]
        atomic_write(p, lambda fh, rows=rows: fh.writelines(json.dumps(r, ensure_ascii=False) + "\n"
                                                            for r in rows), make_parents=True)
    return paths
