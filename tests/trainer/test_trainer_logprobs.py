"""Completion log-probs: the shared-prompt layout equals one row per completion, values and gradients;
both equal what the sampler saw."""
from __future__ import annotations

import pytest
import torch

from rewardsmith.models import GenerationConfig, HFGenerator, load_model_and_tokenizer
from rewardsmith.trainer.logprobs import completion_logps, pack, pack_grouped, sequence_kl
from rewardsmith.trainer.update import make_micro_batches


@pytest.fixture(scope="module")
def model_tok(tiny_model):
    return load_model_and_tokenizer(tiny_model, device="cpu")


def _samples(model, tok):
    gen = HFGenerator(model, tok, seed=0)
    outs = gen.generate(["ab", "a longer prompt"], GenerationConfig(max_new_tokens=7, num_generations=3))
    return outs


def test_grouped_equals_packed_values_and_gradients(model_tok):
    model, tok = model_tok
    outs = _samples(model, tok)
    prompts = [o.prompt_ids for o in outs]
    comps = [o.completion_ids for o in outs]
    packed = pack(prompts, comps, tok.pad_token_id)
    grouped = pack_grouped([prompts[0], prompts[3]], comps, [3, 3], tok.pad_token_id)
    assert torch.equal(packed.completion_mask, grouped.completion_mask)

    def run(batch):
        model.zero_grad()
        logps, ent = completion_logps(model, batch, temperature=0.7, with_entropy=True)
        (logps * batch.completion_mask).sum().backward()
        return logps.detach(), ent, [p.grad.clone() for p in model.parameters()]

    a_logps, a_ent, a_grads = run(packed)
    b_logps, b_ent, b_grads = run(grouped)
    mask = packed.completion_mask.bool()
    assert torch.allclose(a_logps[mask], b_logps[mask], atol=1e-5)
    assert torch.allclose(a_ent[mask], b_ent[mask], atol=1e-5)
    for ga, gb in zip(a_grads, b_grads):
        assert torch.allclose(ga, gb, atol=1e-5, rtol=1e-4)


def test_logps_match_the_sampling_distribution(model_tok):
    """Greedy tokens must be the argmax of the scored distribution at every position."""
    model, tok = model_tok
    gen = HFGenerator(model, tok)
    outs = gen.generate(["xyz", "q"], GenerationConfig(max_new_tokens=6, num_generations=1, temperature=0))
    batch = pack([o.prompt_ids for o in outs], [o.completion_ids for o in outs], tok.pad_token_id)
    with torch.no_grad():
        out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                    position_ids=batch.position_ids, logits_to_keep=batch.completion_ids.shape[1] + 1)
    argmax = out.logits[:, :-1].argmax(-1)
    assert torch.equal(argmax[batch.completion_mask.bool()], batch.completion_ids[batch.completion_mask.bool()])


def test_micro_batches_keep_groups_whole(model_tok):
    model, tok = model_tok
    outs = _samples(model, tok)
    micro = make_micro_batches([o.prompt_ids for o in outs], [o.completion_ids for o in outs],
                               tok.pad_token_id, size=4, groups=[o.prompt_index for o in outs])
    assert sorted(i for mb in micro for i in mb.index) == list(range(6))
    assert [sorted(mb.index) for mb in micro] in ([[0, 1, 2], [3, 4, 5]], [[3, 4, 5], [0, 1, 2]])


def test_sequence_kl_is_zero_against_itself_and_positive_otherwise(model_tok, tiny_model):
    model, tok = model_tok
    outs = _samples(model, tok)
    batch = pack([o.prompt_ids for o in outs], [o.completion_ids for o in outs], tok.pad_token_id)
    assert torch.allclose(sequence_kl(model, model, batch), torch.zeros(6), atol=1e-6)
    other, _ = load_model_and_tokenizer(tiny_model, device="cpu")
    with torch.no_grad():
        other.lm_head.weight.mul_(1.5)
    kl = sequence_kl(model, other, batch)
    assert (kl > 0).all()
