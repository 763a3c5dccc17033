"""Checkpoints: HF-format weights plus everything needed to continue the run exactly.

``OUTPUT_DIR/checkpoint-<step>/`` holds the model (``save_pretrained``: full weights, or the LoRA
adapters), the tokenizer, ``trainer_state.pt`` (step, optimizer, scheduler, monitor, metrics of the
last steps) and ``rank<r>.pt`` per process (RNG states and data position). A checkpoint is written
into a temporary folder and renamed when complete, so a run killed while saving leaves the
previous checkpoint intact.
"""
from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import torch

from rewardsmith.core.errors import UsageError

__all__ = ["rng_state", "set_rng_state", "save_checkpoint", "write_rank_state", "latest_checkpoint",
           "load_trainer_state", "load_rank_state", "find_resume_dir", "CHECKPOINT_RE"]

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
_STATE, _RANK = "trainer_state.pt", "rank{}.pt"


def rng_state() -> dict[str, Any]:
    """Global RNG states: Python, NumPy (when installed), torch CPU and CUDA."""
    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    try:
        import numpy as np

        state["numpy"] = np.random.get_state()
    except ImportError:  # pragma: no cover
        pass
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "numpy" in state:
        import numpy as np

        np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def staging_dir(output_dir: str | Path, step: int) -> Path:
    """Where checkpoint ``step`` is assembled before its rename."""
    return Path(output_dir) / f".checkpoint-{step}.tmp"


def write_rank_state(output_dir: str | Path, step: int, rank: int, state: dict[str, Any]) -> None:
    """Each process writes its own RNG/data state into the staging folder."""
    tmp = staging_dir(output_dir, step)
    tmp.mkdir(parents=True, exist_ok=True)
    torch.save(state, tmp / _RANK.format(rank))


def save_checkpoint(output_dir: str | Path, step: int, model: Any, tokenizer: Any,
                    trainer_state: dict[str, Any], keep: int = 0) -> Path:
    """Write the model, tokenizer and trainer state, rename into place, prune old checkpoints.

    Call :func:`write_rank_state` on every process first (then a barrier).
    """
    out = Path(output_dir)
    tmp, final = staging_dir(out, step), out / f"checkpoint-{step}"
    tmp.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    torch.save(trainer_state, tmp / _STATE)
    if final.exists():
        shutil.rmtree(final)
    os.rename(tmp, final)
    if keep > 0:
        for old in _checkpoints(out)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _checkpoints(output_dir: Path) -> list[Path]:
    found = []
    if output_dir.is_dir():
        for p in output_dir.iterdir():
            m = CHECKPOINT_RE.match(p.name)
            if m and (p / _STATE).is_file():
                found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    found = _checkpoints(Path(output_dir))
    return found[-1] if found else None


def find_resume_dir(resume: str, output_dir: str) -> Path:
    """The checkpoint ``--resume`` means: ``latest`` in output_dir, or a given folder."""
    if resume in ("latest", "auto", "true"):
        found = latest_checkpoint(output_dir)
        if found is None:
            raise UsageError(f"--resume: no checkpoint in {output_dir or '.'} (give --output-dir of "
                             "the run to continue, or a checkpoint folder)")
        return found
    path = Path(resume)
    if not (path / _STATE).is_file():
        latest = latest_checkpoint(path)
        if latest is None:
            raise UsageError(f"--resume: {resume} is not a checkpoint folder (no {_STATE})")
        path = latest
    return path


def load_trainer_state(path: str | Path) -> dict[str, Any]:
    return torch.load(Path(path) / _STATE, map_location="cpu", weights_only=False)


def load_rank_state(path: str | Path, rank: int) -> dict[str, Any] | None:
    f = Path(path) / _RANK.format(rank)
    return torch.load(f, map_location="cpu", weights_only=False) if f.is_file() else None
