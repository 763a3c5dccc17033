"""``process`` backend: the zygote as a plain child process with rlimits. NOT isolation.

The program sees the host's file system and network, and can read whatever its uid can read. As
root the zygote still becomes an unprivileged uid of its own (so rlimits bind and the whole uid can
be killed after each program); as a normal user it runs as that user and can only kill its own
process group, so a program that calls ``setsid()`` can outlive it. Use it where nothing else
runs (a throwaway VM, a CI container) and only with explicit opt-in.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile

from rewardsmith.verifiers.code.backends.base import (Backend, Jail, PipeJail, SandboxUnavailable,
                                                   UidLease, python_runtime, runner_command)
from rewardsmith.verifiers.code.limits import Limits

__all__ = ["ProcessBackend"]

log = logging.getLogger("rewardsmith.sandbox")

WARNING = ("sandbox backend 'process' is NOT isolation: untrusted programs run on this host with "
           "rlimits only and can read files and use the network. Use bwrap or docker for "
           "anything you care about.")


def _world_readable(path: str) -> bool:
    """Every directory on the way to ``path`` can be traversed by any uid."""
    path = os.path.realpath(path)
    while path not in ("/", ""):
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def _interpreter(as_root: bool) -> str:
    """The host's Python, unless the jail's uid could not read its standard library (e.g. a
    pyenv build under /root): then the system's python3."""
    python, prefix = python_runtime()
    if as_root and not _world_readable(os.path.join(prefix, "lib")):
        system = shutil.which("python3", path="/usr/bin:/bin")
        if system is None:
            raise SandboxUnavailable(f"the jail's uid cannot read {prefix}, and there is no "
                                     "/usr/bin/python3 to use instead")
        return system
    return python


class ProcessBackend(Backend):
    """rlimits only (explicit opt-in)."""

    name = "process"

    def __init__(self) -> None:
        self._warned = False
        self._dirs: list[str] = []

    def check(self) -> None:
        if not self._warned:
            log.warning(WARNING)
            self._warned = True

    def start(self, slot: int, limits: Limits) -> Jail:
        self.check()
        as_root = os.geteuid() == 0
        python = _interpreter(as_root)
        lease = UidLease() if as_root else None
        scratch = tempfile.mkdtemp(prefix="rewardsmith-process-jail-")
        self._dirs.append(scratch)
        config: dict = {"scratch": [scratch], "kill_all": as_root}
        if as_root:
            os.chown(scratch, lease.uid, lease.uid)
            config["uid"] = lease.uid
        stderr = tempfile.TemporaryFile()
        proc = subprocess.Popen(runner_command(python, limits, **config), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=stderr, env={}, cwd=scratch,
                                close_fds=True, start_new_session=True)
        proc._rk_stderr = stderr  # type: ignore[attr-defined]
        jail = PipeJail(proc, slot, limits, lease.uid if lease else os.getuid(), lease)
        jail.backend = self.name
        try:
            jail.wait_ready()
        except Exception as exc:
            raise SandboxUnavailable(f"process jail failed to start: {exc}; "
                                     f"{jail.stderr_text().strip()}") from None
        return jail

    def close(self) -> None:
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)
        self._dirs.clear()
