r"""Classify a gold answer by kind, and compare an answer with it by that kind.

Kinds: ``letter``, ``word``, ``number``, ``angle``, ``expression`` (single values);
``tuple`` (ordered), ``solutions`` (unordered: a set, a list, ``\pm``, "x=1 or x=-2"),
``labelled`` (``a=2, b=3``), ``base`` (``204_5``: digits and base must match), ``real_set`` (intervals, unions, inequalities, set-builder
notation, ``\neq``), ``function`` (``f(n) = 2n+1``, compared after renaming its variable) and
``equation`` (one free variable, renamed consistently); ``relation`` and ``matrix`` go to
sympy whole.

Every comparison returns a :class:`Decision`: decided here (``correct`` True/False with its
``reason``), or a list of sympy jobs (gold first, prediction second) that must all be equal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from rewardsmith.verifiers.math.evaluate import compare, evaluate, split_top_level
from rewardsmith.verifiers.math.numbers import numbers_equal, parse_number
from rewardsmith.verifiers.math.structure import (expand_pm, free_letters, merged, read_function,
                                                read_items, read_real_set, real_set_latex,
                                                rename_letter)

__all__ = ["Decision", "classify", "compare_kind", "SINGLE_KINDS", "angle_decision",
           "rounded_gold_decision"]

SINGLE_KINDS = frozenset({"letter", "word", "number", "angle", "expression", "function",
                          "equation", "base"})
_SET_SIGNS = re.compile(r"\\(?:cup|cap|infty|in|mid|mathbb|emptyset|varnothing)(?![a-zA-Z])|"
                        r"\\(?:le|ge|leq|geq|lt|gt|neq|ne|leqslant|geqslant)(?![a-zA-Z])|[<>]")
_PM = re.compile(r"\\pm(?![a-zA-Z])")


@dataclass
class Decision:
    """The outcome of one kind comparison."""

    correct: bool | None = None
    reason: str = ""
    jobs: list[tuple[str, str]] = field(default_factory=list)


def _is_paren_list(p: str, opening: str = "(", closing: str = ")") -> list[str] | None:
    if not (p.startswith(opening) and p.endswith(closing)) or not _closes_at_end(p):
        return None
    items = split_top_level(p[len(opening):len(p) - len(closing)])
    return items if len(items) >= 2 and all(items) else None


def _closes_at_end(s: str) -> bool:
    depth = 0
    for i, ch in enumerate(s):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0:
            return i == len(s) - 1
    return False


_BASE = re.compile(r"([0-9A-Za-z]+)(?:\s*_\s*\{?\s*(\d{1,2})\s*\}?|\s*\\text\{\s*base\s*(\d{1,2})\s*\})?")


def base_number(p: str) -> tuple[str, int | None] | None:
    """``204_5`` as ``('204', 5)``, ``52`` as ``('52', None)``; None for anything else."""
    m = _BASE.fullmatch(p.strip())
    if m is None:
        return None
    base = m.group(2) or m.group(3)
    return m.group(1).lstrip("0").upper() or "0", int(base) if base else None


def compare_base(gold_p: str, p: str) -> Decision:
    """A number written in another base: the same digits, in the gold's base (or no base)."""
    gold, pred = base_number(gold_p), base_number(p)
    if pred is None:
        return Decision(False, "wrong: not a number in the gold's base")
    if pred[1] not in (None, gold[1]):
        return Decision(False, f"wrong: base {pred[1]} for a base-{gold[1]} gold")
    if pred[0] != gold[0]:
        return Decision(False, "wrong: different digits")
    return Decision(True, f"correct: the same digits in base {gold[1]}")


def classify(text: str, p: str, number: Any, raw: str) -> str:
    """The kind of a cleaned gold (``text``: latex_clean form, ``p``: plain form)."""
    if number is not None:
        return "number"
    if (base := base_number(p)) is not None and base[1] is not None and 2 <= base[1] <= 36 \
            and all(int(d, 36) < base[1] for d in base[0]):
        return "base"
    if "circ" in raw or "\u00b0" in raw or "degree" in raw:
        return "angle"
    if "\\begin" in text:
        return "matrix"
    if _is_paren_list(p) is not None:
        return "tuple"
    if _SET_SIGNS.search(p) or (p[:1] == "[" or p[-1:] == "]"):
        if read_real_set(p) is not None:
            return "real_set"
    if read_function(p) is not None:
        return "function"
    items = read_items(p)
    if items is not None:
        labels = [label for label, _ in items]
        if all(labels) and len(set(labels)) == len(labels):
            return "labelled"
        return "solutions"
    if p.count("=") == 1 and free_letters(p):
        return "equation"
    if _SET_SIGNS.search(p):
        return "relation"  # f(2) < f(1) < f(4), 1 \leq |z| \leq 2: sympy compares it whole
    return "expression"


