"""rewardsmith's conformance kit on every reward this plugin registers.

The kit is a pytest plugin that comes with rewardsmith; the marker says which plugin to check.
Each (reward, check) pair is its own test: value type and declared range, determinism, empty /
huge / unicode / malformed completions, a timeout that holds, picklability, batch == per-sample,
and this plugin's probes.
"""
import pytest

pytestmark = pytest.mark.rewardsmith(plugin="countdown")


def test_conformance(rewardsmith_check):
    rewardsmith_check()
