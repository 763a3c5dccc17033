"""Hostile completions: huge, deeply nested or expensive answers return quickly with no credit."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from rewardkit.verifiers.math import MathConfig, verify_math, verify_math_batch

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
            "from rewardkit.verifiers.math import verify_math\n"
            "assert verify_math('1,000', 'The final answer is $1{,}000$.').ok\n"
            "assert verify_math(r'\\frac{1}{3}', r'\\boxed{0.\\overline{3}}').ok\n"
            "assert verify_math(r'\\text{(C)}', 'The answer is (C).').ok\n"
            "assert not verify_math('72', 'The answer is 72 or 73.').ok\n"
            "assert 'sympy' not in sys.modules and 'math_verify' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
