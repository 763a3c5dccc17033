"""Fixtures: a tiny causal LM with its own offline tokenizer (the data fixture is tests/conftest.py's)."""
from __future__ import annotations

from pathlib import Path

import pytest

_CORPUS = ["def f(x):\n    return x + 1\n", "The answer is \\boxed{42}.", "What is 2 + 3? 5",
           "```python\nassert f(1) == 2\n```", "Janet has 16 eggs and sells 9."]
_CHAT = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|eos|>{% endfor %}"
         "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def _bpe_tokenizer():
    """A byte-level BPE tokenizer trained here on a few lines, with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|pad|>", "<|eos|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|eos|>", pad_token="<|pad|>")
    fast.chat_template = _CHAT
    return fast


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 1-layer Llama (random weights) from :func:`rewardsmith.models.tiny.build_tiny_llama`,
    with the BPE tokenizer (bench prompts are chat messages and code, not single characters)."""
    from rewardsmith.models.tiny import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-model"), tokenizer=_bpe_tokenizer(),
                            hidden_size=16, num_layers=1, num_heads=2, num_kv_heads=1,
                            intermediate_size=32, max_position_embeddings=4096,
                            tie_word_embeddings=False)
