"""Testing helpers for plugin authors: the conformance kit and its pytest plugin.

The pytest plugin (:mod:`rewardsmith.testing.pytest_plugin`) is registered through the ``pytest11``
entry point, so it is active in every pytest session of an environment with rewardsmith; it only
adds a fixture, options and a marker. A plugin's tests enable the kit with::

    import pytest
    pytestmark = pytest.mark.rewardsmith(plugin="my-plugin")

    def test_conformance(rewardsmith_check):
        rewardsmith_check()

Outside pytest, :func:`check_reward` runs the same checks. Names resolve lazily, so importing this
package imports nothing else.
"""
from __future__ import annotations

from typing import Any

__all__ = ["CHECKS", "KitConfig", "KitCase", "ConformanceError", "check_reward", "select_cases",
           "generic_samples"]


def __getattr__(name: str) -> Any:
    if name == "generic_samples":
        from rewardsmith.testing.samples import generic_samples
        return generic_samples
    if name in __all__:
        from rewardsmith.testing import conformance
        return getattr(conformance, name)
    raise AttributeError(f"module 'rewardsmith.testing' has no attribute {name!r}")
