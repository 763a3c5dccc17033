"""Small offline building blocks of tiny PRMs: a word-level tokenizer and number embeddings.

With :func:`rewardsmith.models.tiny.tiny_llama_config` they let tests, CI and quick experiments
build real transformers models in a second, with no download: ``rewardsmith prm train --backbone
tiny`` uses them.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

__all__ = ["word_tokenizer", "save_tiny_prm", "number_features", "init_number_embeddings"]

SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")


def word_tokenizer(words: Iterable[str], extra_special: Iterable[str] = ()) -> Any:
    """A fast word-level tokenizer: words and punctuation runs are tokens, others map to ``<unk>``.

    Args:
        words: the vocabulary (duplicates ignored).
        extra_special: strings kept whole as special tokens (step markers such as ``<|step|>``).

    Returns:
        a ``PreTrainedTokenizerFast`` (character offsets supported) with pad, unk, bos and eos.

    >>> tok = word_tokenizer(["2", "+", "="])
    >>> tok.tokenize("2 + 2 = 5")
    ['2', '+', '2', '=', '<unk>']
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab: dict[str, int] = {}
    for w in [*SPECIALS, *words]:
        vocab.setdefault(w, len(vocab))
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", unk_token="<unk>",
                                  bos_token="<s>", eos_token="</s>")
    specials = [s for s in extra_special if s]
    if specials:
        tok.add_special_tokens({"additional_special_tokens": specials})
    return tok


def number_features(value: int) -> list[float]:
    """A number's value as 11 features: scaled magnitude, and sin/cos at periods 4..64.

    >>> f = number_features(16)
    >>> len(f), round(f[0], 2), round(f[2], 2)   # magnitude, cos at period 4
    (11, -0.36, 1.0)
    """
    feats = [value / 25.0 - 1.0]
    for period in (4, 8, 16, 32, 64):
        angle = 2 * math.pi * value / period
        feats += [math.sin(angle), math.cos(angle)]
    return feats


def init_number_embeddings(model: Any, tokenizer: Any) -> int:
    """Write :func:`number_features` into the first embedding dimensions of every number token.

    A pretrained backbone knows how big numbers are; a random tiny one has to discover it, which
    takes far longer than checking steps. This gives the tiny backbone that prior knowledge (the
    features are a fixed function of the token, never of any label). Returns how many rows changed.
    """
    import torch

    emb = model.get_input_embeddings().weight
    changed = 0
    with torch.no_grad():
        for word, idx in tokenizer.get_vocab().items():
            if word.isdigit():
                feats = number_features(int(word))
                emb[idx, :len(feats)] = torch.tensor(feats, dtype=emb.dtype)
                changed += 1
    return changed


def save_tiny_prm(convention: str, out_dir: str, *, seed: int = 0) -> str:
    """Save a randomly initialised tiny PRM of ``convention`` (for tests, demos and benchmarks).

    Args:
        convention: ``token_classifier`` (separator ``<extra_0>``, two labels), ``step_tag``
            (causal LM, tag ``ки``, tokens ``+``/``-``) or ``value_head`` (rewardsmith's own).
        out_dir: where to save it (HF format).
        seed: seed of the random weights.

    Returns:
        ``out_dir``.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForTokenClassification

    from rewardsmith.models.tiny import tiny_llama_config
    from rewardsmith.prm.synthetic import vocabulary

    torch.manual_seed(seed)
    if convention == "value_head":
        from rewardsmith.prm.model import build_value_head_model, save_prm
        model, tok = build_value_head_model("tiny", seed=seed)
        torch.nn.init.normal_(model.score.weight, std=0.5)  # random but not constant scores
        save_prm(model, tok, out_dir)
        return out_dir
    if convention == "token_classifier":
        tok = word_tokenizer(vocabulary(), ["<extra_0>"])
        model = AutoModelForTokenClassification.from_config(
            tiny_llama_config(tok, tie_word_embeddings=False, num_labels=2))
    elif convention == "step_tag":
        tok = word_tokenizer([*vocabulary(), "ки"])
        model = AutoModelForCausalLM.from_config(tiny_llama_config(tok, tie_word_embeddings=False))
    else:
        raise ValueError(f"unknown convention {convention!r}")
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return out_dir
