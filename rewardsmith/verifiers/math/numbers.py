"""Exact numbers: the fast path that decides most comparisons without sympy.

A plain-number answer (integer, decimal, fraction, mixed number, repeating decimal, scientific
notation, percent) is read into a :class:`fractions.Fraction`, so big integers and tiny rationals
compare exactly (``1/2^98`` is not ``1/2^99``). Only after exact comparison fails may a *written
decimal* approximate a gold that has no short decimal form (``0.333333`` for ``1/3``), and only
when it is the gold correctly rounded to enough significant digits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Number", "parse_number", "numbers_equal"]

_DEC = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"([-+]?)({_DEC})(%?)")
_REPEATING = re.compile(
    r"([-+]?)(\d*)\.(\d*)(?:\\overline\{(\d+)\}|\\dot\{?(\d)\}?|\((\d+)\)"
    r"|(\.\.\.|\\ldots|\\dots|\\cdots|…))(%?)")
_SCIENTIFIC = re.compile(
    rf"([-+]?)({_DEC})\s*(?:(?:\\times|\\cdot|\*|×)\s*10\s*\^\s*\{{?\s*([-+]?\d{{1,4}})\s*\}}?"
    rf"|[eE]([-+]?\d{{1,4}}))(%?)")
_FRAC_ARG = rf"(?:\{{\s*([-+]?{_DEC})\s*\}}|(\d))"
_LATEX_FRAC = re.compile(rf"([-+]?)(?:(\d+)\s*)?\\frac\s*{_FRAC_ARG}\s*{_FRAC_ARG}(%?)")
_SLASH = re.compile(rf"([-+]?)(?:(\d+)\s+)?({_DEC})\s*/\s*({_DEC})(%?)")


@dataclass(frozen=True)
class Number:
    """An exactly read number.

    Attributes:
        value: the exact value (a percent sign is *not* applied: ``25%`` has value 25).
        percent: the answer carried a percent sign.
        places: decimal places written, for a finite decimal such as ``0.333``; else None.
        digits: significant digits written, for a finite decimal; else 0.
    """

    value: Fraction
    percent: bool = False
    places: int | None = None
    digits: int = 0

    def readings(self) -> tuple[Fraction, ...]:
        """Values this answer may mean: ``25%`` is 25 or 0.25."""
        return (self.value, self.value / 100) if self.percent else (self.value,)


def _signed(sign: str, value: Fraction) -> Fraction:
    return -value if sign == "-" else value


def _decimal(sign: str, text: str, percent: str) -> Number:
    whole, _, frac = text.partition(".")
    digits = (whole + frac).lstrip("0") or "0"
    return Number(_signed(sign, Fraction(text)), bool(percent),
                  places=len(frac) if "." in text else None,
                  digits=len(digits) if "." in text else 0)


def _repeating(m: re.Match) -> Number:
    sign, whole, fixed = m.group(1), m.group(2) or "0", m.group(3)
    period = m.group(4) or m.group(5) or m.group(6)
    if period is None:  # "0.333..." : the shortest period repeated at least twice at the end
        period, fixed = _guess_period(fixed)
        if period is None:
            return _decimal(sign, f"{whole}.{fixed}", m.group(8))
    base = Fraction(int(whole + fixed), 10 ** len(fixed))
    tail = Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
    return Number(_signed(sign, base + tail), bool(m.group(8)))


def _guess_period(digits: str) -> tuple[str | None, str]:
    for size in range(1, 7):
        unit = digits[-size:]
        if len(digits) >= 2 * size and digits.endswith(unit * 2):
            rest = digits[:-size]
            while rest.endswith(unit):
                rest = rest[:-size]
            return unit, rest
    return None, digits


def _frac_arg(braced: str | None, bare: str | None) -> Fraction:
    return Fraction(braced if braced is not None else bare)


def parse_number(text: str) -> Number | None:
    """Read ``text`` as one exact number, or return None.

    Accepts integers, decimals, ``a/b``, ``\\frac{a}{b}`` (also ``\\frac43``), mixed numbers
    (``1\\frac{4}{5}``, ``2 1/2``), repeating decimals (``0.\\overline{3}``, ``0.(3)``,
    ``0.333...``), ``6.72 \\times 10^{-5}`` / ``6.72e-5`` and a trailing ``%``. The text must be
    cleaned first (no ``$``, units, or thousands separators).

    >>> parse_number(r"-\\frac{3}{8}").value
    Fraction(-3, 8)
    >>> parse_number(r"0.1\\overline{6}").value
    Fraction(1, 6)
    >>> parse_number("2 1/2").value, parse_number("25%").percent
    (Fraction(5, 2), True)
    >>> parse_number("x + 1") is None
    True
    """
    text = text.strip()
    if len(text) > 400:
        return None
    try:
        return _parse(text)
    except (ValueError, ZeroDivisionError):
        return None


def _parse(text: str) -> Number | None:
    m = _PLAIN.fullmatch(text)
    if m:
        return _decimal(m.group(1), m.group(2), m.group(3))
    m = _LATEX_FRAC.fullmatch(text)
    if m:
        value = _frac_arg(m.group(3), m.group(4)) / _frac_arg(m.group(5), m.group(6))
        return Number(_signed(m.group(1), int(m.group(2) or 0) + value), bool(m.group(7)))
    m = _SLASH.fullmatch(text)
    if m:
        value = Fraction(m.group(3)) / Fraction(m.group(4))
        return Number(_signed(m.group(1), int(m.group(2) or 0) + value), bool(m.group(5)))
    m = _REPEATING.fullmatch(text)
    if m:
        return _repeating(m)
    m = _SCIENTIFIC.fullmatch(text)
    if m:
        exponent = int(m.group(3) or m.group(4))
        return Number(_signed(m.group(1), Fraction(m.group(2)) * Fraction(10) ** exponent),
                      bool(m.group(5)))
    return None


def numbers_equal(gold: Number, pred: Number, decimal_digits: int = 6) -> bool:
    """Gold first, prediction second: is ``pred`` the gold's value?

    Exact first (either may be a percent: ``25%`` matches 25 and 0.25). Then, only when the
    prediction is a written decimal with at least ``decimal_digits`` significant digits and the
    gold has no decimal form that short: the gold rounded to the prediction's places must be the
    prediction. The asymmetry is deliberate: a gold decimal never approximates a prediction.

    >>> third = parse_number(r"\\frac{1}{3}")
    >>> numbers_equal(third, parse_number("0.333333")), numbers_equal(third, parse_number("0.33"))
    (True, False)
    >>> numbers_equal(Number(Fraction(1, 2**98)), Number(Fraction(1, 2**99)))
    False
    """
    golds, preds = gold.readings(), pred.readings()
    if any(g == p for g in golds for p in preds):
        return True
    if pred.places is None or decimal_digits <= 0 or pred.digits < decimal_digits:
        return False
    step = Fraction(1, 10 ** pred.places)
    for g in golds:
        if (g / step).denominator == 1:
            continue  # the gold is exactly writable with these places: it had to match exactly
        if abs(g - pred.value) * 2 <= step:
            return True
    return False
