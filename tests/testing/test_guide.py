"""docs/writing-plugins.md stays in step with the code it documents."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from rewardsmith.core import hookspecs
from rewardsmith.testing.conformance import CHECKS

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "writing-plugins.md").read_text()
HOOKS = [name for name in dir(hookspecs) if name.startswith("rewardsmith_")]


def _plain(text: str) -> str:
    text = re.sub(r":\w+:`~?([^`]+)`", r"\1", text).replace("``", "").replace("`", "")
    return " ".join(text.split())


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_from_its_docstring(hook):
    assert f"### `{hook}(" in GUIDE
    first_sentence = _plain(inspect.getdoc(getattr(hookspecs, hook))).split(". ")[0]
    assert first_sentence in _plain(GUIDE)


def test_every_kit_check_is_in_the_table():
    for check in CHECKS:
        assert f"| `{check}` |" in GUIDE
