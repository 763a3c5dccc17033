"""The run folder: choose it, refuse to clobber a previous run, find the checkpoint to resume."""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from rewardsmith.core.atomic import atomic_write_text
from rewardsmith.core.errors import UsageError
from rewardsmith.trainer.checkpoint import find_resume_dir
from rewardsmith.trainer.config import RunConfig
from rewardsmith.trainer.distributed import DistInfo, gather_objects

__all__ = ["prepare_output_dir", "create_output_dir", "write_config"]


def prepare_output_dir(cfg: RunConfig, dist: DistInfo) -> tuple[Path, Path | None]:
    """The run folder (chosen and checked, not yet created) and the checkpoint to resume from.

    An empty ``output_dir`` becomes ``runs/grpo-<time>`` (process 0 picks, the others follow). A
    folder that already holds a run is refused unless ``--resume`` or ``--overwrite-output-dir``.
    Nothing is written: :func:`create_output_dir` does that once the run can start, so a failed
    start leaves no folder behind.
    """
    chosen = cfg.output_dir or f"runs/grpo-{time.strftime('%Y%m%d-%H%M%S')}"
    out = Path(gather_objects(chosen, dist)[0])
    resume = find_resume_dir(cfg.resume, str(out)) if cfg.resume else None
    if resume is None and _holds_run(out) and not cfg.overwrite_output_dir:
        raise UsageError(f"{out} already holds a run; pass --resume to continue it, "
                         "--overwrite-output-dir to start over, or another --output-dir")
    return out, resume


def create_output_dir(cfg: RunConfig, out: Path, resuming: bool, dist: DistInfo) -> None:
    """Create the run folder (process 0); with ``--overwrite-output-dir`` and no resume, first
    remove the previous run's checkpoints and plots."""
    if not dist.is_main:
        return
    if not resuming and cfg.overwrite_output_dir and _holds_run(out):
        for child in out.iterdir():
            if child.name.startswith(("checkpoint-", ".checkpoint-")) or child.name == "plots":
                shutil.rmtree(child, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def _holds_run(out: Path) -> bool:
    return out.is_dir() and ((out / "metrics.jsonl").exists()
                             or any(p.name.startswith("checkpoint-") for p in out.iterdir()))


def write_config(out: Path, config: dict[str, Any]) -> None:
    """``config.yaml`` of the run (the settings actually used)."""
    import yaml

    atomic_write_text(out / "config.yaml", yaml.safe_dump(config, sort_keys=False), make_parents=True)
