"""The GRPO loss, as small pure functions over ``(B, T)`` tensors.

B sequences (completions) of at most T tokens; ``mask`` is 1 on completion tokens that count.

* :func:`importance_log_weights`: log of the ratio pi / pi_old per token, or one per sequence (GSPO).
* :func:`clipped_surrogate`: PPO's clipped objective with ``epsilon`` / ``epsilon_high`` (clip-higher).
* :func:`kl_penalty`: per-token KL to the reference policy, estimator k1 or k3.
* :func:`aggregate`: reduce per-token losses the ``grpo`` / ``bnpo`` / ``dr_grpo`` / ``dapo`` way.
* :func:`grpo_loss`: all of the above for one micro-batch, with statistics for the logs.

Aggregation is normalised by :class:`Totals`, counted over the whole step (all micro-batches and
processes), so summing micro-batch losses (and DDP's averaging over processes) gives the loss of
the whole batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["LossConfig", "Totals", "importance_log_weights", "clipped_surrogate", "kl_penalty",
           "aggregate", "grpo_loss", "LOSS_TYPES"]

LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")


@dataclass(frozen=True)
class LossConfig:
    """What the loss needs from the run's settings."""

    loss_type: str = "dapo"
    epsilon: float = 0.2
    epsilon_high: float = 0.2
    importance_sampling_level: str = "token"
    beta: float = 0.0
    kl_estimator: str = "k3"
    max_completion_length: int = 256


@dataclass(frozen=True)
class Totals:
    """Counts over the whole step that normalise each micro-batch's share of the loss.

    Attributes:
        sequences: completions in the step, all processes.
        tokens: completion tokens with mask 1, all processes.
        micro_batches: micro-batches per process.
        world_size: processes (DDP averages gradients, so shares are scaled back up by it).
    """

    sequences: int
    tokens: float
    micro_batches: int = 1
    world_size: int = 1

    @classmethod
    def of(cls, mask: torch.Tensor) -> "Totals":
        """Totals of a single batch that is the whole step."""
        return cls(sequences=mask.shape[0], tokens=float(mask.sum()))


def importance_log_weights(logps: torch.Tensor, old_logps: torch.Tensor, mask: torch.Tensor,
                           level: str = "token") -> torch.Tensor:
    """log(pi / pi_old): ``(B, T)`` per token, or ``(B, 1)`` per sequence (GSPO: the length-normalised
    sum of the token log-ratios)."""
    log_ratio = logps - old_logps                                                      # (B, T)
    if level == "token":
        return log_ratio
    if level == "sequence":
        return ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)  # (B, 1)
    raise ValueError(f"importance_sampling_level must be token or sequence, not {level!r}")


def clipped_surrogate(log_w: torch.Tensor, advantages: torch.Tensor, eps_low: float,
                      eps_high: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-token loss ``-min(w * A, clip(w, 1 - eps_low, 1 + eps_high) * A)``.

    Returns:
        loss ``(B, T)`` (or ``(B, 1)`` for sequence-level weights), and the masks of weights
        clipped at the low and at the high end (where clipping changed the objective).
    """
    adv = advantages.unsqueeze(-1)                                                     # (B, 1)
    w = torch.exp(log_w)                                                               # (B, T|1)
    w_clipped = torch.clamp(w, 1 - eps_low, 1 + eps_high)                              # (B, T|1)
    loss = -torch.min(w * adv, w_clipped * adv)                                        # (B, T|1)
    low = (w < 1 - eps_low) & (adv < 0)                                                # (B, T|1)
    high = (w > 1 + eps_high) & (adv > 0)                                              # (B, T|1)
    return loss, low, high


def kl_penalty(logps: torch.Tensor, ref_logps: torch.Tensor, estimator: str = "k3") -> torch.Tensor:
    """Per-token estimate of KL(pi || pi_ref) from samples of pi: k1 = log(pi/pi_ref),
    k3 = pi_ref/pi - log(pi_ref/pi) - 1 (unbiased and never negative)."""
    delta = ref_logps - logps                                                          # (B, T)
    if estimator == "k1":
        return -delta
    if estimator == "k3":
        return torch.exp(delta) - delta - 1                                            # (B, T)
    raise ValueError(f"kl_estimator must be k1 or k3, not {estimator!r}")


def aggregate(per_token: torch.Tensor, mask: torch.Tensor, loss_type: str, totals: Totals,
              max_completion_length: int) -> torch.Tensor:
    """This micro-batch's share of the step's loss.

    * ``grpo``: mean over each sequence's tokens, then mean over the step's sequences.
    * ``bnpo``: mean over the micro-batch's tokens, averaged over micro-batches.
    * ``dr_grpo``: token sum / (step sequences * max_completion_length) (no length bias).
    * ``dapo``: token sum / step tokens (every token of the step weighs the same).
    """
    masked = per_token * mask                                                          # (B, T)
    if loss_type == "grpo":
        per_seq = masked.sum(-1) / mask.sum(-1).clamp(min=1.0)                         # (B,)
        return per_seq.sum() / totals.sequences * totals.world_size
    if loss_type == "bnpo":
        return masked.sum() / mask.sum().clamp(min=1.0) / totals.micro_batches
    if loss_type == "dr_grpo":
        return masked.sum() / (totals.sequences * max_completion_length) * totals.world_size
    if loss_type == "dapo":
        return masked.sum() / max(totals.tokens, 1.0) * totals.world_size
    raise ValueError(f"loss_type must be one of {', '.join(LOSS_TYPES)}, not {loss_type!r}")


def grpo_loss(logps: torch.Tensor, old_logps: torch.Tensor | None, ref_logps: torch.Tensor | None,
              advantages: torch.Tensor, mask: torch.Tensor, cfg: LossConfig,
              totals: Totals | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of one micro-batch and sums for its statistics.

    Args:
        logps: ``(B, T)`` log-probs of the completion tokens under the policy (with grad).
        old_logps: ``(B, T)`` under the policy that sampled them; None = ``logps`` detached
            (one update per batch: the ratio is 1 but its gradient is the policy gradient).
        ref_logps: ``(B, T)`` under the reference policy; needed when ``cfg.beta > 0``.
        advantages: ``(B,)``.
        mask: ``(B, T)`` float, 1 on tokens that count.
        cfg: loss settings.
        totals: step-wide counts (default: this batch is the whole step).

    Returns:
        ``(loss, stats)``; stats hold token-weighted sums (``kl_sum``, ``clip_low_sum``,
        ``clip_high_sum``) and ``tokens``, to be divided after summing over micro-batches.
    """
    totals = totals or Totals.of(mask)
    old = logps.detach() if old_logps is None else old_logps
    log_w = importance_log_weights(logps, old, mask, cfg.importance_sampling_level)   # (B, T|1)
    per_token, low, high = clipped_surrogate(log_w, advantages, cfg.epsilon, cfg.epsilon_high)
    per_token = per_token.expand_as(logps)                                             # (B, T)
    stats = {"tokens": float(mask.sum()),
             "clip_low_sum": float((low.expand_as(mask) * mask).sum()),
             "clip_high_sum": float((high.expand_as(mask) * mask).sum())}
    if cfg.beta > 0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs reference log-probs")
        kl = kl_penalty(logps, ref_logps, cfg.kl_estimator)                           # (B, T)
        per_token = per_token + cfg.beta * kl
        stats["kl_sum"] = float((kl.detach() * mask).sum())
    loss = aggregate(per_token, mask, cfg.loss_type, totals, cfg.max_completion_length)
    return loss, stats
