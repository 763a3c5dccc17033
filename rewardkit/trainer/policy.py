"""Build the trainable policy, its reference, the optimizer and the learning-rate schedule."""
from __future__ import annotations

import copy
import math
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator

import torch

from rewardkit.core.errors import UsageError
from rewardkit.models.loading import load_model_and_tokenizer, prepare_tokenizer
from rewardkit.trainer.config import ModelConfig, OptimConfig

__all__ = ["load_policy", "Reference", "make_optimizer", "make_scheduler", "unwrap"]


def unwrap(model: Any) -> Any:
    """The module inside a DDP wrapper."""
    return getattr(model, "module", model)


def load_policy(cfg: ModelConfig, device: str, resume_from: str | None = None) -> tuple[Any, Any]:
    """The policy (LoRA-wrapped when ``lora_r`` > 0) and its tokenizer, in train mode.

    With ``resume_from``, full weights (or LoRA adapters) come from that checkpoint folder.
    """
    lora_ckpt = resume_from if cfg.lora_r and resume_from else None
    source = resume_from if resume_from and not lora_ckpt else cfg.model
    model, tokenizer = load_model_and_tokenizer(source, dtype=cfg.dtype, device=device,
                                                trust_remote_code=cfg.trust_remote_code)
    prepare_tokenizer(tokenizer)
    if cfg.lora_r:
        model = _add_lora(model, cfg, lora_ckpt)
    if cfg.gradient_checkpointing:
        kwargs = {"use_reentrant": False}
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5
            model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
        if cfg.lora_r:
            model.enable_input_require_grads()
    model.config.use_cache = False
    model.train()
    return model, tokenizer


def _add_lora(model: Any, cfg: ModelConfig, checkpoint: str | None) -> Any:
    try:
        from peft import LoraConfig, PeftModel, get_peft_model
    except ImportError:  # pragma: no cover - peft is in the train extra
        raise UsageError("--lora-r needs peft: pip install 'rewardkit[train]'") from None
    if checkpoint:
        return PeftModel.from_pretrained(model, checkpoint, is_trainable=True)
    targets = cfg.lora_target_modules
    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha or 2 * cfg.lora_r,
                      lora_dropout=cfg.lora_dropout, task_type="CAUSAL_LM",
                      target_modules=targets if targets == "all-linear"
                      else [t.strip() for t in targets.split(",") if t.strip()])
    return get_peft_model(model, lora)


class Reference:
    """The initial policy, for the KL penalty and sqrt(KL) on held-out prompts.

    With LoRA it is the policy itself with adapters switched off (no second copy); otherwise a
    frozen copy of the initial weights (loaded from the original model when resuming).
    """

    def __init__(self, policy: Any, cfg: ModelConfig, device: str, resumed: bool) -> None:
        self.uses_adapters = bool(cfg.lora_r)
        self.policy = policy
        self.model = None
        if not self.uses_adapters:
            if resumed:
                self.model, _ = load_model_and_tokenizer(cfg.model, dtype=cfg.dtype, device=device,
                                                         trust_remote_code=cfg.trust_remote_code)
            else:
                self.model = copy.deepcopy(unwrap(policy))
            self.model.eval()
            self.model.requires_grad_(False)

    @contextmanager
    def active(self) -> Iterator[Any]:
        """Yield a module computing the reference policy's outputs."""
        if self.uses_adapters:
            inner = unwrap(self.policy)
            with inner.disable_adapter():
                yield inner
        else:
            with nullcontext():
                yield self.model


def make_optimizer(model: Any, cfg: OptimConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise UsageError("the model has no trainable parameters")
    kwargs = dict(lr=cfg.learning_rate, betas=(cfg.adam_beta1, cfg.adam_beta2),
                  weight_decay=cfg.weight_decay)
    try:  # one fused kernel per step: faster, and no temporary copies of every parameter
        return torch.optim.AdamW(params, fused=True, **kwargs)
    except (RuntimeError, ValueError, TypeError):  # a device or dtype the fused kernel lacks
        return torch.optim.AdamW(params, **kwargs)


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: OptimConfig,
                   total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up, then constant, linear or cosine decay to 0 over ``total_steps`` updates."""
    warm, kind = cfg.warmup_steps, cfg.lr_scheduler

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        if kind == "constant":
            return 1.0
        progress = min(1.0, (step - warm) / max(1, total_steps - warm))
        return 1.0 - progress if kind == "linear" else 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
