"""The examples in the core modules' docstrings run and hold."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["suite", "execution", "options"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"rewardsmith.core.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
