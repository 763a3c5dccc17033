r"""Think tags, read one way by every text reward (``math`` reads the final answer after them,
``format`` checks their shape).

A think tag is anything a reader would take for one, not only the exact ``<think>``: any case
(``<THINK>``, ``<Think>``), spaces or invisible characters inside the brackets (``<think >``,
``< / think>``, ``<th\u200bink>``), fullwidth letters or brackets (``＜ｔｈｉｎｋ＞``), attributes
(``<think mode="fast">``) and the longer ``<thinking>``. A policy cannot hide an answer from one
reward and show it to the other by spelling the tag differently.

The chat template may have opened the block already: Qwen3 and DeepSeek-R1 templates end the
prompt with ``<think>``, so the completion starts *inside* the thinking and only closes it.
:func:`prompt_opens_think` tells from a string prompt; a truncated completion after such a
prompt has no final text at all.

Pure string work in linear time; importable without pluggy or the rest of the project.
"""
from __future__ import annotations

import re
from typing import Iterator

from rewardsmith.verifiers.blank import INVISIBLE

__all__ = ["THINK_TAG", "think_tags", "is_closing", "prompt_opens_think", "final_text"]


def _letter(ch: str) -> str:
    """A character class for one ASCII letter in either case, ASCII or fullwidth."""
    full = chr(ord(ch.lower()) - ord("a") + 0xFF41)
    return f"[{ch.lower()}{ch.upper()}{full}{full.upper()}]"


_GAP = f"[\\s{INVISIBLE}]{{0,64}}"  # bounded: a flood of spaces after '<' stays linear
_NAME = _GAP.join(_letter(c) for c in "think") + f"(?:{_GAP}" + _GAP.join(_letter(c) for c in "ing") + ")?"

#: one think tag; group ``close`` is the slash of a closing tag (empty for an opening tag)
THINK_TAG = re.compile(  # written so that no two quantifiers compete for the same spaces
    f"[<\uff1c\ufe64]{_GAP}(?P<close>[/\uff0f]{_GAP})?{_NAME}"
    f"(?:[\\s{INVISIBLE}][^<>\uff1c\uff1e\n]{{0,80}})?[>\uff1e\ufe65]")


def think_tags(text: str) -> list[re.Match]:
    """Every think tag in ``text``, in order.

    >>> [m.group(0) for m in think_tags("<THINK>a</ think >b<thinking>")]
    ['<THINK>', '</ think >', '<thinking>']
    """
    return list(_iter_tags(text))


def _iter_tags(text: str) -> Iterator[re.Match]:
    if "<" not in text and "\uff1c" not in text and "\ufe64" not in text:
        return iter(())
    return THINK_TAG.finditer(text)


def is_closing(tag: re.Match) -> bool:
    """True for a closing tag (``</think>``), False for an opening one."""
    return bool(tag.group("close"))


def prompt_opens_think(prompt: object) -> bool | None:
    """True/False when a string prompt does/does not end inside an opened think block; None when
    it cannot tell (no prompt, or chat messages before the template is applied).

    >>> prompt_opens_think("<|im_start|>assistant\\n<think>\\n"), prompt_opens_think("Q <Think >")
    (True, True)
    >>> prompt_opens_think("Solve 2+2."), prompt_opens_think("<think></think>"), prompt_opens_think(None)
    (False, False, None)
    """
    if not isinstance(prompt, str) or not prompt:
        return None
    tags = think_tags(prompt)
    return bool(tags) and not is_closing(tags[-1]) and not prompt[tags[-1].end():].strip()


def final_text(text: str, opened: bool | None = None) -> str:
    """The part of a completion a reader takes as final, i.e. not thinking.

    Everything up to the last closing tag is thinking (a closing tag with no opening one closes
    a block the template opened). After it, an opening tag that is never closed hides the rest (a
    truncated completion). With no closing tag at all, a template-opened block (``opened``) hides
    the whole completion. ``opened`` is None when unknown: the completion alone decides.

    >>> final_text("<THINK>maybe \\\\boxed{3}</THINK> so \\\\boxed{4}")
    ' so \\\\boxed{4}'
    >>> final_text("<Think>the answer is \\\\boxed{3} but wait"), final_text("so 3", opened=True)
    ('', '')
    >>> final_text("2+2 is 4</think>\\\\boxed{4}"), final_text("\\\\boxed{4}", opened=False)
    ('\\\\boxed{4}', '\\\\boxed{4}')
    """
    tags = think_tags(text)
    closes = [t for t in tags if is_closing(t)]
    if closes:
        start = closes[-1].end()
    elif opened:
        return ""
    else:
        start = 0
    for tag in tags:
        if tag.start() >= start and not is_closing(tag):
            return text[start:tag.start()]
    return text[start:]
