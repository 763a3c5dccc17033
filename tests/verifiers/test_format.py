"""Table-driven tests of the format verifier: one row per case, a comment saying why."""
from __future__ import annotations

import time

import pytest

from rewardsmith.verifiers.format import FormatRules, boxed_contents, prompt_opens_think, verify_format

BOXED = FormatRules()  # the default: think optional, exactly one \boxed{}
THINK = FormatRules(think="required")
R1 = FormatRules(think="required", answer="tag")
TAG = FormatRules(answer="tag")
ANY = FormatRules(answer="any")
NO_THINK = FormatRules(think="forbidden")
OPENED = FormatRules(think_opened="yes")
CLOSED = FormatRules(think_opened="no")
R1_OPENED = FormatRules(think="required", answer="tag", think_opened="yes")

# (rules, prompt, completion, well-formed?)
CASES = [
    # --- default style: the answer the default grpo-train prompt asks for --------------------------
    (BOXED, None, r"Step 1: 2+2=4. The answer is \boxed{4}.", True),  # plain step-by-step + one box
    (BOXED, None, r"\boxed{4}", True),  # just the box
    (BOXED, None, r"\boxed {4}", True),  # LaTeX allows a space before the argument
    (BOXED, None, r"so \boxed{\frac{1}{2}}", True),  # nested braces inside the box
    (BOXED, None, r"\fbox{7}", True),  # \fbox is the same final-answer marker
    (BOXED, None, r"the set \boxed{\{1,2\}}", True),  # escaped braces do not unbalance the box
    (BOXED, None, "The answer is 4.", False),  # no final answer marker at all
    (BOXED, None, r"\boxed{4} or maybe \boxed{5}", False),  # two answers: hedging
    (BOXED, None, r"\boxed{4} ... so \boxed{4}", False),  # exactly one, even if repeated equal
    (BOXED, None, r"\boxed{}", False),  # empty box
    (BOXED, None, r"\boxed{   }", False),  # whitespace-only box
    (BOXED, None, r"\boxed{4", False),  # unbalanced box
    (BOXED, None, r"\boxed 4", False),  # box without a braced argument
    (BOXED, None, "", False),  # empty completion
    (BOXED, None, r"<think>2+2=4</think> so \boxed{4}", True),  # optional think, well-formed
    (BOXED, None, "<think>\n  sum it \n</think>\n\n\\boxed{4}", True),  # newlines around tags
    (BOXED, None, r"<think> </think> \boxed{4}", False),  # empty think tags score 0
    (BOXED, None, r"<think></think>\boxed{4}", False),  # empty think tags, no space
    (BOXED, None, r"<think>try \boxed{3}</think> \boxed{4}", True),  # boxes while thinking do not count
    (BOXED, None, r"<think>only \boxed{4} here</think> done", False),  # answer only inside thinking
    (BOXED, None, r"<think>a</think><think>b</think>\boxed{4}", False),  # two think blocks
    (BOXED, None, r"<think><think>a</think></think>\boxed{4}", False),  # nested think tags
    (BOXED, None, r"<think>unfinished \boxed{4}", False),  # think never closed
    (BOXED, None, r"Hi <think>a</think>\boxed{4}", False),  # text before <think>
    (BOXED, None, r"<THINK>a</THINK>\boxed{4}<think>", False),  # any tag spelling counts as a tag
    (BOXED, None, r"<answer>\boxed{4}</answer>", True),  # answer tags around the one box are fine
    (BOXED, None, r"<answer>5</answer> \boxed{4}", False),  # a tag answer and a box: two answers
    (BOXED, None, r"<answer>4</answer>", False),  # boxed style needs the box
    # --- think required ----------------------------------------------------------------------------
    (THINK, None, r"<think>4 it is</think>\boxed{4}", True),  # the reasoning-model shape
    (THINK, None, r"\boxed{4}", False),  # no think block
    (THINK, None, r"<think>4 it is</think>", False),  # think but no answer
    (THINK, None, r"<think>x</think> </think> \boxed{4}", False),  # a stray closing tag
    # --- template already opened <think> ------------------------------------------------------------
    (THINK, "<|im_start|>assistant\n<think>\n", r"2+2=4</think>\boxed{4}", True),  # auto: prompt ends in <think>
    (THINK, "<|im_start|>assistant\n<think>\n", r"<think>2+2</think>\boxed{4}", False),  # re-opened
    (THINK, "<|im_start|>assistant\n<think>\n", r"   </think>\boxed{4}", False),  # empty reasoning
    (THINK, "<|im_start|>assistant\n<think>\n", r"2+2=4 \boxed{4}", False),  # never closed
    (THINK, "Solve 2+2.", r"2+2=4</think>\boxed{4}", False),  # prompt did not open it: stray close
    (THINK, None, r"2+2=4</think>\boxed{4}", True),  # auto, no prompt: judged from the completion
    (THINK, [{"role": "user", "content": "hi"}], r"2+2</think>\boxed{4}", True),  # chat prompt: same
    (OPENED, None, r"2+2=4</think>\boxed{4}", True),  # told explicitly
    (OPENED, None, r"\boxed{4}", False),  # opened but never closed
    (CLOSED, None, r"2+2=4</think>\boxed{4}", False),  # told it was not opened
    (BOXED, "Q <think></think>", r"\boxed{4}", True),  # prompt closed its own block: not opened
    # --- answer tags -------------------------------------------------------------------------------
    (R1, None, "<think>add</think>\n<answer>4</answer>", True),  # DeepSeek-R1 format
    (R1, None, r"<think>add</think><answer>\boxed{4}</answer>", True),  # a box inside the tag
    (R1, None, "<think>add</think><answer> </answer>", False),  # empty answer tag
    (R1, None, "<think>add</think><answer>4</answer> trailing", False),  # text after </answer>
    (R1, None, "<think>add</think><answer>4</answer><answer>5</answer>", False),  # two answers
    (R1, None, "<think>add</think><answer>4", False),  # unclosed answer tag
    (R1, None, r"<think>add</think> \boxed{5} <answer>4</answer>", False),  # box outside the tag
    (R1, None, r"<think>a</think><answer>\boxed{4} \boxed{5}</answer>", False),  # two boxes inside
    (R1, None, "<answer>4</answer>", False),  # think required
    (R1_OPENED, None, "add</think><answer>4</answer>", True),  # R1 with the template's <think>
    (TAG, None, "<answer>4</answer>", True),  # tag style, think optional
    (TAG, None, r"\boxed{4}", False),  # tag style needs the tag
    # --- either marker ------------------------------------------------------------------------------
    (ANY, None, r"\boxed{4}", True),  # a box
    (ANY, None, "<answer>4</answer>", True),  # or a tag
    (ANY, None, r"<answer>4</answer>\boxed{4}", False),  # not a tag followed by more
    # --- think tags in any spelling (issue 15, class 9): one reading shared with math ---------------
    (BOXED, None, r"<THINK>2+2=4</THINK> \boxed{4}", True),  # upper case, well-formed
    (BOXED, None, r"<think >2+2=4</ think > \boxed{4}", True),  # spaces inside the brackets
    (BOXED, None, r"<THINK>unfinished \boxed{4}", False),  # an unfinished upper-case block
    (BOXED, None, r"<think>a</think><Think>b</Think>\boxed{4}", False),  # a second block, title case
    (BOXED, None, "<think>a</think><th\u200bink>b</think>\\boxed{4}", False),  # zero-width in the tag
    (BOXED, None, "<think>a</think>\uff1cthink\uff1eb\\boxed{4}", False),  # fullwidth brackets
    (BOXED, None, r"<think>a</think><thinking>b</thinking>\boxed{4}", False),  # <thinking> is a tag
    (THINK, "assistant\n<THINK>\n", r"2+2=4</think>\boxed{4}", True),  # template opened, upper case
    (THINK, "assistant\n< think >", r"2+2=4 \boxed{4}", False),  # opened, truncated: never closed
    # --- blank-looking thoughts and answers (issue 15, class 11) -------------------------------------
    (BOXED, None, "\\boxed{\u200b}", False),  # zero-width space
    (BOXED, None, "\\boxed{\u00ad}", False),  # soft hyphen
    (BOXED, None, "\\boxed{\u2800}", False),  # Braille blank
    (BOXED, None, "\\boxed{\u3164\ufeff\u2060}", False),  # Hangul filler, BOM, word joiner
    (BOXED, None, "\\boxed{\U000e0041\U000e0042}", False),  # tag characters
    (BOXED, None, "\\boxed{\u0301}", False),  # a lone combining mark
    (BOXED, None, r"\boxed{\phantom{42}}", False),  # reserves the room of 42, shows nothing
    (BOXED, None, r"\boxed{\hphantom{\frac{1}{2}}\vphantom{x}}", False),  # nested phantoms
    (BOXED, None, r"\boxed{\quad}", False),  # LaTeX spacing
    (BOXED, None, r"\boxed{\,\;\!\qquad\hspace{1em}~}", False),  # more spacing
    (BOXED, None, r"\boxed{{}}", False),  # an empty group
    (BOXED, None, r"\boxed{\text{ }\mathrm{}}", False),  # wrappers around nothing
    (BOXED, None, r"\boxed{\color{red}}", False),  # a colour name shows nothing
    (BOXED, None, r"\boxed{\text{4}}", True),  # a wrapper around an answer is fine
    (BOXED, None, r"\boxed{\pi}", True),  # a symbol command is visible
    (BOXED, None, r"\boxed{x\quad y}", True),  # spacing between visible parts
    (BOXED, None, r"\boxed{\phantom{1}2}", True),  # a phantom next to an answer
    (BOXED, None, "<think>\u200b\u200b</think>\\boxed{4}", False),  # zero-width thought
    (BOXED, None, "<think>\u2800\u00ad</think>\\boxed{4}", False),  # Braille blank, soft hyphen
    (BOXED, None, r"<think>{}</think>\boxed{4}", False),  # braces only
    (BOXED, None, r"<think>\phantom{2+2=4}</think>\boxed{4}", False),  # reasoning in a phantom
    (BOXED, None, r"<think>\quad $ $</think>\boxed{4}", False),  # spacing and empty math
    (BOXED, None, r"<think>&nbsp;&#8203;&zwnj;</think>\boxed{4}", False),  # HTML entities of blanks
    (BOXED, None, r"<think><!-- 2+2=4 --></think>\boxed{4}", False),  # an HTML comment shows nothing
    (BOXED, None, r"\boxed{&nbsp;}", False),
    (BOXED, None, r"<think>a &lt; b</think>\boxed{4}", True),  # a visible entity
    (R1, None, "<think>add</think><answer>\u200b</answer>", False),  # zero-width tag answer
    (R1, None, r"<think>add</think><answer>\phantom{4}</answer>", False),  # phantom tag answer
    (R1, None, r"<think>add</think><answer>\boxed{\quad}</answer>", False),  # blank box in the tag
    # --- every box-like command is an answer (issue 15, class 11) ------------------------------------
    (BOXED, None, r"\boxed{4} or \framebox{5}", False),  # a second answer in \framebox
    (BOXED, None, r"\boxed{4} \framebox[2cm][c]{5}", False),  # ... with options
    (BOXED, None, r"\boxed{4} \colorbox{yellow}{5}", False),  # a highlighted second answer
    (BOXED, None, r"\fcolorbox{red}{white}{5} \boxed{4}", False),
    (BOXED, None, r"\boxed{4} \ovalbox{5}", False),  # fancybox
    (BOXED, None, r"\boxed{4} \enclose{box}{5}", False),  # MathJax
    (BOXED, None, r"\boxed{4} \bbox[border:1px solid]{5}", False),  # MathJax
    (BOXED, None, r"\boxed{4} \tcbox{5}", False),  # tcolorbox
    (BOXED, None, r"\boxed{4} \begin{framed}5\end{framed}", False),  # a framed environment
    (BOXED, None, r"\begin{tcolorbox}5\end{tcolorbox} \boxed{4}", False),  # tcolorbox
    (BOXED, None, r"\boxed{4} \Aboxed{x &= 5}", False),  # mathtools' aligned box
    (BOXED, None, r"\begin{framed}4\end{framed}", True),  # one answer, framed
    (R1, None, r"<think>a</think> \begin{framed}5\end{framed} <answer>4</answer>", False),
    (BOXED, None, r"\framebox{4}", True),  # one answer, in another kind of box
    (BOXED, None, r"\colorbox{yellow}{4}", True),
    (BOXED, None, r"\colorbox{yellow}{\quad}", False),  # a highlighted blank
    (BOXED, None, r"\boxed{4} with \fboxsep set", True),  # \fboxsep is a length, not a box
    (R1, None, r"<think>a</think> \framebox{5} <answer>4</answer>", False),  # box outside the tag
    # --- think forbidden ----------------------------------------------------------------------------
    (NO_THINK, None, r"\boxed{4}", True),  # plain answer
    (NO_THINK, None, r"<think>a</think>\boxed{4}", False),  # thinking is not wanted here
]


