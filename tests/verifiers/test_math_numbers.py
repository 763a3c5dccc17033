"""The exact-number fast path and the small evaluator: tables with a comment per row."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

from rewardsmith.verifiers.math.evaluate import compare, evaluate
from rewardsmith.verifiers.math.normalize import read_number
from rewardsmith.verifiers.math.numbers import Number, numbers_equal, parse_number

PARSE = [
    ("42", F(42)), ("-7", F(-7)), ("+3", F(3)),  # integers
    ("0.25", F(1, 4)), (".5", F(1, 2)), ("18.", F(18)),  # decimals
    ("3/4", F(3, 4)), ("-3 / 4", F(-3, 4)), ("1.5/3", F(1, 2)),  # slashes
    (r"\frac{14}{3}", F(14, 3)), (r"\frac43", F(4, 3)), (r"\frac 59", F(5, 9)),  # LaTeX fractions
    (r"\frac9{19}", F(9, 19)), (r"\frac{270}7", F(270, 7)), (r"\frac{-3}{8}", F(-3, 8)),
    (r"-\frac{35}{9}", F(-35, 9)),
    (r"1\frac{4}{5}", F(9, 5)), (r"137 \frac{1}{2}", F(275, 2)), ("2 1/2", F(5, 2)),  # mixed
    (r"-1\frac{1}{2}", F(-3, 2)),  # the sign covers the whole mixed number
    (r"0.\overline{3}", F(1, 3)), (r"0.1\overline{6}", F(1, 6)), ("0.(3)", F(1, 3)),  # repeating
    (r"0.\overline{142857}", F(1, 7)), (r"0.\dot{3}", F(1, 3)), ("0.333...", F(1, 3)),
    (r"0.1666\ldots", F(1, 6)), ("0.1212...", F(4, 33)),
    (r"6.72 \times 10^{-5}", F(672, 10**7)), ("6.72e-5", F(672, 10**7)),  # scientific
    (r"1 \cdot 10^{3}", F(1000)),
    ("25%", F(25)), ("12.5%", F(25, 2)),  # percent keeps the written value
    ("18446744073709551617", F(2**64 + 1)),  # big integers stay exact
]


@pytest.mark.parametrize("text,value", PARSE)
def test_parse_number(text, value):
    assert parse_number(text).value == value


@pytest.mark.parametrize("text", ["x", "2x", r"\sqrt{2}", "1/0", "3 4", "", "1" * 500, "1e99999",
                                  r"\frac{1}{2}{3}", "0.(3", "--3"])
def test_not_a_plain_number(text):
    assert parse_number(text) is None


EQUAL = [
    # gold, pred, equal?  (gold first: a gold decimal never approximates a prediction)
    (r"\frac{1}{3}", "0.333333", True),  # 6 significant digits, correctly rounded
    (r"\frac{1}{3}", "0.33333", False),  # 5 digits
    (r"\frac{1}{3}", "0.333334", False),  # wrongly rounded
    (r"\frac{2}{3}", "0.666667", True),  # rounded up
    (r"\frac{2}{3}", "0.666666", False),  # truncated, not rounded
    ("0.5", "0.5000001", False),  # an exact decimal gold needs the exact value
    ("0.333333", r"\frac{1}{3}", False),  # asymmetric: the gold is exact
    ("25%", "0.25", True), ("25%", "25", True), ("0.25", "25%", True),  # percent both ways
    ("25", "0.25", False),  # but no percent sign, no scaling
    ("1000", "1000.000", True),
    (r"\frac{1}{2^{98}}".replace(r"2^{98}", str(2**98)), "1/" + str(2**99), False),
]


@pytest.mark.parametrize("gold,pred,equal", EQUAL)
def test_numbers_equal(gold, pred, equal):
    assert numbers_equal(parse_number(gold), parse_number(pred)) is equal


def test_decimal_digits_option():
    third, approx = parse_number(r"\frac{1}{3}"), parse_number("0.333")
    assert not numbers_equal(third, approx, decimal_digits=6)
    assert numbers_equal(third, approx, decimal_digits=3)
    assert not numbers_equal(third, parse_number("0.333333"), decimal_digits=0)
    assert numbers_equal(Number(F(5)), Number(F(5)), decimal_digits=0)


UNITS = [
    ("864 inches^2", F(864)), ("18 dollars", F(18)), ("7 dozen", F(84)),  # a multiplier word scales, never strips
    ("x = -3", F(-3)),
    ("12 grams", F(12)), ("5 apples", F(5)), ("3 hundred", F(300)),
    ("60 percent", F(60)), ("1.45 million", F(1450000)), ("2 billion", F(2 * 10**9)),
    ("5 m", None),  # a one-letter tail may be a variable: not a unit
    ("3 or 4", None), ("3 to 4", None), ("2 pi", None), ("5 i", None),  # not units
]


@pytest.mark.parametrize("text,value", UNITS)
def test_read_number_ignores_units(text, value):
    got = read_number(text)
    assert (None if got is None else got.value) == value


EVALUATE = [
    # gold, pred, verdict: True equal, False different, None undecided (sympy decides)
    (r"\frac{9}{256}", r"\frac{9}{2^8}", True),  # exact rational arithmetic
    ("2^{64}", "18446744073709551617", False),  # exact big integers
    ("10^{100}", "10^{100}+1", False),  # floats would call these equal
    (r"\frac{1}{2^{98}}", "2^{-99}", False),
    ("18", r"2\cdot 9", True), ("18", r"\sqrt{324}", True),  # exact roots
    (r"3\sqrt{13}", r"3\sqrt{14}", False),  # different irrationals are rejected...
    (r"3\sqrt{13}", r"\sqrt{117}", None),  # ...equal ones are left to sympy
    ("x^2+2x+1", "(x+1)^2", None), ("x^2+2x+1", "(x+1)^3", False),  # polynomial identity
    ("2k", "2n", False),  # different variables
    ("6-5i", "6+5i", False), ("-2+7i", "7i-2", None),  # complex numbers
    (r"\cot x", r"\tan x", False), (r"\cot x", r"\frac{\cos x}{\sin x}", None),
    (r"\sqrt[3]{-8}", "-2", None),  # the real odd root, as readers mean it
    ("(1,2)", "(1,3)", False), ("(1,2)", "(1,2)", True), ("(1,2)", "[1,2]", None),  # tuples
    ("(3,4]", "(3,4]", True), ("(1,2,3)", "(1,2)", False),
    ("1,-2", "-2, 1", True), ("1,-2", "1", None), ("3, 5, 7", "3, 5", False),  # unordered lists
    (r"\sin 2x", r"2\sin x\cos x", None),  # ambiguous argument: not read
    ("pi", r"\pi", None),  # bare names: not read
    ("2 3", "6", None),  # two numbers side by side: not read
    (r"x \in [1,2]", "[1,2]", None), ("5!", "120", None), ("52_8", "42", None),  # not read
    ("1/0", "1", None),
]


@pytest.mark.parametrize("gold,pred,verdict", EVALUATE)
def test_evaluator_decides_or_defers(gold, pred, verdict):
    assert compare(evaluate(gold), evaluate(pred)) is verdict
