"""Gold kinds, the structure readers, verdict details, unreadable golds, hostile inputs and the
``rewardsmith explain`` command."""
from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import yaml

from rewardsmith.cli import main
from rewardsmith.verifiers.math import verify_math, verify_math_batch
from rewardsmith.verifiers.math.normalize import latex_clean, prepare_gold
from rewardsmith.verifiers.math.structure import merged, read_items, read_real_set

STRUCTURED_PATH = Path(__file__).parent / "data" / "math_corpus_structured.yaml"  # the corpus file

KINDS = [
    # gold, kind
    ("(312,123,231)", "tuple"),  # brackets: values, not a thousands-separated number
    ("312,123,231", "number"),  # the whole string is one number in thousands format
    (r"a \neq 2", "real_set"),  # not-equal is a set of reals
    (r"-1 \leqslant a \leqslant 3", "real_set"),  # double inequality
    (r"\{x \mid -2<x<3\}", "real_set"),  # set-builder notation
    (r"(-\infty, 2] \cup (3, 5)", "real_set"),  # union
    (r"f(n) = 2n+1007", "function"),  # a function of one variable
    (r"x^2 + y^2 = 1", "equation"),  # an equation
    (r"x=1 \text{ or } x=-2", "solutions"),  # several solutions
    (r"\pm 3", "solutions"),  # plus-minus is two values
    (r"\{1,2,3\}", "solutions"),  # a set
    ("a=2, b=3", "labelled"),  # distinct labels
    (r"\boxed{1} and \boxed{-2}", "solutions"),  # a gold with several boxes
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "matrix"),  # sympy compares it whole
    (r"f(2) < f(1) < f(4)", "relation"),  # a relation that is no set of reals
    (r"\frac{3\pi}{4}", "expression"),  # one value
    (r"135^\circ", "number"),  # degrees: a number with a degree flag
    (r"\text{(C)}", "letter"),  # a choice letter
    ("Evelyn", "word"),  # a word
]


@pytest.mark.parametrize("gold, kind", KINDS)
def test_gold_kind(gold, kind):
    assert prepare_gold(gold).kind == kind
    assert prepare_gold(gold).single is (kind in {"number", "expression", "letter", "word",
                                                  "function", "equation", "angle"})


def test_readers():
    assert merged(read_real_set(r"x \leq -3 or x \geq 2"))[0][1:4:2] == (False, True)
    assert read_real_set(r"2 \geq a") == [("-\\infty", False, "2", True)]
    assert read_real_set(r"x < 1 \text{ or } y > 2") is None  # two variables: not one set
    assert read_items(r"1 \pm \sqrt{2}") == [(None, r"1 + (\sqrt{2})"), (None, r"1 - (\sqrt{2})")]
    assert latex_clean("(1,234)") == "(1,234)" and latex_clean("1,234") == "1234"
    assert latex_clean("x\u200b\u00ad1") == "x1"  # invisible characters are deleted


def test_every_verdict_says_why():
    """Each verdict on the structured corpus carries a reason, a path and the gold's kind."""
    cases = yaml.safe_load(STRUCTURED_PATH.read_text(encoding="utf-8"))
    verdicts = verify_math_batch([c["gold"] for c in cases], [c["pred"] for c in cases],
                                 prompts=[c.get("prompt") for c in cases])
    for case, verdict in zip(cases, verdicts):
        assert verdict.details["reason"] and verdict.details["path"], (case, verdict)
        assert verdict.details["kind"] == prepare_gold(case["gold"]).kind
    reasons = {v.details["reason"] for v in verdicts}
    assert {"wrong: open versus closed endpoint", "wrong: the solution 1 is missing",
            "correct: the same set of real numbers", "wrong: a different right-hand side",
            "correct: the same angle"} <= reasons


def test_a_gold_read_in_part_is_a_counted_failure():
    """math-verify stops at \\mathbf and would read the gold as 2: never a shorter gold."""
    v = verify_math(r"2 + \frac{1}{\mathbf{x}}", r"\boxed{2}")
    assert v.correct is None and "gold could not be read whole" in v.error
    from rewardsmith import load_reward
    [score] = load_reward("math").rewards[0].score_batch(
        None, [r"\boxed{2}"], {"answer": [r"2 + \frac{1}{\mathbf{x}}"]})
    assert math.isnan(score.value) and "gold could not be read whole" in score.error


HOSTILE = [
    ("(" * 5000 + "1" + ")" * 5000, "(1, 2)"),  # deep nesting, structured gold
    ("\\{" * 3000 + "1", r"\{1, 2\}"),  # unbalanced set braces
    ("x \\leq " * 20000 + "2", r"x \leq 2"),  # a long inequality chain
    ("9^{9^{9^{9^{9}}}}", r"(1, 9^{9})"),  # exponent tower inside a tuple gold
    ("(" + "1," * 200_000 + "2)", "(1, 2)"),  # a megabyte tuple
    ("\\boxed{" * 2000 + "1", "x=1 \\text{ or } x=2"),  # unbalanced boxes
    ("$" + "\\(" * 100_000, "[0, 1)"),  # unclosed math segments
    ("10^{" + "9" * 50_000 + "}", "1, 2"),  # a huge exponent
    ("f(x) = " + "x+" * 300_000 + "x", "f(x) = 2x"),  # a megabyte function
]


@pytest.mark.parametrize("answer, gold", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_hostile_answers_never_hang_or_crash(answer, gold):
    t0 = time.perf_counter()
    for completion in (f"\\boxed{{{answer}}}", f"The final answer is {answer}", answer):
        verdict = verify_math(gold, completion)
        assert verdict.correct is not True
    assert time.perf_counter() - t0 < 30


def test_explain_prints_each_step(capsys):
    assert main(["explain", "--gold", "(1, 234)", "--answer", r"\boxed{(1,234)}"]) == 0
    out = capsys.readouterr().out
    for step in ("gold kind", "tuple", "extracted", "answer cleaned", "verdict", "correct",
                 "reason", "path"):
        assert step in out
    assert main(["explain", "--gold", "1234", "--answer", "(1,234)", "--json"]) == 0
    assert '"verdict": "wrong"' in capsys.readouterr().out  # a bare answer is boxed
    assert main(["explain", "--gold", " ", "--answer", "1"]) == 2
    assert "--gold is empty" in capsys.readouterr().err
