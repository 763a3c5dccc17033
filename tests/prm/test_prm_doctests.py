"""The doctests of the PRM modules (the examples in their docstrings must stay true)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rewardsmith.verifiers.prm.steps", "rewardsmith.verifiers.prm.aggregation",
           "rewardsmith.verifiers.prm.conventions", "rewardsmith.plugins.prm", "rewardsmith.prm.data",
           "rewardsmith.prm.synthetic", "rewardsmith.prm.evaluate", "rewardsmith.prm.tiny"]
HEAVY = ["rewardsmith.verifiers.prm.verify"]   # builds a tiny model


@pytest.mark.parametrize("name", MODULES + HEAVY)
def test_doctests(name):
    if name in HEAVY:
        pytest.importorskip("transformers")
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
