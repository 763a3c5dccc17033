"""The GRPO training loop: rollout -> rewards -> advantages -> update, with checkpoints and eval.

One *step* samples ``prompts_per_step`` prompts (split over processes), G completions each, scores
them (in threads, overlapping the reference/old log-probs), computes group-relative advantages
(optionally refilling zero-variance groups: dynamic sampling) and makes ``num_iterations`` optimizer
updates. Every ``eval_every`` steps the held-out prompts are evaluated and the over-optimization
monitor consulted; every ``save_every`` steps a checkpoint is written.
"""
from __future__ import annotations

import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

import torch

from rewardsmith.core.compose import load_reward
from rewardsmith.core.errors import UsageError
from rewardsmith.core.execution import get_executor
from rewardsmith.models.generation import GenerationConfig, HFGenerator
from rewardsmith.models.loading import resolve_device
from rewardsmith.trainer import checkpoint as ckpt
from rewardsmith.trainer.advantages import (batch_reward_std, group_advantages, reward_tensor,
                                          zero_variance_groups)
from rewardsmith.trainer.config import TrainConfig
from rewardsmith.trainer.data import build_source
from rewardsmith.trainer.distributed import all_reduce_max, barrier, gather_objects, init_distributed
from rewardsmith.trainer.evaluate import Evaluator, default_held_out, eval_metrics
from rewardsmith.trainer.loss import LossConfig, Totals
from rewardsmith.trainer.metrics import (MetricsWriter, UsageMeter, accuracy_label, length_metrics,
                                       reward_metrics)
from rewardsmith.trainer.policy import Reference, load_policy, make_optimizer, make_scheduler, unwrap
from rewardsmith.trainer.progress import StepProgress
from rewardsmith.trainer.rollout import RewardPool, Rollout, dynamic_rollout, start_rollout
from rewardsmith.trainer.runinfo import create_output_dir, prepare_output_dir, write_config
from rewardsmith.trainer.update import fill_logps, make_micro_batches, run_update

__all__ = ["GRPOTrainer"]

log = logging.getLogger("rewardsmith.trainer")


