"""bubblewrap backend: each jail is ``bwrap`` around the zygote, one warm jail per slot.

The jail has its own pid, network, IPC, UTS and cgroup namespaces (no network at all: only a
loopback that is down), a read-only view of /usr and of the Python runtime, a private size-limited
tmpfs on /tmp, an empty environment, ``--die-with-parent`` and ``--as-pid-1`` (the zygote is pid 1
and reaps everything). Run as root, bwrap keeps every capability and RLIMIT_NPROC does not bind
root, so the zygote first becomes an unprivileged uid of its own (one per jail), drops the
capability bounding set and sets no_new_privs, before any candidate code exists. Run as a normal
user, bwrap makes an unprivileged user namespace instead and forbids nested ones.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future
from typing import Any

from rewardsmith.verifiers.code.backends.base import (Backend, Jail, PipeJail, SandboxUnavailable,
                                                   UidLease, python_runtime, runner_command)
from rewardsmith.verifiers.code.limits import Limits

__all__ = ["BwrapBackend", "bwrap_args"]

_FIX = "bubblewrap not found: apt-get install bubblewrap (or dnf install bubblewrap)"


def _system_binds() -> list[str]:
    """/usr read-only, and /bin, /lib, ... as the same symlinks or binds as on the host."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _runtime_binds(prefix: str) -> list[str]:
    """The Python runtime at its own path (its RUNPATH points there), site-packages hidden."""
    if prefix == "/usr" or prefix.startswith("/usr/"):
        return []
    args: list[str] = []
    parts = prefix.strip("/").split("/")
    for i in range(1, len(parts)):  # parents readable by the jail's uid, whatever their host mode
        args += ["--perms", "0755", "--dir", "/" + "/".join(parts[:i])]
    args += ["--ro-bind", prefix, prefix]
    for site in _site_dirs(prefix):
        args += ["--tmpfs", site]
    return args


def _site_dirs(prefix: str) -> list[str]:
    lib = os.path.join(prefix, "lib")
    found = []
    for name in os.listdir(lib) if os.path.isdir(lib) else []:
        site = os.path.join(lib, name, "site-packages")
        if name.startswith("python") and os.path.isdir(site):
            found.append(site)
    return found


def bwrap_args(limits: Limits, as_root: bool) -> list[str]:
    """The bwrap options of one jail (everything before ``--``)."""
    _, prefix = python_runtime()
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--as-pid-1", "--new-session",
            "--hostname", "sandbox", "--clearenv", "--chdir", "/tmp"]
    if not as_root:
        args += ["--unshare-user", "--disable-userns"]
    args += _system_binds() + _runtime_binds(prefix)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.tmpfs_mb << 20), "--tmpfs", "/dev/shm",
             "--remount-ro", "/"]
    return args


def _user_process_count(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                pass
    return count


_SPAWNER: list[tuple[queue.SimpleQueue, int]] = []  # (its job queue, pid that started it)
_SPAWNER_LOCK = threading.Lock()


def _spawn(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
    """Popen from one long-lived thread. bwrap's --die-with-parent is a parent-death signal, and
    Linux sends it when the *thread* that forked it exits: a jail started from a short-lived
    worker thread would lose its monitor as soon as that thread ends."""
    with _SPAWNER_LOCK:
        if not _SPAWNER or _SPAWNER[0][1] != os.getpid():  # none yet, or a forked child's
            jobs: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=_spawner, args=(jobs,), name="rk-bwrap-spawner",
                             daemon=True).start()
            _SPAWNER[:] = [(jobs, os.getpid())]
        jobs = _SPAWNER[0][0]
    done: Future = Future()
    jobs.put((cmd, kwargs, done))
    return done.result()


def _spawner(jobs: queue.SimpleQueue) -> None:
    while True:
        cmd, kwargs, done = jobs.get()
        try:
            done.set_result(subprocess.Popen(cmd, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            done.set_exception(exc)


def _child_pid(fd: int) -> int | None:
    """The sandbox's pid 1 as the host sees it, from bwrap's --info-fd (JSON, then EOF).

    bwrap's --die-with-parent cannot reach a pid-namespace init (the kernel drops a parent-death
    SIGKILL sent to it), so a jail that stops answering is killed through this pid."""
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None


class BwrapBackend(Backend):
    """Jails made with bubblewrap (the default on Linux)."""

    name = "bwrap"

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or shutil.which("bwrap")

    def check(self) -> None:
        if not self.executable:
            raise SandboxUnavailable(_FIX)
        probe = subprocess.run([self.executable, "--unshare-pid", "--unshare-net", "--dev-bind",
                                "/", "/", "--", "/bin/true"], capture_output=True, timeout=30)
        if probe.returncode != 0:
            msg = probe.stderr.decode(errors="replace").strip()[:300]
            raise SandboxUnavailable(
                f"bubblewrap cannot create namespaces here ({msg}); run as root, or allow "
                "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or use "
                "backend=docker")

    def start(self, slot: int, limits: Limits) -> Jail:
        as_root = os.geteuid() == 0
        python, _ = python_runtime()
        lease = UidLease() if as_root else None
        if as_root:
            config = {"uid": lease.uid, "kill_all": True}
        else:  # RLIMIT_NPROC counts all of this user's processes; leave room for them
            nproc = limits.nproc + _user_process_count(os.getuid())
            config = {"nproc": nproc, "kill_all": True}
        info_r, info_w = os.pipe()
        cmd = [self.executable, *bwrap_args(limits, as_root), "--info-fd", str(info_w), "--",
               *runner_command(python, limits, **config)]
        stderr = tempfile.TemporaryFile()
        try:
            proc = _spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                          env={}, cwd="/", close_fds=True, pass_fds=(info_w,),
                          start_new_session=True)
        finally:
            os.close(info_w)
        proc._rk_stderr = stderr  # type: ignore[attr-defined]
        jail = PipeJail(proc, slot, limits, lease.uid if lease else os.getuid(), lease)
        jail.backend = self.name
        try:
            jail.zygote_pid = _child_pid(info_r)
            jail.wait_ready()
        except Exception as exc:
            jail.close()
            raise SandboxUnavailable(f"bubblewrap jail failed to start: {exc}; "
                                     f"{jail.stderr_text().strip()}") from None
        return jail
