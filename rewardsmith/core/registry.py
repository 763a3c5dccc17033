"""Reward lookup: name -> reward class, with availability, conflicts and helpful failures."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from rewardsmith.core.errors import PluginError, UsageError, did_you_mean
from rewardsmith.core.options import build_options
from rewardsmith.core.reward import Reward

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.plugin_manager import RewardsmithPluginManager

__all__ = ["RewardEntry", "RewardRegistry", "unavailable_reason"]


@dataclass
class RewardEntry:
    """One registered reward name."""

    name: str
    cls: type[Reward]
    plugin: str
    dist: str = "-"
    unavailable: str | None = None
    claimed_by: list[str] = field(default_factory=list)  # other plugins claiming the same name

    @property
    def status(self) -> str:
        if self.claimed_by:
            return "error: also provided by " + ", ".join(self.claimed_by)
        return f"unavailable: {self.unavailable}" if self.unavailable else "available"


def unavailable_reason(cls: type[Reward]) -> str | None:
    """Why ``cls`` cannot run here (a missing module, with the pip line), or None."""
    custom = getattr(cls, "unavailable_reason", None)
    if callable(custom):
        reason = custom()
        if reason:
            return reason
    for module in cls.requires:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            fix = f"pip install 'rewardsmith[{cls.extra}]'" if cls.extra else f"pip install {module}"
            return f"missing module {module!r} ({fix})"
    return None


class RewardRegistry:
    """All rewards the installed plugins provide."""

    def __init__(self) -> None:
        self.entries: dict[str, RewardEntry] = {}

    @classmethod
    def from_plugin_manager(cls, pm: RewardsmithPluginManager) -> RewardRegistry:
        reg = cls()
        for plugin_name, reward_cls in pm.collect("rewardsmith_rewards"):
            rec = pm.records.get(plugin_name)
            reg.add(reward_cls, plugin_name, rec.dist if rec else "-")
            if rec is not None:
                rec.rewards.append(getattr(reward_cls, "name", "?"))
        return reg

    def add(self, reward_cls: type[Reward], plugin: str, dist: str = "-") -> None:
        if not (isinstance(reward_cls, type) and issubclass(reward_cls, Reward) and reward_cls.name):
            raise PluginError(f"plugin {plugin!r} returned {reward_cls!r} from rewardsmith_rewards; "
                              "expected a Reward subclass with a name")
        name = reward_cls.name
        if name in self.entries:
            self.entries[name].claimed_by.append(f"{plugin!r} ({dist})")
            return
        self.entries[name] = RewardEntry(name, reward_cls, plugin, dist, unavailable_reason(reward_cls))

    def names(self, available_only: bool = False) -> list[str]:
        return sorted(n for n, e in self.entries.items()
                      if not available_only or (e.unavailable is None and not e.claimed_by))

    def get(self, name: str) -> RewardEntry:
        """The entry for ``name``; UsageError with a suggestion, the reason, or the conflict."""
        entry = self.entries.get(name)
        if entry is None:
            raise UsageError(f"Unknown reward {name!r}.{did_you_mean(name, self.entries)} "
                             f"Available: {', '.join(self.names()) or 'none (no plugins loaded)'}")
        if entry.claimed_by:
            raise PluginError(f"reward {name!r} is provided by more than one plugin: "
                              f"{entry.plugin!r} ({entry.dist}) and {', '.join(entry.claimed_by)}. "
                              "Uninstall one of them.")
        if entry.unavailable:
            raise UsageError(f"reward {name!r} (plugin {entry.plugin!r}) is unavailable: "
                             f"{entry.unavailable}")
        return entry

    def create(self, name: str, options: Mapping[str, Any] | None = None) -> Reward:
        """An instance of reward ``name`` with ``options`` coerced to its Options dataclass.

        The option ``fallback=SPEC`` (unless the reward declares its own) wraps the instance in a
        :class:`~rewardsmith.core.fallback.FallbackReward` that asks SPEC about refused samples."""
        entry = self.get(name)
        options = dict(options or {})
        fallback = options.pop("fallback", None) if "fallback" not in _field_names(entry.cls) else None
        opts = build_options(entry.cls.Options, options, owner=f"reward {name!r}")
        instance = entry.cls(opts)
        instance.plugin = entry.plugin
        if fallback is not None:  # any reward takes fallback=SPEC (see rewardsmith.core.fallback)
            from rewardsmith.core.fallback import with_fallback
            return with_fallback(instance, fallback, self)
        return instance


def _field_names(cls: type[Reward]) -> set[str]:
    from dataclasses import fields, is_dataclass
    return {f.name for f in fields(cls.Options)} if is_dataclass(cls.Options) else set()
