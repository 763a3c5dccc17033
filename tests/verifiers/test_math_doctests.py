"""The doctests of the math verifier modules (the examples in their docstrings must stay true)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rewardsmith.verifiers.math.normalize", "rewardsmith.verifiers.math.structure",
           "rewardsmith.verifiers.math.kinds", "rewardsmith.verifiers.math.extract",
           "rewardsmith.verifiers.math.numbers", "rewardsmith.verifiers.math.evaluate",
           "rewardsmith.verifiers.math.guards", "rewardsmith.verifiers.math.verify",
           "rewardsmith.verifiers.math.cursor", "rewardsmith.verifiers.math.echo"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 or name.endswith("kinds")
    assert result.failed == 0
