"""Hostile completions: huge, deeply nested or expensive answers return quickly with no credit."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from rewardsmith.verifiers.math import MathConfig, verify_math, verify_math_batch

MEGA = 1_000_000

ATTACKS = [
    pytest.param("\\boxed{" + "1" * MEGA + "}", "answer too long", id="megabyte-number"),
    pytest.param("\\boxed{" + "x+" * (MEGA // 2) + "1}", "answer too long",
                 id="megabyte-expression"),
    pytest.param("".join(f"\\boxed{{{i}}}" for i in range(100_000)),
                 "hedged: over 64 different final answers", id="hundred-thousand-boxes"),
    pytest.param("word " * (MEGA // 5), "no final answer found", id="megabyte-prose"),
    pytest.param("{" * MEGA + "\\boxed{3", "no final answer found",
                 id="megabyte-unbalanced-braces"),
    pytest.param("<answer>" * (MEGA // 8), "no final answer found",
                 id="megabyte-unclosed-answer-tags"),  # a non-greedy regex was quadratic here
    pytest.param("<THINK >" * (MEGA // 8) + "\\boxed{3}", "no final answer found",
                 id="megabyte-think-tags"),
    pytest.param("The answer is " + "9^{" * 200 + "9" + "}" * 200, "refused: exponent tower",
                 id="deep-tower"),
    pytest.param("\\boxed{" + "(" * 450 + "1" + ")" * 450 + "}", "refused: nesting too deep",
                 id="deep-parentheses"),
    pytest.param("\\boxed{" + "\\frac{1}{" * 90 + "2" + "}" * 91, "refused: nesting too deep",
                 id="deep-fractions"),
]


@pytest.mark.parametrize("completion,reason", ATTACKS)
def test_attack_is_fast_and_earns_nothing(completion, reason):
    t0 = time.perf_counter()
    verdict = verify_math("3", completion, timeout=2.0)
    took = time.perf_counter() - t0
    assert not verdict.ok and verdict.error is None
    assert verdict.details["reason"].startswith(reason.split(":")[0]), verdict.details
    assert took < 4.0, f"{took:.1f}s"


def test_an_expensive_answer_the_guards_miss_times_out_as_wrong():
    # binomial(10^9, 10^8) has ~10^8 digits: sympy grinds until the pool kills the worker
    completions = ["\\boxed{\\binom{10^{9}}{10^{8}}}", "\\boxed{3}"]
    t0 = time.perf_counter()
    slow, fine = verify_math_batch(["3", "3"], completions, MathConfig(timeout=1.0))
    assert time.perf_counter() - t0 < 15
    assert slow.correct is False and slow.details["reason"] == "no credit: timeout after 1s"
    assert fine.ok  # the batch goes on after the kill
    errored = verify_math("3", completions[0], timeout=1.0, on_timeout="error")
    assert errored.correct is None and errored.error == "timeout after 1s"


def test_fast_path_never_imports_sympy():
    code = ("import sys\n"
            "from rewardsmith.verifiers.math import verify_math\n"
            "assert verify_math('1,000', 'The final answer is $1{,}000$.').ok\n"
            "assert verify_math(r'\\frac{1}{3}', r'\\boxed{0.\\overline{3}}').ok\n"
            "assert verify_math(r'\\text{(C)}', 'The answer is (C).').ok\n"
            "assert not verify_math('72', 'The answer is 72 or 73.').ok\n"
            "assert 'sympy' not in sys.modules and 'math_verify' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- answers hidden in thinking (issue 15, class 9) -------------------------------------------
QWEN_PROMPT = "<|im_start|>user\nHow many rolls?<|im_end|>\n<|im_start|>assistant\n<think>\n"

IN_THINKING = [
    # (prompt, completion): the gold 72 appears only inside thinking
    pytest.param(None, r"<THINK>48 + 24 = \boxed{72} but let me check", id="upper-case-unfinished"),
    pytest.param(None, r"<Think>so \boxed{72}, wait", id="title-case-unfinished"),
    pytest.param(None, r"<think >48 + 24 = \boxed{72} but", id="space-before-bracket"),
    pytest.param(None, r"< think>\boxed{72} hmm", id="space-after-bracket"),
    pytest.param(None, "<think\n>\\boxed{72} hmm", id="newline-inside-tag"),
    pytest.param(None, "<th\u200bink>\\boxed{72} hmm", id="zero-width-inside-tag"),
    pytest.param(None, "\uff1cthink\uff1e\\boxed{72} hmm", id="fullwidth-brackets"),
    pytest.param(None, r"<thinking>\boxed{72} and then", id="thinking-tag"),
    pytest.param(None, r'<think mode="deep">\boxed{72} and', id="tag-with-attribute"),
    pytest.param(None, r"<THINK>\boxed{72}</THINK> so the answer is \boxed{70}",
                 id="upper-case-closed-then-wrong"),
    pytest.param(None, r"<think>\boxed{72}</ THINK > The answer is \boxed{70}",
                 id="spaced-close-then-wrong"),
    pytest.param(None, r"<think>a</think> \boxed{70} <THINK>actually \boxed{72}",
                 id="second-block-unfinished"),
    pytest.param(QWEN_PROMPT, r"48 + 24 = 72, so \boxed{72} but let me double-check the",
                 id="template-opened-truncated"),
    pytest.param("Q <Think >\n", r"so \boxed{72} and", id="template-opened-odd-spelling"),
    pytest.param(QWEN_PROMPT, r"\boxed{72}", id="template-opened-only-a-box"),
]


@pytest.mark.parametrize("prompt,completion", IN_THINKING)
def test_an_answer_inside_thinking_earns_nothing(prompt, completion):
    verdict = verify_math("72", completion, prompt=prompt)
    assert not verdict.ok, verdict.details


@pytest.mark.parametrize("prompt,completion", [
    (None, r"<THINK>48 + 24</THINK> The answer is \boxed{72}."),  # closed: the answer is final
    (None, r"<think >add</ think > \boxed{72}"),
    (QWEN_PROMPT, r"48 + 24 = 72</think> \boxed{72}"),  # the template's block, closed
    ("Solve it. <think></think>", r"\boxed{72}"),  # template closed its own block: all final
    ([{"role": "user", "content": "<think>"}], r"\boxed{72}"),  # chat prompt: cannot tell, final
])
def test_an_answer_after_thinking_still_counts(prompt, completion):
    assert verify_math("72", completion, prompt=prompt).ok


def test_chat_prompts_say_the_template_opened_thinking_with_an_option():
    """A chat-message prompt hides the template's <think>: ``think_opened=yes`` says it, as
    ``format(think_opened=yes)`` does, and a truncated completion then has no answer."""
    from rewardsmith.verifiers.math import MathConfig
    chat = [{"role": "user", "content": "How many rolls?"}]
    opened = MathConfig(think_opened="yes")
    assert not verify_math("72", r"48 + 24 = \boxed{72} hmm, wait", prompt=chat, config=opened).ok
    assert verify_math("72", r"48 + 24</think> \boxed{72}", prompt=chat, config=opened).ok
    assert verify_math("72", r"\boxed{72}", prompt=chat).ok  # auto: unknown, the completion decides
    assert verify_math("72", r"\boxed{72}", prompt=QWEN_PROMPT, config=MathConfig(think_opened="no")).ok


def test_math_and_format_read_thinking_the_same_way():
    """The shared reading: whatever format takes as the answer part, math reads its answer from."""
    from rewardsmith.verifiers.format import verify_format
    for prompt, completion in [(QWEN_PROMPT, r"add</THINK> \boxed{72}"),
                               (None, r"<Think>add</think > \boxed{72}")]:
        assert verify_format(completion, prompt=prompt).ok
        assert verify_math("72", completion, prompt=prompt).ok
    for prompt, completion in [(QWEN_PROMPT, r"add \boxed{72}"), (None, r"<THINK>add \boxed{72}")]:
        assert not verify_format(completion, prompt=prompt).ok
        assert not verify_math("72", completion, prompt=prompt).ok


@pytest.mark.parametrize("completion", [
    r"\boxed{72} \framebox{73}",  # a second answer in another kind of box is a hedge
    r"\boxed{72}, or \colorbox{yellow}{73}",
    r"\fcolorbox{red}{white}{73} \boxed{72}",
    r"\boxed{72} \enclose{box}{73}",
    r"\bbox[2px,border:1px solid red]{73} \boxed{72}",
    r"\boxed{72} \begin{framed}73\end{framed}",  # a framed environment
    r"\Aboxed{x &= 73} \boxed{72}",
])
def test_every_kind_of_box_is_an_answer(completion):
    verdict = verify_math("72", completion)
    assert not verdict.ok and "hedged" in verdict.details["reason"], verdict.details


# --- echoes of the question's expression, re-spelled (issue 15, class 10) -----------------------
SQUARE = "What is $(3+2)^2 - 4$?"
SIMPLIFY = r"Simplify $\frac{x^2-1}{x-1}$ for $x \neq 1$."
FACTOR = "Factor the expression ab+5b+2a+10."  # plain text, no $ delimiters
SUM = r"Compute $\frac{3}{4} + \frac{5}{6}$ and simplify."

ECHOES = [
    # (question, gold, answer): the answer is the question's expression, moved around
    pytest.param(SQUARE, "21", "-4+(2+3)^2", id="reordered-and-commuted"),
    pytest.param(SQUARE, "21", r"\left(2+3\right)^{2}-4", id="left-right-brackets"),
    pytest.param(SQUARE, "21", "{(3+2)}^2 + (-4)", id="plus-a-negative"),
    pytest.param(SQUARE, "21", "-(4-(2+3)^2)", id="sign-factored-out"),
    pytest.param(SQUARE, "21", "(3+2)**2 - 4", id="python-power"),
    pytest.param(SQUARE, "21", "[2+3]^2-4", id="square-brackets"),
    pytest.param(SIMPLIFY, "x+1", "(x^2-1)/(x-1)", id="frac-as-slash"),
    pytest.param(SIMPLIFY, "x+1", r"(x^2-1) \div (x-1)", id="frac-as-div"),
    pytest.param(SIMPLIFY, "x+1", r"\dfrac{-1+x^{2}}{-1+x}", id="dfrac-reordered"),
    pytest.param(SIMPLIFY, "x+1", r"(x^2-1) \cdot \frac{1}{x-1}", id="times-reciprocal"),
    pytest.param(SIMPLIFY, "x+1", r"-\frac{1-x^2}{x-1}", id="sign-moved-into-numerator"),
    pytest.param(FACTOR, "(a+5)(b+2)", "10+2a+5b+ab", id="plain-question-reordered"),
    pytest.param(FACTOR, "(a+5)(b+2)", r"b\cdot a+b \times 5+2a+10", id="explicit-products"),
    pytest.param(SUM, r"\frac{19}{12}", r"\frac{5}{6}+\frac{3}{4}", id="commuted-fractions"),
    pytest.param(SUM, r"\frac{19}{12}", "5/6 + 3/4", id="slash-fractions"),
    pytest.param(SIMPLIFY, "x+1", "(x^2-1)(x-1)^{-1}", id="negative-power-for-division"),
    pytest.param(SQUARE, "21", "0 + 1 \\cdot ((2+3)^{2})^1 - 4", id="identity-padding"),
    pytest.param("Simplify $\\sqrt{242}$.", "11\\sqrt2", "242^{1/2}", id="root-as-power"),
    pytest.param("What is $17 + 25$?", "42", "25+17", id="one-operation-commuted"),
    pytest.param("Compute 6 \u00d7 7.", "42", r"7 \cdot 6", id="unicode-times-question"),
]


@pytest.mark.parametrize("question,gold,answer", ECHOES)
def test_a_reordered_echo_earns_nothing(question, gold, answer):
    verdict = verify_math(gold, rf"\boxed{{{answer}}}", prompt=question)
    assert not verdict.ok, verdict.details
    assert verdict.details["reason"] == "restates an expression from the question"


@pytest.mark.parametrize("question,gold,answer", [
    (SQUARE, "21", "21"),  # the simplified value
    (SQUARE, "21", "25-4"),  # partly worked: a different tree
    (SIMPLIFY, "x+1", "1+x"),  # the gold, commuted
    (FACTOR, "(a+5)(b+2)", "(b+2)(a+5)"),  # the factored form, commuted
    (SUM, r"\frac{19}{12}", "19/12"),  # the gold as a slash
    ("Which is larger, $\\frac{3}{7}$ or $\\frac{4}{9}$?", r"\frac{4}{9}", "4/9"),  # gold in question
    ("Let $f(x) = x^2 + 2x$. Find $f(x) - 2x$.", "x^2", "x^{2}"),  # gold is a sub-expression
    ("What is $10 - 4 - 10$?", "-4", "-4"),  # a negative number is not an operation
])
def test_a_simplified_answer_still_counts(question, gold, answer):
    verdict = verify_math(gold, rf"\boxed{{{answer}}}", prompt=question)
    assert verdict.ok, verdict.details


def test_echo_check_is_structural_not_numeric():
    from rewardsmith.verifiers.math.echo import echoes, expression_key
    assert expression_key("(3+2)^2-4") == expression_key("-4+(2+3)^2")
    assert expression_key("2+3") != expression_key("5")  # nothing is evaluated
    assert expression_key(r"\frac{a}{bc}") == expression_key("a/b/c")
    assert expression_key("a-b") == expression_key("-(b-a)")
    assert expression_key("((((") is None and expression_key("x" + "^(x" * 500) is None
    tower = "x^" * 900 + "x"  # deep without nesting brackets: must not blow the stack
    assert expression_key(tower) is None and not echoes(tower, f"What is ${tower}$?", "2")
    assert not echoes("2+3", "What is 3+2?", "2+3")  # the gold's own tree is never an echo


def test_echo_check_is_fast_on_hostile_prompts():
    prompt = "Compute $" + "+".join(f"{i}x^{i}" for i in range(300)) + "$. " + "(1+" * 400 + "1" + ")" * 400
    t0 = time.perf_counter()
    verdict = verify_math("3", r"\boxed{2+1}", prompt=prompt * 3)
    assert time.perf_counter() - t0 < 2.0
    assert verdict.details["reason"] != "restates an expression from the question"
