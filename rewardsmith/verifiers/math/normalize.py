"""Answer strings: strip LaTeX noise, units and thousands separators; tell what kind a gold is.

Two levels of cleaning:

* :func:`latex_clean` keeps the mathematics and drops what never changes a value (``$``
  delimiters, ``\\left``/``\\right``, ``\\dfrac``, spacing commands, degree signs, currency
  signs, thousands separators). This is what math-verify sees.
* :func:`plain` also unwraps ``\\text{}``-like commands, for reading numbers, choice letters and
  words, and for the hedging checks.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from rewardsmith.verifiers.math.evaluate import evaluate, split_top_level
from rewardsmith.verifiers.math.extract import boxed_contents
from rewardsmith.verifiers.math.kinds import SINGLE_KINDS, classify
from rewardsmith.verifiers.math.numbers import Number, parse_number

__all__ = ["Gold", "latex_clean", "plain", "read_number", "read_letter", "read_word",
           "prepare_gold", "split_top_level", "as_column", "canonical", "has_degrees"]

_UNICODE = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u00d7": r"\times ", "\u00b7": r"\cdot ", "\u22c5": r"\cdot ",
    "\u00f7": r"\div ", "\u221e": r"\infty ", "\u222a": r"\cup ", "\u2229": r"\cap ",
    "\u2264": r"\leq ", "\u2265": r"\geq ", "\u2a7d": r"\leq ", "\u2a7e": r"\geq ",
    "\u2260": r"\neq ", "\u03c0": r"\pi ", "\u00b1": r"\pm ", "\u2213": r"\mp ",
    "\u2208": r"\in ", "\u2205": r"\emptyset ", "\u211d": r"\mathbb{R}", "\u2248": r"\approx ",
    "\u00b0": r"^\circ ", "\u2009": " ", "\u00a0": " ", "\u202f": " ", "\u3000": " ",
    # invisible characters are deleted: \boxed{12\u200b3} shows 123, not 12
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
    "\u00ad": None, "\u2061": None, "\u2062": None, "\u2063": None, "\u2064": None})
_CURRENCY = str.maketrans({"\u20ac": "", "\u00a3": "", "\u00a5": ""})  # euro, pound, yen
_SUPERSCRIPT = str.maketrans({"\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3",
                              "\u2074": "4", "\u2075": "5", "\u2076": "6", "\u2077": "7",
                              "\u2078": "8", "\u2079": "9", "\u207b": "-", "\u207a": "+"})
_SUPERSCRIPTS = re.compile("[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u207a\u207b]+")
_ROOT = re.compile(r"\u221a\s*(\d+(?:\.\d+)?|[A-Za-z]|\((?:[^()]|\([^()]*\))*\)|\{)")
_ASCII_RELATIONS = (("!=", r"\neq "), ("<=", r"\leq "), (">=", r"\geq "))
_MATHRM_LETTER = re.compile(r"\\(?:mathrm|operatorname|mathit)\s*\{\s*([A-Za-z])\s*\}")
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("**", "**"))
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])\s*|\\displaystyle")
_SPACES = re.compile(r"(?<!\\)\\[,;: ]|\\q?quad\b|~")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ\b|\u00b0|\\degree\b")
_WHOLE_THOUSANDS = re.compile(r"([-+]?\s*)([1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?)(?![\d,.])")
_GROUP_COMMA = re.compile(r"\s*\{\s*,\s*\}\s*")
_ESCAPED_NEWLINE = re.compile(r"\\\\(?=(?:le|ge|leq|geq|lt|gt|neq|ne|frac|sqrt|pi|in|cup|infty)(?![a-zA-Z]))")
_TUPLE_LABEL = re.compile(r"^\(\s*[A-Za-z](?:_\{?\w+\}?)?(?:\s*,\s*[A-Za-z](?:_\{?\w+\}?)?)+\s*\)\s*=\s*"
                          r"|^[A-Za-z]\s*=\s*(?=[(\[])")
_TEXT = re.compile(r"\\(?:text|textbf|textit|textrm|textsf|textnormal|mathrm|mathbf|mathit"
                   r"|mbox|hbox)\s*\{([^{}]*)\}")
_UNIT_TAIL = re.compile(
    r"\s((?:[A-Za-z]+\.?)(?:[\s/-]+[A-Za-z]+\.?)*)\s*(?:\^\s*\{?\s*[23]\s*\}?)?$")
_NOT_UNITS = {"or", "and", "to", "plus", "minus", "either", "between", "not", "than", "times",
              "over", "divided", "pm", "i", "e", "x", "pi"}
_SCALES = {"dozen": 12, "dozens": 12, "hundred": 10**2, "hundreds": 10**2, "thousand": 10**3,
           "thousands": 10**3, "million": 10**6, "millions": 10**6, "billion": 10**9,
           "billions": 10**9, "trillion": 10**12, "trillions": 10**12}
_ORDINAL = re.compile(r"(?<=\d)\s*(?:\^\s*\{?\s*)?(?:st|nd|rd|th)\b\s*\}?")
_DECIMAL_COMMA = re.compile(r"([-+]?\d+),(\d+)")
_ASSIGN = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*")
_PERCENT_WORD = re.compile(r"\s*(?:percent|per\s*cent|pct)\.?$", re.IGNORECASE)
_LETTER = re.compile(r"(?i)(?:(?:option|choice|answer)\s*:?\s*)?\(?([a-z])\)?[.:]?")
_LETTER_LABELLED = re.compile(r"(?i)(?:(?:option|choice)\s*:?\s*)?\(([a-z])\)\s+\S.*")
_WORDS = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,})*")
_ARTICLE = re.compile(r"(?i)^(?:the|a|an) ")
_NOT_SINGLE = re.compile(r"\\pm|\\mp|\u00b1|[<>,;&\u2264\u2265]|\\\\|\\(?:le|ge|leq|geq|lt|gt|neq?|"
                         r"in|cup|cap|infty|subset|setminus)(?![a-zA-Z])|\\\{|\b(?:or|and)\b")


def _strip_delimiters(s: str) -> str:
    changed = True
    while changed and s:
        changed = False
        s = s.strip()
        if s.endswith(".") and not s.endswith(".."):
            s, changed = s[:-1].rstrip(), True
        for left, right in _DELIMITERS:
            if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s, changed = s[len(left):len(s) - len(right)], True
                break
    return s


def unicode_math(s: str) -> str:
    """Unicode mathematics as LaTeX: ``\u2264 \u221e \u03c0 \u221a2 x\u00b2``, full-width digits
    and signs; invisible characters (zero-width space, soft hyphen) are deleted.

    >>> unicode_math("x\u00b2 \u2264 \u221a2\u03c0"), unicode_math("\uff11\uff12")
    ('x^{2} \\\\leq  \\\\sqrt{2}\\\\pi ', '12')
    """
    if s.isascii():
        return s
    s = _SUPERSCRIPTS.sub(lambda m: "^{" + m.group().translate(_SUPERSCRIPT) + "}", s)
    s = _ROOT.sub(lambda m: "\\sqrt{" if m.group(1) == "{" else
                  "\\sqrt{" + m.group(1) + "}", s).replace("\u221a", "\\sqrt ")
    s = s.translate(_UNICODE)
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)  # full-width digits and signs
    return s


def whole_number_commas(s: str) -> str:
    """Digit-group commas removed, only when the whole string is one number in a thousands format
    (with an optional sign, currency and unit): never inside brackets, never in a list.

    >>> whole_number_commas("1,234,567.5 dollars"), whole_number_commas("(312,123,231)")
    ('1234567.5 dollars', '(312,123,231)')
    """
    m = _WHOLE_THOUSANDS.match(s)
    if m is None or "," in s[m.end():]:
        return s
    return m.group(1) + m.group(2).replace(",", "") + s[m.end():]


def latex_clean(s: str) -> str:
    """Drop what never changes a value; keep the mathematics.

    >>> latex_clean(r"$\\$10,\\!080.$")
    '10080'
    >>> latex_clean(r"\\left( 3, \\dfrac{\\pi}{2} \\right)")
    '( 3, \\\\frac{\\\\pi}{2} )'
    """
    s = _strip_delimiters(unicode_math(s))
    s = _LEFT_RIGHT.sub("", s).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\cfrac", "\\frac")
    s = re.sub(r",\\!\s*", ",", s).replace("\\!", "")
    s = _GROUP_COMMA.sub(",", s) if "{" in s else s
    s = _ESCAPED_NEWLINE.sub(r"\\", s) if "\\\\" in s and "\\begin" not in s else s
    s = re.sub(r"(?<=\d)\\,(?=\d{3}(?!\d))", "", s)
    s = _SPACES.sub(" ", s)
    s = _DEGREES.sub("", s)
    s = s.replace("\\$", "").replace("$", "").replace("\\%", "%")
    s = s.translate(_CURRENCY) if not s.isascii() else s
    s = _MATHRM_LETTER.sub(r"\1", s)
    for ascii_relation, relation in _ASCII_RELATIONS:
        s = s.replace(ascii_relation, relation)
    s = " ".join(s.split())
    if s.startswith("{") and s.endswith("}") and "," in s and _closes_at_end(s, "{", "}"):
        s = "\\{" + s[1:-1] + "\\}"  # {1, 2} written without escapes is a set
    s = _TUPLE_LABEL.sub("", s) if "=" in s else s  # (p, q) = (3, 2): the values
    return whole_number_commas(s) if "," in s else s


def plain(s: str, cleaned: bool = False) -> str:
    """:func:`latex_clean` (unless ``cleaned``), then unwrap ``\\text{}``, ``\\mbox{}``, ...

    >>> plain(r"\\text{(C)}"), plain(r"5.4 \\text{ cents}")
    ('(C)', '5.4 cents')
    """
    s = s if cleaned else latex_clean(s)
    if "{" not in s:
        return s
    for _ in range(3):
        unwrapped = _TEXT.sub(lambda m: f" {m.group(1)} ", s)
        if unwrapped == s:
            break
        s = unwrapped
    return _strip_delimiters(" ".join(s.split()))


def _strip_units(s: str) -> tuple[str, int]:
    """``s`` without a trailing unit, and the scale word's factor (``1.5 million`` -> 10**6)."""
    m = _UNIT_TAIL.search(s)
    if not m or len(m.group(1)) > 40:
        return s, 1
    words = re.findall(r"[a-z]+", m.group(1).lower())
    if set(words) & _NOT_UNITS or sum(len(w) for w in words) < 2:
        return s, 1
    if any(w in _SCALES for w in words[1:]) or words[0] == "of":
        return s, 1  # "5 dollars thousand", "3 of ...": no value to read safely
    return s[:m.start()].rstrip(), _SCALES.get(words[0], 1)


