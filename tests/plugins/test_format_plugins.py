"""The format, length and repetition rewards, loaded through their entry points like any plugin."""
from __future__ import annotations

import pytest

from rewardkit import load_reward
from rewardkit.core.errors import UsageError
from rewardkit.core.plugin_manager import get_plugin_manager, reset_plugin_manager
from rewardkit.plugins.length import measure


@pytest.fixture(autouse=True)
def _fresh_manager():
    reset_plugin_manager()
    yield
    reset_plugin_manager()


def test_builtins_come_from_entry_points():
    pm = get_plugin_manager()
    for name in ("format", "length", "repetition"):
        entry = pm.registry.entries[name]
        assert (entry.plugin, entry.dist, entry.status) == (name, "rewardkit", "available")
        assert pm.records[name].status == "ok"


# --- format -----------------------------------------------------------------------------------
def test_format_default_rewards_the_default_prompt_style():
    r = load_reward("format")
    got = r.score(None, [
        r"Let's think step by step. 3*4 = 12. \boxed{12}",  # what the default prompt asks for
        [{"role": "assistant", "content": r"<think>3*4</think> \boxed{12}"}],  # chat messages
        "It is 12.",  # no box
        r"\boxed{12} \boxed{13}",  # hedging
    ])
    assert got.components["format"] == [1.0, 1.0, 0.0, 0.0]
    assert got.details["format"][0]["answer"] == "12"
    assert "found 2" in got.details["format"][3]["reason"]


def test_format_options_from_the_spec():
    r1 = load_reward("format(think=required,answer=tag)")
    prompts = ["<|im_start|>assistant\n<think>\n", "plain prompt"]
    completions = ["sum</think><answer>12</answer>", "<think>sum</think><answer>12</answer>"]
    assert r1.score(prompts, completions).rewards == [1.0, 1.0]
    # the same completions with the template's opening forced off: the first re-closes nothing
    r2 = load_reward("format(think=required,answer=tag,think_opened=no)")
    assert r2.score(prompts, completions).rewards == [0.0, 1.0]


@pytest.mark.parametrize("spec,message", [
    ("format(style=think)", "has no option 'style'"),  # unknown option
    ("format(answer=box)", "expected one of boxed, tag, any"),  # bad choice
    ("format(think=forbidden,think_opened=yes)", "think=forbidden can never pass"),  # contradiction
])
def test_format_bad_options_are_usage_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        load_reward(spec)


# --- length -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n,expected", [
    (0, 0.0),  # empty
    (6, 0.0),  # at the start of the ramp: L - C = 6
    (7, -0.25),  # one unit into the 4-wide ramp
    (9, -0.75),
    (10, -1.0),  # exactly L: bottom of the ramp
    (11, -1.0),  # past L
    (5000, -1.0),  # far past L
])
def test_length_dapo_ramp_in_tokens(n, expected):
    r = load_reward("length(max_length=10,cache_length=4)")
    assert r.score(None, [" ".join(["w"] * n)]).rewards == [pytest.approx(expected)]


@pytest.mark.parametrize("completion,tokens", [
    ("Hello, world!", 4),  # words and symbol runs
    ("x" * 400, 100),  # one long "word": characters / 4
    (" \n" * 400, 200),  # whitespace padding still counts (characters / 4)
    ("\u200b".join(["go"] * 100), 199),  # zero-width spaces are symbols, not separators
    ("答案是四十二", 6),  # one piece per CJK character
])
def test_length_token_estimate_resists_padding(completion, tokens):
    assert measure(completion, "tokens") == tokens


def test_length_in_chars_and_hard_cut():
    chars = load_reward("length(max_length=10,cache_length=4,unit=chars)")
    assert chars.score(None, ["a" * 8, "a b c d e", "a b c"]).rewards == [pytest.approx(-0.5), pytest.approx(-0.75), 0.0]
    hard = load_reward("length(max_length=3,cache_length=0)")
    assert hard.score(None, ["a b c", "a b c d"]).rewards == [0.0, -1.0]


@pytest.mark.parametrize("spec", [
    "length(max_length=0)",  # nothing fits
    "length(max_length=10,cache_length=11)",  # ramp longer than the limit
    "length(unit=bytes)",  # unknown unit
])
def test_length_bad_options(spec):
    with pytest.raises(UsageError):
        load_reward(spec)


# --- repetition -------------------------------------------------------------------------------
def test_repetition_penalises_loops_not_fresh_text():
    r = load_reward("repetition")
    fresh = "First add the tens, then the units, and finally carry the one."
    loop = "I will check again. " * 50
    got = r.score(None, [fresh, loop, "", "two words"]).rewards
    assert got[0] == 0.0 and got[2] == 0.0 and got[3] == 0.0
    assert -1.0 <= got[1] < -0.9  # almost every 3-gram repeats an earlier one


@pytest.mark.parametrize("completion", [
    "ha" * 3000,  # a loop inside one long "word"
    "=-" * 3000,  # a loop of symbols, no word characters
    "= - " * 3000,  # the same, spaced
])
def test_repetition_sees_loops_without_words(completion):
    assert load_reward("repetition").score(None, [completion]).rewards[0] < -0.9


def test_repetition_ignores_case_and_punctuation_and_honours_n():
    r3 = load_reward("repetition(n=3)")
    r5 = load_reward("repetition(n=5)")
    text = "The cat sat; the CAT sat, the cat sat!"  # 9 words, a 3-word loop
    assert r3.score(None, [text]).rewards == [pytest.approx(-4 / 7)]
    assert r5.score(None, [text]).rewards == [pytest.approx(-2 / 5)]


def test_repetition_min_words():
    r = load_reward("repetition(min_words=20)")
    assert r.score(None, ["go go go go go go"]).rewards == [0.0]
    assert load_reward("repetition").score(None, ["go go go go go go"]).rewards == [-0.75]


def test_composed_with_weights():
    r = load_reward("format:1+length(max_length=12,cache_length=4):0.5+repetition:0.5")
    # token estimate: "so", "\\", "boxed", "{", "4", "}" = 6; the second has 10 (ramp: -0.5)
    got = r.score(None, [r"so \boxed{4}", r"so so so so so \boxed{4}"])
    assert got.components == {"format": [1.0, 1.0], "length": [0.0, -0.5],
                              "repetition": [0.0, pytest.approx(-0.4)]}  # 2 of 5 windows repeat
    assert got.rewards == [1.0, pytest.approx(1.0 - 0.25 - 0.2)]