# --- scalar comparison --------------------------------------------------------------------------
def scalar(gold: str, pred: str, digits: int = 6) -> bool | None:
    """Two single values: True, False, or None (sympy must decide)."""
    if gold.replace(" ", "") == pred.replace(" ", ""):
        return True
    g, a = parse_number(gold), parse_number(pred)
    if g is not None and a is not None:
        return numbers_equal(g, a, digits)
    return compare(evaluate(gold), evaluate(pred))


def _values(items: list[tuple[str | None, str]]) -> list[str]:
    return [v for _, v in items]


def answer_items(p: str) -> list[tuple[str | None, str]]:
    """An answer's values (one item when it is not a list); a tuple's brackets are dropped."""
    inner = _is_paren_list(p) or _is_paren_list(p, "\\langle", "\\rangle")
    if inner is not None:
        return [(None, x) for x in inner]
    items = read_items(p)
    if items is not None:
        return items
    return [(None, v) for v in expand_pm(p)]


def _set_latex(values: list[str]) -> str:
    return "\\{" + ", ".join(values) + "\\}"


def compare_solutions(gold: list[str], pred: list[str], digits: int) -> Decision:
    """Unordered values: the same set (every gold value given, nothing else)."""
    table = [[scalar(g, a, digits) for a in pred] for g in gold]
    for g, row in zip(gold, table):
        if all(v is False for v in row):
            return Decision(False, f"wrong: the solution {g} is missing")
    for j, a in enumerate(pred):
        if all(row[j] is False for row in table):
            return Decision(False, f"wrong: {a} is not a solution (more values than the gold)")
    if all(v is not None for row in table for v in row):
        return Decision(True, "correct: the same set of values")
    return Decision(None, "", [(_set_latex(gold), _set_latex(pred))])


def compare_ordered(gold: list[str], pred: list[str], digits: int, what: str) -> Decision:
    """Ordered values: the same length and each position equal."""
    if len(gold) != len(pred):
        return Decision(False, f"wrong: {len(pred)} values for a {what} of {len(gold)}")
    jobs = []
    for k, (g, a) in enumerate(zip(gold, pred), 1):
        verdict = scalar(g, a, digits)
        if verdict is False:
            return Decision(False, f"wrong: value {k} of the {what} differs")
        if verdict is None:
            jobs.append((g, a))
    return Decision(True, f"correct: the same {what}") if not jobs else Decision(None, "", jobs)


def _compare_tuple(gold_p: str, p: str, digits: int) -> Decision:
    gold = _is_paren_list(gold_p) or []
    pred_items = answer_items(p)
    if len(gold) == 2 and _is_paren_list(p) is None:  # (a, b) may be an open interval
        real = read_real_set(p)
        if real is not None and len(pred_items) == 1:
            return _compare_real_sets(read_real_set(gold_p) or [], real, gold_p, p)
    if all(label for label, _ in pred_items) and len(pred_items) == len(gold):
        pass  # labelled values for a tuple: in the tuple's order
    return compare_ordered(gold, _values(pred_items), digits, "tuple")


def _compare_labelled(gold_items, p: str, digits: int) -> Decision:
    pred_items = answer_items(p)
    labels = [label for label, _ in pred_items]
    if all(labels) and len(set(labels)) == len(labels):
        gold = dict(gold_items)
        if set(labels) != set(gold):
            return Decision(False, "wrong: labels differ from the gold's")
        return compare_ordered([gold[label] for label in labels], _values(pred_items), digits,
                               "labelled values")
    return compare_ordered(_values(gold_items), _values(pred_items), digits, "labelled values")


def _compare_real_sets(gold_iv, pred_iv, gold_p: str, p: str) -> Decision:
    g, a = merged(gold_iv), merged(pred_iv)
    if g is None or a is None:
        return Decision(None, "", [(gold_p, p)])
    if len(g) != len(a):
        return Decision(False, f"wrong: {len(a)} interval(s) for a set of {len(g)}")
    jobs = []
    for (glo, glc, ghi, ghc, glt, ght), (alo, alc, ahi, ahc, alt, aht) in zip(g, a):
        for gv, av, gt, at in ((glo, alo, glt, alt), (ghi, ahi, ght, aht)):
            verdict = _endpoint_equal(gv, av)
            if verdict is False:
                return Decision(False, "wrong: an endpoint differs")
            if verdict is None:
                jobs.append((gt, at))
        if (glc, ghc) != (alc, ahc):
            return Decision(False, "wrong: open versus closed endpoint")
    if jobs:
        return Decision(None, "", jobs)
    return Decision(True, "correct: the same set of real numbers")


