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
    if not golds or not preds:
        return False
    if not verify(golds, preds, timeout_seconds=None, allow_set_relation_comp=True):
        return False
    if "%" in gold or "%" in pred:
        return True
    try:
        return _exact_agrees(golds[0], preds[0])
    except (ArithmeticError, RecursionError, TypeError, ValueError, AttributeError):
        return False  # not provably equal: no credit


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
