"""Unit tests of the ``countdown`` reward: one row per case, a comment saying why."""
from __future__ import annotations

import time

import pytest

from rewardsmith import load_reward
from rewardsmith_countdown import Countdown
from rewardsmith_countdown.equation import EquationError, parse_equation

NUMS = [3, 7, 25, 50]  # target 82: (50 - 25) * 3 + 7


@pytest.mark.parametrize("completion,expected", [
    ("<think>50-25=25, *3=75, +7=82</think>\n<answer>(50 - 25) * 3 + 7</answer>", 1.0),  # TinyZero shape
    ("<answer>7 + 3 * (50 - 25)</answer>", 1.0),  # any order of the numbers
    ("<answer>(50 - 25) * 3 + 7 = 82</answer>", 1.0),  # stating the target is fine
    ("So the equation is \\boxed{(50-25)\\times 3+7}.", 1.0),  # boxed, LaTeX operators
    ("\\boxed{\\left(50 − 25\\right) × 3 + 7}", 1.0),  # typeset minus and times
    ("<answer>\\boxed{(50-25)*3+7}</answer>", 1.0),  # a box inside the tag
    ("<answer>(50 * 3 - 25 * 7) / 1</answer>", 0.0),  # wrong value (and 1 is not given)
    ("<answer>(50 + 25) * 3 + 7</answer>", 0.0),  # 232, not 82
    ("<answer>50 + 25 + 7</answer>", 0.0),  # reaches 82 but leaves 3 unused
    ("<answer>(50 - 25) * 3 + 7 + 3 - 3</answer>", 0.0),  # 3 used three times
    ("<answer>(50 - 25) * 3 + 7 = 83</answer>", 0.0),  # states the wrong result
    ("<answer>50 / (25 - 25) + 7 * 3</answer>", 0.0),  # division by zero
    ("<answer>82</answer>", 0.0),  # the target, no equation
    ("<answer>x</answer>", 0.0),  # a name, not arithmetic
    ("(50 - 25) * 3 + 7", 0.0),  # no final-answer marker
    ("<answer>(50-25)*3+7</answer><answer>50+25+7</answer>", 0.0),  # two answers: hedging
    ("", 0.0),  # empty
])
def test_countdown_table(completion, expected):
    assert Countdown()(completions=[completion], nums=[NUMS], target=[82]) == [expected]


@pytest.mark.parametrize("spec,completion,expected", [
    ("countdown(use_all=false)", "<answer>50 + 25 + 7</answer>", 1.0),  # at most once: 3 may go unused
    ("countdown(use_all=false)", "<answer>50 + 25 + 7 + 7 - 7</answer>", 0.0),  # but not twice
    ("countdown(partial=0.1)", "<answer>(50 + 25) * 3 + 7</answer>", 0.1),  # valid but wrong
    ("countdown(partial=0.1)", "<answer>banana</answer>", 0.0),  # not even an equation
    ("countdown(answer=boxed)", "<answer>(50 - 25) * 3 + 7</answer>", 0.0),  # box required
    ("countdown(answer=tag)", "\\boxed{(50-25)*3+7}", 0.0),  # tag required
])
def test_options_from_a_spec_through_the_entry_point(spec, completion, expected):
    result = load_reward(spec).score(None, [completion], {"nums": [NUMS], "target": [82]})
    assert result.rewards == [pytest.approx(expected)]


def test_columns_as_text_and_missing_target():
    r = load_reward("countdown")
    got = r.score(None, ["<answer>(50-25)*3+7</answer>"] * 3,
                  {"nums": ["[3, 7, 25, 50]", "3 7 25 50", [3, 7, 25, 50]], "target": ["82", 82, None]})
    assert got.rewards == [1.0, 1.0, None]  # None: not applicable
    assert got.details["countdown"][0] == {"equation": "(50-25)*3+7", "value": "82", "reason": "ok"}


def test_bad_columns_are_errors_not_zero():
    got = load_reward("countdown").score(None, ["<answer>1</answer>"], {"nums": [[1.5]], "target": [1]})
    assert got.errors["countdown"][0] and got.rewards[0] != got.rewards[0]  # NaN, with the error kept


def test_never_evaluates_code(tmp_path):
    marker = tmp_path / "ran"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch() or 82"
    assert Countdown()(completions=[f"<answer>{code}</answer>"], nums=[NUMS], target=[82]) == [0.0]
    assert not marker.exists()


@pytest.mark.parametrize("text,why", [
    ("50**" * 40 + "50", "Pow is not allowed"),  # a power tower is refused, never computed
    ("(" * 250 + "1" + ")" * 250, "longer than 500"),  # nesting beyond the length cap
    ("(" * 201 + "1" + ")" * 201, "not an arithmetic expression"),  # beyond the parser's nesting
    ("9" * 300 + "*" + "9" * 300, "longer than 500"),  # huge literals
    ("1+" * 150 + "1", "more than 200 syntax nodes"),  # short enough, but too many operations
], ids=["power-tower", "deep-nesting", "parser-nesting", "huge-literals", "many-nodes"])
def test_hostile_equations_are_refused_fast(text, why):
    start = time.perf_counter()
    with pytest.raises(EquationError, match=why):
        parse_equation(text)
    assert time.perf_counter() - start < 0.5
