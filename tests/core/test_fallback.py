"""The host's ``fallback=`` option: a second reward scores only what the first one refused.

Runs on real built-in rewards (math as the rule, length/repetition as stand-in fallbacks); the
judge as the fallback against a real server is in tests/plugins/test_judge_server.py."""
from __future__ import annotations

import pickle

import pytest

from rewardsmith import load_reward
from rewardsmith.core.errors import UsageError
from rewardsmith.core.fallback import FallbackReward
from rewardsmith.core.spec import parse_spec

ROWS = [  # (prompt, completion, answer, refused by math?)
    ("What is 6*7?", "so \\boxed{42}", "42", False),            # right: math decides
    ("What is 6*7?", "so \\boxed{41}", "42", True),             # wrong: the fallback decides
    ("What is 6*7?", "forty-two", "42", True),                  # no final answer: the fallback
    ("What is 6*7?", "\\boxed{41} or \\boxed{42}", "42", False),  # a hedge stays refused
    ("What is 6*7?", "\\boxed{9^{9^{9^{9}}}}", "42", False),    # a resource attack stays refused
    ("Anything?", "\\boxed{1}", None, False),                   # no gold: not applicable
]


def _score(spec):
    reward = load_reward(spec)
    result = reward.score([r[0] for r in ROWS], [r[1] for r in ROWS], {"answer": [r[2] for r in ROWS]})
    return reward, result


def test_only_refused_samples_reach_the_fallback_and_details_say_who_decided():
    reward, result = _score("math(fallback=repetition(n=1))")
    fb = reward.rewards[0]
    assert isinstance(fb, FallbackReward) and fb.name == "math"
    decided = [d.get("decided_by") for d in result.details["math"]]
    assert decided == ["math", "repetition", "repetition", "math", "math", None]
    values = result.components["math"]
    assert values[0] == 1.0 and values[3] == 0.0 and values[4] == 0.0 and values[5] is None
    assert -1.0 <= values[1] <= 0.0 and result.details["math"][1]["rule_value"] == 0.0
    assert (fb.reached, fb.scored) == (2, 5)
    assert "2 of 5 scored samples (40.0%) reached the fallback 'repetition'" in fb.summary_line()
    assert fb.value_range == (-1.0, 1.0)


def test_the_wrapped_reward_pickles_and_keeps_its_options():
    reward, _ = _score("math(last_number_fallback=true,fallback=length(max_length=10,cache_length=5))")
    fb = pickle.loads(pickle.dumps(reward.rewards[0]))
    assert fb.options.last_number_fallback is True and fb.fallback.options.max_length == 10
    assert fb.score("What is 6*7?", "\\boxed{41}", answer="42").details["decided_by"] == "length"


def test_fallback_from_a_yaml_style_mapping():
    reward = load_reward({"rewards": [{"name": "math", "options": {
        "fallback": {"name": "repetition", "options": {"n": 2}}}}]})
    assert reward.rewards[0].fallback.options.n == 2


def test_spec_strings_with_a_nested_fallback_round_trip():
    text = 'math(fallback=judge(base_url=http://127.0.0.1:8000/v1,model="a,b"),last_number_fallback=true):0.5'
    comp = parse_spec(text).components[0]
    assert comp.options == {"fallback": 'judge(base_url=http://127.0.0.1:8000/v1,model="a,b")',
                            "last_number_fallback": "true"}
    assert parse_spec(str(comp)).components[0].options == comp.options


@pytest.mark.parametrize("spec, message", [
    ("math(fallback=mth)", "Did you mean 'math'"),                     # unknown fallback
    ("math(fallback=repetition+length)", "one reward without a weight"),  # two rewards
    ("math(fallback=repetition(nn=1))", "no option 'nn'"),              # bad fallback option
    ("math(fallback=judge(model=m)", "missing '\\)'"),                  # unbalanced
])
def test_bad_fallbacks_are_usage_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        load_reward(spec)
