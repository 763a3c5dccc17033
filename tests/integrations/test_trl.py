"""TRL: reward functions in TRL's shape, and a real GRPOTrainer run on CPU that uses them."""
from __future__ import annotations

import math
import pickle

import pytest

from rewardsmith.core.compose import load_reward
from rewardsmith.core.errors import RewardError
from rewardsmith.integrations.trl import grpo_config_kwargs, reward_funcs, reward_weights


def test_reward_funcs_is_the_list_trl_takes_and_the_weights_come_apart(toy_plugin):
    spec = "math:1+format:0.2+format(answer=tag):0.5"
    funcs = reward_funcs(spec)
    assert isinstance(funcs, list) and all(callable(f) for f in funcs)
    assert [f.__name__ for f in funcs] == ["math", "format", "format[2]"]
    assert reward_weights(spec) == [1.0, 0.2, 0.5]
    assert grpo_config_kwargs("math:1+format:0.2") == {
        "reward_weights": [1.0, 0.2], "multi_objective_aggregation": "sum_then_normalize"}


def test_trl_call_shape_conversational_none_and_trainer_kwargs():
    (math_reward,) = reward_funcs("math")
    prompts = [[{"role": "user", "content": "2+2?"}]] * 3
    completions = [[{"role": "assistant", "content": "it is \\boxed{4}"}],
                   [{"role": "assistant", "content": "it is \\boxed{5}"}],
                   [{"role": "assistant", "content": "\\boxed{4}"}]]
    metrics: dict[str, float] = {}
    out = math_reward(prompts=prompts, completions=completions, completion_ids=[[1], [2], [3]],
                      answer=["4", "4", None], trainer_state=object(), log_extra=lambda *a: None,
                      log_metric=metrics.__setitem__, question=["q"] * 3)
    assert out == [1.0, 0.0, None]  # None ("not applicable") is kept: TRL turns it into NaN
    assert metrics == {"rewardsmith/math/errors": 0.0, "rewardsmith/failed_samples": 0.0}


def test_trl_completion_ids_reach_the_length_reward():
    (length,) = reward_funcs("length(max_length=10,cache_length=4)")
    # the same short text, but TRL's token ids say the second completion is 12 tokens long
    out = length(prompts=["p", "p"], completions=["short", "short"], completion_ids=[[1] * 3, [1] * 12])
    assert out == [0.0, -1.0]


def test_a_failure_in_one_component_makes_every_function_nan_for_that_sample(toy_plugin, caplog):
    crash, exact = reward_funcs("toy_crash:1+toy_number:1")
    kwargs = {"prompts": ["p", "p", "p"], "completions": ["boom 4", "4", "5"], "answer": ["4", "4", "4"]}
    metrics: dict[str, list[float]] = {}

    def log_metric(name, value):
        metrics.setdefault(name, []).append(value)

    out_crash = crash(**kwargs, log_metric=log_metric)
    out_exact = exact(**kwargs, log_metric=log_metric)
    # 'boom 4' is right for toy_number, but its crash component failed: no function scores it
    assert math.isnan(out_crash[0]) and math.isnan(out_exact[0])
    assert out_crash[1:] == [0.5, 0.5] and out_exact[1:] == [1.0, 0.0]
    assert crash.error_count == 1 and exact.error_count == 0
    assert metrics == {"rewardsmith/toy_crash/errors": [1.0], "rewardsmith/failed_samples": [1.0],
                       "rewardsmith/toy_number/errors": [0.0]}
    assert "toy_crash" in caplog.text and "exploded" in caplog.text
    # the batch is scored once for both functions; a repeated batch is a new batch (counted again)
    crash(**kwargs)
    assert crash.error_count == 2
    strict, _ = reward_funcs("toy_crash+toy_number", strict=True)
    with pytest.raises(RewardError, match="toy_crash"):
        strict(prompts=["p"], completions=["boom"], answer=["1"])


