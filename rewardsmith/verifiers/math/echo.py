r"""Is an answer the question's own expression, merely reordered or re-spelled?

``What is $(2+3)^2-4$?`` answered ``-4+(2+3)^2`` equals the gold 21, but no work was done: the
terms were only moved. This module reads both as *unevaluated* expression trees and compares them
up to notation and commutativity, never up to value:

* notation: ``\frac{a}{b}``, ``a/b`` and ``a \div b`` are one division; ``\cdot``, ``\times``,
  ``*`` and juxtaposition one product; ``(...)``, ``{...}``, ``[...]`` and ``\left( \right)`` are
  grouping; ``**`` is ``^``; ``\dfrac``/``\tfrac`` are ``\frac``; a leading ``+`` is nothing;
* commutativity and associativity: sums and products are flattened and their terms sorted;
* division: ``a/b`` is ``a`` times the inverse of ``b``, ``a/(bc)`` is ``a/b/c``, ``b^{-1}`` is
  ``1/b`` and ``\sqrt[n]{x}`` is ``x^{1/n}``; a term ``+0``, a factor ``1`` and an exponent ``1``
  are dropped (they are spellings, not work);
* signs: ``a - b`` is ``a + (-b)``, minus signs are pulled out of products and pushed into sums
  (``-(b - a)`` is ``a - b``), so a moved or factored sign changes nothing.

Nothing is computed: ``2+3`` and ``5`` are different trees, so a genuinely simplified answer
never matches. An answer is an echo when its tree (with at least :data:`MIN_OPERATIONS`
operations) equals the tree of the question's expression or one of its sub-expressions, and is
not the gold's own tree. The parser is a small recursive-descent reader of the LaTeX and plain
notation used for arithmetic and algebra; text it cannot read is simply not compared (the
verifier's exact-copy check still applies). Pure Python, no sympy: it runs on the host.

>>> echoes("-4+(2+3)^2", "What is $(3+2)^2 - 4$?", "21")
True
>>> echoes(r"\frac{x^2-1}{x-1}", "Simplify (x^2-1)/(x-1).", "x+1"), echoes("21", "What is $(3+2)^2-4$?", "21")
(True, False)
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

from rewardsmith.verifiers.math.cursor import TokenCursor, Unreadable

__all__ = ["MIN_OPERATIONS", "expression_key", "question_keys", "echoes"]

#: answers with fewer operations than this are never echoes: a number (``21``, ``-4``), a symbol
MIN_OPERATIONS = 1
_MAX_TEXT = 2000  # longer answers or question segments are not parsed
_MAX_DEPTH = 60
_MAX_SEGMENTS = 64

Key = tuple  # ("num", "3"), ("sym", "x"), ("add", *terms), ("pow", base, exp), ...

_TOKEN = re.compile(r"\s+|\\[a-zA-Z]+|\\[,;:! ]|\\[{}|]|\\\\|\*\*|\d+(?:\.\d+)?|\.\d+|[a-zA-Z]"
                    r"|[-+*/^_=(){}\[\]!,|<>]|.", re.DOTALL)
_SKIP = {"\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\big", "\\Big",
         "\\displaystyle", "\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\limits"}
_UNICODE = str.maketrans({"\u2212": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*",
                          "\u00f7": "/", "\u2013": "-"})
_ALIASES = {"\\cdot": "*", "\\times": "*", "\\ast": "*", "\\div": "/", "\\{": "(", "\\}": ")",
            "\\lbrace": "(", "\\rbrace": ")", "\\lbrack": "[", "\\rbrack": "]", "\\lparen": "(",
            "\\rparen": ")", "\\dfrac": "\\frac", "\\tfrac": "\\frac", "\\cfrac": "\\frac",
            "**": "^", "\\neq": "=", "\\ne": "=", "\\leq": "<", "\\le": "<", "\\geq": ">",
            "\\ge": ">", "\\lt": "<", "\\gt": ">"}
_FUNCTIONS = {"\\sin", "\\cos", "\\tan", "\\cot", "\\sec", "\\csc", "\\arcsin", "\\arccos",
              "\\arctan", "\\sinh", "\\cosh", "\\tanh", "\\ln", "\\log", "\\exp", "\\lg"}
_TEXT = {"\\text", "\\textrm", "\\mathrm", "\\mathbf", "\\mathit", "\\operatorname", "\\mbox"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}


def _tokens(text: str) -> list[str]:
    out = []
    for m in _TOKEN.finditer(text.translate(_UNICODE)):
        tok = m.group()
        if tok.isspace() or tok in _SKIP:
            continue
        out.append(_ALIASES.get(tok, tok))
    return out


class _Parser(TokenCursor):
    """Recursive descent over the tokens; each method returns a canonical key (see _canon)."""

    def __init__(self, tokens: list[str]) -> None:
        super().__init__(tokens)
        self.depth = 0

    def parse(self) -> Key:
        key = self.relation()
        if self.peek() is not None:
            raise Unreadable(f"unexpected {self.peek()!r}")
        return key

    def relation(self) -> Key:
        ops, parts = [], [self.sum()]
        while self.peek() in ("=", "<", ">", ","):
            ops.append(self.take())
            parts.append(self.sum())
        return parts[0] if not ops else ("rel" + "".join(ops), *parts)

    def sum(self) -> Key:
        self._enter()
        terms = []
        sign = self._sign()
        terms.append(_neg(self.product()) if sign else self.product())
        while self.peek() in ("+", "-"):
            sign = self._sign()
            terms.append(_neg(self.product()) if sign else self.product())
        self.depth -= 1
        return _add(terms)

    def _sign(self) -> bool:
        negative = False
        while self.peek() in ("+", "-"):
            negative ^= self.take() == "-"
        return negative

    def product(self) -> Key:
        factors = [self.unary()]
        while True:
            tok = self.peek()
            if tok in ("*", "/"):
                self.take()
                f = self.unary()
                factors.append(_inv(f) if tok == "/" else f)
            elif tok is not None and self._starts_primary(tok):
                factors.append(self.power())  # juxtaposition: 2x, 3(4), ab
            else:
                return _mul(factors)

    def unary(self) -> Key:
        if self.peek() in ("+", "-"):
            return _neg(self.unary()) if self._sign() else self.unary()
        return self.power()

    def power(self) -> Key:
        self._enter()
        base = self.primary()
        postfix = 0
        while self.peek() in ("^", "!", "_"):
            postfix += 1
            if self.depth + postfix > _MAX_DEPTH:  # x^x^x^...: a deep tree without recursion
                raise Unreadable("nested too deep")
            tok = self.take()
            if tok == "!":
                base = ("fact", base)
            elif tok == "_":
                base = ("sub", base, self.argument())
            else:
                exponent = self.argument()
                base = _pow(base, exponent)
        self.depth -= 1
        return base

    def argument(self) -> Key:
        """A TeX argument: a braced group, or one token (``x^23`` is ``x^{2}3``)."""
        tok = self.peek()
        if tok == "{":
            return self.group()
        if tok is not None and tok[0].isdigit() and len(tok) > 1:
            self.tokens[self.i] = tok[1:]  # one digit is the argument, the rest follows
            return ("num", tok[0])
        if tok in ("+", "-"):  # x^-1
            return _neg(self.argument()) if self._sign() else self.argument()
        return self.primary()

    def group(self) -> Key:
        opener = self.take()
        inner = self.relation()
        self.take(_OPENERS[opener] if opener in _OPENERS else ")")
        return inner

    def primary(self) -> Key:
        self._enter()
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> Key:
        tok = self.peek()
        if tok is None:
            raise Unreadable("expression ends early")
        if tok in _OPENERS:
            return self.group()
        if tok in ("|", "\\|"):
            self.take()
            inner = self.sum()
            self.take(tok)
            return ("abs", inner)
        if tok[0].isdigit() or tok[0] == ".":
            return ("num", _number(self.take()))
        if tok.isalpha() and len(tok) == 1:
            return ("sym", self.take())
        if tok == "\\frac":
            self.take()
            return _mul([self.argument(), _inv(self.argument())])
        if tok == "\\sqrt":
            self.take()
            index = ("num", "2")
            if self.peek() == "[":
                self.take()
                index = self.sum()
                self.take("]")
            return _pow(self.argument(), _inv(index))  # \sqrt[n]{x} is x^{1/n}
        if tok in _FUNCTIONS:
            self.take()
            return ("func", tok, self.power())
        if tok in _TEXT:
            self.take()
            return ("sym", self._group_text())
        if tok.startswith("\\") and tok[1:].isalpha():
            return ("sym", self.take())  # \pi, \alpha, ...
        raise Unreadable(f"cannot read {tok!r}")

    def _group_text(self) -> str:
        """The tokens of a braced group (``\\text{cm}``), joined."""
        self.take("{")
        words, depth = [], 1
        while True:
            tok = self.take()
            depth += (tok == "{") - (tok == "}")
            if depth == 0:
                return "".join(words)
            words.append(tok)

    def _starts_primary(self, tok: str) -> bool:
        return (tok in _OPENERS or tok[0].isdigit() or tok[0] == "." or tok.isalpha()
                or (tok.startswith("\\") and tok[1:].isalpha()))

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unreadable("nested too deep")


def _number(tok: str) -> str:
    try:
        return str(Decimal(tok).normalize())
    except InvalidOperation:  # pragma: no cover - the tokenizer only yields decimals
        raise Unreadable(tok) from None


def _sort(items: list[Key]) -> tuple:
    return tuple(sorted(items, key=repr))


def _neg(x: Key) -> Key:
    if x[0] == "neg":
        return x[1]
    if x[0] == "add":
        return ("add", *_sort([_neg(t) for t in x[1:]]))
    return ("neg", x)


def _pow(base: Key, exponent: Key) -> Key:
    """``x^1`` is ``x`` and ``x^{-1}`` is ``1/x``: spellings, not work."""
    if exponent == ("num", "1"):
        return base
    if exponent == ("neg", ("num", "1")):
        return _inv(base)
    return ("pow", base, exponent)


def _add(terms: list[Key]) -> Key:
    flat: list[Key] = []
    for t in terms:
        flat.extend(t[1:] if t[0] == "add" else [t])
    flat = [t for t in flat if t not in (("num", "0"), ("neg", ("num", "0")))] or [("num", "0")]
    return flat[0] if len(flat) == 1 else ("add", *_sort(flat))


def _signed(x: Key) -> tuple[bool, Key]:
    """A sum as a factor takes one of its two signs canonically: ``-(1-x)`` is ``(x-1)``."""
    if x[0] == "neg":
        negative, inner = _signed(x[1])
        return not negative, inner
    if x[0] == "add":
        flipped = _neg(x)
        if repr(flipped) < repr(x):
            return True, flipped
    return False, x


def _inv(x: Key) -> Key:
    negative, x = _signed(x)
    if negative:
        return _neg(_inv(x))
    if x[0] == "inv":
        return x[1]
    if x[0] == "neg":
        return _neg(_inv(x[1]))
    if x[0] == "mul":  # a/(bc) is a/b/c
        return _mul([_inv(f) for f in x[1:]])
    return ("inv", x)


def _mul(factors: list[Key]) -> Key:
    flat: list[Key] = []
    negative = False
    for f in factors:
        flip, f = _signed(f)
        negative ^= flip
        parts = f[1:] if f[0] == "mul" else [f]
        flat.extend(p for p in parts if p != ("num", "1"))
    key: Key = ("num", "1") if not flat else flat[0] if len(flat) == 1 else ("mul", *_sort(flat))
    return _neg(key) if negative else key


def expression_key(text: str) -> Key | None:
    """The canonical unevaluated tree of ``text``, or None when it cannot be read.

    >>> expression_key("3+2") == expression_key("2 + 3"), expression_key("2+3") == expression_key("5")
    (True, False)
    >>> expression_key(r"a \\cdot b - c") == expression_key("-(c - ba)")
    True
    """
    if not text or len(text) > _MAX_TEXT:
        return None
    try:
        tokens = _tokens(text)
        return _Parser(tokens).parse() if tokens else None
    except (Unreadable, RecursionError):
        return None


def _children(key: Key) -> list[Key]:
    return [] if key[0] in ("num", "sym") else [c for c in key[1:] if isinstance(c, tuple)]


def _operations(key: Key) -> int:
    """Operations in a tree: n - 1 for an n-ary sum, product or relation chain, 1 otherwise."""
    children = _children(key)
    if not children or (key[0] == "neg" and key[1][0] == "num"):  # -4 is a number
        return 0
    own = len(children) - 1 if key[0] in ("add", "mul") or key[0].startswith("rel") else 1
    return own + sum(_operations(c) for c in children)


def _subtrees(key: Key, out: set) -> None:
    children = _children(key)
    if children:
        out.add(key)
    for child in children:
        _subtrees(child, out)


_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_MATHY_WORD = re.compile("[\\d+\\-*/^=(){}\\\\\u00d7\u00f7\u2212\u22c5\u00b7]|^[a-zA-Z]$")


def _segments(question: str) -> list[str]:
    """The math in a question: delimited ``$...$`` / ``\\(...\\)`` parts, and in the text around
    them, runs of words that contain digits, operators or brackets (``Factor ab+5b+2a+10``)."""
    found = [next(g for g in m.groups() if g is not None) for m in _MATH.finditer(question)]
    prose = _MATH.sub(" . ", question)
    run: list[str] = []
    for word in prose.split() + [""]:
        if word and _MATHY_WORD.search(word):
            run.append(word)
            continue
        if run:
            found.append(" ".join(run).strip("?.,;:!"))
        run = []
    return found[:_MAX_SEGMENTS]


@functools.lru_cache(maxsize=4096)
def question_keys(question: str) -> frozenset:
    """Trees of every expression and sub-expression in the question's math (see :func:`echoes`)."""
    keys: set = set()
    for segment in _segments(question):
        key = expression_key(segment)
        if key is not None:
            _subtrees(key, keys)
    return frozenset(keys)


def echoes(answer: str, question: str, gold: str = "") -> bool:
    """True when ``answer`` is an expression of ``question`` up to order, grouping, signs and
    notation (at least :data:`MIN_OPERATIONS` operations), and not the gold's own tree.

    Args:
        answer: the extracted final answer (LaTeX or plain).
        question: the prompt text.
        gold: the gold answer; an answer with the gold's tree is never an echo.
    """
    key = expression_key(answer)
    try:
        if key is None or _operations(key) < MIN_OPERATIONS:
            return False
        if gold and expression_key(gold) == key:
            return False
        return key in question_keys(question)
    except RecursionError:  # pragma: no cover - the parser bounds depth; never crash a verdict
        return False
