"""A tiny Llama (randomly initialised from a config) with a character-level tokenizer.

For smoke tests, CI and benchmarks: it loads in milliseconds, trains on a CPU, and exercises the same
code paths as a real model (``save_pretrained`` folder, tokenizer with EOS and padding).
"""
from __future__ import annotations

import string
from pathlib import Path
from typing import Any

__all__ = ["build_tiny_llama", "tiny_llama_config", "char_tokenizer", "CHARS"]

#: the tokenizer's characters (one token each), after <pad> <s> </s> <unk>
CHARS = string.ascii_letters + string.digits + string.punctuation + " \n"


def char_tokenizer() -> Any:
    """The character-level tokenizer: ``<pad> <s> </s> <unk>`` (ids 0-3), then one token per
    character of :data:`CHARS`; left padding."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    vocab = {tok: i for i, tok in enumerate(specials + list(CHARS))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("(?m)."), behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>",
                                   eos_token="</s>", unk_token="<unk>", padding_side="left")


def tiny_llama_config(tokenizer: Any, *, hidden_size: int = 64, num_layers: int = 2,
                      num_heads: int = 4, num_kv_heads: int | None = None,
                      intermediate_size: int | None = None, max_position_embeddings: int = 1024,
                      tie_word_embeddings: bool = True, **extra: Any) -> Any:
    """A ``LlamaConfig`` small enough to train on a CPU in seconds, sized for ``tokenizer``.

    Args:
        tokenizer: gives the vocabulary size (its length) and the pad, bos and eos ids.
        hidden_size, num_layers, num_heads: the model's shape.
        num_kv_heads: key/value heads (default: ``num_heads``, no grouping).
        intermediate_size: MLP width (default: twice ``hidden_size``).
        max_position_embeddings: the longest sequence.
        tie_word_embeddings: share the input embedding and the output head.
        extra: more config fields (``num_labels=1``, ``rewardsmith_prm={...}``, ...).
    """
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size,
                       intermediate_size=intermediate_size or 2 * hidden_size,
                       num_hidden_layers=num_layers, num_attention_heads=num_heads,
                       num_key_value_heads=num_kv_heads or num_heads,
                       max_position_embeddings=max_position_embeddings,
                       pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=tie_word_embeddings,
                       **extra)


def build_tiny_llama(path: str | Path, *, tokenizer: Any = None, seed: int = 0,
                     **shape: Any) -> Path:
    """Write a tiny ``LlamaForCausalLM`` and its tokenizer to ``path``; return the path.

    Args:
        path: output folder (created).
        tokenizer: the tokenizer to save with it (default: :func:`char_tokenizer`).
        seed: initialisation seed (same seed, same weights).
        shape: the model's shape, see :func:`tiny_llama_config` (``hidden_size``, ``num_layers``,
            ``num_heads``, ``intermediate_size``, ...).
    """
    import torch
    from transformers import LlamaForCausalLM

    tokenizer = tokenizer if tokenizer is not None else char_tokenizer()
    config = tiny_llama_config(tokenizer, **shape)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
