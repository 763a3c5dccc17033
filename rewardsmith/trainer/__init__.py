"""The GRPO trainer: :class:`GRPOTrainer` and :func:`train` (the ``grpo-train`` command is
:mod:`rewardsmith.cli.grpo_train`).

Data flows one way, one module per arrow: ``data`` (prompts; the procedural ones come from
:mod:`rewardsmith.tasks`) -> ``rollout``
(generation, rewards in threads) -> ``advantages`` -> ``loss`` (pure functions) -> ``update`` ->
``loop`` (steps, evaluation, ``checkpoint``, ``metrics``, ``report``). Settings live in ``config``;
``options`` fills them from YAML and flags. Importing this package loads no torch.
"""
from __future__ import annotations

from typing import Any

__all__ = ["GRPOTrainer", "TrainConfig", "train"]


def __getattr__(name: str) -> Any:
    if name == "GRPOTrainer":
        from rewardsmith.trainer.loop import GRPOTrainer

        return GRPOTrainer
    if name == "TrainConfig":
        from rewardsmith.trainer.config import TrainConfig

        return TrainConfig
    raise AttributeError(f"module 'rewardsmith.trainer' has no attribute {name!r}")


def train(cfg: Any, plugin_manager: Any = None) -> dict[str, Any]:
    """Run GRPO with a :class:`TrainConfig`; return the run's summary."""
    from rewardsmith.trainer.loop import GRPOTrainer

    return GRPOTrainer(cfg, plugin_manager=plugin_manager).train()
