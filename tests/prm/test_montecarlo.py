"""Math-Shepherd style Monte-Carlo labels, checked by the math verifier."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from rewardsmith.prm.montecarlo import LabelConfig, label_rows, mc_label
from rewardsmith.prm.synthetic import ArithmeticPolicy, ChainConfig, synthetic_examples


def test_a_perfect_policy_recovers_the_exact_labels():
    examples = synthetic_examples(60, 2, ChainConfig(error_rate=0.6), seed=11)
    labelled = mc_label(examples, ArithmeticPolicy(step_error=0.0), n=2)
    assert [e.labels for e in labelled] == [e.labels for e in examples]
    assert [e.final_correct for e in labelled] == [e.final_correct for e in examples]


def test_soft_labels_separate_right_and_wrong_prefixes_with_a_noisy_policy():
    examples = synthetic_examples(40, 2, ChainConfig(error_rate=0.6), seed=2)
    labelled = mc_label(examples, ArithmeticPolicy(step_error=0.15, seed=1), n=8, mode="soft")
    right = [y for e, m in zip(examples, labelled) for t, y in zip(e.labels[:-1], m.labels[:-1]) if t == 1.0]
    wrong = [y for e, m in zip(examples, labelled) for t, y in zip(e.labels[:-1], m.labels[:-1]) if t == 0.0]
    assert all(0.0 <= y <= 1.0 for y in right + wrong)
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.4
    hard = mc_label(examples, ArithmeticPolicy(step_error=0.15, seed=1), n=8, mode="hard")
    assert all(y in (0.0, 1.0) for e in hard for y in e.labels)


def test_rollouts_that_cannot_be_verified_leave_the_step_unlabelled():
    examples = synthetic_examples(3, 1, ChainConfig(error_rate=0.0), seed=4)

    class NoVerdicts:  # a verifier whose every check failed (NaN = no score)
        def score(self, prompts, completions, columns):
            return SimpleNamespace(rewards=[math.nan] * len(completions))
    labelled = mc_label(examples, ArithmeticPolicy(step_error=0.0), n=2, verifier=NoVerdicts())
    assert all(y is None for e in labelled for y in e.labels)


def test_examples_without_an_answer_are_skipped():
    ex = synthetic_examples(2, 1, seed=1)
    ex[0].answer = None
    assert len(mc_label(ex, ArithmeticPolicy(0.0), n=1)) == 1


def test_label_rows_from_steps_completions_and_fresh_solutions():
    ex = synthetic_examples(3, 1, ChainConfig(error_rate=0.0), seed=9)
    rows = [{"prompt": ex[0].prompt, "answer": ex[0].answer, "steps": ex[0].steps},
            {"prompt": ex[1].prompt, "answer": ex[1].answer, "completion": "\n\n".join(ex[1].steps)},
            {"prompt": ex[2].prompt, "answer": ex[2].answer}]
    out = label_rows(rows, LabelConfig(policy="arithmetic", rollouts=2, solutions=3))
    assert len(out) == 2 + 3
    assert out[0].steps == ex[0].steps and out[1].steps == ex[1].steps
    assert all(e.prompt == ex[2].prompt and e.answer == ex[2].answer for e in out[2:])
    assert all(e.labels and all(y is not None for y in e.labels) for e in out)


def test_hf_policy_with_a_tiny_causal_lm():
    torch = pytest.importorskip("torch")
    from transformers import AutoModelForCausalLM

    from rewardsmith.prm.montecarlo import HFPolicy
    from rewardsmith.prm.synthetic import vocabulary
    from rewardsmith.models.tiny import tiny_llama_config
    from rewardsmith.prm.tiny import word_tokenizer

    torch.manual_seed(0)
    tok = word_tokenizer(vocabulary(30))
    model = AutoModelForCausalLM.from_config(tiny_llama_config(tok, tie_word_embeddings=False))
    policy = HFPolicy(model.eval(), tok, max_new_tokens=6, temperature=1.0, seed=0)
    ex = synthetic_examples(2, 1, ChainConfig(max_value=20), seed=0)
    outs = policy.complete([e.prompt for e in ex], [e.steps[:1] for e in ex], n=3)
    assert [len(o) for o in outs] == [3, 3]
    assert all(text.startswith(e.steps[0] + "\n\n") for e, o in zip(ex, outs) for text in o)
    labelled = mc_label(ex, policy, n=2)
    assert [len(e.labels) for e in labelled] == [len(e.steps) for e in ex]
    # the last label is the solution's own correctness, whatever the random policy wrote
    assert [e.labels[-1] for e in labelled] == [1.0 if e.final_correct else 0.0 for e in ex]
