"""rewardsmith's own PRM: a causal decoder with a one-output value head read at a step token.

It is a plain transformers ``*ForTokenClassification`` model with ``num_labels=1`` (the decoder's
weights come from the causal LM backbone; the ``score`` layer is the value head), so the saved
folder loads with ``AutoModelForTokenClassification`` anywhere. ``config.json`` carries::

    "rewardsmith_prm": {"convention": "value_head", "marker": "<|step|>", "backbone": "..."}

which is how the ``prm`` reward recognises it.
"""
from __future__ import annotations

from typing import Any

from rewardsmith.verifiers.prm.conventions import CONFIG_KEY

__all__ = ["STEP_TOKEN", "build_value_head_model", "save_prm"]

STEP_TOKEN = "<|step|>"


def build_value_head_model(backbone: str | None, *, step_token: str = STEP_TOKEN, tiny_vocab: Any = None,
                           dtype: str = "float32", seed: int = 0) -> tuple[Any, Any]:
    """A fresh value-head PRM and its tokenizer (the step token added as a special token).

    Args:
        backbone: ``tiny`` (a small random Llama with a word tokenizer whose number embeddings
            encode their value, for tests and quick runs), None or ``smollm2-135m-instruct`` (the packaged SmolLM2), a hub id, a folder.
        step_token: the marker written after each step.
        tiny_vocab: words of the ``tiny`` backbone's tokenizer (default: the synthetic vocabulary).
        dtype: weights' dtype for a pretrained backbone.
        seed: seed of the new weights.

    Returns:
        ``(model, tokenizer)``, the model in train mode on the CPU.
    """
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.manual_seed(seed)
    meta = {"convention": "value_head", "marker": step_token, "backbone": backbone or "smollm2-135m-instruct"}
    if backbone == "tiny":
        from rewardsmith.prm.synthetic import vocabulary
        from rewardsmith.models.tiny import tiny_llama_config
        from rewardsmith.prm.tiny import init_number_embeddings, word_tokenizer
        tokenizer = word_tokenizer(tiny_vocab or vocabulary(), [step_token])
        config = tiny_llama_config(tokenizer, tie_word_embeddings=False, num_labels=1)
        model = AutoModelForTokenClassification.from_config(config)
        init_number_embeddings(model, tokenizer)
    else:
        from rewardsmith.models.loading import resolve_dtype, resolve_model
        path = resolve_model(backbone)
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForTokenClassification.from_pretrained(
            path, num_labels=1, dtype=resolve_dtype(dtype, "cpu"))
        if step_token not in tokenizer.get_vocab():
            tokenizer.add_special_tokens({"additional_special_tokens": [step_token]})
            model.resize_token_embeddings(len(tokenizer))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    setattr(model.config, CONFIG_KEY, meta)
    with torch.no_grad():  # start every step at P = 0.5
        model.score.weight.zero_()
        if model.score.bias is not None:
            model.score.bias.zero_()
    model.train()
    return model, tokenizer


def save_prm(model: Any, tokenizer: Any, out_dir: str, extra: dict[str, Any] | None = None) -> None:
    """Save model and tokenizer in HF format into ``out_dir``, written into a temp folder first.

    Args:
        model: the trained value-head model.
        tokenizer: its tokenizer.
        out_dir: the target folder (replaced atomically when it exists).
        extra: facts to record in ``config.json``'s ``rewardsmith_prm`` block (training metrics).
    """
    import os
    import shutil
    import tempfile

    meta = dict(getattr(model.config, CONFIG_KEY, {}) or {})
    meta.update(extra or {})
    setattr(model.config, CONFIG_KEY, meta)
    parent = os.path.dirname(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".prm-", dir=parent)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        os.chmod(tmp, 0o755)
        old = None
        if os.path.exists(out_dir):
            old = tempfile.mkdtemp(prefix=".prm-old-", dir=parent)
            os.rename(out_dir, os.path.join(old, "x"))
        os.rename(tmp, out_dir)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
