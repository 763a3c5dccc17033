"""pluggy markers of the host. Plugins import ``hookimpl`` from ``rewardkit``, never build their own."""
import pluggy

__all__ = ["PROJECT", "hookspec", "hookimpl"]

PROJECT = "rewardkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
