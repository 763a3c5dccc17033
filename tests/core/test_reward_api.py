"""The Reward API: context filtering, chat completions, TRL shape, error policy, pickling."""
from __future__ import annotations

import math
import pickle

import pytest

from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.plugin_manager import get_plugin_manager
from rewardsmith.core.reward import Reward, Score, completion_text, reward


@pytest.fixture
def registry(toy_dist):
    toy_dist()
    return get_plugin_manager().registry


def test_reward_gets_only_the_context_it_names():
    seen = {}

    class Spy(Reward):
        name = "spy"

        def compute(self, completion, answer):
            seen.update(answer=answer)
            return 1.0

    Spy().score_batch(["p"], ["c"], {"answer": ["42"], "tests": ["t"], "other": [1]})
    assert seen == {"answer": "42"}


def test_kwargs_reward_gets_every_column():
    @reward("everything", value_range=(0.0, 10.0))
    def everything(completion, **context):
        return float(len(context))

    assert everything()(prompts=["p"], completions=["c"], a=[1], b=[2]) == [2.0]


def test_prompt_and_options_are_passed_when_named():
    @reward("echo_prompt")
    def echo_prompt(completion, prompt):
        return float(prompt == completion)

    assert echo_prompt()(prompts=["x", "y"], completions=["x", "z"]) == [1.0, 0.0]


def test_chat_message_completions_are_read_as_text(registry):
    r = registry.create("toy_exact")
    chat = [[{"role": "assistant", "content": "42"}], [{"role": "assistant", "content": "41"}]]
    assert r(prompts=[[{"role": "user", "content": "q"}]] * 2, completions=chat, answer=["42", "42"]) == [1.0, 0.0]


def test_completion_text_joins_assistant_turns_only():
    msgs = [{"role": "assistant", "content": "a"}, {"role": "tool", "content": "X"},
            {"role": "assistant", "content": "b"}]
    assert completion_text(msgs) == "ab"


def test_none_means_not_applicable(registry):
    r = registry.create("toy_exact")
    assert r(completions=["1", "2"], answer=[None, "2"]) == [None, 1.0]


def test_missing_column_is_a_usage_error(registry):
    with pytest.raises(UsageError, match="needs the column 'answer'"):
        registry.create("toy_exact")(completions=["1"])


def test_errors_become_nan_and_are_logged_with_the_plugin(registry, caplog):
    r = registry.create("toy_crash")
    scores = r.score_batch(None, ["fine", "boom"])
    assert scores[0].value == 0.5
    assert math.isnan(scores[1].value) and "exploded" in scores[1].error
    assert "toy_crash" in caplog.text and "'toy'" in caplog.text
    assert "failed on sample 2:" in caplog.text   # samples count from 1, like file lines


def test_strict_raises_naming_reward_and_plugin(registry):
    with pytest.raises(RewardError, match=r"'toy_crash' \(plugin 'toy'\) failed on sample 2: "):  # from 1
        registry.create("toy_crash").score_batch(None, ["fine", "boom"], strict=True)


def test_details_are_reported(registry):
    s = registry.create("toy_contains", {"word": "ok"}).score_batch(None, ["ok!"])[0]
    assert s == Score(1.0, {"found": True})


def test_wrong_return_type_is_an_error_not_a_zero():
    @reward("bad_type")
    def bad_type(completion):
        return "1.0"

    s = bad_type().score_batch(None, ["x"])[0]
    assert math.isnan(s.value) and "must return a float" in s.error


def test_rewards_pickle(registry):
    for name in ("toy_contains", "toy_exact"):
        r = registry.create(name)
        clone = pickle.loads(pickle.dumps(r))
        assert type(clone) is type(r) and clone.options == r.options


def test_required_columns_and_description(registry):
    cls = registry.get("toy_exact").cls
    assert cls.required_columns() == ["answer"]
    assert cls.description().startswith("1 when the completion equals")