class GRPOTrainer:
    """A GRPO run built from a :class:`TrainConfig`. Call :meth:`train`.

    Args:
        cfg: the settings.
        plugin_manager: where rewards are looked up (default: the installed plugins).
    """

    def __init__(self, cfg: TrainConfig, plugin_manager: Any = None) -> None:
        self.cfg = g = cfg
        reward = load_reward(g.grpo.reward, plugin_manager=plugin_manager)
        held = load_reward(g.run.held_out, plugin_manager=plugin_manager) if g.run.held_out else None
        self.executor = get_executor(g.grpo.executor)  # where verification runs (local, Ray)
        self.reward = self.executor.bind(reward)
        self.usage = UsageMeter(reward)  # a judge's requests and tokens per step
        self.held_out_reward = self.executor.bind(held) if held is not None else None
        self.dist, self.device = init_distributed(resolve_device(g.model.device))
        if g.grpo.prompts_per_step % self.dist.world_size:
            raise UsageError(f"prompts_per_step {g.grpo.prompts_per_step} must be divisible by the "
                             f"number of processes ({self.dist.world_size})")
        self.local_prompts = g.grpo.prompts_per_step // self.dist.world_size
        # chosen and checked now, created only once the run can start (a failed start leaves
        # no folder behind)
        self.output_dir, resume_dir = prepare_output_dir(g.run, self.dist)
        self._threads_before = torch.get_num_threads()
        if g.run.num_threads:
            torch.set_num_threads(g.run.num_threads)  # restored when train() returns
        try:
            random.seed(g.run.seed)
            torch.manual_seed(g.run.seed)
            self._build(resume_dir)
            self.step = 0
            self.monitor = _make_monitor(g)
            if resume_dir is not None:
                self._load(resume_dir)
        except BaseException:
            torch.set_num_threads(self._threads_before)
            raise
        create_output_dir(g.run, self.output_dir, resume_dir is not None, self.dist)
        if self.dist.is_main:
            write_config(self.output_dir, g.to_dict())
        barrier(self.dist)
        labels = [c.label for c in self.reward.spec.components]
        names = [c.name for c in self.reward.spec.components]
        self.acc_label = accuracy_label(labels, names)
        self.held_label = None if held is not None else default_held_out(labels, names)
        self.held_out_check = (g.run.held_out if held is not None else self.held_label
                               or f"the training reward ({g.grpo.reward})")

    # --- setup -------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        """A status line before the step lines start (stderr; main process; with ``--progress``)."""
        if self.cfg.run.progress and self.dist.is_main:
            print(text, file=sys.stderr, flush=True)

    def _build(self, resume_dir: Path | None) -> None:
        g = self.cfg
        resume = str(resume_dir) if resume_dir else None
        self.source = build_source(g.data, g.run.seed, (self.dist.rank, self.dist.world_size))
        self._say(f"loading the model {g.model.model} on {self.device}" +
                  (f" from {resume_dir}" if resume else ""))
        self.model, self.tokenizer = load_policy(g.model, self.device, resume, status=self._say)
        self.reference = None
        if g.grpo.beta > 0 or g.run.eval_every > 0:  # KL penalty, or sqrt(KL) at evaluations
            # beta = 0: only evaluations need the initial weights; keep them on disk, not in memory
            self.reference = Reference(self.model, g.model, self.device, resumed=resume is not None,
                                       on_disk=g.grpo.beta == 0)
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.dist.local_rank] if self.device.startswith("cuda") else None
            self.model = DDP(self.model, device_ids=ids)
        self.generator = HFGenerator(unwrap(self.model), self.tokenizer,
                                     seed=g.run.seed * 1000 + self.dist.rank,
                                     use_chat_template=g.model.use_chat_template)
        self.optimizer = make_optimizer(self.model, g.optim)
        self.scheduler = make_scheduler(self.optimizer, g.optim,
                                        g.run.max_steps * g.grpo.num_iterations)
        p = g.grpo
        self.gen_cfg = GenerationConfig(max_new_tokens=p.max_new_tokens, top_k=p.top_k,
                                        num_generations=p.num_generations,
                                        temperature=p.temperature, top_p=p.top_p)
        self.loss_cfg = LossConfig(p.loss_type, p.epsilon, p.eps_high, p.importance_sampling_level,
                                   p.beta, p.kl_estimator, p.max_new_tokens)

    def _evaluator(self, pool: RewardPool, held_pool: RewardPool | None) -> Evaluator:
        g = self.cfg
        eval_cfg = GenerationConfig(max_new_tokens=g.grpo.max_new_tokens, num_generations=1,
                                    temperature=g.run.eval_temperature, top_p=g.grpo.top_p)
        rows = self.source.held_out[self.dist.rank::self.dist.world_size]
        return Evaluator(self.generator, pool, held_pool, rows, eval_cfg, self.reference,
                         self.generator.pad_id, self.device, g.optim.micro_batch_size,
                         held_out_label=self.held_label)

    # --- the run -------------------------------------------------------------------------------
    def train(self) -> dict[str, Any]:
        """Run to ``max_steps`` (or an over-optimization stop); return the run's summary."""
        g = self.cfg.run
        writer = None
        if self.dist.is_main:
            writer = MetricsWriter(self.output_dir, g.report_to, self.cfg.to_dict(),
                                   resume_step=self.step if self.step else None)
        pool = RewardPool(self.reward, self.cfg.grpo.reward_workers)
        held_pool = RewardPool(self.held_out_reward, 1) if self.held_out_reward else None
        try:
            with StepProgress(g.max_steps, self.step, enabled=g.progress and self.dist.is_main) as prog:
                for warning in (writer.warnings if writer else []):
                    prog.message(warning)
                saved_at, stopped = self._run(writer, prog, pool, self._evaluator(pool, held_pool))
        finally:
            torch.set_num_threads(self._threads_before)
            for p in (pool, held_pool, writer, self.executor, self.reference):
                if p is not None:
                    p.close()
        return self._finish(saved_at, stopped)

    def _run(self, writer: MetricsWriter | None, prog: StepProgress, pool: RewardPool,
             evaluator: Evaluator) -> tuple[int | None, bool]:
        """The steps; returns the step of the last checkpoint and whether the monitor stopped us."""
        g = self.cfg.run
        evaluating = bool(g.eval_every and self.source.held_out)
        if self.step == 0 and evaluating:
            prog.status(f"evaluating the initial policy on {len(self.source.held_out)} held-out "
                         f"prompts (check: {self.held_out_check})")
            metrics = {"step": 0, **self._evaluate(evaluator, prog)}
            self._on_alarm(metrics, prog)
            self._emit(writer, prog, metrics)
        saved_at, stopped = None, False
        if self.step < g.max_steps:
            p = self.cfg.grpo
            prog.status(f"step {self.step + 1}: generating {p.prompts_per_step} x "
                         f"{p.num_generations} completions (the first step line follows it)")
        while self.step < g.max_steps and not stopped:
            metrics = self._train_step(pool)
            self.step += 1
            metrics = {"step": self.step, **metrics}
            last = self.step == g.max_steps
            if evaluating and (self.step % g.eval_every == 0 or last):
                metrics.update(self._evaluate(evaluator, prog))
                stopped = self._on_alarm(metrics, prog)
            self._emit(writer, prog, metrics)
            if (g.save_every and self.step % g.save_every == 0) or last or stopped:
                self.save()
                saved_at = self.step
        return saved_at, stopped

    def _emit(self, writer: MetricsWriter | None, prog: StepProgress, metrics: dict[str, Any]) -> None:
        if writer is not None:
            writer.write(metrics)
        prog.update(metrics["step"], metrics)

    def _on_alarm(self, metrics: dict[str, Any], prog: StepProgress) -> bool:
        """Feed the monitor; act on an alarm. Returns True when the run must stop.

        The monitor compares the training reward and the held-out check on the same held-out
        completions (``eval_reward`` and ``held_out``), so the first point is the initial policy.
        """
        if self.monitor is None:
            return False
        message = self.monitor.update(metrics["step"], metrics.get("eval_reward"),
                                      metrics.get("held_out"), metrics.get("sqrt_kl"))
        if not message:
            return False
        metrics["overoptimization"] = message
        action = self.cfg.run.on_overoptimization
        prog.message(f"[warning] {message} (action: {action})")
        if action == "checkpoint":
            self.save()
        return action == "stop"

    def _finish(self, saved_at: int | None, stopped: bool) -> dict[str, Any]:
        last = self.output_dir / f"checkpoint-{saved_at}" if saved_at else None
        summary: dict[str, Any] = {"output_dir": str(self.output_dir), "steps": self.step,
                                   "stopped_by_monitor": stopped, "checkpoint": last and str(last),
                                   "reward_errors": dict(self.reward.error_counts),
                                   "held_out_check": self.held_out_check}
        if self.monitor is not None:
            summary["overoptimization"] = self.monitor.summary()
        if self.dist.is_main and (self.output_dir / "metrics.jsonl").is_file():
            from rewardsmith.trainer.report import write_report

            summary.update(write_report(self.output_dir, extra=summary, plots=self.cfg.run.plots))
        barrier(self.dist)
        return summary

    # --- one step ---------------------------------------------------------------------------
    def _train_step(self, pool: RewardPool) -> dict[str, Any]:
        g = self.cfg.grpo
        t0 = time.perf_counter()
        rollout, micro, t_logps, sampling = self._collect(pool)
        r, ok = reward_tensor(rollout.result.rewards, g.num_generations)              # (P, G)
        self._set_advantages(rollout, micro, r, ok)
        if sampling["zero_std"] is None:  # dynamic sampling flags its first round's groups itself
            sampling = {**sampling, "zero_std": zero_variance_groups(r, ok).tolist()}
        t1 = time.perf_counter()
        totals, padding = self._totals(micro)
        stats = run_update(self.model, self.optimizer, self.scheduler, micro, self.loss_cfg, totals,
                           num_iterations=g.num_iterations, max_grad_norm=self.cfg.optim.max_grad_norm,
                           temperature=g.temperature, device=self.device, padded_micro_batches=padding)
        self.generator.sync_weights(unwrap(self.model))  # no-op in process; a vLLM engine reloads
        raw = {"rollout": _raw_rollout(rollout), "sampling": sampling, "tokens": stats.tokens,
               "loss": stats.loss, **{k: getattr(stats, k) for k in
                                      ("kl_sum", "clip_low_sum", "clip_high_sum", "entropy_sum")},
               "extra": dict(stats.extra)}
        parts = gather_objects(raw, self.dist)
        metrics = self._step_metrics(parts, stats)
        metrics["completions"] = sum(len(p["rollout"]["rewards"]) for p in parts)
        metrics.update(time_generate=rollout.time_generate, time_reward=rollout.time_reward,
                       time_reward_wait=rollout.time_reward_wait, time_logps=t_logps,
                       time_update=time.perf_counter() - t1, time_step=time.perf_counter() - t0)
        return metrics

    def _set_advantages(self, rollout: Rollout, micro: list, r: torch.Tensor, ok: torch.Tensor
                        ) -> None:
        """Advantages and loss masks of every micro-batch from the step's ``(P, G)`` rewards
        ``r`` and valid mask ``ok`` (failed rewards masked out)."""
        g = self.cfg.grpo
        batch_std = batch_reward_std(r, ok, self.dist) if g.scale_rewards == "batch" else None
        adv = group_advantages(r, ok, g.scale_rewards, batch_std=batch_std).view(-1)  # (N,)
        keep = ok.view(-1).clone()                                                     # (N,)
        if g.mask_truncated_completions:
            keep &= ~torch.tensor([x.truncated for x in rollout.generations])
        for mb in micro:
            mb.advantages = adv[mb.index]                                              # (b,)
            mb.loss_mask = mb.packed.completion_mask * keep[mb.index].float().unsqueeze(1)

    def _collect(self, pool: RewardPool) -> tuple[Rollout, list, float, dict[str, Any]]:
        """The step's rollout and micro-batches with reference/old log-probs filled in."""
        g = self.cfg.grpo
        if not g.dynamic_sampling:
            pending = start_rollout(self.generator, pool, self.source.next_rows(self.local_prompts),
                                    self.gen_cfg, g.generation_batch_prompts)
            micro = self._micro(pending.generations)
            t_logps = self._fill_logps(micro)  # overlaps the reward threads
            return pending.wait(), micro, t_logps, {"rounds": 1, "zero_std": None}
        rollout, sampling = dynamic_rollout(self.generator, pool, self.source, self.local_prompts,
                                            self.gen_cfg, g.dynamic_sampling_max_rounds,
                                            g.generation_batch_prompts)
        micro = self._micro(rollout.generations)
        return rollout, micro, self._fill_logps(micro), sampling

    def _micro(self, generations: list) -> list:
        shared = not self.cfg.model.gradient_checkpointing  # checkpointing turns the cache off
        return make_micro_batches([x.prompt_ids for x in generations],
                                  [x.completion_ids for x in generations],
                                  self.generator.pad_id, self.cfg.optim.micro_batch_size,
                                  groups=[x.prompt_index for x in generations] if shared else None)

    def _fill_logps(self, micro: list) -> float:
        start = time.perf_counter()
        if self.cfg.grpo.num_iterations > 1:
            fill_logps(unwrap(self.model), micro, "old_logps", self.cfg.grpo.temperature, self.device)
        if self.cfg.grpo.beta > 0 and self.reference is not None:
            with self.reference.active() as ref:
                fill_logps(ref, micro, "ref_logps", self.cfg.grpo.temperature, self.device)
        return time.perf_counter() - start

    def _totals(self, micro: list) -> tuple[Totals, int]:
        local = (sum(len(mb.index) for mb in micro),
                 sum(float(mb.loss_mask.sum()) for mb in micro))
        parts = gather_objects(local, self.dist)
        most = all_reduce_max(len(micro), self.dist)
        totals = Totals(sequences=sum(p[0] for p in parts), tokens=sum(p[1] for p in parts),
                        micro_batches=len(micro), world_size=self.dist.world_size)
        return totals, most - len(micro)

    def _step_metrics(self, parts: list[dict[str, Any]], stats: Any) -> dict[str, Any]:
        ro = [p["rollout"] for p in parts]
        rewards = [v for x in ro for v in x["rewards"]]
        comps = {k: [v for x in ro for v in x["components"][k]] for k in ro[0]["components"]}
        m = reward_metrics(rewards, comps, self.acc_label)
        m.update(self.usage.step())
        m.update(length_metrics([v for x in ro for v in x["lengths"]],
                                [v for x in ro for v in x["truncated"]]))
        zero = [z for p in parts for z in (p["sampling"]["zero_std"] or [])]
        m["zero_std_frac"] = sum(zero) / len(zero) if zero else None
        if self.cfg.grpo.dynamic_sampling:
            m["dynamic_rounds"] = max(p["sampling"]["rounds"] for p in parts)
            kept = sum(p["sampling"]["kept"] for p in parts)
            wanted = sum(p["sampling"]["wanted"] for p in parts)
            m["dynamic_kept_groups"] = kept
            m["dynamic_exhausted"] = kept < wanted
            if kept < wanted:
                log.warning("step %d: dynamic sampling ran out of rounds (%d): %d of %d groups "
                            "have varying rewards%s", self.step + 1, m["dynamic_rounds"], kept,
                            wanted, "; this step trains on no signal (all advantages are 0)"
                            if kept == 0 else "; the step trains on those")
        tokens = sum(p["tokens"] for p in parts) or 1.0
        low, high = (sum(p[k] for p in parts) / tokens for k in ("clip_low_sum", "clip_high_sum"))
        m.update(loss=sum(p["loss"] for p in parts) / len(parts), clip_low=low, clip_high=high,
                 clip_frac=low + high, entropy=sum(p["entropy_sum"] for p in parts) / tokens,
                 **{k.replace("clip_sum/", "clip_frac/"): sum(p["extra"].get(k, 0.0) for p in parts)
                    / tokens for k in parts[0]["extra"]},
                 grad_norm=stats.grad_norm, lr=stats.lr)
        if self.cfg.grpo.beta > 0:
            m["kl"] = sum(p["kl_sum"] for p in parts) / tokens
        return m

    def _evaluate(self, evaluator: Evaluator, prog: StepProgress) -> dict[str, Any]:
        start = time.perf_counter()
        parts = gather_objects(evaluator.run(unwrap(self.model)), self.dist)
        out = eval_metrics(parts, self.acc_label)
        out["time_eval"] = time.perf_counter() - start
        return out

    # --- checkpoints ------------------------------------------------------------------------
    def save(self) -> None:
        """Checkpoint the current step (every process writes its RNG and data position)."""
        ckpt.write_rank_state(self.output_dir, self.step, self.dist.rank, {
            "rng": ckpt.rng_state(), "generator": self.generator.rng_state(),
            "data": self.source.state_dict()})
        barrier(self.dist)
        if self.dist.is_main:
            state = {"step": self.step, "optimizer": self.optimizer.state_dict(),
                     "scheduler": self.scheduler.state_dict(), "monitor": self.monitor,
                     "config": self.cfg.to_dict(),
                     "world_size": self.dist.world_size}
            ckpt.save_checkpoint(self.output_dir, self.step, unwrap(self.model), self.tokenizer,
                                 state, keep=self.cfg.run.save_total_limit)
        barrier(self.dist)

    def _load(self, path: Path) -> None:
        state = ckpt.load_trainer_state(path)
        if state.get("world_size", 1) != self.dist.world_size:
            raise UsageError(f"{path} was written by {state.get('world_size')} processes; resume it "
                             f"with the same number (not {self.dist.world_size})")
        self.step = int(state["step"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.monitor = state.get("monitor", self.monitor)
        rank_state = ckpt.load_rank_state(path, self.dist.rank)
        if rank_state is not None:
            ckpt.set_rng_state(rank_state["rng"])
            self.generator.set_rng_state(rank_state["generator"])
            self.source.load_state_dict(rank_state["data"])


def _raw_rollout(rollout: Rollout) -> dict[str, Any]:
    return {"rewards": rollout.result.rewards, "components": rollout.result.components,
            "lengths": [len(x.completion_ids) for x in rollout.generations],
            "truncated": [x.truncated for x in rollout.generations]}


def _make_monitor(cfg: TrainConfig) -> Any:
    """The over-optimization monitor (None when evaluation is off)."""
    if not cfg.run.eval_every:
        return None
    from rewardsmith.trainer.overoptimization import OverOptimizationMonitor

    return OverOptimizationMonitor(window=cfg.run.overopt_window, margin=cfg.run.overopt_margin)
