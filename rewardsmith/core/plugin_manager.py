"""The one way plugins get in: ``get_plugin_manager()``.

It adds the hook specs, loads every entry point of the group ``rewardsmith.plugins`` (the built-in
plugins are entry points of this distribution, exactly like third-party ones), and validates each
plugin on its own: a plugin that fails to import or implements a hook wrongly is recorded with its
name, distribution and reason, and the others load regardless.

Environment:
    REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD=1   load no entry points (register plugins by hand)
    REWARDSMITH_PLUGINS=a,b                 with autoload off, still load these entry points
"""
from __future__ import annotations

import difflib
import logging
import os
import threading
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Iterator

import pluggy

from rewardsmith.core import hookspecs
from rewardsmith.core.markers import PROJECT

__all__ = ["ENTRY_POINT_GROUP", "PluginRecord", "RewardsmithPluginManager", "get_plugin_manager",
           "reset_plugin_manager"]

log = logging.getLogger("rewardsmith")

ENTRY_POINT_GROUP = "rewardsmith.plugins"
DISABLE_ENV = "REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD"
ONLY_ENV = "REWARDSMITH_PLUGINS"


@dataclass
class PluginRecord:
    """What the host knows about one plugin, for ``rewardsmith plugins`` and error messages."""

    name: str
    dist: str = "-"
    version: str = "-"
    status: str = "ok"  # ok | error
    reason: str = ""
    rewards: list[str] = field(default_factory=list)


class RewardsmithPluginManager(pluggy.PluginManager):
    """A pluggy manager that records per-plugin status and attributes hook results."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self._registry = None

    # --- loading ---------------------------------------------------------------------------
    def load_entrypoints(self, only: set[str] | None = None) -> None:
        """Load the group's entry points (all, or the names in ``only``), each in isolation."""
        for ep in _entry_points():
            if only is not None and ep.name not in only:
                continue
            dist, version = _dist_of(ep)
            if ep.name in self.records:
                log.warning("plugin name %r of %s is taken by %s; skipped",
                            ep.name, dist, self.records[ep.name].dist)
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the others down
                self._fail(ep.name, dist, version, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self.add_plugin(plugin, ep.name, dist, version)

    def add_plugin(self, plugin: Any, name: str, dist: str = "-", version: str = "-") -> bool:
        """Register ``plugin`` under ``name`` and validate it; record and return success."""
        try:
            self.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - pluggy raises PluginValidationError and ValueError
            self._fail(name, dist, version, f"invalid plugin: {exc}")
            return False
        unknown = [c.name for c in (self.get_hookcallers(plugin) or []) if not c.has_spec()]
        if unknown:
            self.unregister(plugin)
            known = [n for n in dir(hookspecs) if n.startswith(PROJECT + "_")]
            hints = "".join(_hint(n, known) for n in unknown)
            self._fail(name, dist, version, f"unknown hook(s) {', '.join(unknown)}.{hints}")
            return False
        self.records[name] = PluginRecord(name, dist, version)
        self._registry = None
        return True

    def _fail(self, name: str, dist: str, version: str, reason: str) -> None:
        log.warning("rewardsmith plugin %r (%s %s) is broken: %s", name, dist, version, reason)
        self.records[name] = PluginRecord(name, dist, version, status="error", reason=reason)

    # --- calling ---------------------------------------------------------------------------
    def collect(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call every implementation of a list-returning hook; yield (plugin name, item).

        An implementation that raises is logged with the plugin's name and skipped.
        """
        caller = getattr(self.hook, hook_name)
        for impl in caller.get_hookimpls():  # registration order (pluggy *calls* them LIFO)
            try:
                items = impl.function(**{a: kwargs[a] for a in impl.argnames})
            except Exception as exc:  # noqa: BLE001
                log.warning("plugin %r failed in %s: %s: %s", impl.plugin_name, hook_name,
                            type(exc).__name__, exc)
                rec = self.records.get(impl.plugin_name)
                if rec is not None:
                    rec.status, rec.reason = "error", f"{hook_name} raised {type(exc).__name__}: {exc}"
                continue
            for item in items or ():
                yield impl.plugin_name, item

    @property
    def registry(self):  # -> RewardRegistry (imported lazily to keep this module light)
        """The reward registry built from every plugin's ``rewardsmith_rewards``."""
        if self._registry is None:
            from rewardsmith.core.registry import RewardRegistry
            self._registry = RewardRegistry.from_plugin_manager(self)
        return self._registry


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _entry_points() -> list[metadata.EntryPoint]:
    eps = metadata.entry_points()
    selected = eps.select(group=ENTRY_POINT_GROUP) if hasattr(eps, "select") else eps.get(ENTRY_POINT_GROUP, [])
    return sorted(selected, key=lambda e: (e.dist.name if e.dist else "", e.name))


def _dist_of(ep: metadata.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "-", "-"
    return dist.metadata["Name"] or dist.name, dist.version


_lock = threading.Lock()
_manager: RewardsmithPluginManager | None = None


def get_plugin_manager() -> RewardsmithPluginManager:
    """The process-wide plugin manager, built on first use (no import-time side effects)."""
    global _manager
    with _lock:
        if _manager is None:
            pm = RewardsmithPluginManager()
            if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0", "false"):
                only = {n.strip() for n in os.environ.get(ONLY_ENV, "").split(",") if n.strip()}
                if only:
                    pm.load_entrypoints(only)
            else:
                pm.load_entrypoints()
            _manager = pm
        return _manager


def reset_plugin_manager() -> None:
    """Forget the cached manager (tests, or after installing a plugin in-process)."""
    global _manager
    with _lock:
        _manager = None
