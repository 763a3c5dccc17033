r"""Box-like LaTeX commands: everything that displays a framed or highlighted final answer.

``\boxed{42}`` is the usual final-answer marker, but a reader sees an answer just as clearly in
``\fbox{42}``, ``\framebox[2cm]{42}``, ``\colorbox{yellow}{42}``, ``\fcolorbox{red}{white}{42}``,
fancybox's ``\ovalbox``/``\doublebox``/``\shadowbox``, tcolorbox's ``\tcbox``/``\tcboxmath``/
``\tcbhighmath``, mathtools' ``\Aboxed``, MathJax's ``\bbox[...]{42}`` and ``\enclose{box}{42}``,
and framed environments (``\begin{framed}42\end{framed}``, ``mdframed``, ``tcolorbox``). A reward that counts
answers must count all of them, or a second answer in another kind of box goes unseen.

:data:`BOX_OPEN` matches a box command up to and including the ``{`` that opens its *content*
(leading arguments such as a colour or an ``\enclose`` notation, and ``[...]`` options, are part
of the match). :data:`BOX_NAME` matches the command name alone, to notice a box whose argument is
missing or malformed.
"""
from __future__ import annotations

import re

__all__ = ["BOX_COMMANDS", "BOX_ENVIRONMENTS", "BOX_OPEN", "BOX_NAME", "box_contents", "box_count", "has_box",
           "environment_contents"]

#: box-like command -> how many braced arguments come before the displayed content
BOX_COMMANDS = {
    "boxed": 0, "fbox": 0, "framebox": 0, "ovalbox": 0, "Ovalbox": 0, "doublebox": 0,
    "shadowbox": 0, "dbox": 0, "cfbox": 1, "tcbox": 0, "tcboxmath": 0, "tcbhighmath": 0,
    "bbox": 0, "colorbox": 1, "fcolorbox": 2, "enclose": 1, "Aboxed": 0,
}
#: framed environments: ``\begin{framed} 42 \end{framed}`` is a boxed answer too
BOX_ENVIRONMENTS = ("framed", "mdframed", "tcolorbox", "boxedminipage", "fminipage")
_OPTS = r"(?:\s*\[[^\[\]{}]{0,200}\]){0,8}"  # [width][pos] options, or a colour model
_ARG = r"\s*\{[^{}]{0,200}\}"  # a leading argument: colour name, enclose notation


def _alternatives() -> str:
    by_count: dict[int, list[str]] = {}
    for name, count in BOX_COMMANDS.items():
        by_count.setdefault(count, []).append(name)
    return "|".join(f"(?:{'|'.join(sorted(names, key=len, reverse=True))})(?![a-zA-Z])"
                    f"{_OPTS}{(_ARG + _OPTS) * count}"
                    for count, names in sorted(by_count.items()))


#: a box-like command up to the ``{`` that opens its displayed content (``m.end() - 1``)
BOX_OPEN = re.compile(f"\\\\(?:{_alternatives()})\\s*\\{{")
#: the name of a box-like command (whether or not a well-formed argument follows)
BOX_NAME = re.compile(f"\\\\({'|'.join(sorted(BOX_COMMANDS, key=len, reverse=True))})"
                      "(?![a-zA-Z])")
_SPACE_BRACE = re.compile(r"\s*\{")
_BRACE = re.compile(r"(?<!\\)[{}]")
_ENV_BEGIN = re.compile(r"\\begin\s*\{(" + "|".join(BOX_ENVIRONMENTS) + r")\*?\}(?:\s*\[[^\[\]]{0,200}\])?")


def box_count(text: str) -> int:
    """How many box-like commands and framed environments ``text`` holds (no contents read)."""
    envs = len(_ENV_BEGIN.findall(text)) if "\\begin" in text else 0
    return len(BOX_NAME.findall(text)) + envs


def has_box(text: str) -> bool:
    """True when ``text`` holds any box-like command or framed environment."""
    return BOX_NAME.search(text) is not None or _ENV_BEGIN.search(text) is not None


def box_contents(text: str) -> list[str | None]:
    """Contents of every box-like command in ``text``, in order, nested ones included.

    A command without a balanced ``{...}`` content argument gives None.

    >>> box_contents(r"\\boxed{\\frac{1}{2}} or \\colorbox{yellow}{3} or \\framebox[1cm][c]{4}")
    ['\\\\frac{1}{2}', '3', '4']
    >>> box_contents(r"\\fbox 7 and \\boxed{8")
    [None, None]
    """
    found: list[tuple[int, str | None]] = []
    closing: dict[int, int] | None = None
    for name in BOX_NAME.finditer(text):
        if BOX_COMMANDS[name.group(1)] == 0:  # the common case: \boxed{...}, no regex of options
            m = _SPACE_BRACE.match(text, name.end()) or BOX_OPEN.match(text, name.start())
        else:
            m = BOX_OPEN.match(text, name.start())
        if m is None:
            found.append((name.start(), None))
            continue
        if closing is None:
            closing = _match_braces(text)
        end = closing.get(m.end() - 1)
        found.append((name.start(), None if end is None else text[m.end():end]))
    if "\\begin" in text:
        found += _environments(text)
        found.sort(key=lambda item: item[0])
    return [content for _, content in found]


def environment_contents(text: str) -> list[str]:
    """Contents of every closed framed environment (``\\begin{framed}...\\end{framed}``).

    >>> environment_contents(r"\\begin{framed} 42 \\end{framed}")
    [' 42 ']
    """
    if "\\begin" not in text:
        return []
    return [content for _, content in _environments(text) if content is not None]


def _environments(text: str) -> list[tuple[int, str | None]]:
    """(position, content or None when never ended) of each framed environment, linear time."""
    out: list[tuple[int, str | None]] = []
    pos = 0
    while (m := _ENV_BEGIN.search(text, pos)) is not None:
        end = text.find(f"\\end{{{m.group(1)}", m.end())
        out.append((m.start(), None if end < 0 else text[m.end():end]))
        if end < 0:
            break
        pos = end
    return out


def _match_braces(text: str) -> dict[int, int]:
    """Position of each unescaped ``{`` -> position of its matching ``}``, in one linear pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(text):
        if m.group(0) == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs
