"""The hooks rewardsmith calls. The entry point in pyproject.toml names this module."""
from __future__ import annotations

from rewardsmith import hookimpl

from rewardsmith_countdown.probes import probes
from rewardsmith_countdown.reward import Countdown


@hookimpl
def rewardsmith_rewards():
    """The reward classes this plugin provides."""
    return [Countdown]


@hookimpl
def rewardsmith_probes(reward_name):
    """Reward-hacking probes for ``reward_name`` (only for our own reward here)."""
    return probes() if reward_name == Countdown.name else []
