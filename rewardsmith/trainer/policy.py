"""Build the trainable policy, its reference, the optimizer and the learning-rate schedule."""
from __future__ import annotations

import copy
import math
import os
import shutil
import tempfile
import weakref
from contextlib import contextmanager, nullcontext
from typing import Any, Callable, Iterator

import torch

from rewardsmith.core.errors import UsageError
from rewardsmith.models.loading import load_model_and_tokenizer, prepare_tokenizer
from rewardsmith.trainer.config import ModelConfig, OptimConfig

__all__ = ["load_policy", "Reference", "make_optimizer", "make_scheduler", "unwrap"]


def unwrap(model: Any) -> Any:
    """The module inside a DDP wrapper."""
    return getattr(model, "module", model)


def load_policy(cfg: ModelConfig, device: str, resume_from: str | None = None,
                status: Callable[[str], None] | None = None) -> tuple[Any, Any]:
    """The policy (LoRA-wrapped when ``lora_r`` > 0) and its tokenizer, in train mode.

    With ``resume_from``, full weights (or LoRA adapters) come from that checkpoint folder.
    ``status`` receives a line when something slow happens first (the one-time GGUF conversion).
    """
    lora_ckpt = resume_from if cfg.lora_r and resume_from else None
    source = resume_from if resume_from and not lora_ckpt else cfg.model
    model, tokenizer = load_model_and_tokenizer(source, dtype=cfg.dtype, device=device,
                                                trust_remote_code=cfg.trust_remote_code,
                                                status=status)
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
        raise UsageError("--lora-r needs peft: pip install 'rewardsmith[train]'") from None
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

    Three ways to hold it, from cheapest:

    * LoRA: the policy itself with its adapters switched off (no second copy);
    * ``on_disk`` (full fine-tuning with ``beta = 0``: only evaluation needs it): the initial
      trainable weights in a file; :meth:`active` swaps them into the policy one tensor at a time
      (the current weights go to a second file and come back on exit), so memory never holds a
      second model;
    * otherwise (``beta > 0``: every step needs it) a frozen in-memory copy of the initial weights
      (loaded from the original model when resuming).

    With LoRA or ``on_disk`` the module :meth:`active` yields *is* the policy in another state:
    compute the policy's own outputs before entering it.
    """

    def __init__(self, policy: Any, cfg: ModelConfig, device: str, resumed: bool,
                 on_disk: bool = False) -> None:
        self.uses_adapters = bool(cfg.lora_r)
        self.policy = policy
        self.model = None
        self._initial: _WeightFile | None = None
        if self.uses_adapters:
            return
        if on_disk:
            self._dir = tempfile.mkdtemp(prefix="rewardsmith-reference-")
            self._finalizer = weakref.finalize(self, shutil.rmtree, self._dir, True)
            self._initial = _WeightFile(os.path.join(self._dir, "initial.bin"))
            self._current = _WeightFile(os.path.join(self._dir, "current.bin"))
            if resumed:  # the initial weights are the original model's, not the checkpoint's
                original, _ = load_model_and_tokenizer(cfg.model, dtype=cfg.dtype, device="cpu",
                                                       trust_remote_code=cfg.trust_remote_code)
                wanted = {name for name, _ in _trainable(policy)}
                self._initial.write((n, p) for n, p in original.named_parameters() if n in wanted)
                del original
            else:
                self._initial.write((n, p) for n, p in _trainable(policy))
            return
        if resumed:
            self.model, _ = load_model_and_tokenizer(cfg.model, dtype=cfg.dtype, device=device,
                                                     trust_remote_code=cfg.trust_remote_code)
        else:
            self.model = copy.deepcopy(unwrap(policy))
        self.model.eval()
        self.model.requires_grad_(False)

    @contextmanager
    def active(self, weights_unchanged: bool = False) -> Iterator[Any]:
        """Yield a module computing the reference policy's outputs.

        ``weights_unchanged``: the policy has not changed since the last exit (``on_disk``: its
        weights saved then are reused instead of written again; e.g. between micro-batches of
        one evaluation).
        """
        inner = unwrap(self.policy)
        if self.uses_adapters:
            with inner.disable_adapter():
                yield inner
        elif self._initial is not None:
            params = dict(_trainable(self.policy))
            if not (weights_unchanged and self._current.index):
                self._current.write(params.items())
            _load_into(params, self._initial)
            try:
                with torch.no_grad():
                    yield inner
            finally:
                _load_into(params, self._current)
        else:
            yield self.model

    def close(self) -> None:
        """Remove the weight files (``on_disk``); also done when the object is collected."""
        if self._initial is not None:
            self._finalizer()


def _trainable(model: Any) -> list[tuple[str, Any]]:
    return [(n, p) for n, p in unwrap(model).named_parameters() if p.requires_grad]


def _load_into(params: dict[str, Any], source: "_WeightFile") -> None:
    """Point each parameter at the tensor read from ``source`` (one tensor in flight at a time)."""
    for name, tensor in source.read():
        p = params[name]
        p.data = tensor.to(p.device)


class _WeightFile:
    """Tensors written to one flat file and read back one at a time (raw bytes: any dtype)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.index: list[tuple[str, int, int, tuple[int, ...], torch.dtype]] = []

    def write(self, named: Any) -> None:
        index = []
        with open(self.path, "wb") as fh:
            for name, t in named:
                flat = t.detach().reshape(-1).contiguous().cpu().view(torch.uint8)  # no copy on CPU
                index.append((name, fh.tell(), flat.numel(), tuple(t.shape), t.dtype))
                fh.write(memoryview(flat.numpy()))
        self.index = index

    def read(self) -> Iterator[tuple[str, torch.Tensor]]:
        with open(self.path, "rb") as fh:
            for name, offset, nbytes, shape, dtype in self.index:
                buf = torch.empty(nbytes, dtype=torch.uint8)
                fh.seek(offset)
                fh.readinto(memoryview(buf.numpy()))
                yield name, buf.view(dtype).reshape(shape)


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
