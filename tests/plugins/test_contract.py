"""The contract test: every reward the plugin manager discovers, through the conformance kit.

Issue 2 item 8 (empty, huge, unicode, malformed completions: no exception, value in range) is the
kit's ``edge_cases`` check; the kit adds determinism, batch == per-sample, pickling, a timeout that
holds, and the plugins' probes. A reward unavailable here is skipped with its reason (``-ra``
prints it), never silently. The same kit runs in third-party plugins' own tests.
"""
from __future__ import annotations

from rewardkit.core.plugin_manager import get_plugin_manager


def test_every_installed_plugin_loads():
    broken = {name: rec.reason for name, rec in get_plugin_manager().records.items()
              if rec.status != "ok"}
    assert not broken, f"plugins that failed to load: {broken}"


def test_contract(rewardkit_check):
    rewardkit_check()
