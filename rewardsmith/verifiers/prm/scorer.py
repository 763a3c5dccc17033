"""Batched step scoring with a transformers PRM of any of the three conventions.

One forward pass scores every step of a solution: the model is causal, so the score read at the
i-th marker depends only on the prompt and steps 1..i. Solutions are sorted by length and padded
on the right in batches, so short solutions do not pay for long ones.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any, Sequence

from rewardsmith.basics import UsageError
from rewardsmith.verifiers.prm.conventions import Convention, detect_convention, format_input
from rewardsmith.verifiers.prm.steps import strip_markers

__all__ = ["Encoded", "PRMScorer", "load_scorer", "pad_batch", "resolve_device"]


@dataclass(frozen=True)
class Encoded:
    """One solution ready for the model: token ids and the index of each step's marker token."""

    ids: list[int]
    positions: list[int]


def pad_batch(batch: Sequence[Encoded], pad_id: int) -> tuple[Any, Any]:
    """Right-padded ``input_ids`` and ``attention_mask`` tensors, both (B, T)."""
    import torch
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(batch), width), dtype=torch.long)  # (B, T)
    for row, enc in enumerate(batch):
        ids[row, :len(enc.ids)] = torch.tensor(enc.ids)
        mask[row, :len(enc.ids)] = 1
    return ids, mask


def resolve_device(device: str = "auto") -> str:
    """``auto`` becomes ``cuda`` when a GPU is visible, else ``cpu``."""
    if device != "auto":
        return device
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


class PRMScorer:
    """Scores steps with a loaded PRM.

    Args:
        model: a transformers model (token classifier, causal LM, or value-head model).
        tokenizer: its tokenizer (a fast tokenizer locates markers by character offsets).
        convention: how the model reads steps.
        batch_size: solutions per forward pass.
        max_length: longest input in tokens; of a longer solution only the steps that fit are
            scored.
    """

    def __init__(self, model: Any, tokenizer: Any, convention: Convention, *,
                 batch_size: int = 8, max_length: int = 4096) -> None:
        self.model, self.tokenizer, self.convention = model, tokenizer, convention
        self.batch_size, self.max_length = batch_size, max_length
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.pad_id = int(pad) if pad is not None else 0
        self.marker_id = _single_id(tokenizer, convention.marker)
        if convention.name == "step_tag":
            self.label_ids = [_last_id(tokenizer, convention.positive), _last_id(tokenizer, convention.negative)]

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    # --- input --------------------------------------------------------------------------------
    def encode(self, prompt: str, steps: Sequence[str]) -> Encoded:
        """Token ids of the scoring input and the token index of each step's marker."""
        marker = self.convention.marker
        prompt = strip_markers(_valid_text(prompt), [marker])
        steps = [strip_markers(_valid_text(s), [marker]) for s in steps]
        text = format_input(self.convention, prompt, steps, self.tokenizer)
        ends = _marker_ends(text, marker)
        if len(ends) != len(steps):  # a chat template that writes the marker itself
            raise ValueError(f"found {len(ends)} markers {marker!r} for {len(steps)} steps")
        if getattr(self.tokenizer, "is_fast", False):
            enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            positions = _tokens_at(enc["offset_mapping"], ends)
        else:
            enc = self.tokenizer(text, add_special_tokens=False)
            positions = [i for i, t in enumerate(enc["input_ids"]) if t == self.marker_id]
        ids = list(enc["input_ids"])
        if len(set(positions)) != len(steps):
            raise ValueError(f"the tokenizer merged step markers: {len(positions)} positions for {len(steps)} steps")
        if len(ids) > self.max_length:  # keep the steps whose marker fits; the rest go unscored
            positions = [p for p in positions if p < self.max_length]
            ids = ids[:positions[-1] + 1] if positions else []
        return Encoded(ids, positions)

    # --- scoring ------------------------------------------------------------------------------
    def score(self, prompts: Sequence[str], steps: Sequence[Sequence[str]]) -> list[list[float] | Exception]:
        """Per-step scores in [0, 1] for each solution, or the exception that solution raised.

        A solution longer than ``max_length`` tokens gets scores for the steps that fit only (its
        list is shorter than its steps); nothing is truncated silently: callers see the count.

        Args:
            prompts: one problem text per solution.
            steps: the steps of each solution (at least one each).

        Returns:
            one list of floats per solution, or an Exception for a solution that could not be
            scored (no steps, a failed batch).
        """
        out: list[Any] = [None] * len(steps)
        todo: list[tuple[int, Encoded]] = []
        for i, (prompt, sol) in enumerate(zip(prompts, steps)):
            try:
                if not sol:
                    raise ValueError("a solution without steps cannot be scored")
                todo.append((i, self.encode(prompt, sol)))
            except Exception as exc:  # noqa: BLE001 - per-solution failure, reported to the caller
                out[i] = exc
        for i, enc in todo:
            if not enc.positions:  # not even the first step fits into max_length
                out[i] = []
        todo = sorted([t for t in todo if t[1].positions], key=lambda item: len(item[1].ids))
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start:start + self.batch_size]
            try:
                results = self.score_encoded([enc for _, enc in chunk])
            except Exception as exc:  # noqa: BLE001 - e.g. out of memory: the batch has no score
                results = [exc] * len(chunk)
            for (i, _), res in zip(chunk, results):
                out[i] = res
        return out

    def score_encoded(self, batch: Sequence[Encoded]) -> list[list[float]]:
        """Score already-encoded solutions in one forward pass (right padding)."""
        import torch
        ids, mask = pad_batch(batch, self.pad_id)  # (B, T), (B, T)
        rows = torch.tensor([r for r, e in enumerate(batch) for _ in e.positions])  # (N,)
        cols = torch.tensor([p for e in batch for p in e.positions])  # (N,)
        with torch.inference_mode():
            probs = self.step_probs(ids.to(self.device), mask.to(self.device), rows, cols)  # (N,)
        flat = probs.float().cpu().tolist()
        out, k = [], 0
        for enc in batch:
            out.append(flat[k:k + len(enc.positions)])
            k += len(enc.positions)
        return out

    def step_probs(self, ids: Any, mask: Any, rows: Any, cols: Any) -> Any:
        """P(step is right) at (rows, cols) of a padded batch; differentiable when grads are on."""
        name = self.convention.name
        if name == "step_tag":
            hidden = self.model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, H)
            picked = hidden[rows.to(ids.device), cols.to(ids.device)]  # (N, H)
            logits = self.model.get_output_embeddings()(picked)[:, self.label_ids]  # (N, 2)
            return logits.float().softmax(-1)[:, 0]  # (N,)
        out = self.model(input_ids=ids, attention_mask=mask)
        logits = out.logits if hasattr(out, "logits") else out[0]  # (B, T, L)
        picked = logits[rows.to(ids.device), cols.to(ids.device)].float()  # (N, L)
        if name == "value_head" or picked.shape[-1] == 1:
            return picked[:, 0].sigmoid()  # (N,)
        return picked.softmax(-1)[:, 1]  # (N,)

    @classmethod
    def from_pretrained(cls, name_or_path: str, convention: str = "auto", *, marker: str | None = None,
                        device: str = "auto", dtype: str = "auto", trust_remote_code: bool = False,
                        batch_size: int = 8, max_length: int = 4096) -> PRMScorer:
        """Load a PRM from a local directory or a hub id and pick its convention.

        Raises:
            UsageError: when the model cannot be found or loaded.
        """
        _check_local(name_or_path)  # before torch loads: a missing model is a quick, clear error
        import torch
        from transformers import AutoConfig, AutoTokenizer
        name_or_path = os.path.expanduser(name_or_path)
        from transformers.utils import logging as hf_logging
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # a reward loading its model should not draw on stderr
        try:
            config = AutoConfig.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
            conv = detect_convention(config, convention, marker)
            tokenizer = AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
            dev = resolve_device(device)
            torch_dtype = _dtype(dtype, dev)
            model = _model_class(conv, config).from_pretrained(
                name_or_path, dtype=torch_dtype, trust_remote_code=trust_remote_code)
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - any loading failure is a configuration problem
            raise UsageError(f"cannot load PRM {name_or_path!r}: {type(exc).__name__}: {exc}") from None
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        model.to(dev).eval()
        return cls(model, tokenizer, conv, batch_size=batch_size, max_length=max_length)


