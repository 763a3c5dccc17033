"""The ``length`` reward: DAPO's soft overlong punishment, in [-1, 0].

With ``L = max_length`` and ``C = cache_length`` (DAPO, Yu et al. 2025, eq. 13)::

    0                  if n <= L - C
    (L - C - n) / C    if L - C < n <= L       (a linear ramp from 0 down to -1)
    -1                 if n > L

``n`` is the completion's length in ``unit``s. No tokenizer is loaded: ``tokens`` is an estimate,
the larger of (a) the number of words, symbol runs and CJK characters and (b) characters / 4 (the
usual English rule of thumb). A plain whitespace split would be cheaper but is gameable: padding
with whitespace, zero-width or no-break spaces, or text without spaces looks short to it (the
``length/padding-*`` probes check exactly that). The estimate is within about 30% of real BPE
counts for English prose; set ``max_length`` a little below the generation limit, or use
``chars``. Add it with a weight: ``math+length:0.5``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rewardkit import Reward, Score, hookimpl

__all__ = ["Length", "LengthOptions", "overlong_penalty", "measure"]


@dataclass(frozen=True)
class LengthOptions:
    """Options of the ``length`` reward."""

    max_length: int = field(default=1024, metadata={
        "help": "L: completions longer than this get -1 (match your generation limit)"})
    cache_length: int = field(default=256, metadata={
        "help": "C: the punishment ramps from 0 at L-C down to -1 at L; 0 makes it a hard cut"})
    unit: Literal["tokens", "chars"] = field(default="tokens", metadata={
        "help": "'tokens': an estimate without a tokenizer, max(words + symbol runs + CJK "
                "characters, characters / 4); 'chars': characters"})

    def __post_init__(self) -> None:
        if self.max_length <= 0:
            raise ValueError(f"max_length must be positive, got {self.max_length}")
        if not 0 <= self.cache_length <= self.max_length:
            raise ValueError(f"cache_length must be between 0 and max_length ({self.max_length}), "
                             f"got {self.cache_length}")


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_PIECE = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+|[^\\w\\s]+")


def measure(text: str, unit: str) -> int:
    """Length of ``text`` in ``unit``: 'chars', or 'tokens' estimated as the larger of the number
    of pieces (words, symbol runs, CJK characters) and characters / 4.

    >>> measure("Hello, world!", "tokens"), measure("a b", "chars"), measure(" " * 40, "tokens")
    (4, 3, 10)
    """
    if unit == "chars":
        return len(text)
    return max(len(_PIECE.findall(text)), -(-len(text) // 4))


def overlong_penalty(n: int, max_length: int, cache_length: int) -> float:
    """DAPO's soft overlong punishment for a length ``n``.

    >>> [overlong_penalty(n, 100, 20) for n in (80, 90, 100, 101)]
    [0.0, -0.5, -1.0, -1.0]
    """
    if n > max_length:
        return -1.0
    start = max_length - cache_length
    if n <= start:
        return 0.0
    return (start - n) / cache_length


class Length(Reward):
    """DAPO soft overlong punishment: 0 up to max_length - cache_length, a ramp to -1, then -1.

    >>> Length(max_length=4, cache_length=2)(completions=["a b", "a b c", "a b c d e"])
    [0.0, -0.5, -1.0]
    """

    name = "length"
    Options = LengthOptions
    value_range = (-1.0, 0.0)

    def compute(self, completion: str, options: LengthOptions) -> Score:
        n = measure(completion, options.unit)
        return Score(overlong_penalty(n, options.max_length, options.cache_length),
                     details={"length": n, "unit": options.unit})


@hookimpl
def rewardkit_rewards():
    return [Length]
