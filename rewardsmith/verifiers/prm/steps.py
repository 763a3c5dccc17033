"""Splitting a completion into reasoning steps, and removing step markers the policy wrote itself.

A PRM reads a marker (a separator token, or a step tag) after every step and scores the step at
that position. A policy that writes the marker into its own text would create extra scored
positions, so markers are stripped from step text before the scoring input is built.
"""
from __future__ import annotations

import re
from typing import Iterable

__all__ = ["split_steps", "strip_markers", "decode_escapes"]


def decode_escapes(text: str) -> str:
    r"""Turn the escapes ``\n``, ``\t`` and ``\\`` written in a spec string into characters.

    >>> decode_escapes(r"\n\n")
    '\n\n'
    >>> decode_escapes("Step")
    'Step'
    """
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], text)


def strip_markers(text: str, markers: Iterable[str]) -> str:
    """Remove every occurrence of each marker string from ``text`` and trim whitespace.

    Args:
        text: one step as the policy wrote it.
        markers: strings that mean "a step ends here" to the PRM (e.g. ``"<extra_0>"``, ``"ки"``).

    Returns:
        the step without markers.

    >>> strip_markers("2 + 2 = 4 ки and more <extra_0>", ["ки", "<extra_0>"])
    '2 + 2 = 4  and more'
    """
    for marker in markers:
        if marker:
            text = text.replace(marker, "")
    return text.strip()


def split_steps(completion: str, separator: str = "\n\n", markers: Iterable[str] = ()) -> list[str]:
    """Split ``completion`` into steps at ``separator``; strip markers; drop empty steps.

    Args:
        completion: the policy's text.
        separator: the string between steps (``"\\n\\n"`` by default; ``"\\n"`` for one step a line).
        markers: PRM marker strings to remove from each step (see :func:`strip_markers`).

    Returns:
        the non-empty steps, in order.

    >>> split_steps("Add: 2 + 3 = 5.\\n\\n\\n\\nSo the answer is 5. ки", markers=["ки"])
    ['Add: 2 + 3 = 5.', 'So the answer is 5.']
    >>> split_steps("   ")
    []
    """
    if not separator:
        raise ValueError("the step separator must not be empty")
    markers = list(markers)
    steps = (strip_markers(part, markers) for part in completion.split(separator))
    return [s for s in steps if s]