def _endpoint_equal(g, a) -> bool | None:
    if isinstance(g, float) or isinstance(a, float):  # infinities
        return g == a
    return compare(g, a)


def _compare_function(gold_p: str, p: str) -> Decision:
    name, var, rhs = read_function(gold_p)
    got = read_function(p)
    if got is not None:
        pred_var, pred_rhs = got[1], got[2]
    else:
        letters = free_letters(p)
        if "=" in p or len(letters) > 1:
            return Decision(None, "", [(gold_p, p)])
        pred_var, pred_rhs = (next(iter(letters)) if letters else var), p
    if pred_var != var:
        if var in free_letters(pred_rhs):
            return Decision(False, "wrong: the variable cannot be renamed consistently")
        pred_rhs = rename_letter(pred_rhs, pred_var, var)
    verdict = compare(evaluate(rhs), evaluate(pred_rhs))
    if verdict is False:
        return Decision(False, "wrong: a different right-hand side")
    return Decision(None, "", [(rhs, pred_rhs)])


def _compare_equation(gold_p: str, p: str) -> Decision:
    gold_letters, pred_letters = free_letters(gold_p), free_letters(p)
    if len(gold_letters) == 1 and len(pred_letters) == 1 and gold_letters != pred_letters:
        p = rename_letter(p, next(iter(pred_letters)), next(iter(gold_letters)))
    return Decision(None, "", [(gold_p, p)])


def compare_kind(kind: str, gold_p: str, p: str, digits: int = 6) -> Decision:
    """Compare a plain answer ``p`` with a structured gold of ``kind`` (gold first)."""
    if kind == "tuple":
        return _compare_tuple(gold_p, p, digits)
    if kind == "labelled":
        return _compare_labelled(read_items(gold_p) or [], p, digits)
    if kind == "solutions":
        gold, pred = _values(read_items(gold_p) or []), answer_items(p)
        labels = [label for label, _ in pred]
        if all(labels) and len(set(labels)) == len(labels) == len(gold):
            return compare_ordered(gold, _values(pred), digits, "labelled values")  # gold order
        return compare_solutions(gold, _values(pred), digits)
    if kind == "real_set":
        pred = read_real_set(p)
        if pred is None:
            return Decision(None, "", [(gold_p, p)])
        return _compare_real_sets(read_real_set(gold_p) or [], pred, gold_p, p)
    if kind == "function":
        return _compare_function(gold_p, p)
    if kind == "equation":
        return _compare_equation(gold_p, p)
    if kind == "base":
        return compare_base(gold_p, p)
    raise ValueError(f"not a structured kind: {kind}")


# --- angles and rounded golds -------------------------------------------------------------------
def _degrees(text: str) -> Any:
    """A radian answer (one ``\\pi``) in degrees, exactly: ``\\frac{3\\pi}{4}`` -> 135."""
    if text.count("\\pi") != 1:
        return None
    return evaluate(text.replace("\\pi", "(180)"))


def angle_decision(gold_text: str, gold_degrees: bool, answer_text: str,
                   answer_degrees: bool, about_angle: bool = False) -> Decision | None:
    """Angles: a degree gold against a radian answer, or (in a question about an angle) a
    multiple-of-pi gold against a degree answer, compared in degrees. None: not such a pair."""
    if gold_degrees and not answer_degrees and "\\pi" in answer_text:
        gold, pred = evaluate(gold_text), _degrees(answer_text)
    elif about_angle and not gold_degrees and answer_degrees and "\\pi" in gold_text:
        gold, pred = _degrees(gold_text), evaluate(answer_text)
    else:
        return None
    verdict = compare(gold, pred)
    if verdict is None:
        return Decision(None, "", []) if gold is None or pred is None else \
            Decision(None, "", [(gold_text, answer_text)])
    return Decision(verdict, "correct: the same angle" if verdict else "wrong: a different angle")


def rounded_gold_decision(places: int, gold_value: Fraction, answer_text: str) -> Decision | None:
    """A gold written as a decimal with ``places`` decimals accepts an exact answer (fraction,
    radical, mixed number) that rounds to it; a decimal answer never gets here."""
    if places < 1 or "." in answer_text:
        return None
    value = evaluate(answer_text)
    if isinstance(value, complex):
        if abs(value.imag) > 1e-12:
            return None
        value = Fraction(value.real).limit_denominator(10**12)
    if not isinstance(value, Fraction):
        return None
    scale = 10 ** places
    rounded = Fraction((value * scale + Fraction(1, 2)).__floor__(), scale)
    if rounded == gold_value:
        return Decision(True, f"correct: rounds to the gold at {places} decimals")
    return None