def read_number(p: str) -> Number | None:
    """A plain answer as an exact number, ignoring units, ``x =`` and ``percent`` words.

    >>> read_number("864 inches^2").value, read_number("x = -3").value
    (Fraction(864, 1), Fraction(-3, 1))
    >>> read_number("18 or 20") is None, read_number("1.45 million dollars").value
    (True, Fraction(1450000, 1))
    """
    p = _ORDINAL.sub("", _PERCENT_WORD.sub("%", p))
    for candidate, scale in ((p, 1), _strip_units(p)):
        number = parse_number(_ASSIGN.sub("", candidate))
        if number is not None:
            return replace(number, value=number.value * scale, places=None) if scale > 1 else number
    return None


def decimal_comma(p: str) -> Number | None:
    """``1,22`` or ``0,111`` as a decimal, when the digits after the comma cannot be a
    thousands group (not three of them, or a leading ``0,``).

    >>> decimal_comma("1,22").value, decimal_comma("1,220")
    (Fraction(61, 50), None)
    """
    m = _DECIMAL_COMMA.fullmatch(p.strip())
    if m is None or (len(m.group(2)) == 3 and m.group(1).lstrip("+-") != "0") \
            or len(m.group(2)) == 1:
        return None
    return parse_number(f"{m.group(1)}.{m.group(2)}")


