"""Refusals decided before any comparison: hedged answers and resource attacks.

Hedging (only when the gold is a single value): an answer that offers several values, ``\\pm``,
an inequality, an interval or a set gets no credit even if one of its values is right; math-verify
alone credits some of these (``The answer is 72 or 73``).

Echoes: an answer that is the question's own expression, reordered or re-spelled
(``-4+(2+3)^2`` for "What is $(3+2)^2-4$?"), did no work (:mod:`.echo` compares the trees).

Resource attacks: exponent towers (``9^{9^{9^9}}``), huge powers and factorials would make sympy
compute for minutes or exhaust memory. They are refused outright; anything subtler is caught by
the worker pool's timeout and memory limit.
"""
from __future__ import annotations

import re

from rewardsmith.verifiers.math.echo import echoes

__all__ = ["hedge_reason", "resource_reason", "echo_reason"]

_HEDGES = (
    (re.compile(r"\\pm|\\mp|\u00b1|\u2213"), "hedged: \u00b1 gives two values for a single answer"),
    (re.compile(r"\\(?:approx|sim|simeq)(?![a-zA-Z])|\u2248"),
     "hedged: an approximation for a single value"),
    (re.compile(r"[<>\u2264\u2265\u2260]|\\(?:le|ge|leq|geq|lt|gt|ne|neq|leqslant|geqslant)"
                r"(?![a-zA-Z])"), "hedged: an inequality for a single value"),
    (re.compile(r"\\(?:in|cup|cap|infty|subset|subseteq|setminus|mid)(?![a-zA-Z])|\\\{"),
     "hedged: a set or interval for a single value"),
    (re.compile(r"^[(\[].*,.*[)\]]$"), "hedged: an interval or tuple for a single value"),
    (re.compile(r"[,;]|\b(?:or|and|either)\b|\\(?:lor|vee|land|wedge)(?![a-zA-Z])"),
     "hedged: several values for a single answer"),
)
_TOWER = re.compile(r"\^\s*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\^|\^\s*[\w.]+\s*\^|\^\s*\{[^{}]*\}\s*\^")
_HUGE_POWER = re.compile(r"\^\s*\{?\s*[-+]?\d{5,}|\*\*\s*\d{5,}")
_HUGE_FACTORIAL = re.compile(r"\d{4,}\s*\}?\s*!")
_MAX_DEPTH = 32


def hedge_reason(pred_plain: str) -> str | None:
    """Why a prediction for a single-value gold is a hedge, or None.

    >>> hedge_reason("72 or 73")
    'hedged: several values for a single answer'
    >>> hedge_reason(r"\\pm 3") is not None, hedge_reason(r"\\frac{1}{2}")
    (True, None)
    """
    for pattern, reason in _HEDGES:
        if pattern.search(pred_plain):
            return reason
    return None


def echo_reason(pred_text: str, gold_text: str, question: str) -> str | None:
    """Why a prediction restates an expression of the question (see :mod:`.echo`), or None.

    >>> echo_reason("-4+(2+3)^2", "21", "What is $(3+2)^2 - 4$?")
    'restates an expression from the question'
    """
    if echoes(pred_text, question, gold_text):
        return "restates an expression from the question"
    return None


def resource_reason(pred_text: str, gold_text: str = "") -> str | None:
    """Why a prediction must not reach sympy (an exponent tower, a huge power or factorial,
    brackets nested more than 32 deep).

    A tower is allowed when the gold itself has one (the pool's timeout still applies).

    >>> resource_reason("9^{9^{9^{9}}}")
    'refused: exponent tower'
    >>> resource_reason("2^{10}") is None
    True
    """
    if _TOWER.search(pred_text) and not _TOWER.search(gold_text):
        return "refused: exponent tower"
    if _HUGE_POWER.search(pred_text) and not _HUGE_POWER.search(gold_text):
        return "refused: huge power"
    if _HUGE_FACTORIAL.search(pred_text):
        return "refused: huge factorial"
    if _depth(pred_text) > _MAX_DEPTH:
        return "refused: nesting too deep"
    return None


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest
