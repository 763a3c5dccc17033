"""The ``length`` reward: DAPO's soft overlong punishment, in [-1, 0].

With ``L = max_length`` and ``C = cache_length`` (DAPO, Yu et al. 2025, eq. 13)::

    0                  if n <= L - C
    (L - C - n) / C    if L - C < n <= L       (a linear ramp from 0 down to -1)
    -1                 if n > L

``n`` is the completion's length in ``unit``s. ``tokens`` counts, in order of preference:

1. the completion's own token ids, when the row or the trainer passes ``completion_ids``;
2. the policy's tokenizer, when the spec names it: ``length(tokenizer=Qwen/Qwen2.5-0.5B-Instruct)``
   or a local folder (loaded once per process with ``transformers``; give the trainer's policy);
3. otherwise an estimate that never counts fewer tokens than a byte-level or byte-fallback
   tokenizer can produce for text outside ASCII: every non-ASCII character counts its UTF-8 bytes
   (an emoji 4, a combining mark 2, a tag character or a math alphanumeric 4), and ASCII text
   counts one per word, digit and punctuation mark, at least characters / 4. Two thousand emoji
   are 8,000 estimated tokens (a BPE tokenizer sees about 6,000), not the 511 a word count gives.

The estimate is within about 30% of real BPE counts for English prose; for other scripts it
over-counts (CJK characters count 3 each, real tokenizers use 1-3), so name the tokenizer when
the limit matters. A plain whitespace split would be cheaper but is gameable: padding with
whitespace, zero-width or no-break spaces, emoji or text without spaces looks short to it (the
``length/padding-*`` probes check exactly that). Add it with a weight: ``math+length:0.5``.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.errors import UsageError
from rewardsmith.core.probes import Probe

__all__ = ["Length", "LengthOptions", "overlong_penalty", "measure", "load_tokenizer"]


@dataclass(frozen=True)
class LengthOptions:
    """Options of the ``length`` reward."""

    max_length: int = field(default=1024, metadata={
        "help": "L: completions longer than this get -1 (match your generation limit)"})
    cache_length: int = field(default=256, metadata={
        "help": "C: the punishment ramps from 0 at L-C down to -1 at L; 0 makes it a hard cut"})
    unit: Literal["tokens", "chars"] = field(default="tokens", metadata={
        "help": "'tokens': the completion's token ids when given, else the tokenizer option, "
                "else an estimate that never undercounts non-ASCII text (UTF-8 bytes of each "
                "non-ASCII character, one per ASCII word, digit and mark, at least chars / 4); "
                "'chars': characters"})
    tokenizer: str = field(default="", metadata={
        "help": "the policy's tokenizer (hub name or local folder, loaded with transformers) "
                "to count tokens exactly; empty: the estimate"})

    def __post_init__(self) -> None:
        if self.max_length <= 0:
            raise ValueError(f"max_length must be positive, got {self.max_length}")
        if not 0 <= self.cache_length <= self.max_length:
            raise ValueError(f"cache_length must be between 0 and max_length ({self.max_length}), "
                             f"got {self.cache_length}")
        if self.tokenizer and self.unit != "tokens":
            raise ValueError(f"tokenizer= counts tokens, but unit={self.unit}; drop one of them")
        if self.tokenizer and importlib.util.find_spec("transformers") is None:
            raise ValueError("tokenizer= needs transformers: pip install 'rewardsmith[train]'")


_ASCII_PIECE = re.compile(r"[A-Za-z]+|[0-9]|[!-/:-@\[-`{-~]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def measure(text: str, unit: str, tokenizer: Any = None) -> int:
    """Length of ``text`` in ``unit``: 'chars', or 'tokens' (with ``tokenizer``, exactly; else
    the estimate of the module docstring, which never undercounts non-ASCII text).

    >>> measure("Hello, world!", "tokens"), measure("a b", "chars"), measure(" " * 40, "tokens")
    (4, 3, 10)
    >>> measure("\U0001F600" * 2000, "tokens"), measure("x = 12", "tokens")
    (8000, 4)
    """
    if unit == "chars":
        return len(text)
    if tokenizer is not None:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])
    if text.isascii():
        pieces = len(_ASCII_PIECE.findall(text))
    else:
        non_ascii_bytes = (len(text.encode("utf-8", "surrogatepass"))
                           - len(text.encode("ascii", "ignore")))
        pieces = len(_ASCII_PIECE.findall(_NON_ASCII.sub(" ", text))) + non_ascii_bytes
    return max(pieces, -(-len(text) // 4))


@functools.lru_cache(maxsize=4)
def load_tokenizer(name: str) -> Any:
    """The tokenizer ``name`` (hub name or local folder), loaded once per process."""
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(name)


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

    def __init__(self, options: Any = None, **option_values: Any) -> None:
        super().__init__(options, **option_values)
        if self.options.tokenizer:  # fail at load time, with one line, not on every sample
            try:
                load_tokenizer(self.options.tokenizer)
            except Exception as exc:  # noqa: BLE001 - any loading failure is the user's input
                raise UsageError(f"length(tokenizer={self.options.tokenizer}): cannot load the "
                                 f"tokenizer ({type(exc).__name__}: {str(exc)[:200]})") from None

    def compute(self, completion: str, options: LengthOptions,
                completion_ids: Sequence[int] | None = None) -> Score:
        if options.unit == "tokens" and completion_ids is not None:
            n, how = len(completion_ids), "ids"
        elif options.unit == "tokens" and options.tokenizer:
            n, how = measure(completion, "tokens", load_tokenizer(options.tokenizer)), "tokenizer"
        else:
            n, how = measure(completion, options.unit), "estimate" if options.unit == "tokens" else "chars"
        return Score(overlong_penalty(n, options.max_length, options.cache_length),
                     details={"length": n, "unit": options.unit, "counted_by": how})


@hookimpl
def rewardsmith_rewards():
    return [Length]


@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Length probes (padding, hiding length from the count) for ``length``."""
    if reward_name != Length.name:
        return []
    from rewardsmith.plugins.probes.length import probes
    return probes()
