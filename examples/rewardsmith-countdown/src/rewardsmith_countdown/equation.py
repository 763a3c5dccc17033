"""Safe Countdown equations: parse with :mod:`ast`, allow only integers and + - * / and
parentheses, evaluate exactly with fractions. Nothing is ever passed to ``eval``.

An equation is an arithmetic expression, optionally followed by ``= N`` (which must then be the
target). Typeset operators (``\\times``, ``\\cdot``, ``\\div``, ``×``, ``÷``, ``−``) and
``\\left``/``\\right`` are read as their ASCII forms, so ``\\boxed{(50-25)\\times 3+7}`` works.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Equation", "EquationError", "parse_equation", "normalize", "uses_numbers"]

MAX_CHARS = 500  # a Countdown equation over a handful of numbers is a few dozen characters
MAX_NODES = 200
_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_REPLACE = [("\\times", "*"), ("\\cdot", "*"), ("\\div", "/"), ("×", "*"), ("·", "*"),
            ("÷", "/"), ("−", "-"), ("–", "-"), ("\\left", ""), ("\\right", ""),
            ("\\!", ""), ("\\,", ""), ("$", "")]


class EquationError(ValueError):
    """The text is not an acceptable Countdown equation; the message says why."""


@dataclass(frozen=True)
class Equation:
    """A parsed equation: its normalised text, the numbers it uses, and its exact value."""

    text: str
    numbers: tuple[int, ...]
    value: Fraction


def normalize(text: str) -> str:
    r"""ASCII operators for typeset ones; LaTeX spacing and \left/\right dropped.

    >>> normalize(r"\left(50-25\right)\times 3 + 7")
    '(50-25)* 3 + 7'
    """
    for old, new in _REPLACE:
        text = text.replace(old, new)
    return text.strip()


def _split_target(text: str) -> tuple[str, int | None]:
    """Split off a trailing ``= N``; more than one '=' is not an equation."""
    if text.count("=") > 1:
        raise EquationError("more than one '='")
    if "=" not in text:
        return text, None
    left, right = text.split("=")
    if not re.fullmatch(r"\s*\d{1,12}\s*", right):
        raise EquationError(f"the right-hand side {right.strip()!r} is not a number")
    return left, int(right)


def _evaluate(node: ast.AST, numbers: list[int]) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        numbers.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left = _evaluate(node.left, numbers)
        right = _evaluate(node.right, numbers)
        if isinstance(node.op, ast.Div) and right == 0:
            raise EquationError("division by zero")
        return _OPS[type(node.op)](left, right)
    what = type(node.op if isinstance(node, (ast.BinOp, ast.UnaryOp)) else node).__name__
    raise EquationError(f"{what} is not allowed (only integers, + - * / and parentheses)")


def parse_equation(text: str) -> tuple[Equation, int | None]:
    """Parse and evaluate an equation; returns it and the ``= N`` it states (or None).

    Raises:
        EquationError: too long, not arithmetic, a disallowed construct (names, calls, powers,
            floor division, unary minus, floats), or a division by zero.

    >>> eq, stated = parse_equation("(50 - 25) * 3 + 7 = 82")
    >>> eq.value, eq.numbers, stated
    (Fraction(82, 1), (50, 25, 3, 7), 82)
    >>> try:
    ...     parse_equation("__import__('os').getcwd()")
    ... except EquationError as exc:
    ...     print(exc)
    Call is not allowed (only integers, + - * / and parentheses)
    """
    if len(text) > MAX_CHARS:
        raise EquationError(f"longer than {MAX_CHARS} characters")
    body, stated = _split_target(normalize(text))
    if not body.strip():
        raise EquationError("empty equation")
    try:
        tree = ast.parse(body.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise EquationError(f"not an arithmetic expression ({type(exc).__name__})") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise EquationError(f"more than {MAX_NODES} syntax nodes")
    numbers: list[int] = []
    value = _evaluate(tree.body, numbers)
    return Equation(body.strip(), tuple(numbers), value), stated


def uses_numbers(used: tuple[int, ...], available: list[int], exactly: bool) -> str | None:
    """Why ``used`` is not allowed by ``available`` (each at most / exactly once), or None.

    >>> uses_numbers((50, 25, 7), [3, 7, 25, 50], exactly=True)
    'unused: [3]'
    >>> uses_numbers((50, 50), [3, 7, 25, 50], exactly=False)
    'not available (or used too often): [50]'
    """
    have, want = Counter(used), Counter(available)
    extra = sorted((have - want).elements())
    if extra:
        return f"not available (or used too often): {extra}"
    missing = sorted((want - have).elements())
    if exactly and missing:
        return f"unused: {missing}"
    return None
