"""``rewardsmith prm train``: fine-tune a value-head PRM on step-labelled data, evaluate, save.

The loss is binary cross-entropy between the value head's logit at each step token and the
step's label (soft Monte-Carlo labels work as targets too); unlabelled steps are skipped.
"""
from __future__ import annotations

import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

from rewardsmith.core.errors import UsageError
from rewardsmith.prm.data import StepExample, read_examples, split_by_group
from rewardsmith.prm.synthetic import ChainConfig, synthetic_examples
from rewardsmith.verifiers.prm.scorer import pad_batch

__all__ = ["PRMTrainConfig", "TrainResult", "load_data", "train_prm"]

log = logging.getLogger("rewardsmith")


@dataclass(frozen=True)
class PRMTrainConfig:
    """Everything ``rewardsmith prm train`` reads."""

    out: str = field(default="runs/prm", metadata={"help": "folder the trained PRM is saved to (HF format)"})
    data: str = field(default="synthetic", metadata={
        "help": "'synthetic' (arithmetic chains with injected errors) or a file: rewardsmith JSONL "
                "{prompt, steps, labels} or PRM800K records"})
    eval_data: str = field(default="", metadata={
        "help": "held-out file; default: fresh synthetic chains, or --holdout of --data's problems"})
    backbone: str = field(default="smollm2-135m-instruct", metadata={
        "help": "causal LM to start from: smollm2-135m-instruct (packaged), a hub id, a folder, or "
                "'tiny' (a small random model with a word tokenizer: seconds on a CPU)"})
    steps: int = field(default=300, metadata={"help": "optimizer steps"})
    batch_size: int = field(default=16, metadata={"help": "solutions per optimizer step"})
    lr: float = field(default=0.0, metadata={
        "help": "peak learning rate of the backbone; 0 = 3e-3 for 'tiny', 2e-5 for pretrained backbones"})
    head_lr: float = field(default=0.0, metadata={
        "help": "peak learning rate of the value head; 0 = 3e-3 for 'tiny', 1e-3 for pretrained backbones"})
    warmup: int = field(default=20, metadata={"help": "linear warm-up steps, then cosine decay"})
    freeze_layers: int = field(default=0, metadata={
        "help": "freeze the embeddings and this many lowest decoder layers (cheaper backward); -1 "
                "freezes the whole backbone and trains the value head on cached features (fast on a CPU)"})
    train_problems: int = field(default=4000, metadata={"help": "synthetic: problems to train on"})
    eval_problems: int = field(default=200, metadata={"help": "synthetic: held-out problems"})
    candidates: int = field(default=8, metadata={"help": "synthetic: held-out solutions per problem (best-of-N)"})
    error_rate: float = field(default=0.5, metadata={"help": "synthetic: share of solutions with an error"})
    max_value: int = field(default=20, metadata={"help": "synthetic: largest number in a solution"})
    error_kinds: str = field(default="arithmetic,carry,operation", metadata={
        "help": "synthetic: injected errors, comma-separated: arithmetic (wrong result), carry (wrong "
                "start number), operation (computes another operation than it writes)"})
    holdout: float = field(default=0.1, metadata={"help": "share of --data's problems held out when no --eval-data"})
    neutral: float = field(default=1.0, metadata={"help": "label of PRM800K's neutral (0) rating"})
    aggregate: str = field(default="min", metadata={"help": "aggregation used for best-of-N: min, prod, last, mean"})
    max_length: int = field(default=1024, metadata={"help": "longest training input in tokens (longer ones are dropped)"})
    max_minutes: float = field(default=0.0, metadata={"help": "stop training after this many minutes (0 = no limit)"})
    device: str = field(default="auto", metadata={"help": "auto, cpu, cuda"})
    threads: int = field(default=0, metadata={
        "help": "CPU threads for torch (0 = torch's default; 1 is faster on a busy machine)"})
    seed: int = field(default=0, metadata={"help": "random seed"})

    def __post_init__(self) -> None:
        if self.freeze_layers < -1:
            raise ValueError("freeze_layers must be -1 (head only), 0 (nothing frozen) or a layer count")
        if self.lr < 0 or self.head_lr < 0 or self.threads < 0:
            raise ValueError("lr, head_lr and threads must not be negative")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError("holdout must be in [0, 1)")
        if self.aggregate not in ("min", "prod", "last", "mean"):
            raise ValueError(f"aggregate must be min, prod, last or mean, not {self.aggregate!r}")
        if self.candidates < 1 or self.eval_problems < 1 or self.train_problems < 1:
            raise ValueError("train_problems, eval_problems and candidates must be positive")


@dataclass
class TrainResult:
    """What a run produced: the saved folder, metrics, and the live model/tokenizer."""

    out: str
    metrics: dict[str, Any]
    model: Any = None
    tokenizer: Any = None


def load_data(cfg: PRMTrainConfig) -> tuple[list[StepExample], list[StepExample]]:
    """(train, held-out) examples for ``cfg``."""
    chains = ChainConfig(max_value=cfg.max_value, error_rate=cfg.error_rate, error_kinds=cfg.error_kinds)
    if cfg.data == "synthetic":
        train = synthetic_examples(cfg.train_problems, 1, chains, seed=cfg.seed)
    else:
        train = read_examples(cfg.data, cfg.neutral)
    if cfg.eval_data:
        held = read_examples(cfg.eval_data, cfg.neutral)
    elif cfg.data == "synthetic":
        held = synthetic_examples(cfg.eval_problems, cfg.candidates, chains, seed=cfg.seed + 10_000)
    else:
        train, held = split_by_group(train, cfg.holdout, cfg.seed)
    if not train or not held:
        raise UsageError("need both training and held-out examples (adjust --holdout or give --eval-data)")
    return train, held


def _freeze(model: Any, n_layers: int) -> None:
    if n_layers == -1:
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith("score."))
        return
    if n_layers <= 0:
        return
    base = model.base_model
    layers = getattr(base, "layers", None)
    if layers is None:
        raise UsageError("--freeze-layers needs a decoder with .layers (Llama-like backbones)")
    for p in base.get_input_embeddings().parameters():
        p.requires_grad_(False)
    for layer in list(layers)[:n_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)


def _encode_all(scorer: Any, examples: Sequence[StepExample], max_length: int) -> list[tuple[Any, list]]:
    """(Encoded, labels of the scored steps) per example; steps past max_length are dropped."""
    out = []
    for ex in examples:
        if all(y is None for y in ex.labels):
            continue
        try:
            enc = scorer.encode(ex.prompt, ex.steps)
        except ValueError:
            continue
        if any(ex.labels[i] is not None for i in range(len(enc.positions))):
            out.append((enc, ex.labels[:len(enc.positions)]))
    return out


def _batch_loss(model: Any, batch: Sequence[tuple[Any, list]], pad_id: int, device: Any) -> Any:
    import torch
    ids, mask = pad_batch([enc for enc, _ in batch], pad_id)  # (B, T), (B, T)
    rows, cols, targets = [], [], []
    for r, (enc, labels) in enumerate(batch):
        for pos, y in zip(enc.positions, labels):
            if y is not None:
                rows.append(r)
                cols.append(pos)
                targets.append(y)
    logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits[..., 0]  # (B, T)
    picked = logits[torch.tensor(rows, device=device), torch.tensor(cols, device=device)].float()  # (N,)
    target = torch.tensor(targets, device=device)  # (N,)
    return torch.nn.functional.binary_cross_entropy_with_logits(picked, target)


def learning_rates(cfg: PRMTrainConfig) -> tuple[float, float]:
    """(backbone, head) learning rates, with the defaults of ``lr=0`` / ``head_lr=0`` filled in."""
    tiny = cfg.backbone == "tiny"
    return (cfg.lr or (3e-3 if tiny else 2e-5), cfg.head_lr or (3e-3 if tiny else 1e-3))


def _optimizer(model: Any, cfg: PRMTrainConfig) -> Any:
    import torch
    lr, head_lr = learning_rates(cfg)
    head = [p for n, p in model.named_parameters() if n.startswith("score.") and p.requires_grad]
    body = [p for n, p in model.named_parameters() if not n.startswith("score.") and p.requires_grad]
    return torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=0.0)


