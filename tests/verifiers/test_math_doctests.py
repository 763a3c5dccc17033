"""The doctests of the math verifier modules (the examples in their docstrings must stay true)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rewardkit.verifiers.math.normalize", "rewardkit.verifiers.math.structure",
           "rewardkit.verifiers.math.kinds", "rewardkit.verifiers.math.extract",
           "rewardkit.verifiers.math.numbers", "rewardkit.verifiers.math.evaluate",
           "rewardkit.verifiers.math.guards", "rewardkit.verifiers.math.verify",
           "rewardkit.verifiers.math.cursor", "rewardkit.verifiers.math.echo"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 or name.endswith("kinds")
    assert result.failed == 0