@functools.lru_cache(maxsize=4)
def load_scorer(name_or_path: str, convention: str = "auto", marker: str | None = None,
                device: str = "auto", dtype: str = "auto", trust_remote_code: bool = False,
                batch_size: int = 8, max_length: int = 4096) -> PRMScorer:
    """:meth:`PRMScorer.from_pretrained`, cached per process (rewards share one loaded model)."""
    return PRMScorer.from_pretrained(name_or_path, convention, marker=marker, device=device, dtype=dtype,
                                     trust_remote_code=trust_remote_code, batch_size=batch_size,
                                     max_length=max_length)


def _check_local(name_or_path: str) -> None:
    """A clear error for an empty name or a local path that is not there (before any hub lookup)."""
    if not name_or_path:
        raise UsageError("the prm reward needs a model: prm(model=PATH) with a directory made by "
                         "'rewardsmith prm train', or a hub id such as Qwen/Qwen2.5-Math-PRM-7B")
    if os.path.isdir(os.path.expanduser(name_or_path)):
        return
    if name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1:
        raise UsageError(f"no PRM directory at {name_or_path!r}")


def _model_class(conv: Convention, config: Any) -> Any:
    import transformers
    archs = list(getattr(config, "architectures", None) or [])
    if conv.name == "step_tag":
        return transformers.AutoModelForCausalLM
    if any(a.endswith("ForTokenClassification") for a in archs) or not archs:
        return transformers.AutoModelForTokenClassification
    return transformers.AutoModel  # e.g. Qwen2ForProcessRewardModel through remote code


def _dtype(dtype: str, device: str) -> Any:
    import torch
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return getattr(torch, dtype)
    except AttributeError:
        raise UsageError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16") from None


def _valid_text(text: str) -> str:
    """``text`` with lone surrogates (which tokenizers reject) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _marker_ends(text: str, marker: str) -> list[int]:
    """Index of the last character of each occurrence of ``marker`` in ``text``."""
    ends, start = [], text.find(marker)
    while start >= 0:
        ends.append(start + len(marker) - 1)
        start = text.find(marker, start + len(marker))
    return ends


def _tokens_at(offsets: Sequence[tuple[int, int]], chars: Sequence[int]) -> list[int]:
    """For each character index, the index of the token whose span covers it (in order)."""
    out, tok = [], 0
    for ch in chars:
        while tok < len(offsets) and not (offsets[tok][0] <= ch < offsets[tok][1]):
            tok += 1
        if tok == len(offsets):
            break
        out.append(tok)
    return out


def _single_id(tokenizer: Any, text: str) -> int | None:
    ids = tokenizer.encode(text, add_special_tokens=False)
    return ids[0] if len(ids) == 1 else None


def _last_id(tokenizer: Any, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    if not ids:
        raise UsageError(f"the PRM's tokenizer has no token for {text!r}")
    return ids[-1]
