r"""Readers for structured answers: lists of values, labelled values, sets of real numbers
(intervals, inequalities, set-builder notation, unions), functions, angles.

Each reader takes :func:`~rewardsmith.verifiers.math.normalize.plain` text and returns a small
structure, or None when the text is not of that shape. Nothing here compares; see :mod:`.kinds`.

>>> read_real_set(r"-1 \leq a \leq 3")
[('-1', True, '3', True)]
>>> read_real_set(r"a \neq 2")
[('-\\infty', False, '2', False), ('2', False, '\\infty', False)]
>>> read_items(r"x=1 \text{ or } x=-2")
[('x', '1'), ('x', '-2')]
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Optional

from rewardsmith.verifiers.math.evaluate import evaluate, split_top_level

__all__ = ["read_items", "read_real_set", "real_set_latex", "read_function", "free_letters",
           "rename_letter", "expand_pm", "endpoint_value", "split_words"]

INF, NINF = "\\infty", "-\\infty"
Interval = tuple  # (low, low_closed, high, high_closed), endpoints as LaTeX strings

_LABEL = re.compile(r"^\s*([A-Za-z](?:_\{?\w+\}?)?|[A-Za-z]\s*\(\s*[\w+-]+\s*\))\s*=\s*(?!=)")
_WORD_SPLIT = re.compile(r"\s*\b(?:or|and)\b\s*|\\(?:quad|qquad|text\{\s*(?:or|and)\s*\})")
_RELATION = re.compile(r"\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt|neq|ne)(?![a-zA-Z])|[<>]")
_REL_NAME = {"<": "<", ">": ">", "\\lt": "<", "\\gt": ">", "\\le": "<=", "\\leq": "<=",
             "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", "\\ne": "!=",
             "\\neq": "!="}
_VARIABLE = re.compile(r"[A-Za-z](?:_\{?\w+\}?)?(?:\(\s*[A-Za-z]\s*\))?")
_INFINITY = re.compile(r"^([-+]?)\s*\\infty$|^([-+]?)\s*\\infin$|^([-+]?)\s*(?:inf|infinity)$")
_BUILDER = re.compile(r"^\\\{\s*([A-Za-z])\s*(?:\\in\s*\\mathbb\{?R\}?\s*)?(?:\\mid|\||:)\s*(.*)\\\}$")
_IN = re.compile(r"^[A-Za-z]\s*\\in\s*")
_REALS = re.compile(r"^(?:\\mathbb\{?R\}?|\\R|\\mathbb R|\(\s*-\s*\\infty\s*,\s*\\infty\s*\))$")
_EMPTY = re.compile(r"^(?:\\emptyset|\\varnothing|\\\{\s*\\\}|\\O)$")
_UNION = re.compile(r"\\cup|\bU\b|\s*\bor\b\s*")
_LETTERS = re.compile(r"(?<![\\A-Za-z])([A-Za-z])(?![A-Za-z])")
_COMMANDS = re.compile(r"\\[A-Za-z]+")
_MAX_ITEMS = 64


def split_words(p: str) -> list[str]:
    """Split a list answer at top-level commas, semicolons and the words ``or`` / ``and``."""
    parts: list[str] = []
    for chunk in split_top_level(p.replace(";", ",")):
        parts += [x.strip() for x in _WORD_SPLIT.split(chunk) if x and x.strip()]
    return parts


def expand_pm(item: str) -> list[str]:
    r"""``a \pm b`` as its two values ``a + (b)`` and ``a - (b)``; other items as they are."""
    pieces = item.split("\\pm")
    if len(pieces) != 2 or "\\mp" in item:
        return [item]
    left, right = pieces[0].strip(), pieces[1].strip()
    if not right:
        return [item]
    if not left:
        return [f"({right})", f"-({right})"]
    return [f"{left} + ({right})", f"{left} - ({right})"]


def read_items(p: str) -> list[tuple[str | None, str]] | None:
    r"""The values of a list answer as ``(label, value)`` pairs, ``\pm`` expanded; an outer
    ``\{ \}`` is dropped. None when it is not a list of at least two values."""
    body = p.strip()
    if body.startswith("\\{") and body.endswith("\\}"):
        body = body[2:-2]
    items = split_words(body)
    out: list[tuple[str | None, str]] = []
    for item in items:
        m = _LABEL.match(item)
        label, value = (re.sub(r"\s+", "", m.group(1)), item[m.end():].strip()) if m else (None, item)
        if not value:
            return None
        out += [(label, v) for v in expand_pm(value)]
        if len(out) > _MAX_ITEMS:
            return None
    return out if len(out) >= 2 else None


def endpoint_value(text: str) -> Fraction | complex | float | None:
    """The value of an endpoint (``\\infty`` is ``inf``), or None when it cannot be read."""
    t = text.replace(" ", "")
    m = _INFINITY.match(t)
    if m:
        sign = (m.group(1) or m.group(2) or m.group(3) or "")
        return float("-inf") if sign == "-" else float("inf")
    value = evaluate(text)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, complex) and abs(value.imag) < 1e-12:
        return value
    return None


def _real(v) -> float:
    return float(v.real) if isinstance(v, complex) else float(v)


def _interval_notation(part: str) -> Interval | None:
    part = part.strip()
    if len(part) < 5 or part[0] not in "([" or part[-1] not in ")]":
        return None
    items = split_top_level(part[1:-1])
    if len(items) != 2 or not all(items):
        return None
    low, high = items
    return (NINF if _INFINITY.match(low.replace(" ", "")) else low, part[0] == "[",
            INF if _INFINITY.match(high.replace(" ", "")) else high, part[-1] == "]")


def _chain(part: str) -> tuple[str, list[Interval]] | None:
    """An inequality chain in one variable: ``a < x <= b``, ``x \\ne 2``, ``2 \\geq a``."""
    ops = [_REL_NAME[m.group()] for m in _RELATION.finditer(part)]
    terms = [t.strip() for t in _RELATION.split(part)]
    if not ops or len(ops) > 2 or not all(terms):
        return None
    var_at = [i for i, t in enumerate(terms) if _VARIABLE.fullmatch(t)]
    if len(ops) == 1:
        if len(var_at) == 2 or not var_at:
            return None
        i = var_at[0]
        op, other = ops[0], terms[1 - i]
        if i == 1:  # 2 >= a  is  a <= 2
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}[op]
        if op == "!=":
            return terms[i], [(NINF, False, other, False), (other, False, INF, False)]
        if op in ("<", "<="):
            return terms[i], [(NINF, False, other, op == "<=")]
        return terms[i], [(other, op == ">=", INF, False)]
    if var_at != [1] or "!=" in ops:
        return None
    if all(o in ("<", "<=") for o in ops):
        return terms[1], [(terms[0], ops[0] == "<=", terms[2], ops[1] == "<=")]
    if all(o in (">", ">=") for o in ops):
        return terms[1], [(terms[2], ops[1] == ">=", terms[0], ops[0] == ">=")]
    return None


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval] | None:
    out = []
    for lo1, lc1, hi1, hc1 in a:
        for lo2, lc2, hi2, hc2 in b:
            v1, v2, w1, w2 = (endpoint_value(x) for x in (lo1, lo2, hi1, hi2))
            if None in (v1, v2, w1, w2):
                return None
            lo, lc = (lo1, lc1) if _real(v1) > _real(v2) else (lo2, lc2) if _real(v2) > _real(v1) \
                else (lo1, lc1 and lc2)
            hi, hc = (hi1, hc1) if _real(w1) < _real(w2) else (hi2, hc2) if _real(w2) < _real(w1) \
                else (hi1, hc1 and hc2)
            out.append((lo, lc, hi, hc))
    return out


def _part(part: str, variable: list[str]) -> list[Interval] | None:
    part = part.strip()
    if _EMPTY.match(part):
        return []
    if _REALS.match(part.replace(" ", "")):
        return [(NINF, False, INF, False)]
    if part.startswith("\\{") and part.endswith("\\}") and _RELATION.search(part) is None:
        items = split_top_level(part[2:-2])
        return [(x, True, x, True) for x in items if x] if all(items) else None
    interval = _interval_notation(part)
    if interval is not None:
        return [interval]
    pieces = re.split(r"\s+and\s+|\\land|\\wedge|\\cap|,", part)
    result = None
    for piece in pieces:
        chain = _chain(piece)
        if chain is None:
            return None
        name, intervals = chain
        variable.append(name)
        result = intervals if result is None else _intersect(result, intervals)
        if result is None:
            return None
    return result


def read_real_set(p: str) -> list[Interval] | None:
    r"""A set of real numbers written as an interval, a union, an inequality (chain), a ``\neq``,
    or set-builder notation, as a list of intervals (not yet merged); None otherwise.

    All inequalities must be in the same single variable.
    """
    text = p.strip()
    m = _BUILDER.match(text)
    if m:
        text = m.group(2)
    text = _IN.sub("", text)
    if _REALS.match(text.replace(" ", "")):
        return [(NINF, False, INF, False)]
    variable: list[str] = []
    out: list[Interval] = []
    for part in _UNION.split(text):
        got = _part(part, variable)
        if got is None:
            return None
        out += got
    if len(set(variable)) > 1:
        return None
    return out


def real_set_latex(intervals: list[Interval]) -> str:
    """Interval notation for a list of intervals (``\\emptyset`` when empty)."""
    parts = []
    for lo, lc, hi, hc in intervals:
        if lo == hi and lc and hc:
            parts.append(f"\\{{{lo}\\}}")
        else:
            parts.append(f"{'[' if lc else '('}{lo}, {hi}{']' if hc else ')'}")
    return " \\cup ".join(parts) if parts else "\\emptyset"


_FUNCTION = re.compile(r"^([A-Za-z])\s*\(\s*([A-Za-z])\s*\)\s*=\s*(.+)$")


def read_function(p: str) -> tuple[str, str, str] | None:
    """``f(n) = 2n + 1`` as ``('f', 'n', '2n + 1')``; None otherwise."""
    m = _FUNCTION.match(p.strip())
    if m is None or "=" in m.group(3):
        return None
    return m.group(1), m.group(2), m.group(3).strip()


def free_letters(text: str) -> set[str]:
    """Single-letter names in ``text`` outside commands (``e`` and ``i`` are constants)."""
    stripped = _COMMANDS.sub(" ", text)
    return {m.group(1) for m in _LETTERS.finditer(stripped)} - {"e", "i"}


def rename_letter(text: str, old: str, new: str) -> str:
    """Every standalone ``old`` letter outside commands becomes ``new``."""
    out, last = [], 0
    for m in _COMMANDS.finditer(text):
        out.append(_rename(text[last:m.start()], old, new))
        out.append(m.group())
        last = m.end()
    out.append(_rename(text[last:], old, new))
    return "".join(out)


def _rename(chunk: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![A-Za-z]){re.escape(old)}(?![A-Za-z])", new, chunk)


def merged(intervals: list[Interval]) -> Optional[list[tuple]]:
    """Intervals with values, sorted, overlapping or touching ones merged; None if unreadable.

    Each item: ``(low_value, low_closed, high_value, high_closed, low_text, high_text)``.
    """
    rows = []
    for lo, lc, hi, hc in intervals:
        a, b = endpoint_value(lo), endpoint_value(hi)
        if a is None or b is None:
            return None
        if _real(a) > _real(b) or (_real(a) == _real(b) and not (lc and hc)):
            continue  # empty
        rows.append([a, lc and _real(a) != float("-inf"), b, hc and _real(b) != float("inf"),
                     lo, hi])
    rows.sort(key=lambda r: (_real(r[0]), not r[1]))
    out: list[list] = []
    for row in rows:
        if out:
            last = out[-1]
            gap = _real(row[0]) - _real(last[2])
            if gap < 0 or (gap == 0 and (row[1] or last[3])):
                if _real(row[2]) > _real(last[2]) or (_real(row[2]) == _real(last[2]) and row[3]):
                    last[2], last[3], last[5] = row[2], row[3], row[5]
                continue
        out.append(row)
    return [tuple(r) for r in out]
