"""What every sandbox backend provides: a :class:`Jail` (one warm zygote behind a line channel).

A backend starts jails; a jail answers :meth:`Jail.request` with one decoded reply. The in-jail
zygote enforces per-request timeouts itself; the host adds a grace period on top and, when the
zygote does not answer in time, declares the jail broken and kills it from outside (the pool then
starts a fresh one). Nothing a jail says is trusted beyond "this is plain data".
"""
from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rewardsmith.basics import RewardsmithError
from rewardsmith.verifiers.code import protocol
from rewardsmith.verifiers.code.limits import Limits

__all__ = ["SandboxUnavailable", "JailBroken", "Jail", "Backend", "runner_command", "UidLease",
           "python_runtime", "wait_uid_gone"]

#: jails run as uids base .. base+UID_RANGE-1 when the host is root (one uid per live jail)
UID_BASE = int(os.environ.get("REWARDSMITH_SANDBOX_UID_BASE", "1200000"))
UID_RANGE = 4096
#: modules the zygote imports once so that each forked program finds them ready
PRELOAD = ["math", "re", "string", "collections", "itertools", "functools", "heapq", "bisect",
           "operator", "typing", "copy", "random", "fractions", "decimal", "statistics", "json"]


class SandboxUnavailable(RewardsmithError):
    """The chosen backend cannot run here; the message says how to fix it."""


class JailBroken(RuntimeError):
    """A jail stopped answering, died, or broke the protocol; it must be replaced."""


def python_runtime() -> tuple[str, str]:
    """(interpreter, prefix) of the host's base Python: the jail runs the same runtime."""
    prefix = os.path.realpath(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    exe = os.path.join(prefix, "bin", version)
    if not os.path.exists(exe):
        exe = os.path.realpath(sys.executable)
    return exe, prefix


def runner_command(python: str, limits: Limits, **config: Any) -> list[str]:
    """argv of a jail's zygote (see :mod:`rewardsmith.verifiers.code.jail`) with these limits."""
    from rewardsmith.verifiers.code import jail
    return jail.command(python, {**limits.runner_config(), "preload": PRELOAD, **config})


class UidLease:
    """An unprivileged uid reserved for one jail, across processes (an flock'ed file per uid)."""

    def __init__(self) -> None:
        lock_dir = Path(tempfile.gettempdir()) / "rewardsmith-sandbox-uids"
        lock_dir.mkdir(mode=0o700, exist_ok=True)
        for i in range(UID_RANGE):  # the lowest free uid: few lock files, reused across runs
            uid = UID_BASE + i
            fd = os.open(lock_dir / str(uid), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise SandboxUnavailable(f"all {UID_RANGE} sandbox uids from {UID_BASE} are in use")

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class Jail:
    """One warm jail. Subclasses implement the byte transport (_send, _read, _kill)."""

    grace = 3.0
    backend = "?"

    def __init__(self, slot: int, limits: Limits, uid: int | None = None) -> None:
        self.slot = slot
        self.limits = limits
        self.uid = uid
        self._buf = b""
        self.broken: str | None = None
        self.requests = 0
        self.info: dict = {}
        self._close_lock = threading.Lock()
        self._closed = False

    # --- transport, per backend -------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _read(self, timeout: float) -> bytes | None:
        """Some bytes; b"" at end of stream; None when nothing arrived within ``timeout``."""
        raise NotImplementedError

    def _kill(self) -> None:
        """Kill the whole jail from outside, without asking it."""
        raise NotImplementedError

    # --- protocol -------------------------------------------------------------------------------
    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait for the zygote's hello; ``info`` keeps it (its pid, whether seccomp is on)."""
        reply = self._recv(time.monotonic() + timeout)
        if not reply.get("ready"):
            self._break(f"unexpected first message {str(reply)[:200]}")
        self.info = reply

    def request(self, msg: dict, timeout: float) -> dict:
        """Send ``msg`` (the zygote gets ``timeout`` seconds) and return the decoded reply."""
        if self.broken:
            raise JailBroken(self.broken)
        self.requests += 1
        msg = {**msg, "timeout": timeout}
        try:
            self._send(json.dumps(msg).encode() + b"\n")
        except (OSError, ValueError) as exc:  # ValueError: the pipe was closed
            self._break(f"cannot write to the jail: {exc}")
        return self._recv(time.monotonic() + timeout + self.grace)

    def _recv(self, deadline: float) -> dict:
        cap = (self.limits.output_mb << 20) + 4096
        if b"\n" not in self._buf:
            buf = bytearray(self._buf)  # grows in place: linear in the reply's size
            while True:
                if len(buf) > cap:
                    self._break("reply larger than the output cap")
                left = deadline - time.monotonic()
                if left <= 0:
                    self._break("the jail did not answer in time")
                chunk = self._read(left)
                if chunk == b"":
                    self._break("the jail exited")
                if chunk:
                    buf += chunk
                    if b"\n" in chunk:
                        break
            self._buf = bytes(buf)
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            return protocol.loads(line)
        except protocol.ProtocolError as exc:
            # a well-framed line that is not a JSON object can only come from the candidate's
            # child (the zygote writes json.dumps output): the candidate's failure, not the jail's
            return {"invalid": str(exc)}

    def _break(self, why: str) -> None:
        self.broken = why
        self.close()
        raise JailBroken(why)

    def close(self) -> None:
        """Kill the jail (idempotent, safe from any thread)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._kill()
            finally:
                self.broken = self.broken or "closed"


class PipeJail(Jail):
    """A jail whose zygote is a local child process talking over its stdin/stdout pipes."""

    def __init__(self, proc: Any, slot: int, limits: Limits, uid: int | None,
                 lease: UidLease | None = None) -> None:
        super().__init__(slot, limits, uid)
        self.proc = proc
        self.lease = lease
        self.zygote_pid: int | None = None  # when the zygote is not ``proc`` itself (bwrap)
        self._out = proc.stdout.fileno()

    def _send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _read(self, timeout: float) -> bytes | None:
        ready, _, _ = select.select([self._out], [], [], timeout)
        return os.read(self._out, 1 << 16) if ready else None

    def _kill(self) -> None:
        """Ask the zygote to leave (EOF on its stdin), else SIGKILL the sandbox, then wait until
        no process of the jail's uid is left (bwrap's --die-with-parent kills it asynchronously)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=0 if self.broken else 1.0)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: force it
            if self.zygote_pid:
                try:
                    os.kill(self.zygote_pid, signal.SIGKILL)  # its pid namespace dies with it
                except OSError:
                    pass
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()
        if self.lease is not None:
            wait_uid_gone(self.lease.uid, 5.0)
            self.lease.release()
            self.lease = None

    def stderr_text(self) -> str:
        f = getattr(self.proc, "_rk_stderr", None)
        if f is None:
            return ""
        f.seek(0)
        return f.read()[-2000:].decode("utf-8", "replace")


def wait_uid_gone(uid: int, timeout: float) -> None:
    """Wait until no process runs as ``uid`` (a jail's own uid) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for name in os.listdir("/proc"):
            try:
                if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                    alive = True
                    break
            except OSError:
                continue
        if not alive:
            return
        time.sleep(0.01)


class Backend:
    """Starts jails. ``check()`` raises :class:`SandboxUnavailable` with the fix when it can't."""

    name = "?"

    def check(self) -> None:
        """Raise SandboxUnavailable when this backend cannot run on this machine."""

    def start(self, slot: int, limits: Limits) -> Jail:
        raise NotImplementedError

    def close(self) -> None:
        """Release shared resources (clients, images) after the last jail is closed."""
