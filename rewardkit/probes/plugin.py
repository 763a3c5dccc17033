"""The built-in probes plugin: the suites of :mod:`rewardkit.probes` through ``rewardkit_probes``.

Registered as the entry point ``probes = "rewardkit.probes.plugin"`` in the ``rewardkit.plugins``
group, so it loads exactly like a third-party plugin. Suite modules are imported only when their
reward is probed.
"""
from __future__ import annotations

import importlib
from typing import Sequence

from rewardkit import hookimpl
from rewardkit.core.probes import Probe

__all__ = ["SUITES", "rewardkit_probes"]

#: reward name -> "module:function" returning that reward's probes
SUITES = {
    "math": "rewardkit.probes.math:probes",
    "format": "rewardkit.probes.format:probes",
    "length": "rewardkit.probes.length:probes",
    "repetition": "rewardkit.probes.repetition:probes",
    "code": "rewardkit.probes.code:probes",
    "code_hidden": "rewardkit.probes.code:hidden_probes",
    "prm": "rewardkit.probes.prm:probes",
}


@hookimpl
def rewardkit_probes(reward_name: str) -> Sequence[Probe]:
    """The built-in probes for ``reward_name`` (empty for rewards without a built-in suite)."""
    target = SUITES.get(reward_name)
    if target is None:
        return []
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)()
