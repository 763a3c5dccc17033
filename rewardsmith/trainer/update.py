"""The optimisation half of a step: micro-batches, reference/old log-probs, and the update."""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from rewardsmith.trainer.logprobs import Grouped, Packed, completion_logps, pack, pack_grouped
from rewardsmith.trainer.loss import LossConfig, Totals, grpo_loss

__all__ = ["MicroBatch", "make_micro_batches", "fill_logps", "run_update", "UpdateStats"]


@dataclass
class MicroBatch:
    """Samples ``index`` of the step, packed, with their loss inputs."""

    index: list[int]
    packed: Packed | Grouped
    advantages: torch.Tensor | None = None     # (b,)
    loss_mask: torch.Tensor | None = None      # (b, T)
    old_logps: torch.Tensor | None = None      # (b, T)
    ref_logps: torch.Tensor | None = None      # (b, T)


def make_micro_batches(prompt_ids: Sequence[Sequence[int]], completion_ids: Sequence[Sequence[int]],
                       pad_id: int, size: int, groups: Sequence[int] | None = None) -> list[MicroBatch]:
    """Split the step's samples into micro-batches of at most ``size`` sequences (0 = one batch).

    With ``groups`` (the prompt index of each sample, prompt-major), whole groups go together in
    the :class:`Grouped` layout (each prompt computed once); a group larger than ``size`` is one
    micro-batch. Otherwise samples are packed one per row. Either way the order is by length first,
    so each micro-batch carries little padding.
    """
    n = len(prompt_ids)
    size = n if size <= 0 else size
    if groups is None:
        order = sorted(range(n), key=lambda i: (len(prompt_ids[i]) + len(completion_ids[i]), i))
        return [MicroBatch(idx, pack([prompt_ids[i] for i in idx], [completion_ids[i] for i in idx], pad_id))
                for idx in (order[lo:lo + size] for lo in range(0, n, size))]
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    ranked = sorted(members.values(), key=lambda m: (len(prompt_ids[m[0]]) + max(
        len(completion_ids[i]) for i in m), m[0]))
    out, chunk = [], []
    for m in ranked:
        if chunk and sum(map(len, chunk)) + len(m) > size:
            out.append(_grouped_micro(chunk, prompt_ids, completion_ids, pad_id))
            chunk = []
        chunk.append(m)
    if chunk:
        out.append(_grouped_micro(chunk, prompt_ids, completion_ids, pad_id))
    return out


def _grouped_micro(chunk: list[list[int]], prompt_ids: Sequence[Sequence[int]],
                   completion_ids: Sequence[Sequence[int]], pad_id: int) -> MicroBatch:
    index = [i for m in chunk for i in m]
    packed = pack_grouped([prompt_ids[m[0]] for m in chunk], [completion_ids[i] for i in index],
                          [len(m) for m in chunk], pad_id)
    return MicroBatch(index, packed)


@torch.no_grad()
def fill_logps(model: Any, micro: Sequence[MicroBatch], attr: str, temperature: float,
               device: Any) -> None:
    """Set ``old_logps`` or ``ref_logps`` of every micro-batch from ``model`` (no grad)."""
    was_training = model.training
    model.eval()
    try:
        for mb in micro:
            logps, _ = completion_logps(model, mb.packed.to(device), temperature)
            setattr(mb, attr, logps.detach())
    finally:
        model.train(was_training)


@dataclass
class UpdateStats:
    """Sums over the step's micro-batches (divide by ``tokens``), averaged over the
    ``num_iterations`` passes (the first pass is on-policy: its ratio is exactly 1, so clipping and
    the KL of later passes are what these figures are for). ``extra`` holds the clip fraction sum
    of each pass (``clip_sum/pass<k>``) when there is more than one.
    """

    loss: float = 0.0
    tokens: float = 0.0
    kl_sum: float = 0.0
    clip_low_sum: float = 0.0
    clip_high_sum: float = 0.0
    entropy_sum: float = 0.0
    grad_norm: float = 0.0
    lr: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def run_update(model: Any, optimizer: torch.optim.Optimizer, scheduler: Any, micro: Sequence[MicroBatch],
               cfg: LossConfig, totals: Totals, *, num_iterations: int, max_grad_norm: float,
               temperature: float, device: Any, padded_micro_batches: int = 0) -> UpdateStats:
    """``num_iterations`` optimizer steps over the micro-batches, gradients accumulated.

    ``padded_micro_batches`` extra zero-weight passes keep DDP processes in step when another
    process has more micro-batches than this one.
    """
    stats = UpdateStats()
    params = [p for p in model.parameters() if p.requires_grad]
    passes = list(micro) + [None] * padded_micro_batches
    for it in range(num_iterations):
        optimizer.zero_grad(set_to_none=True)
        for k, mb in enumerate(passes):
            last = k == len(passes) - 1
            sync = nullcontext() if last or not hasattr(model, "no_sync") else model.no_sync()
            with sync:
                loss = _micro_step(model, mb or micro[0], cfg, totals, temperature, device,
                                   stats if mb is not None else None, it, num_iterations)
                (loss if mb is not None else loss * 0.0).backward()
            if mb is not None:
                stats.loss += float(loss.detach()) / num_iterations
        if max_grad_norm > 0:
            stats.grad_norm = float(torch.nn.utils.clip_grad_norm_(params, max_grad_norm))
        else:
            stats.grad_norm = float(torch.linalg.vector_norm(
                torch.stack([p.grad.norm() for p in params if p.grad is not None])))
        optimizer.step()
        stats.lr = float(scheduler.get_last_lr()[0])
        scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return stats


def _micro_step(model: Any, mb: MicroBatch, cfg: LossConfig, totals: Totals, temperature: float,
                device: Any, stats: UpdateStats | None, it: int = 0,
                num_iterations: int = 1) -> torch.Tensor:
    """Loss of one micro-batch; with ``stats``, add its statistics (pass ``it`` of
    ``num_iterations``; each pass weighs 1 / num_iterations, tokens are counted once)."""
    batch = mb.packed.to(device)
    logps, entropy = completion_logps(model, batch, temperature, with_entropy=stats is not None,
                                      prompt_model=getattr(model, "module", model))
    mask = mb.loss_mask.to(device)                                                     # (b, T)
    old = mb.old_logps.to(device) if mb.old_logps is not None else None
    ref = mb.ref_logps.to(device) if mb.ref_logps is not None else None
    loss, st = grpo_loss(logps, old, ref, mb.advantages.to(device), mask, cfg, totals)
    if stats is not None:
        w = 1.0 / num_iterations
        if it == 0:
            stats.tokens += st["tokens"]
        stats.kl_sum += w * st.get("kl_sum", 0.0)
        stats.clip_low_sum += w * st["clip_low_sum"]
        stats.clip_high_sum += w * st["clip_high_sum"]
        stats.entropy_sum += w * float((entropy * mask).sum()) if entropy is not None else 0.0
        if num_iterations > 1:
            key = f"clip_sum/pass{it + 1}"
            stats.extra[key] = stats.extra.get(key, 0.0) + st["clip_low_sum"] + st["clip_high_sum"]
    return loss
