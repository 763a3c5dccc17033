r"""Does a piece of text show anything? Blankness as a reader sees it, not as ``str.strip`` sees it.

A reward that asks for "non-empty reasoning" or "a non-empty final answer" must not be satisfied by
text that renders as nothing: zero-width and other format characters (U+200B, the soft hyphen,
word joiners, bidi marks, tag characters), characters drawn as blanks (the Braille blank U+2800,
Hangul fillers), lone combining marks, and LaTeX that typesets no ink: spacing (``\quad``, ``\,``,
``\hspace{2em}``, ``~``), phantoms (``\phantom{42}`` reserves the room of 42 but shows nothing),
empty groups (``{}``, ``$$``), colour names, and style wrappers around blank text
(``\text{ }``, ``\mathrm{}``); HTML entities of blank characters (``&nbsp;``, ``&#8203;``) and
HTML comments, which a Markdown view renders as nothing.

Anything else counts as visible, including LaTeX commands this module does not know (``\pi``).
Everything here is a few linear regex passes, so it is safe on megabyte texts.

>>> is_blank("\u200b\u00ad\u2800"), is_blank(r"\phantom{42}\quad{}"), is_blank(r"\text{ 4 }")
(True, True, False)
"""
from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["INVISIBLE", "strip_invisible", "visible_text", "is_blank"]

#: a character class (for building regexes) of characters that show nothing on their own, beyond
#: whitespace: format characters (soft hyphen, zero-width space/joiners, bidi controls, word
#: joiner, invisible operators, BOM, interlinear annotation, shorthand controls, musical format
#: characters, tag characters), variation selectors, the combining grapheme joiner, Mongolian
#: free variation selectors, Khmer inherent vowels, Hangul fillers and the Braille blank
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
             "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
             "\U0001bca0-\U0001bca3\U0001d159\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
_INVISIBLE = re.compile(f"[{INVISIBLE}]+")
_BLANKISH = re.compile(f"[\\s{INVISIBLE}]+")

# LaTeX that typesets no ink. Phantoms (with their argument) are removed by _drop_phantoms.
_PHANTOM = re.compile(r"\\[hv]?phantom(?![a-zA-Z])\s*\{")
_SPACING_ARG = re.compile(
    r"\\(?:[hv]space\*?|[hv]skip|[hv]kern|kern|mkern|mskip|rule)(?![a-zA-Z])\s*(?:\[[^\[\]]{0,64}\]\s*)?"
    r"(?:\{[^{}]{0,64}\}\s*){0,2}(?:[-+]?[\d.]{1,16}\s*(?:pt|em|ex|mu|cm|mm|in|px|bp|pc|sp|dd|cc)\b)?")
_COLOR_NAME = re.compile(r"\\(?:color|textcolor|pagecolor)(?![a-zA-Z])\s*(?:\[[^\[\]]{0,64}\])?"
                         r"\s*\{[^{}]{0,64}\}")
_NO_INK = re.compile(
    r"\\(?:quad|qquad|enspace|enskip|thinspace|medspace|thickspace|negthinspace|negmedspace|"
    r"negthickspace|hfill|hfil|vfill|vfil|space|nobreakspace|nobreak|allowbreak|newline|linebreak|"
    r"break|par|cr|null|empty|relax|strut|mathstrut|displaystyle|textstyle|scriptstyle|"
    r"scriptscriptstyle|limits|nolimits|noindent|indent|centering|normalfont|selectfont|"
    r"left\s*\.|right\s*\.|middle\s*\.|"
    # style wrappers: the command shows nothing of its own, its argument is judged on its own
    r"text|textrm|textbf|textit|texttt|textsf|textup|textnormal|textmd|textsl|emph|"
    r"mathrm|mathbf|mathit|mathsf|mathtt|mathnormal|boldsymbol|bm|pmb|mbox|hbox|makebox|"
    r"ensuremath|mathord|mathop|mathbin|mathrel|mathopen|mathclose|mathpunct|mathinner|"
    r"smash|operatorname|tiny|scriptsize|footnotesize|small|normalsize|large|Large|LARGE|"
    r"huge|Huge|bf|it|rm|sf|tt)(?![a-zA-Z])\*?"
    r"|\\[,;:!> \t\n]|\\\\")
_NO_INK_CHARS = re.compile(r"[{}$&~^_\s]+")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def strip_invisible(text: str) -> str:
    """``text`` without the characters of :data:`INVISIBLE` (whitespace is kept).

    >>> strip_invisible("12\u200b3\u00ad4")
    '1234'
    """
    return _INVISIBLE.sub("", text)


def _drop_phantoms(text: str) -> str:
    """Remove every ``\\phantom{...}`` (also ``\\hphantom``, ``\\vphantom``) with its argument,
    nested braces included; an unclosed one hides the rest of the text (it shows nothing)."""
    out: list[str] = []
    pos = 0
    for m in _PHANTOM.finditer(text):
        if m.start() < pos:
            continue  # inside a phantom already removed
        out.append(text[pos:m.start()])
        depth, i = 1, m.end()
        while i < len(text) and depth:
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            depth += (ch == "{") - (ch == "}")
            i += 1
        pos = i
    out.append(text[pos:])
    return "".join(out)


def visible_text(text: str) -> str:
    """What is left of ``text`` after removing everything that shows no ink (see the module doc);
    empty exactly when :func:`is_blank` is True.

    >>> visible_text(r"\\quad\\text{4}\\hspace{1em}\\phantom{\\frac{1}{2}}")
    '4'
    """
    return "".join(ch for ch in _ink(text) if _shows(ch))


def _ink(text: str) -> str:
    if "&" in text:  # &nbsp; &#8203; &zwnj; render as blanks where HTML or Markdown is rendered
        text = html.unescape(text)
    if "<!--" in text:  # an HTML comment shows nothing; an unclosed one hides the rest
        text = _HTML_COMMENT.sub(" ", text)
    text = _BLANKISH.sub(" ", text)
    if "\\" in text:
        text = _drop_phantoms(text)
        text = _SPACING_ARG.sub(" ", text)
        text = _COLOR_NAME.sub(" ", text)
        text = _NO_INK.sub(" ", text)
    return _NO_INK_CHARS.sub("", text)


def _shows(ch: str) -> bool:
    return unicodedata.category(ch) not in ("Mn", "Me", "Cc", "Cf", "Cs", "Zs", "Zl", "Zp")


def is_blank(text: str | None) -> bool:
    """True when ``text`` (None counts as blank) typesets nothing a reader can see.

    >>> is_blank(" \\t\\n"), is_blank("{}"), is_blank(r"\\boxed{}"), is_blank("\u0301")
    (True, True, False, True)
    """
    if not text:
        return True
    # fast path: an ASCII letter or digit outside any backslash construct is visible ink
    if "\\" not in text and "&" not in text and "<!--" not in text and _ALNUM.search(text):
        return False
    return not any(_shows(ch) for ch in _ink(text))
