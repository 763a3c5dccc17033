"""Symbolic comparison with math-verify, plus an exactness check; runs in pool workers only.

Nothing here is imported by the host on the fast path: sympy and math-verify load in the worker
processes (:func:`warm_up` is the pool initializer). Timeouts are the pool's job, so math-verify
runs with its own ``signal.alarm`` timeouts disabled.

Gold first, prediction second, as in math-verify's ``verify``: the gold decides the shape (an
equation gold ``x=5`` accepts ``5``; a gold interval is compared as an interval).
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any

__all__ = ["equivalent", "warm_up"]


#: one comparison of each common shape: sympy loads much of itself lazily, on first use
_WARM_UP = (("1", "1"), (r"\frac{1}{2}", "0.5"), (r"3\sqrt{13}", r"\sqrt{117}"),
            ("x^2+1", "1+x^2"), ("1+2i", "2i+1"), ("(3,4]", "(3,4)"), ("(1,2)", "(1, 2)"),
            (r"\{1,2\}", "2,1"), ("x=5", "5"), (r"\pi", r"\frac{2\pi}{2}"),
            (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
            ("(-\\infty, 2) \\cup (3, \\infty)", "(3, \\infty) \\cup (-\\infty, 2)"))


def warm_up() -> None:
    """Import sympy and math-verify and compare one pair of each common shape, so that a new
    worker is as fast as a long-running one (the pool does not count this time)."""
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    for gold, pred in _WARM_UP:
        equivalent(gold, pred)
    _parse_gold.cache_clear()


def _parse(latex: str) -> list[Any]:
    from math_verify import parse
    return parse(f"${latex}$", parsing_timeout=None)


@functools.lru_cache(maxsize=4096)
def _parse_gold(latex: str) -> list[Any]:
    return _parse(latex)


def equivalent(gold: str, pred: str) -> bool:
    """Is the prediction equal to the gold? Both are cleaned LaTeX answers (no ``$``).

    math-verify decides; when it says yes and both sides are exact numbers (no floats, no
    symbols), the answer must also agree exactly (rationals) or to 40 digits (irrationals):
    math-verify's float tolerance would otherwise equate ``1/2^98`` and ``1/2^99``.

    >>> equivalent(r"\\frac{\\sqrt{3}}{3}", r"\\frac{1}{\\sqrt{3}}")
    True
    >>> equivalent(r"\\frac{1}{2^{98}}", r"\\frac{1}{2^{99}}")
    False
    """
    from math_verify import verify
    golds, preds = _parse_gold(gold), _parse(pred)
    if not golds:
        raise GoldUnreadable(f"gold could not be read: {gold[:80]!r}")
    _check_whole(gold, golds)
    if not preds:
        return False
    if not verify(golds, preds, timeout_seconds=None, allow_set_relation_comp=True):
        return False
    if "%" in gold or "%" in pred:
        return True
    try:
        return _exact_agrees(golds[0], preds[0])
    except (ArithmeticError, RecursionError, TypeError, ValueError, AttributeError):
        return False  # not provably equal: no credit


class GoldUnreadable(ValueError):
    """The gold answer cannot be read whole: a counted failure, never a shorter expression."""


_UNIT_REST = re.compile(r"\\(?:text\w*|mbox|mathrm)\{[^{}]*\}|\^\{?[23]\}?|[.,;:!]")


def _check_whole(gold: str, parsed: list[Any]) -> None:
    """Raise :class:`GoldUnreadable` when math-verify read only a prefix of the gold (it cuts
    at what it cannot parse: ``1 - \\frac{1}{\\mathrm{e}}`` became ``1``)."""
    read = "".join(str(parsed[-1]).split()) if len(parsed) > 1 else ""
    whole = "".join(gold.split())
    if read.count("{") != read.count("}") or (
            read != whole and whole.startswith(read) and _UNIT_REST.sub("", whole[len(read):])):
        raise GoldUnreadable(f"gold could not be read whole: {gold[:80]!r} "
                             f"(only {read[:80]!r})")


def _exact_agrees(gold: Any, pred: Any) -> bool:
    import sympy
    if not (isinstance(gold, sympy.Expr) and isinstance(pred, sympy.Expr)):
        return True
    if not (gold.is_number and pred.is_number) or gold.has(sympy.Float) or pred.has(sympy.Float):
        return True
    g, p = gold.doit(), pred.doit()
    if g.is_Rational and p.is_Rational:
        return bool(g == p)
    diff = abs(sympy.N(g - p, 50))
    scale = max(sympy.Integer(1), abs(sympy.N(g, 50)))
    return bool(diff <= scale * sympy.Rational(1, 10**40))
