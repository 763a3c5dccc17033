"""Probes for the ``repetition`` reward (a penalty on loops): repetition the measure must still see.

Each crafted completion is a degenerate loop dressed up so a naive n-gram count misses it:
changed case and punctuation, a counter in every copy, a loop inside one long "word", a loop of
symbols, markup between the copies. Each must earn less than the honest, loop-free completion.
"""
from __future__ import annotations

from rewardsmith.core.probes import Expect, Probe

__all__ = ["probes"]

_PROMPT = "Explain briefly why the sum of two even numbers is even."
_HONEST = ("Write the numbers as 2a and 2b for integers a and b. Their sum is 2a + 2b = 2(a + b), "
           "which is two times an integer, so it is even.")
_LINE = "The sum of two even numbers is even because both are divisible by two."


def _loop(name: str, completion: str, description: str) -> Probe:
    return Probe(name=f"repetition/{name}", reward="repetition", prompt=_PROMPT,
                 completion=completion, honest=_HONEST, expect=Expect.lt_honest(),
                 description=description)


def probes() -> list[Probe]:
    """The built-in probes for ``repetition``."""
    variants = [_LINE, _LINE.upper(), _LINE.lower().replace(" ", "  "), _LINE.replace(" ", "-")]
    return [
        _loop("verbatim-loop", " ".join([_LINE] * 30), "one sentence repeated 30 times"),
        _loop("case-punctuation-variants", "\n".join(variants * 8),
              "the same sentence in changing case, spacing and punctuation"),
        _loop("counter-in-each-copy", " ".join(f"Step {i}: {_LINE}" for i in range(1, 31)),
              "the same step with a step counter (keyword stuffing 'Step 1: Step 2:')"),
        _loop("markup-between-copies", "".join(f"<p>{_LINE}</p>\n" for _ in range(30)),
              "the sentence repeated inside markup"),
        _loop("paragraph-twice", _HONEST + "\n\n" + _HONEST + "\n\n" + _HONEST,
              "the whole honest answer repeated three times"),
        _loop("char-loop-one-word", _HONEST + " " + "ha" * 3000,
              "a loop inside one long 'word' (no spaces between the copies)"),
        _loop("symbol-loop", _HONEST + " " + "=-" * 3000,
              "a loop of symbols that contain no word characters"),
        _loop("digit-loop", _HONEST + " " + " ".join(["42"] * 500),
              "one number repeated hundreds of times"),
    ]