def _lr_factor(step: int, cfg: PRMTrainConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train_prm(cfg: PRMTrainConfig, progress: Callable[[int, float], None] | None = None,
              save: bool = True) -> TrainResult:
    """Train, evaluate on held-out data, and save a value-head PRM.

    Args:
        cfg: the run's configuration.
        progress: called as ``progress(step, loss)`` after each optimizer step.
        save: write the model to ``cfg.out`` (tests may skip it).

    Returns:
        the output folder, the metrics (loss, step AUROC, best-of-N, timings) and the model.
    """
    import torch

    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(cfg, progress, save)
    finally:
        torch.set_num_threads(threads)


def _features(model: Any, encoded: list, batch_size: int, pad_id: int, device: Any) -> tuple[Any, Any]:
    """Frozen backbone features at every labelled step token, and their labels: (N, H), (N,)."""
    import torch
    feats, targets = [], []
    with torch.inference_mode():
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start:start + batch_size]
            ids, mask = pad_batch([enc for enc, _ in chunk], pad_id)  # (B, T), (B, T)
            hidden = model.base_model(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
            for r, (enc, labels) in enumerate(chunk):
                for pos, y in zip(enc.positions, labels):
                    if y is not None:
                        feats.append(hidden[r, pos].float().cpu())  # (H,)
                        targets.append(y)
    return torch.stack(feats), torch.tensor(targets)


def _fit_head(model: Any, encoded: list, cfg: PRMTrainConfig, pad_id: int, device: Any,
              progress: Callable[[int, float], None] | None) -> tuple[list[float], float]:
    """Head-only training (``freeze_layers=-1``): one backbone pass, then the value head alone."""
    import torch
    start = time.perf_counter()
    model.eval()
    feats, targets = _features(model, encoded, cfg.batch_size, pad_id, device)  # (N, H), (N,)
    head = model.score
    opt = torch.optim.AdamW(head.parameters(), lr=learning_rates(cfg)[1], weight_decay=0.0)
    gen = torch.Generator().manual_seed(cfg.seed)
    losses = []
    for step in range(cfg.steps):
        idx = torch.randint(len(targets), (min(256, len(targets)),), generator=gen)  # (b,)
        logits = head(feats[idx].to(device, head.weight.dtype))[:, 0].float()  # (b,)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets[idx].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        if progress:
            progress(step + 1, losses[-1])
    return losses, time.perf_counter() - start


def _fit(model: Any, encoded: list, cfg: PRMTrainConfig, pad_id: int, device: Any,
         progress: Callable[[int, float], None] | None) -> tuple[list[float], float]:
    """The optimisation loop. Returns the per-step losses and the seconds it took."""
    import torch
    opt = _optimizer(model, cfg)
    rng = random.Random(cfg.seed)
    start, losses = time.perf_counter(), []
    model.train()
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = group.setdefault("base_lr", group["lr"]) * _lr_factor(step, cfg)
        loss = _batch_loss(model, rng.sample(encoded, min(cfg.batch_size, len(encoded))), pad_id, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        losses.append(float(loss.detach()))
        if progress:
            progress(step + 1, losses[-1])
        if cfg.max_minutes and time.perf_counter() - start > cfg.max_minutes * 60:
            log.warning("prm train: stopping at step %d of %d (--max-minutes %g)", step + 1, cfg.steps,
                        cfg.max_minutes)
            break
    model.eval()
    return losses, time.perf_counter() - start


def _train(cfg: PRMTrainConfig, progress: Callable[[int, float], None] | None, save: bool) -> TrainResult:
    from rewardsmith.prm.evaluate import evaluate
    from rewardsmith.prm.model import build_value_head_model, save_prm
    from rewardsmith.verifiers.prm.conventions import detect_convention
    from rewardsmith.verifiers.prm.scorer import PRMScorer, resolve_device

    train, held = load_data(cfg)
    model, tokenizer = build_value_head_model(cfg.backbone, seed=cfg.seed)
    device = resolve_device(cfg.device)
    model.to(device)
    _freeze(model, cfg.freeze_layers)
    scorer = PRMScorer(model, tokenizer, detect_convention(model.config), batch_size=cfg.batch_size,
                       max_length=cfg.max_length)
    encoded = _encode_all(scorer, train, cfg.max_length)
    if not encoded:
        raise UsageError("no usable training example (all too long or unlabelled)")
    fit = _fit_head if cfg.freeze_layers == -1 else _fit
    losses, train_s = fit(model, encoded, cfg, scorer.pad_id, device, progress)
    t0 = time.perf_counter()
    metrics = evaluate(scorer, held, cfg.aggregate)
    metrics.update({"train_examples": len(encoded), "held_out_examples": len(held), "optimizer_steps": len(losses),
                    "final_loss": sum(losses[-20:]) / len(losses[-20:]), "first_loss": losses[0],
                    "train_seconds": round(train_s, 2), "eval_seconds": round(time.perf_counter() - t0, 2),
                    "config": asdict(cfg)})
    if save:
        save_prm(model, tokenizer, cfg.out, {"metrics": {k: metrics[k] for k in ("step_auroc", "best_of_n")}})
    return TrainResult(os.path.abspath(cfg.out), metrics, model, tokenizer)