def read_letter(p: str) -> str | None:
    """A multiple-choice letter: ``C``, ``(C)``, ``C)``, ``Option C``, ``(C) 12``; upper-cased."""
    m = _LETTER.fullmatch(p) or _LETTER_LABELLED.fullmatch(p)
    return m.group(1).upper() if m else None


def read_word(p: str) -> str | None:
    """A plain-word answer (``Evelyn``, ``even``), case-folded, leading article dropped."""
    p = _ARTICLE.sub("", p)
    return p.casefold() if _WORDS.fullmatch(p) else None


_CANON_FRAC = re.compile(r"\\frac(\d|\{[^{}]*\})(\d|\{[^{}]*\})")
_CANON_ARG = re.compile(r"(\\sqrt|\^|_)(\w)")


def canonical(text: str, cleaned: bool = False) -> str:
    """A spelling of :func:`latex_clean` output that only drops what TeX ignores: spaces, braces
    around one-token arguments (``\\frac43``, ``\\sqrt2``, ``x^2``), one redundant pair of outer
    parentheses. Equal canonical strings are equal answers.

    >>> canonical(r"\\left(\\frac43 + x^2\\right)") == canonical(r"\\frac{4}{3}+x^{2}")
    True
    """
    s = "".join((text if cleaned else latex_clean(text)).split())
    s = _CANON_FRAC.sub(lambda m: "\\frac" + "".join(
        g if g.startswith("{") else "{" + g + "}" for g in m.groups()), s)
    s = _CANON_ARG.sub(lambda m: m.group(1) + "{" + m.group(2) + "}", s)
    if s.startswith("(") and s.endswith(")") and len(split_top_level(s[1:-1])) == 1 \
            and _closes_at_end(s):
        s = s[1:-1]
    return s