def test_functions_pickle_and_score_the_same_afterwards(toy_plugin):
    funcs = reward_funcs(load_reward("toy_number+format"))
    copies = pickle.loads(pickle.dumps(funcs))
    kwargs = {"prompts": ["p", "p"], "completions": ["\\boxed{4}", "5"], "answer": ["4", "4"]}
    assert [f(**kwargs) for f in copies] == [f(**kwargs) for f in funcs] == [[1.0, 0.0], [1.0, 0.0]]
    assert copies[0].__name__ == "toy_number"


def test_grpo_trainer_leaves_a_failed_sample_out_of_its_totals(toy_plugin, tmp_path):
    """A real GRPOTrainer (the project's tiny Llama, CPU) trains two steps on our functions; one
    dataset row makes a component fail: TRL leaves its samples out instead of scoring them wrong."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from rewardsmith.models.tiny import build_tiny_llama

    path = build_tiny_llama(tmp_path / "tiny", hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)
    model = AutoModelForCausalLM.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    torch.manual_seed(0)
    rows = [(1, 2, False), (2, 2, True), (3, 4, False), (5, 1, False)]
    dataset = Dataset.from_list([{"prompt": f"{a}+{b}=", "answer": str(a + b), "fail": fail}
                                 for a, b, fail in rows])
    # toy_distinct varies even on random text; toy_fails_when fails on the row with fail=True
    spec = "math:1+toy_distinct:0.5+toy_fails_when:0.2"
    calls: list[tuple[str, list, dict, list]] = []

    def recorded(func):  # what TRL passes each function, and what the function returns
        def call(prompts=None, completions=(), **kw):
            out = func(prompts=prompts, completions=completions, **kw)
            calls.append((func.__name__, list(completions), kw, out))
            return out
        call.__name__ = func.__name__
        return call

    args = GRPOConfig(
        output_dir=str(tmp_path / "out"), max_steps=2, per_device_train_batch_size=4, num_generations=2,
        max_completion_length=6, learning_rate=1e-3, logging_steps=1, save_strategy="no",
        report_to="none", use_cpu=True, bf16=False, seed=0, dataloader_num_workers=0,
        **grpo_config_kwargs(spec))
    trainer = GRPOTrainer(model=model, reward_funcs=[recorded(f) for f in reward_funcs(spec)], args=args,
                          train_dataset=dataset, processing_class=tokenizer)
    trainer.train()

    assert trainer.state.global_step == 2 and len(calls) == 6  # three functions, two batches
    assert trainer.reward_func_names == ["math", "toy_distinct", "toy_fails_when"]
    assert args.reward_weights == reward_weights(spec) == [1.0, 0.5, 0.2]
    logged = [h for h in trainer.state.log_history if "rewards/toy_distinct/mean" in h]
    assert len(logged) == 2
    failed_seen = 0
    for step, logs in enumerate(logged):
        batch = calls[3 * step:3 * step + 3]
        completions, kw = batch[0][1], batch[0][2]
        assert all(isinstance(c, str) for c in completions) and len(completions) == 4
        composed = load_reward(spec).score(None, completions, {"answer": kw["answer"], "fail": kw["fail"]})
        failed = [f is not None for f in composed.errors["toy_fails_when"]]
        failed_seen += sum(failed)
        for _, _, _, out in batch:  # every function leaves a failed sample out (NaN), none scores it
            assert [math.isnan(v) for v in out] == failed
        valid = [t for t, f in zip(composed.rewards, failed) if not f]
        # TRL's logged total is the mean over the scored samples only: the failed ones are not a 0
        assert logs["reward"] == pytest.approx(sum(valid) / len(valid), abs=1e-5)
        assert logs["rewardsmith/failed_samples"] == sum(failed)
        assert logs["rewardsmith/toy_fails_when/errors"] == sum(failed)
    assert failed_seen == 2  # the failing row's two generations, in one of the two steps
