"""pluggy markers of the host. Plugins import ``hookimpl`` from ``rewardsmith``, never build their own."""
import pluggy

__all__ = ["PROJECT", "hookspec", "hookimpl"]

PROJECT = "rewardsmith"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