def _closes_at_end(s: str, opening: str = "(", closing: str = ")") -> bool:
    """The parenthesis opening ``s`` is the one closing it."""
    depth = 0
    for i, ch in enumerate(s):
        depth += ch == opening
        depth -= ch == closing
        if depth == 0:
            return i == len(s) - 1
    return False


def as_column(pred_text: str, gold_text: str) -> str:
    """A tuple ``(a, b, c)`` written for a column-vector gold, as that column vector."""
    if not (gold_text.startswith("\\begin{pmatrix}") and "&" not in gold_text
            and pred_text.startswith("(") and pred_text.endswith(")")):
        return pred_text
    items = split_top_level(pred_text[1:-1])
    if len(items) != gold_text.count("\\\\") + 1:
        return pred_text
    return "\\begin{pmatrix} " + " \\\\ ".join(items) + " \\end{pmatrix}"


@dataclass(frozen=True)
class Gold:
    """A gold answer, cleaned and classified once (cached by :func:`prepare_gold`).

    Attributes:
        text: :func:`latex_clean` form (what math-verify gets).
        plain: :func:`plain` form.
        number: the exact number, when the gold is one.
        letter: the choice letter, when the gold is one (``\\text{(C)}`` -> ``C``).
        word: the case-folded word(s), when the gold is plain words.
        single: the gold is one value (no list, interval, inequality or ``\\pm``); predictions
            that hedge are then refused.
        canon: the :func:`canonical` spelling.
        value: what :func:`~rewardsmith.verifiers.math.evaluate.evaluate` reads (None: unreadable,
            or degrees are involved).
        kind: what the gold is (:func:`~rewardsmith.verifiers.math.kinds.classify`): ``number``,
            ``letter``, ``word``, ``angle``, ``expression``, ``tuple``, ``solutions``,
            ``labelled``, ``real_set``, ``function`` or ``equation``.
        degrees: the gold carries a degree sign.
    """

    text: str
    plain: str
    number: Number | None
    letter: str | None
    word: str | None
    single: bool
    canon: str = ""
    value: Any = None
    kind: str = "expression"
    degrees: bool = False


@functools.lru_cache(maxsize=65536)
def prepare_gold(gold: str) -> Gold:
    """Clean and classify a gold answer. GSM8K answers (``... #### 1,000``) give the text after
    the last ``####`` without commas; a gold holding ``\\boxed{}`` gives its boxes (several
    distinct boxes are one list of values).

    >>> g = prepare_gold("Natalia sold 48/2 = 24 clips in May.\\n#### 1,072")
    >>> g.number.value, g.single
    (Fraction(1072, 1), True)
    >>> prepare_gold(r"\\text{(C)}").letter
    'C'
    """
    if "####" in gold:
        gold = gold.rsplit("####", 1)[1].replace(",", "").strip()
    elif "boxed" in gold or "fbox" in gold:
        boxes = list(dict.fromkeys(b.strip() for b in boxed_contents(gold) if b.strip()))
        gold = ", ".join(boxes) if boxes else gold
    text = latex_clean(gold)
    p = plain(text, cleaned=True)
    letter = m.group(1) if (m := re.fullmatch(r"\(?([A-Z])\)?", p)) else None
    number = read_number(p) or decimal_comma(p)
    word = None if letter else read_word(p)
    degrees = has_degrees(gold)
    kind = ("letter" if letter else "word" if word is not None else
            classify(text, p, number, gold))
    return Gold(text=text, plain=p, number=number, letter=letter, word=word,
                single=kind in SINGLE_KINDS, canon=canonical(text, cleaned=True),
                value=None if degrees else evaluate(text), kind=kind, degrees=degrees)


def has_degrees(raw: str) -> bool:
    """Degree signs are dropped by cleaning, so trigonometry on such answers is not evaluated."""
    return "circ" in raw or "\u00b0" in raw or "degree" in raw
