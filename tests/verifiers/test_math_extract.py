"""Answer extraction and cleaning: tables of (input, expected), one comment per row."""
from __future__ import annotations

import pytest

from rewardsmith.verifiers.math.extract import boxed_contents, extract_answer
from rewardsmith.verifiers.math.normalize import canonical, latex_clean, plain, prepare_gold

EXTRACT = [
    # text, fallback, expected answers, method
    (r"so \boxed{\frac{1}{2}}", False, (r"\frac{1}{2}",), "boxed"),  # nested braces
    (r"\boxed{2} then \boxed{3}", False, ("2", "3"), "boxed"),  # every box is returned
    (r"\boxed{3} and again \boxed{ 3 }", False, ("3",), "boxed"),  # duplicates collapse
    (r"\boxed{\boxed{3}}", False, ("3",), "boxed"),  # a box around a box is one answer
    (r"\fbox{7}", False, ("7",), "boxed"),  # fbox
    (r"\boxed{\{1,2\}}", False, (r"\{1,2\}",), "boxed"),  # escaped braces are not groups
    (r"\boxed{3", False, (), "none"),  # unclosed box: no answer
    (r"\boxed{}", False, (), "none"),  # empty box
    ("reasoning\n#### 1,234", False, ("1,234",), "gsm8k"),  # GSM8K marker
    ("#### 5\n#### 6", False, ("5", "6"), "gsm8k"),  # two markers: both kept (hedge)
    (r"\boxed{5}" + "\n#### 6", False, ("5", "6"), "boxed"),  # box and #### together
    ("The final answer is $x^2$. I hope it is correct.", False, ("x^2",), "phrase"),  # Minerva
    ("The answer is 18 dollars.", False, ("18 dollars",), "phrase"),  # sentence period
    ("The answer is 3.5.", False, ("3.5",), "phrase"),  # a decimal point is not a period
    ("**Final Answer:** 42", False, ("42",), "phrase"),  # markdown
    ("Answer: (C)", False, ("(C)",), "phrase"),  # answer label at line start
    ("the answer is 5, since 2+3=5", False, ("5",), "phrase"),  # cut at ", since"
    ("the answer is $12 per hour", False, ("$12 per hour",), "phrase"),  # lone currency $
    (r"The answer is \boxed{4", False, (), "none"),  # phrase holding a broken box
    ("it is 3 or 4", False, (), "none"),  # no marker
    (r"\boxed{200} then \boxed{255}. Final Answer: The final answer is $10,455$.", False,
     ("10,455",), "phrase"),  # the final-answer statement after the boxes wins
    (r"\boxed{18}. Check: the answer is consistent with the data.", False, ("18",),
     "boxed"),  # a later statement with no mathematics does not replace the box
    ("Final Answer: Jane started growing Sphere 3 hours ago.", False, ("3 hours ago",),
     "phrase"),  # the expression a sentence introduces: from its one number on
    ("Final Answer: The largest $n$ is 34.", False, ("34",), "phrase"),  # what follows "is"
    ("Final Answer: Bob needs 5 more coins than Alice, who has 7.", False,
     ("Bob needs 5 more coins than Alice, who has 7",), "phrase"),  # two numbers: kept whole
    (r"\boxed{Therefore $x \geq 5$ is the solution.}", False, (r"x \geq 5",),
     "boxed"),  # the math inside a box that holds a sentence
    ("it is 3 or 4", True, ("4",), "last_number"),  # fallback: last number only
    ("total 1,250.5 units.", True, ("1,250.5",), "last_number"),  # commas and decimals
    (r"<think>\boxed{1}</think> so \boxed{2}", False, ("2",), "boxed"),  # after </think> wins
    (r"<think>\boxed{1}</think> no marker after", False, (), "none"),  # thinking is not final
    (r"<think>so \boxed{1} but let me check", False, (), "none"),  # unfinished thinking
    (r"\boxed{2} <think>hmm \boxed{1}", False, ("2",), "boxed"),  # before an unclosed think
    ("<think>6*7</think><answer>42</answer>", False, ("42",), "tag"),  # R1 answer tag
    (r"<answer>so \boxed{42}</answer>", False, ("42",), "tag"),  # a box inside the tag
    ("<answer>The answer is 7.</answer>", False, ("7",), "tag"),  # a phrase inside the tag
    ("<answer>4</answer><answer>5</answer>", False, ("4", "5"), "tag"),  # two tags: hedge
    ("<answer>42", False, (), "none"),  # unclosed tag
]


@pytest.mark.parametrize("text,fallback,answers,method", EXTRACT)
def test_extract(text, fallback, answers, method):
    got = extract_answer(text, last_number_fallback=fallback)
    assert (got.answers, got.method) == (answers, method)


def test_boxed_scan_is_linear_on_hostile_nesting():
    text = r"\boxed{" * 20000 + "1" + "}" * 20000
    assert boxed_contents(text) == ["1"]


CLEAN = [
    # raw, latex_clean, plain
    (r"$\$10,\!080.$", "10080", "10080"),  # delimiters, currency, separator, period
    (r"\left( 3, \dfrac{\pi}{2} \right)", r"( 3, \frac{\pi}{2} )", r"( 3, \frac{\pi}{2} )"),
    (r"90^\circ", "90", "90"),  # degrees
    (r"5.4 \text{ cents}", r"5.4 \text{ cents}", "5.4 cents"),  # text unwrapped in plain only
    (r"\textbf{(C)}", r"\textbf{(C)}", "(C)"),
    (r"1\,000\,000", "1000000", "1000000"),  # thin-space separators
    (r"11,\! 111,\! 111", "11111111", "11111111"),
    (r"-2, 1", "-2, 1", "-2, 1"),  # a list keeps its comma
    ("\u22123 \u00d7 2", r"-3 \times 2", r"-3 \times 2"),  # unicode minus and times
]


@pytest.mark.parametrize("raw,clean,flat", CLEAN)
def test_cleaning(raw, clean, flat):
    assert (latex_clean(raw), plain(raw)) == (clean, flat)


def test_canonical_spellings():
    assert canonical(r"\frac43") == canonical(r"\frac{4}{3}")
    assert canonical(r"\sqrt2 x^2") == canonical(r"\sqrt{2}x^{2}")
    assert canonical(r"\left(x+1\right)") == canonical("x+1")
    assert canonical("(1,2)") != canonical("1,2")  # a tuple is not a list
    assert canonical("(a+5)(b+2)") != canonical("a+5)(b+2")


GOLDS = [
    # gold, number, letter, word, single
    ("Janet ...\n#### 1,072", 1072, None, None, True),  # GSM8K reference answer
    (r"\text{(C)}", None, "C", None, True),
    (r"\text{Evelyn}", None, None, "evelyn", True),
    (r"\frac{270}7\text{ degrees}", None, None, None, True),  # a value with a unit
    ("1,-2", None, None, None, False),  # a list is not single
    (r"1 \pm \sqrt{19}", None, None, None, False),
    ("(3,4]", None, None, None, False),
    (r"The solution ... \boxed{\frac{3}{4}}", 0.75, None, None, True),  # a solution as gold
]


@pytest.mark.parametrize("gold,number,letter,word,single", GOLDS)
def test_prepare_gold(gold, number, letter, word, single):
    g = prepare_gold(gold)
    got_number = None if g.number is None else float(g.number.value)
    if "degrees" in gold:
        number = 270 / 7
    assert (got_number, g.letter, g.word, g.single) == (number, letter, word, single)
