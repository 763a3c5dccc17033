"""Step splitting and marker stripping (pure functions, no model)."""
from __future__ import annotations

import pytest

from rewardsmith.verifiers.prm.steps import decode_escapes, split_steps, strip_markers

SPLIT_CASES = [
    # (completion, separator, markers, expected steps)
    ("a\n\nb\n\nc", "\n\n", (), ["a", "b", "c"]),                       # the default separator
    ("a\n\n\n\nb\n\n", "\n\n", (), ["a", "b"]),                         # empty parts are dropped
    ("  a  \n\n  b ", "\n\n", (), ["a", "b"]),                          # steps are trimmed
    ("a\nb\nc", "\n", (), ["a", "b", "c"]),                             # one step a line
    ("a\nb", "\n\n", (), ["a\nb"]),                                      # single newlines stay inside a step
    ("x ки\n\ny ки", "\n\n", ("ки",), ["x", "y"]),                      # Math-Shepherd tags written by the policy
    ("<extra_0>\n\nx<extra_0>y", "\n\n", ("<extra_0>",), ["xy"]),       # a step of only a marker vanishes
    ("Step 1|Step 2", "|", (), ["Step 1", "Step 2"]),                  # any separator string
    ("", "\n\n", (), []),                                               # nothing to score
    ("\n\n\n\n", "\n\n", (), []),                                       # only separators
]


@pytest.mark.parametrize("text,sep,markers,expected", SPLIT_CASES)
def test_split_steps(text, sep, markers, expected):
    assert split_steps(text, sep, markers) == expected


def test_empty_separator_is_refused():
    with pytest.raises(ValueError, match="separator"):
        split_steps("a", "")


@pytest.mark.parametrize("text,markers,expected", [
    ("a <|step|> b", ["<|step|>"], "a  b"),   # inner marker removed
    ("ки ки", ["ки"], ""),                     # nothing left
    ("plain", ["", "zz"], "plain"),            # empty markers are ignored
])
def test_strip_markers(text, markers, expected):
    assert strip_markers(text, markers) == expected


@pytest.mark.parametrize("raw,expected", [
    (r"\n\n", "\n\n"),
    (r"\t", "\t"),
    (r"a\\n", "a\\n"),   # an escaped backslash stays a backslash
    ("###", "###"),
])
def test_decode_escapes(raw, expected):
    assert decode_escapes(raw) == expected
