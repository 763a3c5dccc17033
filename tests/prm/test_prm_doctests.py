"""The doctests of the PRM modules (the examples in their docstrings must stay true)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rewardkit.verifiers.prm.steps", "rewardkit.verifiers.prm.aggregation",
           "rewardkit.verifiers.prm.conventions", "rewardkit.plugins.prm", "rewardkit.prm.data",
           "rewardkit.prm.synthetic", "rewardkit.prm.evaluate", "rewardkit.prm.tiny"]
HEAVY = ["rewardkit.verifiers.prm.verify"]   # builds a tiny model


@pytest.mark.parametrize("name", MODULES + HEAVY)
def test_doctests(name):
    if name in HEAVY:
        pytest.importorskip("transformers")
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
