"""rewardkit: plugin-based rewards and verifiers for RL with verifiable rewards.

Public API (light: importing rewardkit loads no plugin and no heavy dependency)::

    from rewardkit import hookimpl, Reward, Score, reward, load_reward, Verdict
"""
from rewardkit.core.compose import ComposedReward, load_reward
from rewardkit.core.errors import RewardkitError, UsageError
from rewardkit.core.markers import hookimpl
from rewardkit.core.plugin_manager import get_plugin_manager
from rewardkit.core.reward import NoOptions, Reward, Score, reward
from rewardkit.verifiers.verdict import Verdict

__all__ = ["hookimpl", "Reward", "Score", "NoOptions", "reward", "load_reward", "ComposedReward",
           "get_plugin_manager", "Verdict", "RewardkitError", "UsageError", "__version__"]
__version__ = "0.1.0"