@pytest.mark.parametrize("rules,prompt,completion,expected", CASES)
def test_format_table(rules, prompt, completion, expected):
    verdict = verify_format(completion, rules, prompt=prompt)
    assert verdict.correct is expected, verdict.details["reason"]
    assert verdict.score == float(expected)
    assert (verdict.details["reason"] == "ok") is expected


def test_details_name_the_answer_and_the_problem():
    ok = verify_format(r"<think>x</think> so \boxed{ 4 }")
    assert ok.details == {"reason": "ok", "think": True, "answer": "4"}
    bad = verify_format(r"\boxed{1} \boxed{2}")
    assert "found 2" in bad.details["reason"] and bad.details["answer"] is None


def test_contradictory_rules_are_refused():
    with pytest.raises(ValueError, match="think=forbidden"):
        FormatRules(think="forbidden", think_opened="yes")


@pytest.mark.parametrize("prompt,expected", [
    ("...assistant\n<think>\n", True),  # template opened the block
    ("...<think>\n</think>\n", False),  # template opened and closed it (thinking disabled)
    ("Solve it.", False),  # no think tag at all
    ("", None),  # nothing to judge from
    ([{"role": "user", "content": "<think>"}], None),  # chat messages: template not applied yet
])
def test_prompt_opens_think(prompt, expected):
    assert prompt_opens_think(prompt) is expected


