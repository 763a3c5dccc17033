"""rewardsmith: plugin-based rewards and verifiers for RL with verifiable rewards.

The public surface: everything a plugin author needs comes from here, and internals may move
without breaking a plugin::

    from rewardsmith import hookimpl, Reward, Score, reward, Probe, Expect, load_reward

Importing ``rewardsmith`` loads nothing else: each name below imports its module on first use
(PEP 562), so ``import rewardsmith.verifiers.math`` does not load the plugin host (pluggy).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: each public name and the module that defines it
_WHERE = {
    # writing a reward
    "Reward": "rewardsmith.core.reward", "Score": "rewardsmith.core.reward",
    "NoOptions": "rewardsmith.core.reward", "reward": "rewardsmith.core.reward",
    "hookimpl": "rewardsmith.core.markers",
    # its probes (reward-hacking attempts it must not pay for)
    "Probe": "rewardsmith.core.probes", "Expect": "rewardsmith.core.probes",
    # text helpers and verifiers a reward builds on
    "completion_text": "rewardsmith.basics", "prompt_text": "rewardsmith.basics",
    "FormatRules": "rewardsmith.verifiers.format", "verify_format": "rewardsmith.verifiers.format",
    "boxed_contents": "rewardsmith.verifiers.format", "Verdict": "rewardsmith.verifiers.verdict",
    # using rewards
    "load_reward": "rewardsmith.core.compose", "ComposedReward": "rewardsmith.core.compose",
    "get_plugin_manager": "rewardsmith.core.plugin_manager",
    # errors
    "RewardsmithError": "rewardsmith.basics", "UsageError": "rewardsmith.basics",
}

__all__ = [*_WHERE, "__version__"]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from rewardsmith.basics import RewardsmithError, UsageError, completion_text, prompt_text
    from rewardsmith.core.compose import ComposedReward, load_reward
    from rewardsmith.core.markers import hookimpl
    from rewardsmith.core.plugin_manager import get_plugin_manager
    from rewardsmith.core.probes import Expect, Probe
    from rewardsmith.core.reward import NoOptions, Reward, Score, reward
    from rewardsmith.verifiers.format import FormatRules, boxed_contents, verify_format
    from rewardsmith.verifiers.verdict import Verdict


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'rewardsmith' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
