"""TRL: reward functions in TRL's shape, and a real GRPOTrainer run on CPU that uses them."""
from __future__ import annotations

import math
import pickle

import pytest

from rewardkit.core.compose import load_reward
from rewardkit.core.errors import RewardError
from rewardkit.integrations.trl import grpo_config_kwargs, reward_funcs


def test_functions_are_named_by_label_and_weighted_as_the_spec(toy_rewards):
    funcs, weights = reward_funcs("math:1+format:0.2+format(answer=tag):0.5")
    assert [f.__name__ for f in funcs] == ["math", "format", "format[2]"]
    assert weights == [1.0, 0.2, 0.5]
    assert grpo_config_kwargs("math:1+format:0.2") == {
        "reward_weights": [1.0, 0.2], "multi_objective_aggregation": "sum_then_normalize"}


def test_trl_call_shape_conversational_none_and_trainer_kwargs():
    (math_reward,), _ = reward_funcs("math")
    prompts = [[{"role": "user", "content": "2+2?"}]] * 3
    completions = [[{"role": "assistant", "content": "it is \\boxed{4}"}],
                   [{"role": "assistant", "content": "it is \\boxed{5}"}],
                   [{"role": "assistant", "content": "\\boxed{4}"}]]
    metrics: dict[str, float] = {}
    out = math_reward(prompts=prompts, completions=completions, completion_ids=[[1], [2], [3]],
                      answer=["4", "4", None], trainer_state=object(), log_extra=lambda *a: None,
                      log_metric=metrics.__setitem__, question=["q"] * 3)
    assert out == [1.0, 0.0, None]  # None ("not applicable") is kept: TRL turns it into NaN
    assert metrics == {"rewardkit/math/errors": 0.0}


def test_failures_are_nan_logged_and_counted_or_raise_when_strict(toy_rewards, caplog):
    (crash,), _ = reward_funcs("itest_crash")
    metrics: dict[str, float] = {}
    out = crash(prompts=["p", "p"], completions=["boom", "ok"], log_metric=metrics.__setitem__)
    assert math.isnan(out[0]) and out[1] == 0.5
    assert crash.error_count == 1 and metrics == {"rewardkit/itest_crash/errors": 1.0}
    assert "itest_crash" in caplog.text and "exploded" in caplog.text
    (strict,), _ = reward_funcs("itest_crash", strict=True)
    with pytest.raises(RewardError, match="itest_crash"):
        strict(prompts=["p"], completions=["boom"])


def test_functions_pickle_and_score_the_same_afterwards(toy_rewards):
    funcs, _ = reward_funcs(load_reward("itest_exact+format"))
    copies = pickle.loads(pickle.dumps(funcs))
    kwargs = {"prompts": ["p", "p"], "completions": ["\\boxed{4}", "5"], "answer": ["4", "4"]}
    assert [f(**kwargs) for f in copies] == [f(**kwargs) for f in funcs] == [[1.0, 0.0], [1.0, 0.0]]
    assert copies[0].__name__ == "itest_exact"


def _tiny_tokenizer():
    """A byte-level tokenizer built offline (256 byte symbols, no merges) with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>")
    fast.chat_template = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                          "{% if add_generation_prompt %}assistant: {% endif %}")
    return fast


def test_grpo_trainer_runs_two_steps_with_reward_funcs(toy_rewards, tmp_path):
    """A real GRPOTrainer (tiny Llama built from a config, CPU) trains two steps on our functions."""
    import torch
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    tokenizer = _tiny_tokenizer()
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id))
    dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": f"{a}+{b}?"}], "answer": str(a + b)}
                                 for a, b in [(1, 2), (2, 2), (3, 4), (5, 1)]])
    spec = "math:1+format:0.2+itest_distinct:0.5"  # itest_distinct varies even on random text
    funcs, weights = reward_funcs(spec)
    calls: list[tuple[list, list, list]] = []
    exact = funcs[0]

    def recorded(prompts=None, completions=(), **kw):  # what TRL passes, and what we return
        out = exact(prompts=prompts, completions=completions, **kw)
        calls.append((completions, kw["answer"], out))
        return out

    recorded.__name__ = exact.__name__
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, num_generations=2,
        max_completion_length=6, learning_rate=1e-3, logging_steps=1, save_strategy="no",
        report_to="none", use_cpu=True, bf16=False, seed=0, dataloader_num_workers=0,
        **grpo_config_kwargs(spec))
    trainer = GRPOTrainer(model=model, reward_funcs=[recorded, *funcs[1:]], args=args, train_dataset=dataset,
                          processing_class=tokenizer)
    trainer.train()

    assert trainer.state.global_step == 2 and len(calls) == 2
    assert trainer.reward_func_names == ["math", "format", "itest_distinct"]
    assert weights == args.reward_weights == [1.0, 0.2, 0.5]
    logged = [h for h in trainer.state.log_history if "rewards/itest_distinct/mean" in h]
    assert len(logged) == 2
    for (completions, answers, out), logs in zip(calls, logged):
        # conversational completions and the dataset's answer column reach the function
        assert all(isinstance(c, list) and c[0]["role"] == "assistant" for c in completions)
        assert set(answers) <= {"3", "4", "6", "7"} and len(out) == len(completions) == 4
        composed = load_reward(spec).score(None, completions, {"answer": answers})
        assert out == composed.components["math"]
        # what TRL logged is what rewardkit computes for the same completions
        distinct = composed.components["itest_distinct"]
        assert logs["rewards/itest_distinct/mean"] == pytest.approx(sum(distinct) / 4, abs=1e-5)
        assert logs["reward"] == pytest.approx(sum(composed.rewards) / 4, abs=1e-5)
        assert logs["rewardkit/math/errors"] == 0.0
