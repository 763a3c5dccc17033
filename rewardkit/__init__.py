"""rewardkit: plugin-based rewards and verifiers for RL with verifiable rewards.

The public surface: everything a plugin author needs comes from here, and internals may move
without breaking a plugin::

    from rewardkit import hookimpl, Reward, Score, reward, Probe, Expect, load_reward

Importing ``rewardkit`` loads nothing else: each name below imports its module on first use
(PEP 562), so ``import rewardkit.verifiers.math`` does not load the plugin host (pluggy).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: each public name and the module that defines it
_WHERE = {
    # writing a reward
    "Reward": "rewardkit.core.reward", "Score": "rewardkit.core.reward",
    "NoOptions": "rewardkit.core.reward", "reward": "rewardkit.core.reward",
    "hookimpl": "rewardkit.core.markers",
    # its probes (reward-hacking attempts it must not pay for)
    "Probe": "rewardkit.core.probes", "Expect": "rewardkit.core.probes",
    # text helpers and verifiers a reward builds on
    "completion_text": "rewardkit.basics", "prompt_text": "rewardkit.basics",
    "FormatRules": "rewardkit.verifiers.format", "verify_format": "rewardkit.verifiers.format",
    "boxed_contents": "rewardkit.verifiers.format", "Verdict": "rewardkit.verifiers.verdict",
    # using rewards
    "load_reward": "rewardkit.core.compose", "ComposedReward": "rewardkit.core.compose",
    "get_plugin_manager": "rewardkit.core.plugin_manager",
    # errors
    "RewardkitError": "rewardkit.basics", "UsageError": "rewardkit.basics",
}

__all__ = [*_WHERE, "__version__"]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from rewardkit.basics import RewardkitError, UsageError, completion_text, prompt_text
    from rewardkit.core.compose import ComposedReward, load_reward
    from rewardkit.core.markers import hookimpl
    from rewardkit.core.plugin_manager import get_plugin_manager
    from rewardkit.core.probes import Expect, Probe
    from rewardkit.core.reward import NoOptions, Reward, Score, reward
    from rewardkit.verifiers.format import FormatRules, boxed_contents, verify_format
    from rewardkit.verifiers.verdict import Verdict


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'rewardkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
