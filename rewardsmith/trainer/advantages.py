"""Group-relative advantages and DAPO's dynamic-sampling filter.

Rewards arrive as a ``(P, G)`` tensor: P prompts, G completions each. A sample whose reward is NaN
(the reward failed) or None (no component applied; passed in as NaN with ``valid`` False) is
*invalid*: it is left out of its group's statistics, gets advantage 0 and no loss.
"""
from __future__ import annotations

import torch

from rewardsmith.trainer.distributed import DistInfo, gather_objects

__all__ = ["group_advantages", "batch_reward_std", "zero_variance_groups", "reward_tensor"]


def reward_tensor(values: list[float | None], num_generations: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(P, G)`` rewards (NaN where missing) and the ``(P, G)`` bool mask of valid samples.

    >>> r, ok = reward_tensor([1.0, None, float("nan"), 0.0], 2)
    >>> ok.tolist()
    [[True, False], [False, True]]
    """
    r = torch.tensor([float("nan") if v is None else float(v) for v in values],
                     dtype=torch.float64).view(-1, num_generations)                   # (P, G)
    return r, ~torch.isnan(r)                                                          # (P, G)


def _group_stats(r: torch.Tensor, ok: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-group mean, unbiased std and count over valid samples. All (P, 1)."""
    n = ok.sum(1, keepdim=True)                                                        # (P, 1)
    x = torch.where(ok, r, torch.zeros_like(r))                                        # (P, G)
    mean = x.sum(1, keepdim=True) / n.clamp(min=1)                                     # (P, 1)
    sq = torch.where(ok, (r - mean) ** 2, torch.zeros_like(r)).sum(1, keepdim=True)   # (P, 1)
    std = (sq / (n - 1).clamp(min=1)).sqrt()                                           # (P, 1)
    return mean, std, n


def batch_reward_std(r: torch.Tensor, ok: torch.Tensor, dist: DistInfo | None = None) -> float:
    """The unbiased std of every valid reward of the step, over all processes when ``dist`` spans
    several (``scale_rewards=batch``); 0.0 for fewer than two rewards.

    >>> batch_reward_std(*reward_tensor([1.0, 3.0, None, 2.0], 2))
    1.0
    """
    values = r[ok].tolist()
    if dist is not None:
        values = [v for part in gather_objects(values, dist) for v in part]
    return float(torch.tensor(values, dtype=torch.float64).std()) if len(values) > 1 else 0.0


def group_advantages(r: torch.Tensor, ok: torch.Tensor, scale: str = "group", eps: float = 1e-4,
                     batch_std: float | None = None) -> torch.Tensor:
    """Advantages ``r - mean(group)``, divided by a std according to ``scale``.

    Args:
        r: rewards ``(P, G)``; entries where ``ok`` is False are ignored.
        ok: valid samples ``(P, G)``.
        scale: ``group`` (divide by the group's std, GRPO), ``batch`` (by the std of all valid
            rewards of the step), ``none`` (Dr. GRPO: no division).
        eps: added to the std.
        batch_std: the step's reward std when it spans processes (default: :func:`batch_reward_std` of ``r``).

    Returns:
        ``(P, G)`` float32 advantages; 0 for invalid samples and groups with < 2 valid samples.

    >>> r, ok = reward_tensor([1.0, 0.0, 1.0, 1.0], 2)
    >>> group_advantages(r, ok, "none").tolist()
    [[0.5, -0.5], [0.0, 0.0]]
    """
    if scale not in ("group", "batch", "none"):
        raise ValueError(f"scale must be group, batch or none, not {scale!r}")
    mean, std, n = _group_stats(r, ok)
    adv = r - mean                                                                     # (P, G)
    if scale == "group":
        adv = adv / (std + eps).clamp(min=1e-12)
    elif scale == "batch":
        if batch_std is None:
            batch_std = batch_reward_std(r, ok)
        adv = adv / max(batch_std + eps, 1e-12)
    usable = ok & (n >= 2)                                                             # (P, G)
    return torch.where(usable, adv, torch.zeros_like(adv)).float()


def zero_variance_groups(r: torch.Tensor, ok: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
    """``(P,)`` True for groups that teach nothing: fewer than 2 valid samples, or all rewards equal.

    Dynamic sampling (DAPO) drops these groups and samples new prompts in their place.

    >>> r, ok = reward_tensor([1.0, 1.0, 0.0, 1.0, 0.5, None], 2)
    >>> zero_variance_groups(r, ok).tolist()
    [True, False, True]
    """
    big = torch.where(ok, r, torch.full_like(r, -float("inf"))).max(1).values          # (P,)
    small = torch.where(ok, r, torch.full_like(r, float("inf"))).min(1).values         # (P,)
    return (ok.sum(1) < 2) | ((big - small) <= tol)