def test_boxed_contents_marks_malformed_boxes():
    assert boxed_contents(r"\boxed{a} \boxed b \boxed{c{d}}") == ["a", None, "c{d}"]


@pytest.mark.parametrize("completion,expected", [
    ("\\boxed{" * 200_000, False),  # every box unclosed: must not rescan the text per box
    ("<think>a" + "{" * 500_000 + "</think>" + "\\boxed{x}", True),  # braces only while thinking
    ("<think>" + "{}" * 250_000 + "</think>" + "\\boxed{x}", False),  # ...and nothing visible
    ("\\boxed{x}" + "{" * 500_000, True),  # a megabyte of unclosed braces after the answer
    ("<think>" * 100_000, False),  # a flood of tags
    (("<" + " " * 63) * 15_000 + "\\boxed{x}", True),  # brackets and spaces: almost a tag, each
    (("<think" + " " * 100 + "x") * 9_000 + "\\boxed{x}", True),  # a tag name, never closed
    ("<think>" + "\\phantom{" * 100_000 + "</think>\\boxed{x}", False),  # unclosed phantoms
    ("\\colorbox{" * 150_000, False),  # box commands without content
])
def test_hostile_completions_stay_linear(completion, expected):
    start = time.perf_counter()
    verdict = verify_format(completion)
    assert verdict.correct is expected
    assert time.perf_counter() - start < 2.0
