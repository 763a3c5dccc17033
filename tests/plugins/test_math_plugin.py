"""The ``math`` reward plugin, loaded through its entry point like any third-party plugin."""
from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import pytest

from rewardsmith import load_reward
from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.plugin_manager import get_plugin_manager, reset_plugin_manager
from rewardsmith.verifiers.verdict import Verdict



@pytest.fixture(autouse=True)
def _fresh_manager():
    reset_plugin_manager()
    yield
    reset_plugin_manager()


@pytest.fixture(scope="module")
def gsm8k_rows(data_dir):
    with open(data_dir / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(40), f)]


def test_math_is_a_builtin_entry_point():
    entry = get_plugin_manager().registry.entries["math"]
    assert (entry.plugin, entry.dist, entry.status) == ("math", "rewardsmith", "available")


def test_gsm8k_answers_work_as_they_are(gsm8k_rows):
    golds = [r["answer"] for r in gsm8k_rows]  # whole reference answers, "#### N" at the end
    numbers = [g.rsplit("####", 1)[1].strip().replace(",", "") for g in golds]
    completions = ([f"Step by step...\n#### {n}" for n in numbers[:20]]
                   + [f"So the answer is $\\boxed{{{int(n) + 1}}}$." for n in numbers[20:]])
    result = load_reward("math").score([r["question"] for r in gsm8k_rows], completions,
                                       {"answer": golds})
    assert result.components["math"] == [1.0] * 20 + [0.0] * 20
    assert result.details["math"][0]["extracted"] == numbers[0]
    assert result.details["math"][0]["reason"] == "correct"
    assert result.details["math"][25]["reason"] == "wrong answer"


def test_values_details_and_chat_messages():
    r = load_reward("math")
    res = r.score(None, [
        [{"role": "assistant", "content": "The final answer is $\\frac{3}{4}$."}],  # chat shape
        "The answer is 5 or 6.",  # hedge
        "no marker at all: 5",  # no final answer
        "\\boxed{5}",  # no gold in this row: not applicable
    ], {"answer": ["0.75", "5", "5", None]})
    assert res.components["math"] == [1.0, 0.0, 0.0, None]
    reasons = [d.get("reason") for d in res.details["math"]]
    assert reasons[:3] == ["correct", "hedged: several values for a single answer",
                           "no final answer found"]
    assert res.counts()["math"] == {"none": 1, "errors": 0}


def test_options_come_from_the_spec():
    r = load_reward("math(last_number_fallback=true,timeout=2)")
    assert r.rewards[0].options.last_number_fallback is True
    assert r(completions=["so it is 5", "so it is 6"], answer=["5", "5"]) == [1.0, 0.0]
    with pytest.raises(UsageError, match="timeout must be > 0"):
        load_reward("math(timeout=0)")
    with pytest.raises(UsageError, match="on_timeout"):
        load_reward("math(on_timeout=maybe)")
    with pytest.raises(UsageError, match="Did you mean 'timeout'"):
        load_reward("math(timout=1)")


def test_trl_call_shape_and_pickling():
    reward = load_reward("math").rewards[0]
    again = pickle.loads(pickle.dumps(reward))  # travels to Ray actors and process pools
    assert again(prompts=["q"] * 2, completions=["\\boxed{x^2+1}", "\\boxed{x+1}"],
                 answer=["1 + x^2", "1 + x^2"]) == [1.0, 0.0]


def test_batch_override_matches_per_sample_scoring():
    reward = load_reward("math").rewards[0]
    golds = ["\\frac{1}{2}", "(3,4]", "\\text{(C)}", "2^{64}", "7"]
    preds = ["\\boxed{0.5}", "\\boxed{(3,4)}", "The answer is (C).",
             "\\boxed{18446744073709551617}", "#### 7"]
    batch = reward.score_batch(None, preds, {"answer": golds})
    single = [reward.score(None, p, answer=g) for g, p in zip(golds, preds)]
    assert [s.value for s in batch] == [s.value for s in single] == [1.0, 0.0, 1.0, 0.0, 1.0]


def test_a_timeout_is_no_credit_by_default_and_nan_when_asked():
    attack = "\\boxed{\\binom{10^{9}}{10^{8}}}"  # not caught by the guards: the pool kills it
    wrong = load_reward("math(timeout=0.5)").score(None, [attack], {"answer": ["3"]})
    assert wrong.components["math"] == [0.0]
    assert wrong.details["math"][0]["reason"] == "no credit: timeout after 0.5s"
    nan = load_reward("math(timeout=0.5,on_timeout=error)").score(None, [attack], {"answer": ["3"]})
    assert math.isnan(nan.components["math"][0]) and math.isnan(nan.rewards[0])
    assert nan.errors["math"][0] == "VerificationError: timeout after 0.5s"


def test_verifier_errors_follow_the_host_policy(monkeypatch, caplog):
    import rewardsmith.plugins.math as plugin

    def broken(golds, completions, config, **kwargs):
        return [Verdict(None, error="worker died (exit code -9)") for _ in golds]

    monkeypatch.setattr(plugin, "verify_math_batch", broken)
    composed = load_reward("math")
    res = composed.score(None, ["\\boxed{1}"], {"answer": ["1"]})
    assert math.isnan(res.components["math"][0]) and composed.error_counts["math"] == 1
    assert "plugin 'math'" in caplog.text and "worker died" in caplog.text
    with pytest.raises(RewardError, match="reward 'math' .* sample 1"):
        load_reward("math", strict=True).score(None, ["\\boxed{1}"], {"answer": ["1"]})


def test_missing_answer_column_is_a_usage_error():
    with pytest.raises(UsageError, match="needs the column 'answer'"):
        load_reward("math").score(None, ["\\boxed{1}"], {})


def test_the_prompt_reaches_the_verifier():
    r = load_reward("math")
    prompt = [{"role": "user", "content": "Factor the expression $ab+5b+2a+10$."}]
    res = r.score([prompt, prompt], ["\\boxed{ab+5b+2a+10}", "\\boxed{(a+5)(b+2)}"],
                  {"answer": ["(a+5)(b+2)"] * 2})
    assert res.components["math"] == [0.0, 1.0]
    assert res.details["math"][0]["reason"] == "restates an expression from the question"


def test_a_failing_batch_is_logged_and_rescored_one_by_one(monkeypatch, caplog):
    import rewardsmith.plugins.math as plugin

    def crash(*args, **kwargs):
        raise RuntimeError("pool exploded")

    monkeypatch.setattr(plugin, "verify_math_batch", crash)
    res = load_reward("math").score(None, ["\\boxed{1}", "\\boxed{2}"], {"answer": ["1", "1"]})
    assert res.components["math"] == [1.0, 0.0]  # per-sample scoring does not use the batch path
    assert "batch verification failed (RuntimeError: pool exploded)" in caplog.text
