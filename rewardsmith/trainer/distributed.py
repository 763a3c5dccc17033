"""Data-parallel plumbing: ``torchrun`` / ``accelerate launch`` set the environment, we read it.

Each process generates and scores its own share of the prompts (whole groups, so advantages stay
local), gradients are averaged by DDP, and process 0 writes metrics, checkpoints and plots.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DistInfo", "init_distributed", "gather_objects", "all_reduce_max", "barrier"]


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device: str) -> tuple[DistInfo, str]:
    """Join the process group when launched with WORLD_SIZE > 1; return the info and the device.

    The backend is NCCL on GPUs and gloo on CPU. Under a multi-GPU launch each process takes the GPU
    of its LOCAL_RANK.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo(), device
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
    return DistInfo(rank, world, local), device


def gather_objects(obj: Any, info: DistInfo) -> list[Any]:
    """Every process's ``obj`` (a list with one item when not distributed)."""
    if not info.enabled:
        return [obj]
    out: list[Any] = [None] * info.world_size
    dist.all_gather_object(out, obj)
    return out


def all_reduce_max(value: int, info: DistInfo) -> int:
    if not info.enabled:
        return value
    t = torch.tensor([value], dtype=torch.long)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()
