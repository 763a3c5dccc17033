"""Held-out evaluation: training reward, the held-out reward, and sqrt(KL) from the initial policy.

Every ``--eval-every`` steps the policy answers the held-out prompts (greedy by default); the
answers are scored with the training reward (``eval_reward``, ``eval_accuracy``) and with the
held-out check (``held_out``), and the sequence KL to the initial policy is measured along them
(``sqrt_kl``). These feed the over-optimization monitor, which compares the training reward with
the held-out check on the same completions.

The held-out check is, in this order: the ``--held-out`` spec when given; else the training spec's
correctness component alone (``math`` of ``math+format``: what the user cares about, and what a
policy that games the other components lets fall; see :func:`default_held_out`); else, when the
spec has no correctness component, the training reward itself.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from rewardsmith.models.generation import GenerationConfig, Generator
from rewardsmith.trainer.logprobs import kl_along, next_token_logprobs
from rewardsmith.trainer.metrics import accuracy_label, length_metrics, mean_std, reward_metrics
from rewardsmith.trainer.rollout import RewardPool
from rewardsmith.trainer.update import make_micro_batches

__all__ = ["Evaluator", "eval_metrics", "default_held_out"]


def default_held_out(labels: Sequence[str], names: Sequence[str]) -> str | None:
    """The label of the component the held-out check defaults to, or None (the whole reward).

    The first correctness component (see :data:`~rewardsmith.trainer.metrics.CORRECTNESS_REWARDS`)
    of a spec that also has other components; None when the spec is that component alone (the
    training reward already is the check) or has none.

    >>> default_held_out(["math", "format"], ["math", "format"])
    'math'
    >>> default_held_out(["format", "length"], ["format", "length"]) is None
    True
    """
    label = accuracy_label(labels, names)
    return label if label is not None and len(labels) > 1 else None


class Evaluator:
    """Evaluate this process's share of the held-out rows."""

    def __init__(self, generator: Generator, pool: RewardPool, held_out_pool: RewardPool | None,
                 rows: Sequence[dict[str, Any]], config: GenerationConfig, reference: Any,
                 pad_id: int, device: Any, micro_batch_size: int,
                 held_out_label: str | None = None) -> None:
        self.generator, self.pool, self.held_out_pool = generator, pool, held_out_pool
        self.held_out_label = held_out_label  # component of the training reward used as the check
        self.rows, self.config, self.reference = list(rows), config, reference
        self.pad_id, self.device, self.micro_batch_size = pad_id, device, micro_batch_size

    def run(self, policy: Any) -> dict[str, Any]:
        """Raw per-sample results (to be gathered over processes and turned into metrics)."""
        if not self.rows:
            return {"rewards": [], "components": {}, "held_out": [], "kl": [], "lengths": [],
                    "truncated": []}
        gens = self.generator.generate([r["prompt"] for r in self.rows], self.config)
        fmt = getattr(self.generator, "format_prompt", lambda p: p)
        prompts = [fmt(self.rows[g.prompt_index]["prompt"]) for g in gens]
        fut = self.pool.submit(self.rows, gens, prompts)
        held_fut = self.held_out_pool.submit(self.rows, gens, prompts) if self.held_out_pool else None
        kl = self._kl(policy, gens)  # runs while the rewards are scored
        result, _ = fut.result()
        if held_fut is not None:
            held = held_fut.result()[0].rewards
        elif self.held_out_label is not None:
            held = result.components[self.held_out_label]
        else:
            held = result.rewards
        return {"rewards": result.rewards, "components": result.components, "held_out": held,
                "kl": kl, "lengths": [len(g.completion_ids) for g in gens],
                "truncated": [g.truncated for g in gens]}

    def _kl(self, policy: Any, gens: Sequence[Any]) -> list[float]:
        """Sequence KL to the initial policy along each completion.

        The policy's log-probs are taken first, outside the reference context: with LoRA the
        reference is the same module with its adapters off, and with ``beta = 0`` it is the same
        module with the initial weights swapped in from disk, so a forward inside the context is
        the reference's, never the policy's.
        """
        if self.reference is None:
            return []
        micro = make_micro_batches([g.prompt_ids for g in gens], [g.completion_ids for g in gens],
                                   self.pad_id, self.micro_batch_size)
        out = [0.0] * len(gens)
        was_training = policy.training
        policy.eval()
        try:
            for k, mb in enumerate(micro):
                batch = mb.packed.to(self.device)
                logp = next_token_logprobs(policy, batch)                              # (b, T, V)
                with self.reference.active(weights_unchanged=k > 0) as ref:
                    logq = next_token_logprobs(ref, batch)                             # (b, T, V)
                values = kl_along(logp, logq, batch.completion_mask)                   # (b,)
                for i, v in zip(mb.index, values.tolist()):
                    out[i] = v
        finally:
            policy.train(was_training)
        return out


def eval_metrics(parts: Sequence[dict[str, Any]], acc_label: str | None) -> dict[str, Any]:
    """Metrics from the raw results of every process."""
    rewards = [v for p in parts for v in p["rewards"]]
    labels = list(parts[0]["components"]) if parts and parts[0]["components"] else []
    comps = {k: [v for p in parts for v in p["components"].get(k, [])] for k in labels}
    out = reward_metrics(rewards, comps, acc_label, prefix="eval_")
    out.pop("eval_reward_std", None)
    out["eval_reward"] = out.pop("eval_reward_mean")
    out["held_out"] = mean_std([v for p in parts for v in p["held_out"]])[0]
    kls = [v for p in parts for v in p["kl"]]
    if kls:
        out["sqrt_kl"] = math.sqrt(max(0.0, sum(kls) / len(kls)))
    out.update(length_metrics([v for p in parts for v in p["lengths"]],
                              [v for p in parts for v in p["truncated"]], prefix="eval_"))
    return {k: v for k, v in out.items() if not k.endswith("/std")}
