"""Pack prompt + completion token ids into a batch and score completion tokens under a model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

__all__ = ["Packed", "pack", "completion_logps", "selective_log_softmax", "sequence_kl"]


@dataclass
class Packed:
    """A batch laid out as ``[left-padded prompt | right-padded completion]``.

    Attributes:
        input_ids: ``(B, P + T)``.
        attention_mask: ``(B, P + T)``.
        position_ids: ``(B, P + T)``, counting real tokens only (as during generation).
        completion_ids: ``(B, T)``.
        completion_mask: ``(B, T)`` float, 1 on generated tokens.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    position_ids: torch.Tensor
    completion_ids: torch.Tensor
    completion_mask: torch.Tensor

    def to(self, device: Any) -> "Packed":
        return Packed(*(t.to(device) for t in (self.input_ids, self.attention_mask, self.position_ids,
                                               self.completion_ids, self.completion_mask)))


def pack(prompt_ids: Sequence[Sequence[int]], completion_ids: Sequence[Sequence[int]],
         pad_id: int) -> Packed:
    """Pad each prompt on the left and each completion on the right.

    >>> p = pack([[5, 6], [7]], [[1], [2, 3]], pad_id=0)
    >>> p.input_ids.tolist(), p.completion_mask.tolist()
    ([[5, 6, 1, 0], [0, 7, 2, 3]], [[1.0, 0.0], [1.0, 1.0]])
    """
    b = len(prompt_ids)
    width_p = max(len(p) for p in prompt_ids)
    width_t = max(1, max(len(c) for c in completion_ids))
    ids = torch.full((b, width_p + width_t), pad_id, dtype=torch.long)                 # (B, P+T)
    att = torch.zeros((b, width_p + width_t), dtype=torch.long)                        # (B, P+T)
    for i, (p, c) in enumerate(zip(prompt_ids, completion_ids)):
        ids[i, width_p - len(p):width_p] = torch.tensor(p, dtype=torch.long)
        att[i, width_p - len(p):width_p] = 1
        if c:
            ids[i, width_p:width_p + len(c)] = torch.tensor(c, dtype=torch.long)
            att[i, width_p:width_p + len(c)] = 1
    pos = (att.cumsum(-1) - 1).clamp(min=0)                                            # (B, P+T)
    comp = ids[:, width_p:]                                                            # (B, T)
    comp_mask = att[:, width_p:].float()                                               # (B, T)
    return Packed(ids, att, pos, comp, comp_mask)


def selective_log_softmax(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``log_softmax(logits)[..., ids]`` without materialising the log-softmax. (B, T, V) -> (B, T)."""
    picked = logits.gather(-1, ids.unsqueeze(-1)).squeeze(-1)                          # (B, T)
    return picked - torch.logsumexp(logits, dim=-1)                                    # (B, T)


def _entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of each position's distribution. (B, T, V) -> (B, T)."""
    logp = logits.log_softmax(-1)                                                      # (B, T, V)
    return -(logp.exp() * logp).sum(-1)                                                # (B, T)


def completion_logps(model: Any, batch: Packed, temperature: float = 1.0,
                     with_entropy: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs ``(B, T)`` of the completion tokens (at the sampling temperature), and optionally
    the per-token entropy ``(B, T)`` (no grad). Only the last T+1 positions go through the LM head."""
    t = batch.completion_ids.shape[1]
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                position_ids=batch.position_ids, use_cache=False, logits_to_keep=t + 1)
    logits = out.logits[:, :-1].float()                                                # (B, T, V)
    if temperature != 1.0:
        logits = logits / temperature
    logps = selective_log_softmax(logits, batch.completion_ids)                        # (B, T)
    entropy = None
    if with_entropy:
        with torch.no_grad():
            entropy = _entropy(logits.detach())                                        # (B, T)
    return logps, entropy


@torch.no_grad()
def sequence_kl(policy: Any, reference: Any, batch: Packed) -> torch.Tensor:
    """KL(policy || reference) summed over each completion's positions, ``(B,)``.

    At every position the KL between the two next-token distributions is exact (full vocabulary),
    so on completions sampled from the policy the sum estimates the sequence KL with low variance;
    on greedy completions it is the KL along those trajectories.
    """
    t = batch.completion_ids.shape[1]
    kwargs = dict(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                  position_ids=batch.position_ids, use_cache=False, logits_to_keep=t + 1)
    logp = policy(**kwargs).logits[:, :-1].float().log_softmax(-1)                   # (B, T, V)
    logq = reference(**kwargs).logits[:, :-1].float().log_softmax(-1)                # (B, T, V)
    per_pos = (logp.exp() * (logp - logq)).sum(-1)                                     # (B, T)
    return (per_pos * batch.completion_mask).sum(-1)                                   # (B,)
