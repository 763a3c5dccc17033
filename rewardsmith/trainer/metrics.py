"""Per-step metrics: computed from the step's samples, written to ``metrics.jsonl`` and trackers.

One JSON object per line. Keys (absent when not defined):

* ``step``, ``reward_mean``, ``reward_std``, ``rewards/<label>/mean`` and ``/std`` per component,
  ``accuracy`` (share of samples whose correctness component is 1), ``reward_failed`` (NaN: the
  reward raised), ``reward_none`` (no component applied), ``zero_std_frac`` (groups whose rewards
  are all equal), ``dynamic_rounds``, ``dynamic_kept_groups``, ``dynamic_exhausted``;
* ``loss``, ``kl``, ``clip_low``, ``clip_high``, ``clip_frac``, ``entropy`` (averaged over every
  ``num_iterations`` pass), ``clip_frac/pass<k>`` (with several passes), ``grad_norm``, ``lr``;
* ``completion_len_mean/min/max``, ``truncated_frac``;
* ``time_generate``, ``time_reward`` (scoring threads), ``time_reward_wait`` (trainer blocked),
  ``time_logps`` (reference/old log-probs), ``time_update``, ``time_step``;
* at evaluation steps: ``eval_reward``, ``eval_accuracy``, ``eval_rewards/<label>``, ``held_out``,
  ``sqrt_kl``, ``overoptimization`` (the alarm message).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from rewardsmith.core.atomic import atomic_write

__all__ = ["mean_std", "reward_metrics", "length_metrics", "UsageMeter", "MetricsWriter", "read_metrics",
           "accuracy_label", "CORRECTNESS_REWARDS"]

#: components whose value 1.0 means "correct": the accuracy metric uses the first one in a spec
CORRECTNESS_REWARDS = ("math", "code", "exact_match", "accuracy", "correct")


def _finite(values: Iterable[Any]) -> list[float]:
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def mean_std(values: Iterable[Any]) -> tuple[float | None, float | None]:
    """Mean and population std of the finite values (None when there are none).

    >>> mean_std([1.0, None, 3.0, float("nan")])
    (2.0, 1.0)
    """
    xs = _finite(values)
    if not xs:
        return None, None
    m = sum(xs) / len(xs)
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


def accuracy_label(labels: Sequence[str], names: Sequence[str]) -> str | None:
    """The label of the first correctness component (see :data:`CORRECTNESS_REWARDS`), or None."""
    for label, name in zip(labels, names):
        if name in CORRECTNESS_REWARDS:
            return label
    return None


def reward_metrics(rewards: Sequence[Any], components: dict[str, Sequence[Any]],
                   acc_label: str | None, prefix: str = "") -> dict[str, Any]:
    """Mean/std of the total and of each component, failures, and accuracy."""
    out: dict[str, Any] = {}
    out[f"{prefix}reward_mean"], out[f"{prefix}reward_std"] = mean_std(rewards)
    for label, values in components.items():
        m, s = mean_std(values)
        out[f"{prefix}rewards/{label}/mean"], out[f"{prefix}rewards/{label}/std"] = m, s
    if not prefix:
        out["reward_failed"] = sum(1 for v in rewards if v is not None and math.isnan(v))
        out["reward_none"] = sum(1 for v in rewards if v is None)
    if acc_label is not None and acc_label in components:
        vals = _finite(components[acc_label])
        out[f"{prefix}accuracy"] = sum(v >= 1.0 - 1e-9 for v in vals) / len(vals) if vals else None
    return out


class UsageMeter:
    """Per-step use of the components that count their cost (a ``judge``'s requests, cache hits
    and tokens): each reward, or its ``fallback``, with a ``usage() -> dict[str, int]`` of running
    totals becomes ``usage/<label>/<counter>`` metrics, the change since the last step. Counted in
    this process (the local executor; a Ray executor's workers keep their own counts)."""

    def __init__(self, reward: Any) -> None:
        self.sources = [src for spec, r in reward.components for src in _counted(spec.label, r)]
        self.last: dict[str, int] = {}

    def step(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label, obj in self.sources:
            for key, total in obj.usage().items():
                name = f"usage/{label}/{key}"
                out[name] = total - self.last.get(name, 0)
                self.last[name] = total
        return out


def _counted(label: str, reward: Any) -> list[tuple[str, Any]]:
    found = [(label, reward)] if callable(getattr(reward, "usage", None)) else []
    fallback = getattr(reward, "fallback", None)
    if fallback is not None and callable(getattr(fallback, "usage", None)):
        found.append((f"{label}.fallback", fallback))
    return found


def length_metrics(lengths: Sequence[int], truncated: Sequence[bool], prefix: str = "") -> dict[str, Any]:
    if not lengths:
        return {}
    return {f"{prefix}completion_len_mean": sum(lengths) / len(lengths),
            f"{prefix}completion_len_min": min(lengths), f"{prefix}completion_len_max": max(lengths),
            f"{prefix}truncated_frac": sum(truncated) / len(truncated)}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


class MetricsWriter:
    """Append metrics to ``metrics.jsonl`` (flushed each line) and to the trackers asked for.

    Args:
        output_dir: the run folder.
        report_to: ``none`` or a comma list of ``tensorboard``, ``wandb``, ``trackio``; a tracker
            that is not installed is skipped with a warning.
        config: the run's settings (sent to wandb/trackio).
        resume_step: when resuming, lines after this step (from the killed run) are dropped first.
    """

    def __init__(self, output_dir: str | Path, report_to: str = "none",
                 config: dict[str, Any] | None = None, resume_step: int | None = None) -> None:
        self.path = Path(output_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is not None and self.path.exists():
            kept = [r for r in read_metrics(self.path) if r.get("step", 0) <= resume_step]
            atomic_write(self.path, lambda fh: fh.writelines(json.dumps(r) + "\n" for r in kept))
        elif resume_step is None and self.path.exists():
            self.path.unlink()
        self.fh = open(self.path, "a", encoding="utf-8")
        self.trackers = _open_trackers(report_to, Path(output_dir), config or {})
        self.warnings: list[str] = [t for t in self.trackers if isinstance(t, str)]
        self.trackers = [t for t in self.trackers if not isinstance(t, str)]

    def write(self, metrics: dict[str, Any]) -> None:
        row = {k: _clean(v) for k, v in metrics.items()}
        self.fh.write(json.dumps(row) + "\n")
        self.fh.flush()
        numbers = {k: v for k, v in row.items() if isinstance(v, (int, float)) and k != "step"}
        for tracker in self.trackers:
            tracker(numbers, int(metrics["step"]))

    def close(self) -> None:
        self.fh.close()
        for tracker in self.trackers:
            getattr(tracker, "close", lambda: None)()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a ``metrics.jsonl`` (a torn last line, from a kill, is skipped)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


class _Tracker:
    def __init__(self, log: Any, close: Any = None) -> None:
        self._log, self._close = log, close

    def __call__(self, numbers: dict[str, float], step: int) -> None:
        self._log(numbers, step)

    def close(self) -> None:
        if self._close:
            self._close()


def _open_trackers(report_to: str, output_dir: Path, config: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for name in filter(None, (n.strip() for n in report_to.split(","))):
        if name == "none":
            continue
        try:
            out.append(_open_tracker(name, output_dir, config))
        except ImportError:
            out.append(f"--report-to {name}: not installed (pip install {name}); skipped")
    return out


def _open_tracker(name: str, output_dir: Path, config: dict[str, Any]) -> Any:
    if name == "tensorboard":
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(output_dir / "tensorboard"))

        def log(numbers: dict[str, float], step: int) -> None:
            for k, v in numbers.items():
                writer.add_scalar(k, v, step)
        return _Tracker(log, writer.close)
    if name in ("wandb", "trackio"):
        import importlib

        mod = importlib.import_module(name)
        mod.init(project=os.environ.get("WANDB_PROJECT", "rewardsmith"), config=config)
        return _Tracker(lambda numbers, step: mod.log(numbers, step=step), mod.finish)
    from rewardsmith.core.errors import UsageError

    raise UsageError(f"--report-to: unknown tracker {name!r}; choose tensorboard, wandb or trackio")
