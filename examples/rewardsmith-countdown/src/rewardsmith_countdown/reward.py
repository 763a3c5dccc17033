"""The ``countdown`` reward: does the final equation reach the target with the given numbers?

A Countdown task gives numbers (column ``nums``, e.g. ``[3, 7, 25, 50]``) and a ``target`` (82);
the model must write an arithmetic equation that uses the numbers (each exactly once by default,
or at most once) with ``+ - * /`` and parentheses and evaluates to the target:
``<answer>(50 - 25) * 3 + 7</answer>`` or ``\\boxed{(50-25)\\times 3+7}``. The column names follow
the public Countdown-Tasks datasets and TinyZero.

The final answer is taken with rewardsmith's format verifier (exactly one final answer; several
are hedging and earn nothing). The equation is parsed with :mod:`ast` and evaluated exactly with
fractions (:mod:`rewardsmith_countdown.equation`); nothing is ever passed to ``eval``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from rewardsmith import FormatRules, Reward, Score, verify_format

from rewardsmith_countdown.equation import EquationError, parse_equation, uses_numbers

__all__ = ["Countdown", "CountdownOptions", "read_numbers"]


@dataclass(frozen=True)
class CountdownOptions:
    """Options of the ``countdown`` reward (a spec fills them: ``countdown(use_all=false)``)."""

    use_all: bool = field(default=True, metadata={
        "help": "every number must be used exactly once (the classic rule); false: at most once"})
    answer: Literal["any", "tag", "boxed"] = field(default="any", metadata={
        "help": "where the final equation is: <answer>...</answer> ('tag'), \\boxed{} ('boxed') "
                "or either ('any')"})
    partial: float = field(default=0.0, metadata={
        "help": "value for a final answer that is a valid equation but wrong (TinyZero uses 0.1)"})

    def __post_init__(self) -> None:
        if not 0.0 <= self.partial < 1.0:
            raise ValueError(f"partial must be in [0, 1), got {self.partial}")


def read_numbers(value: Any) -> list[int]:
    """The ``nums`` column as a list of ints: a list, or text such as ``"[3, 7, 25]"``/``"3 7 25"``.

    >>> read_numbers("[3, 7, 25]"), read_numbers((3, 7)), read_numbers("3 7 25")
    ([3, 7, 25], [3, 7], [3, 7, 25])
    """
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else re.split(r"[\s,]+", text)
    out = []
    for item in value:
        if isinstance(item, bool) or not float(item).is_integer():
            raise ValueError(f"nums must be integers, got {item!r}")
        out.append(int(item))
    return out


class Countdown(Reward):
    """1.0 when the one final equation uses the numbers as allowed and equals the target.

    Args (columns): ``nums``: the available numbers; ``target``: the number to reach (None: not
    applicable).

    Returns: 1.0 for a correct equation; ``partial`` (default 0.0) for a valid but wrong one; 0.0
    for no, several, or unparsable final answers. Details give the equation, its value and why.

    >>> Countdown()(completions=["<answer>(50 - 25) * 3 + 7</answer>", "\\\\boxed{50 + 25 + 7}"],
    ...             nums=[[3, 7, 25, 50]] * 2, target=[82, 82])
    [1.0, 0.0]
    """

    name = "countdown"
    Options = CountdownOptions
    value_range = (0.0, 1.0)

    def compute(self, completion: str, nums: Any, target: Any, options: CountdownOptions,
                prompt: Any = None) -> Score | None:
        if target is None:
            return None
        goal = Fraction(read_numbers([target])[0])
        available = read_numbers(nums)
        verdict = verify_format(completion, FormatRules(answer=options.answer), prompt=prompt)
        if not verdict.ok:
            return Score(0.0, {"equation": None, "reason": f"final answer: {verdict.details['reason']}"})
        text = verdict.details["answer"]
        try:
            equation, stated = parse_equation(text)
        except EquationError as exc:
            return Score(0.0, {"equation": text, "reason": str(exc)})
        details = {"equation": equation.text, "value": str(equation.value)}
        problem = uses_numbers(equation.numbers, available, exactly=options.use_all)
        if problem is None and stated is not None and stated != goal:
            problem = f"states = {stated}, not the target {goal}"
        if problem is None and equation.value != goal:
            problem = f"evaluates to {equation.value}, not {goal}"
        if problem:
            return Score(options.partial, {**details, "reason": problem})
        return Score(1.0, {**details, "reason": "ok"})
