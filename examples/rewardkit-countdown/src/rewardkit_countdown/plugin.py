"""The hooks rewardkit calls. The entry point in pyproject.toml names this module."""
from __future__ import annotations

from rewardkit import hookimpl

from rewardkit_countdown.probes import probes
from rewardkit_countdown.reward import Countdown


@hookimpl
def rewardkit_rewards():
    """The reward classes this plugin provides."""
    return [Countdown]


@hookimpl
def rewardkit_probes(reward_name):
    """Reward-hacking probes for ``reward_name`` (only for our own reward here)."""
    return probes() if reward_name == Countdown.name else []
