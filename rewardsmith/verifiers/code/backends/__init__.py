"""Sandbox backends: ``bwrap`` (default on Linux), ``docker``, and ``process`` (rlimits only).

``get_backend("auto")`` picks bwrap when it works here, else docker when its daemon answers;
it never falls back to ``process``, which must be asked for by name.
"""
from __future__ import annotations

from rewardsmith.basics import UsageError
from rewardsmith.verifiers.code.backends.base import Backend, Jail, JailBroken, SandboxUnavailable

__all__ = ["BACKENDS", "Backend", "Jail", "JailBroken", "SandboxUnavailable", "get_backend"]

BACKENDS = ("auto", "bwrap", "docker", "process")


def _make(name: str) -> Backend:
    if name == "bwrap":
        from rewardsmith.verifiers.code.backends.bwrap import BwrapBackend
        return BwrapBackend()
    if name == "docker":
        from rewardsmith.verifiers.code.backends.docker import DockerBackend
        return DockerBackend()
    if name == "process":
        from rewardsmith.verifiers.code.backends.process import ProcessBackend
        return ProcessBackend()
    raise UsageError(f"unknown sandbox backend {name!r}; choose one of {', '.join(BACKENDS)}")


def get_backend(name: str = "auto") -> Backend:
    """A checked backend; SandboxUnavailable (with the fix) when it cannot run here."""
    if name != "auto":
        backend = _make(name)
        backend.check()
        return backend
    reasons = []
    for candidate in ("bwrap", "docker"):
        backend = _make(candidate)
        try:
            backend.check()
            return backend
        except SandboxUnavailable as exc:
            reasons.append(str(exc))
    raise SandboxUnavailable("no sandbox backend works here: " + "; ".join(reasons))
