"""A small, safe LaTeX evaluator: decides many comparisons without sympy, or defers.

It reads arithmetic (``+ - * / ^``, ``\\cdot``, ``\\times``, implicit products), ``\\frac``,
``\\sqrt``, ``\\sqrt[n]``, ``\\pi``, ``e``, ``i``, a few functions, single-letter variables, and
tuples, intervals and lists of those. Values stay exact :class:`~fractions.Fraction` while the
arithmetic is rational; anything else becomes a complex float, and variables take fixed
pseudo-random values.

:func:`compare` is one-sided on floats: exact values decide both ways, approximate values only
*reject* (two expressions that differ by more than a millionth at some point are different;
agreement in floats proves nothing, so sympy decides). Anything it does not read gives None and
goes to sympy too. Decimal literals are approximate on purpose: the decimal policy belongs to
the number fast path and math-verify.
"""
from __future__ import annotations

import cmath
import re
from fractions import Fraction
from typing import Union

from rewardsmith.verifiers.math.cursor import TokenCursor, Unreadable

__all__ = ["evaluate", "compare", "split_top_level"]

Value = Union[Fraction, complex]
_TOKEN = re.compile(r"\s*(\d+\.\d*|\.\d+|\d+|\\[a-zA-Z]+|[a-zA-Z]|[-+*/^(){}\[\],])")
_FUNCS = {"sin": cmath.sin, "cos": cmath.cos, "tan": cmath.tan, "exp": cmath.exp,
          "ln": cmath.log, "cot": lambda z: 1 / cmath.tan(z), "sec": lambda z: 1 / cmath.cos(z),
          "csc": lambda z: 1 / cmath.sin(z)}
_CONSTS = {"pi": cmath.pi}
_MAX_BITS = 4096
#: names written without a backslash (``pi``, ``sin x``): readers disagree on them, so defer
_BARE_NAMES = re.compile(r"(?<![\\a-zA-Z])(?:pi|sin|cos|tan|cot|sec|csc|ln|log|exp|sqrt|arc|inf)")


def _variable(name: str) -> complex:
    """A fixed pseudo-random value in (1.1, 2.3) per variable name."""
    return complex(1.1 + (ord(name) * 0.6180339887498949) % 1.2)


class _Parser(TokenCursor):
    """Recursive descent that computes values; anything it does not read is Unreadable (sympy
    decides)."""

    def __init__(self, text: str) -> None:
        tokens: list[str] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise Unreadable(text[pos:pos + 10])
            tokens.append(m.group(1))
            pos = m.end()
        super().__init__(tokens)

    # expr := term (('+'|'-') term)*
    def expr(self) -> Value:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    # term := unary (('*'|'/'|implicit) unary)*
    def term(self) -> Value:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "/", "\\cdot", "\\times", "\\div"):
                self.take()
                right = self.unary()
                value = _div(value, right) if tok in ("/", "\\div") else value * right
            elif tok is not None and (tok[0].isalnum() or tok[0] == "\\" or tok in ("(", "{")):
                if tok[0].isdigit():
                    raise Unreadable("two numbers side by side")
                value = value * self.unary()
            else:
                return value

    def unary(self) -> Value:
        if self.peek() in ("-", "+"):
            sign = self.take()
            value = self.unary()
            return -value if sign == "-" else value
        return self.power()

    def power(self) -> Value:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exponent = self.group() if self.peek() == "{" else self.atom()
            return _pow(base, exponent)
        return base

    def group(self) -> Value:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def argument(self) -> Value:
        """A command's argument: a braced group, or a single token (``\\frac43``, ``\\sqrt2``)."""
        if self.peek() == "{":
            return self.group()
        tok = self.take()
        if tok.isdigit():
            return Fraction(tok[0]) if len(tok) == 1 else _split_digits(self, tok)
        if len(tok) == 1 and tok.isalpha():
            return self.letter(tok)
        raise Unreadable(tok)

    def letter(self, tok: str) -> Value:
        if tok == "i":
            return 1j
        if tok == "e":
            return cmath.e
        return _variable(tok)

    def atom(self) -> Value:
        tok = self.take()
        if tok[0].isdigit() or tok[0] == ".":
            if self.peek() == "\\frac" and tok.isdigit():  # mixed number 1\frac{4}{5}
                self.take()
                return Fraction(tok) + _div(self.argument(), self.argument())
            return Fraction(tok) if "." not in tok else complex(float(tok))
        if tok == "(":
            value = self.expr()
            self.take(")")
            return value
        if tok == "{":
            self.i -= 1
            return self.group()
        if len(tok) == 1 and tok.isalpha():
            return self.letter(tok)
        return self.command(tok[1:])

    def command(self, name: str) -> Value:
        if name == "frac":
            return _div(self.argument(), self.argument())
        if name == "sqrt":
            index: Value = Fraction(2)
            if self.peek() == "[":
                self.take("[")
                index = self.expr()
                self.take("]")
            return _root(self.argument(), index)
        if name in _CONSTS:
            return complex(_CONSTS[name])
        if name in _FUNCS:
            arg = self.argument() if self.peek() == "{" else self.power()
            nxt = self.peek()
            if nxt is not None and (nxt[0].isalnum() or nxt[0] == "\\" or nxt in ("(", "{")) \
                    and nxt not in ("\\cdot", "\\times", "\\div"):
                raise Unreadable("function argument without brackets: \\sin 2x")
            return _FUNCS[name](complex(arg))
        raise Unreadable("\\" + name)


