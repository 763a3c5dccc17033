"""Pack prompt + completion token ids into a batch and score completion tokens under a model.

Two layouts give the same log-probs:

* :class:`Packed`: one row per completion, ``[left-padded prompt | right-padded completion]``.
* :class:`Grouped`: each distinct prompt once, its completions after it. The prompt runs through
  the model once per group and its KV cache is repeated for the group's G completions, so prompt
  tokens cost 1/G of the packed layout, forward and backward (the gradients through the shared
  cache add up exactly as G separate copies would).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

__all__ = ["Packed", "Grouped", "pack", "pack_grouped", "completion_logps", "selective_log_softmax",
           "sequence_kl", "next_token_logprobs", "kl_along"]


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


def _entropy(logits: torch.Tensor, rows: int = 2) -> torch.Tensor:
    """Entropy of each position's distribution, ``rows`` sequences at a time (bounded memory).
    (B, T, V) -> (B, T)."""
    out = logits.new_empty(logits.shape[:-1])                                          # (B, T)
    for i in range(0, logits.shape[0], rows):
        logp = logits[i:i + rows].log_softmax(-1)                                      # (r, T, V)
        out[i:i + rows] = -(logp.exp() * logp).sum(-1)                                 # (r, T)
    return out


@dataclass
class Grouped:
    """Completions grouped under their shared prompt.

    Attributes:
        prompt_ids: ``(K, P)`` the K distinct prompts, left-padded.
        prompt_mask: ``(K, P)``.
        counts: ``(K,)`` completions per prompt (B = counts.sum()).
        completion_ids: ``(B, T)`` right-padded, prompt-major (prompt 0's completions first).
        completion_mask: ``(B, T)`` float.
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    counts: torch.Tensor
    completion_ids: torch.Tensor
    completion_mask: torch.Tensor

    def to(self, device: Any) -> "Grouped":
        return Grouped(*(t.to(device) for t in (self.prompt_ids, self.prompt_mask, self.counts,
                                               self.completion_ids, self.completion_mask)))


def pack_grouped(prompt_ids: Sequence[Sequence[int]], completion_ids: Sequence[Sequence[int]],
                 counts: Sequence[int], pad_id: int) -> Grouped:
    """Pack K prompts and their ``counts[k]`` completions each (completions prompt-major).

    >>> g = pack_grouped([[5, 6], [7]], [[1], [2, 3], [4]], [2, 1], pad_id=0)
    >>> g.prompt_ids.tolist(), g.completion_ids.tolist()
    ([[5, 6], [0, 7]], [[1, 0], [2, 3], [4, 0]])
    """
    p = pack(prompt_ids, [[] for _ in prompt_ids], pad_id)
    width_p = p.input_ids.shape[1] - 1  # pack() adds one completion column
    c = pack([[] for _ in completion_ids], completion_ids, pad_id)
    return Grouped(p.input_ids[:, :width_p], p.attention_mask[:, :width_p],
                   torch.tensor(list(counts), dtype=torch.long), c.completion_ids, c.completion_mask)


def _grouped_logits(model: Any, batch: Grouped, prompt_model: Any) -> torch.Tensor:
    """Next-token logits ``(B, T, V)`` for every completion position, prompts run once per group."""
    from transformers import DynamicCache

    from rewardsmith.models.generation import cache_kwargs

    pmask = batch.prompt_mask                                                          # (K, P)
    ppos = (pmask.cumsum(-1) - 1).clamp(min=0)                                         # (K, P)
    cache = DynamicCache(config=getattr(prompt_model, "config", None))
    first = prompt_model(input_ids=batch.prompt_ids, attention_mask=pmask, position_ids=ppos,
                         **cache_kwargs(prompt_model, cache), use_cache=True,
                         logits_to_keep=1).logits[:, -1]
    rows = torch.repeat_interleave(torch.arange(len(batch.counts), device=pmask.device),
                                   batch.counts)                                       # (B,)
    cache.batch_select_indices(rows)  # each prompt's keys/values, once per completion
    t = batch.completion_ids.shape[1]
    mask = torch.cat([pmask[rows], batch.completion_mask.long()], dim=1)             # (B, P+T)
    pos = ppos[rows, -1:] + 1 + torch.arange(t, device=pmask.device)                  # (B, T)
    rest = model(input_ids=batch.completion_ids, attention_mask=mask, position_ids=pos,
                 **cache_kwargs(prompt_model, cache), use_cache=True).logits[:, :-1]   # (B, T-1, V)
    return torch.cat([first[rows].unsqueeze(1), rest], dim=1)                          # (B, T, V)


def completion_logps(model: Any, batch: Packed | Grouped, temperature: float = 1.0,
                     with_entropy: bool = False,
                     prompt_model: Any = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs ``(B, T)`` of the completion tokens (at the sampling temperature), and optionally
    the per-token entropy ``(B, T)`` (no grad). Only completion positions go through the LM head.

    ``prompt_model`` runs the prompts of a :class:`Grouped` batch (default ``model``; under DDP the
    unwrapped module, so the wrapper sees one forward per backward).
    """
    if isinstance(batch, Grouped):
        logits = _grouped_logits(model, batch, prompt_model or model).float()         # (B, T, V)
    else:
        t = batch.completion_ids.shape[1]
        out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                    position_ids=batch.position_ids, use_cache=False, logits_to_keep=t + 1)
        logits = out.logits[:, :-1].float()                                            # (B, T, V)
    if temperature != 1.0:
        logits = logits / temperature
    logps = selective_log_softmax(logits, batch.completion_ids)                        # (B, T)
    entropy = None
    if with_entropy:
        with torch.no_grad():
            entropy = _entropy(logits.detach())                                        # (B, T)
    return logps, entropy


@torch.no_grad()
def next_token_logprobs(model: Any, batch: Packed) -> torch.Tensor:
    """Log-softmax over the full vocabulary at every completion position, ``(B, T, V)``."""
    t = batch.completion_ids.shape[1]
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                position_ids=batch.position_ids, use_cache=False, logits_to_keep=t + 1)
    return out.logits[:, :-1].float().log_softmax(-1)                                 # (B, T, V)


def kl_along(logp: torch.Tensor, logq: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Exact KL(p || q) of the next-token distributions, summed over each completion. ``logp``,
    ``logq``: (B, T, V) log-probs; ``mask``: (B, T). Returns (B,)."""
    per_pos = (logp.exp() * (logp - logq)).sum(-1)                                     # (B, T)
    return (per_pos * mask).sum(-1)                                                    # (B,)


@torch.no_grad()
def sequence_kl(policy: Any, reference: Any, batch: Packed) -> torch.Tensor:
    """KL(policy || reference) summed over each completion's positions, ``(B,)``.

    At every position the KL between the two next-token distributions is exact (full vocabulary),
    so on completions sampled from the policy the sum estimates the sequence KL with low variance;
    on greedy completions it is the KL along those trajectories. ``policy`` runs first, then
    ``reference``: two separate modules (see :class:`~rewardsmith.trainer.evaluate.Evaluator` for a
    reference that is the policy itself in another state).
    """
    logp = next_token_logprobs(policy, batch)                                         # (B, T, V)
    logq = next_token_logprobs(reference, batch)                                      # (B, T, V)
    return kl_along(logp, logq, batch.completion_mask)                                # (B,)
