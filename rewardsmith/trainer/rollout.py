"""Rollouts: sample G completions per prompt and score them, rewards overlapping other work.

Generation runs in chunks of prompts; as soon as a chunk is generated its rewards are submitted to a
thread pool, so they are scored while the next chunk generates and while the trainer computes
reference / old-policy log-probs. The trainer collects the scores with :meth:`PendingRollout.wait`
only when it needs the advantages.
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Sequence

from rewardsmith.core.compose import BatchResult, ComposedReward
from rewardsmith.models.generation import Generation, GenerationConfig, Generator

__all__ = ["Rollout", "PendingRollout", "RewardPool", "score_generations", "merge_results",
           "start_rollout", "select_groups", "concat_rollouts", "dynamic_rollout"]


@dataclass
class Rollout:
    """One round of samples: P rows, P * G generations (prompt-major) and their scores."""

    rows: list[dict[str, Any]]
    generations: list[Generation]
    result: BatchResult
    time_generate: float = 0.0
    time_reward: float = 0.0       # summed over the scoring threads
    time_reward_wait: float = 0.0  # how long the trainer waited for them

    @property
    def num_generations(self) -> int:
        return len(self.generations) // max(1, len(self.rows))


def score_generations(reward: ComposedReward, rows: Sequence[dict[str, Any]],
                      generations: Sequence[Generation], prompts: Sequence[str],
                      offset: int = 0) -> tuple[BatchResult, float]:
    """Score generations with the rows' columns (every column but ``prompt``) repeated per sample,
    and each completion's token ids (``completion_ids``: the ``length`` reward counts them).

    Returns the result and the seconds it took.
    """
    start = time.perf_counter()
    keys = [k for k in rows[0] if k != "prompt"] if rows else []
    columns = {k: [rows[g.prompt_index - offset].get(k) for g in generations] for k in keys}
    columns["completion_ids"] = [g.completion_ids for g in generations]  # the policy's own count
    groups = [g.prompt_index for g in generations]
    result = reward.score(list(prompts), [g.text for g in generations], columns, groups=groups)
    return result, time.perf_counter() - start


def merge_results(parts: Sequence[BatchResult]) -> BatchResult:
    """Concatenate batch results that cover consecutive samples."""
    if len(parts) == 1:
        return parts[0]
    labels = list(parts[0].components)
    return BatchResult(
        rewards=[v for p in parts for v in p.rewards],
        components={k: [v for p in parts for v in p.components[k]] for k in labels},
        details={k: [v for p in parts for v in p.details.get(k, [])] for k in labels},
        errors={k: [v for p in parts for v in p.errors.get(k, [])] for k in labels})


class RewardPool:
    """A small thread pool that scores rollouts for one composed reward."""

    def __init__(self, reward: ComposedReward, workers: int = 2) -> None:
        self.reward = reward
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rewardsmith-reward")

    def submit(self, rows: Sequence[dict[str, Any]], generations: Sequence[Generation],
               prompts: Sequence[str], offset: int = 0) -> Future:
        return self.pool.submit(score_generations, self.reward, rows, generations, prompts, offset)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class PendingRollout:
    """Generations ready, rewards possibly still being scored."""

    rows: list[dict[str, Any]]
    generations: list[Generation]
    futures: list[Future] = field(default_factory=list)
    time_generate: float = 0.0

    def wait(self) -> Rollout:
        start = time.perf_counter()
        parts, spent = [], 0.0
        for fut in self.futures:
            result, seconds = fut.result()
            parts.append(result)
            spent += seconds
        return Rollout(self.rows, self.generations, merge_results(parts), self.time_generate,
                       spent, time.perf_counter() - start)


def start_rollout(generator: Generator, pool: RewardPool, rows: Sequence[dict[str, Any]],
                  config: GenerationConfig, chunk_prompts: int = 0) -> PendingRollout:
    """Generate for ``rows`` chunk by chunk, handing each chunk to the reward pool at once."""
    rows = list(rows)
    chunk = chunk_prompts if chunk_prompts > 0 else len(rows)
    pending = PendingRollout(rows, [])
    start = time.perf_counter()
    format_prompt = getattr(generator, "format_prompt", None)
    for lo in range(0, len(rows), chunk):
        part = rows[lo:lo + chunk]
        gens = generator.generate([r["prompt"] for r in part], config)
        for g in gens:
            g.prompt_index += lo
        prompts = [format_prompt(rows[g.prompt_index]["prompt"]) if format_prompt
                   else rows[g.prompt_index]["prompt"] for g in gens]
        pending.generations.extend(gens)
        pending.futures.append(pool.submit(part, gens, prompts, offset=lo))
    pending.time_generate = time.perf_counter() - start
    return pending


def _subset(result: BatchResult, idx: Sequence[int]) -> BatchResult:
    pick = lambda xs: [xs[i] for i in idx] if xs else []  # noqa: E731
    return BatchResult([result.rewards[i] for i in idx],
                       {k: pick(v) for k, v in result.components.items()},
                       {k: pick(v) for k, v in result.details.items()},
                       {k: pick(v) for k, v in result.errors.items()})


def select_groups(rollout: Rollout, groups: Sequence[int]) -> Rollout:
    """The rollout restricted to the given prompt indices (renumbered from 0)."""
    g = rollout.num_generations
    idx = [p * g + j for p in groups for j in range(g)]
    gens = []
    for new_p, p in enumerate(groups):
        for j in range(g):
            old = rollout.generations[p * g + j]
            gens.append(Generation(new_p, old.text, old.completion_ids, old.prompt_ids, old.truncated))
    return Rollout([rollout.rows[p] for p in groups], gens, _subset(rollout.result, idx),
                   rollout.time_generate, rollout.time_reward, rollout.time_reward_wait)


def concat_rollouts(parts: Sequence[Rollout]) -> Rollout:
    """One rollout from several rounds (prompt indices renumbered)."""
    rows: list[dict[str, Any]] = []
    gens: list[Generation] = []
    for part in parts:
        base = len(rows)
        rows.extend(part.rows)
        gens.extend(Generation(base + x.prompt_index, x.text, x.completion_ids, x.prompt_ids,
                               x.truncated) for x in part.generations)
    return Rollout(rows, gens, merge_results([p.result for p in parts]),
                   sum(p.time_generate for p in parts), sum(p.time_reward for p in parts),
                   sum(p.time_reward_wait for p in parts))


def dynamic_rollout(generator: Generator, pool: RewardPool, source: Any, num_prompts: int,
                    config: GenerationConfig, max_rounds: int,
                    chunk_prompts: int = 0) -> tuple[Rollout, dict[str, Any]]:
    """DAPO dynamic sampling: keep groups whose rewards vary; refill with new prompts.

    Samples ``num_prompts`` prompts from ``source``, drops the groups with zero reward variance
    (they have no advantage to learn from) and samples as many new prompts as were dropped, for at
    most ``max_rounds`` rounds. If no group ever varies, the last round is returned as it is
    (all its advantages are zero: the step teaches nothing), and the result says so.

    Returns:
        The rollout (at most ``num_prompts`` groups) and ``{"rounds", "zero_std", "kept",
        "wanted", "exhausted"}``: ``zero_std`` flags the first round's groups (the fraction a
        plain step would have wasted), ``kept`` is how many groups with varying rewards the step
        trains on (of ``wanted``), ``exhausted`` is True when ``max_rounds`` ran out first.
    """
    from rewardsmith.trainer.advantages import reward_tensor, zero_variance_groups

    kept: list[Rollout] = []
    have, first_zero, last, rounds = 0, None, None, 0
    while rounds < max_rounds and have < num_prompts:
        rounds += 1
        rows = source.next_rows(num_prompts - have)
        last = start_rollout(generator, pool, rows, config, chunk_prompts).wait()
        zero = zero_variance_groups(*reward_tensor(last.result.rewards, config.num_generations))
        first_zero = zero.tolist() if first_zero is None else first_zero
        good = [i for i, z in enumerate(zero.tolist()) if not z]
        if good:
            kept.append(select_groups(last, good))
            have += len(good)
    return (concat_rollouts(kept) if kept else last), {
        "rounds": rounds, "zero_std": first_zero, "kept": have, "wanted": num_prompts,
        "exhausted": have < num_prompts}