def _split_digits(parser: _Parser, tok: str) -> Value:
    """``\\frac43``: a multi-digit token as a bare argument is its first digit (TeX reads one)."""
    parser.tokens[parser.i - 1:parser.i] = [tok[0], tok[1:]]
    return Fraction(tok[0])


def _div(a: Value, b: Value) -> Value:
    if b == 0:
        raise Unreadable("division by zero")
    return a / b


def _pow(base: Value, exponent: Value) -> Value:
    if isinstance(base, Fraction) and isinstance(exponent, Fraction) and exponent.denominator == 1:
        bits = max(abs(base.numerator), base.denominator).bit_length() * abs(exponent.numerator)
        if bits <= _MAX_BITS:
            if base == 0 and exponent < 0:
                raise Unreadable("division by zero")
            return base ** int(exponent)
    try:
        return complex(base) ** complex(exponent)
    except (OverflowError, ZeroDivisionError):
        raise Unreadable("overflow") from None


def _root(value: Value, index: Value) -> Value:
    if isinstance(value, Fraction) and isinstance(index, Fraction) and index.denominator == 1:
        n = int(index)
        for part in (value.numerator, value.denominator):
            if part < 0 or round(abs(part) ** (1 / n)) ** n != abs(part):
                break
        else:
            return Fraction(round(value.numerator ** (1 / n)), round(value.denominator ** (1 / n)))
        if value < 0 and n % 2 == 1:  # the real odd root, as a reader (and math-verify) means it
            return -complex(float(-value) ** (1 / n))
    return complex(value) ** (1 / complex(index))


_OPEN, _CLOSE = "([", ")]"


def evaluate(text: str) -> Value | tuple | None:
    """The value of a cleaned LaTeX answer, a ``(kind, values)`` tuple for lists, or None.

    ``kind`` is the bracket pair (``()``, ``(]``, ``[]`` ...), or ``,`` for a bare list.

    >>> evaluate(r"\\frac{9}{2^8}")
    Fraction(9, 256)
    >>> evaluate(r"(3, \\frac{1}{2}]")
    ('(]', (Fraction(3, 1), Fraction(1, 2)))
    >>> evaluate(r"x \\in [1, 2]") is None
    True
    """
    text = text.strip()
    if len(text) > 1000 or not text or _BARE_NAMES.search(text):
        return None
    try:
        if text[0] in _OPEN and text[-1] in _CLOSE and _top_level_comma(text[1:-1]):
            return text[0] + text[-1], tuple(_scalar(p) for p in split_top_level(text[1:-1]))
        if _top_level_comma(text):
            return ",", tuple(_scalar(p) for p in split_top_level(text))
        return _scalar(text)
    except (Unreadable, ArithmeticError, ValueError, TypeError, RecursionError):
        return None


def _scalar(text: str) -> Value:
    parser = _Parser(text)
    value = parser.expr()
    if parser.peek() is not None:
        raise Unreadable(parser.peek())
    if isinstance(value, complex) and not (cmath.isfinite(value)):
        raise Unreadable("not finite")
    return value


def _top_level_comma(text: str) -> bool:
    return len(split_top_level(text)) > 1


def split_top_level(s: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside brackets and braces.

    >>> split_top_level(r"\\frac{1}{2}, (3, 4), 5")
    ['\\\\frac{1}{2}', '(3, 4)', '5']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(s[start:i].strip())
            start = i + 1
    parts.append(s[start:].strip())
    return parts


def _differ(a: Value, b: Value) -> bool | None:
    """True: surely different; False: exactly equal; None: close in floats (undecided)."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a != b
    diff = abs(complex(a) - complex(b))
    return True if diff > 1e-6 * max(1.0, abs(complex(a)), abs(complex(b))) else None


def compare(gold: Value | tuple | None, pred: Value | tuple | None) -> bool | None:
    """Gold first: True (equal), False (different), or None (let sympy decide).

    >>> compare(evaluate(r"3\\sqrt{13}"), evaluate(r"3\\sqrt{14}"))
    False
    >>> compare(evaluate(r"3\\sqrt{13}"), evaluate(r"\\sqrt{117}")) is None  # floats never accept
    True
    >>> compare(evaluate("2^{-98}"), evaluate(r"\\frac{1}{2^{99}}"))
    False
    """
    if gold is None or pred is None:
        return None
    if not isinstance(gold, tuple) and not isinstance(pred, tuple):
        verdict = _differ(gold, pred)
        return None if verdict is None else not verdict
    if not (isinstance(gold, tuple) and isinstance(pred, tuple)) or gold[0] != pred[0]:
        return None
    if gold[0] == ",":
        return _compare_sets(gold[1], pred[1])
    if len(gold[1]) != len(pred[1]):
        return False
    verdicts = [_differ(g, p) for g, p in zip(gold[1], pred[1])]
    if any(v is True for v in verdicts):
        return False
    return True if all(v is False for v in verdicts) else None


def _compare_sets(golds: tuple, preds: tuple) -> bool | None:
    """Unordered lists (all roots, ...): equal as sets."""
    def unmatched(xs: tuple, ys: tuple) -> bool | None:
        undecided = False
        for x in xs:
            verdicts = [_differ(x, y) for y in ys]
            if any(v is False for v in verdicts):
                continue
            if all(v is True for v in verdicts):
                return True
            undecided = True
        return None if undecided else False

    either = [unmatched(golds, preds), unmatched(preds, golds)]
    if True in either:
        return False
    return True if either == [False, False] else None
