"""A tiny Llama (randomly initialised from a config) with a character-level tokenizer.

For smoke tests, CI and benchmarks: it loads in milliseconds, trains on a CPU, and exercises the same
code paths as a real model (``save_pretrained`` folder, tokenizer with EOS and padding).
"""
from __future__ import annotations

import string
from pathlib import Path

__all__ = ["build_tiny_llama", "CHARS"]

#: the tokenizer's characters (one token each), after <pad> <s> </s> <unk>
CHARS = string.ascii_letters + string.digits + string.punctuation + " \n"


def build_tiny_llama(path: str | Path, *, hidden_size: int = 64, num_layers: int = 2,
                     num_heads: int = 4, intermediate_size: int = 128, seed: int = 0) -> Path:
    """Write a tiny ``LlamaForCausalLM`` and its char tokenizer to ``path``; return the path.

    Args:
        path: output folder (created).
        hidden_size, num_layers, num_heads, intermediate_size: the model's shape.
        seed: initialisation seed (same seed, same weights).
    """
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    vocab = {tok: i for i, tok in enumerate(specials + list(CHARS))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("(?m)."), behavior="isolated")
    core.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", unk_token="<unk>", padding_side="left")
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=hidden_size,
                         intermediate_size=intermediate_size, num_hidden_layers=num_layers,
                         num_attention_heads=num_heads, num_key_value_heads=num_heads,
                         max_position_embeddings=1024, pad_token_id=0, bos_token_id=1,
                         eos_token_id=2, tie_word_embeddings=True)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
