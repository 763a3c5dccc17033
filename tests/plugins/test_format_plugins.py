"""The format, length and repetition rewards, loaded through their entry points like any plugin."""
from __future__ import annotations

import pytest

from rewardsmith import load_reward
from rewardsmith.core.errors import UsageError
from rewardsmith.core.plugin_manager import get_plugin_manager, reset_plugin_manager
from rewardsmith.plugins.length import measure


@pytest.fixture(autouse=True)
def _fresh_manager():
    reset_plugin_manager()
    yield
    reset_plugin_manager()


def test_builtins_come_from_entry_points():
    pm = get_plugin_manager()
    for name in ("format", "length", "repetition"):
        entry = pm.registry.entries[name]
        assert (entry.plugin, entry.dist, entry.status) == (name, "rewardsmith", "available")
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
    ("\u200b".join(["go"] * 100), 100 + 99 * 3),  # zero-width spaces: 3 UTF-8 bytes each
    ("答案是四十二", 18),  # CJK: 3 bytes each (byte-fallback tokenizers may need all three)
    ("12345678", 8),  # digits one by one, as Llama and Qwen tokenizers split them
])
def test_length_token_estimate_resists_padding(completion, tokens):
    assert measure(completion, "tokens") == tokens


# Text that is short in characters but long in tokens (issue 15, class 12).
HIDDEN_LENGTH = [
    pytest.param("\U0001F600" * 2000, id="emoji"),
    pytest.param("\U0001F468\u200d\U0001F469\u200d\U0001F467\U0001F3FD" * 500, id="emoji-zwj-skin-tone"),
    pytest.param("\u2764\ufe0f" * 2000, id="emoji-variation-selector"),
    pytest.param("\U000E0041\U000E0042" * 1500, id="tag-characters"),
    pytest.param("e" + "\u0301\u0308\u0323" * 1000, id="combining-marks"),
    pytest.param("".join(chr(0x1D400 + i % 52) for i in range(3000)), id="math-alphanumerics"),
    pytest.param("\u2800" * 3000, id="braille-blank"),
    pytest.param("\U00013000" * 3000, id="egyptian-hieroglyphs"),
    pytest.param("x\u200b" * 2000, id="zero-width-between-letters"),
]


@pytest.fixture(scope="module")
def byte_tokenizer(tmp_path_factory):
    """A byte-level BPE tokenizer (GPT-2 style) trained here on a corpus where every character
    of the attack texts occurs on its own, so it has a whole-character token for each (as a real
    tokenizer has for common emoji): the best case for the attacker."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    chars = sorted({ch for p in HIDDEN_LENGTH for ch in p.values[0]})
    corpus = [" ".join(chars)] * 50 + ["Hello, world! The answer is 42."] * 20
    core.train_from_iterator(corpus, trainer)
    path = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endoftext|>").save_pretrained(path)
    return str(path)


@pytest.mark.parametrize("text", HIDDEN_LENGTH)
def test_length_estimate_never_undercounts_hidden_length(text, byte_tokenizer):
    from rewardsmith.plugins.length import load_tokenizer
    real = measure(text, "tokens", load_tokenizer(byte_tokenizer))
    assert measure(text, "tokens") >= real > 1024  # past the default limit, in real tokens
    assert measure(text, "tokens") >= len(text.encode("utf-8")) - sum(c.isascii() for c in text)
    assert load_reward("length").score(None, [text]).rewards == [-1.0]  # defaults: L=1024


def test_length_counts_with_the_policy_tokenizer(byte_tokenizer):
    r = load_reward(f"length(tokenizer={byte_tokenizer},max_length=1000,cache_length=200)")
    got = r.score(None, ["\U0001F600" * 2000, "The answer is 42."])
    assert got.rewards == [-1.0, 0.0]
    details = got.details["length"]
    assert details[0]["counted_by"] == "tokenizer" and details[0]["length"] > 1000
    assert details[1]["length"] == len(load_tokenizer_ids(byte_tokenizer, "The answer is 42."))


def load_tokenizer_ids(path, text):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(path)(text, add_special_tokens=False)["input_ids"]


def test_length_prefers_the_completions_own_token_ids():
    r = load_reward("length(max_length=10,cache_length=4)")
    got = r.score(None, ["short", "short"], {"completion_ids": [[1] * 3, [1] * 12]})
    assert got.rewards == [0.0, -1.0]  # the ids, not the text, decide
    assert got.details["length"][1] == {"length": 12, "unit": "tokens", "counted_by": "ids"}


@pytest.mark.parametrize("spec,message", [
    ("length(tokenizer=/nonexistent/tokenizer)", "cannot load the tokenizer"),
    ("length(tokenizer=x,unit=chars)", "drop one of them"),
])
def test_length_tokenizer_mistakes_are_usage_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        load_reward(spec)


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
