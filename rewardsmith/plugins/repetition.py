"""The ``repetition`` reward: an n-gram repetition penalty, in [-1, 0].

The completion is cut into lower-cased pieces, looked at two ways, and the worse view counts:

* words only (``\\w+`` runs): changed punctuation, spacing or case does not hide a loop;
* words and symbol runs: a loop of symbols (``=-=-=-``) is seen too.

A run longer than 16 characters is cut into 4-character chunks, so a loop inside one long
"word" (``hahaha...``) shows up as well. Of the ``n``-piece windows of a view, the fraction that
repeat an earlier window is its repetition, and::

    value = -max(repetition of the word view, repetition of the word-and-symbol view)

0 means no n-gram occurs twice; a completion stuck in a loop approaches -1; texts shorter than
``n`` pieces get 0. It is a penalty (<= 0, hence the declared range [-1, 0]) so that it adds to a
correctness reward with a positive weight: ``math+repetition:0.5``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.probes import Probe

__all__ = ["Repetition", "RepetitionOptions", "repetition_fraction", "pieces"]

_WORDS = re.compile(r"\w+")
_WORDS_AND_SYMBOLS = re.compile(r"\w+|[^\w\s]+")
_LONG, _CHUNK = 16, 4


@dataclass(frozen=True)
class RepetitionOptions:
    """Options of the ``repetition`` reward."""

    n: int = field(default=3, metadata={"help": "pieces (words or symbol runs) per n-gram window"})
    min_words: int = field(default=0, metadata={
        "help": "completions with fewer words than this get 0 (too short to judge)"})

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        if self.min_words < 0:
            raise ValueError(f"min_words must be >= 0, got {self.min_words}")


def pieces(text: str, symbols: bool = True) -> list[str]:
    """Lower-cased word (and, with ``symbols``, symbol) runs; long runs cut into 4-char chunks.

    >>> pieces("The CAT sat, =-=- ")
    ['the', 'cat', 'sat', ',', '=-=-']
    >>> pieces("The CAT sat, =-=- ", symbols=False)
    ['the', 'cat', 'sat']
    >>> pieces("ha" * 10)
    ['haha', 'haha', 'haha', 'haha', 'haha']
    """
    out: list[str] = []
    for run in (_WORDS_AND_SYMBOLS if symbols else _WORDS).findall(text.lower()):
        if len(run) <= _LONG:
            out.append(run)
        else:
            out.extend(run[i:i + _CHUNK] for i in range(0, len(run), _CHUNK))
    return out


def _repeated(seq: list[str], n: int) -> tuple[float, int]:
    windows = len(seq) - n + 1
    if windows <= 0:
        return 0.0, 0
    distinct = len(set(zip(*(seq[i:] for i in range(n)))))
    return (windows - distinct) / windows, windows


def repetition_fraction(text: str, n: int) -> tuple[float, int]:
    """(fraction of ``n``-piece windows that repeat an earlier one, in the worse view; windows).

    >>> repetition_fraction("Go on; go on, go on!", 2)
    (0.6, 5)
    >>> repetition_fraction("too short", 3)
    (0.0, 0)
    """
    return max(_repeated(pieces(text, symbols=False), n), _repeated(pieces(text), n))


class Repetition(Reward):
    """Minus the fraction of repeated n-grams: 0 for fresh text, near -1 for a loop.

    >>> Repetition()(completions=["one two three four", "go on go on go on"])
    [0.0, -0.5]
    """

    name = "repetition"
    Options = RepetitionOptions
    value_range = (-1.0, 0.0)

    def compute(self, completion: str, options: RepetitionOptions) -> Score:
        if options.min_words and len(_WORDS.findall(completion)) < options.min_words:
            return Score(0.0, details={"windows": 0, "reason": "too short"})
        fraction, windows = repetition_fraction(completion, options.n)
        return Score(-fraction if fraction else 0.0, details={"windows": windows})


@hookimpl
def rewardsmith_rewards():
    return [Repetition]


@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Repetition probes (loops the measure must still see) for ``repetition``."""
    if reward_name != Repetition.name:
        return []
    from rewardsmith.plugins.probes.repetition import probes
    return probes()
