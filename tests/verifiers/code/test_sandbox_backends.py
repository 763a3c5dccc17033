"""Backends: helpful errors when missing, the real jail configuration, recovery from broken jails."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest

from conftest import ADVERSARIAL_LIMITS, host_processes, need_backend
from rewardsmith.core.errors import UsageError
from rewardsmith.verifiers.code import (CodeTask, Limits, SandboxPool, SandboxUnavailable,
                                      get_backend, verify_many)
from rewardsmith.verifiers.code.backends import JailBroken
from rewardsmith.verifiers.code.backends.bwrap import BwrapBackend, bwrap_args

HONEST = CodeTask("def f(x):\n    return x + 1", ["assert f(1) == 2"])


def test_missing_bwrap_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailable, match="bubblewrap not found: apt-get install bubblewrap"):
        get_backend("bwrap")


def test_unreachable_docker_names_the_address(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable,
                       match="Docker daemon not reachable at unix:///nonexistent/docker.sock"):
        get_backend("docker")


def test_auto_lists_every_fix_and_never_falls_back_to_process(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable) as info:
        get_backend("auto")
    assert "apt-get install bubblewrap" in str(info.value) and "Docker daemon" in str(info.value)
    with pytest.raises(UsageError, match="unknown sandbox backend 'chroot'"):
        get_backend("chroot")


def test_process_backend_is_loudly_not_isolation(caplog):
    with caplog.at_level(logging.WARNING, logger="rewardsmith.sandbox"):
        with SandboxPool("process", 1, ADVERSARIAL_LIMITS) as pool:
            verdict, = verify_many([HONEST], pool)
    assert verdict.correct
    assert any("NOT isolation" in r.message for r in caplog.records)


@pytest.mark.parametrize("kwargs, message", [
    ({"timeout": 0}, "must be positive"),
    ({"memory_mb": 0}, "at least 1"),
    ({"nproc": 2}, "nproc must be >= 4"),
])
def test_limits_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Limits(**kwargs)


def test_bwrap_jail_configuration():
    need_backend("bwrap")
    args = bwrap_args(Limits(tmpfs_mb=8), as_root=os.geteuid() == 0)
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                 "--as-pid-1", "--clearenv", "--new-session"):
        assert flag in args
    tmp = next(i for i, a in enumerate(args) if a == "--tmpfs" and args[i + 1] == "/tmp")
    assert args[tmp - 1] == str(8 << 20)  # a size-limited private /tmp
    jail = BwrapBackend().start(0, ADVERSARIAL_LIMITS)
    try:
        assert jail.info["pid"] == 1 and jail.info["seccomp"] is True
        assert jail.uid != 0 or os.geteuid() != 0  # root on the host: a uid of its own
        assert len(host_processes(jail.uid)) == 1
    finally:
        jail.close()
    assert host_processes(jail.uid) == []


def test_docker_container_configuration():
    need_backend("docker")
    backend = get_backend("docker")
    jail = backend.start(0, ADVERSARIAL_LIMITS)
    try:
        jail.container.reload()
        host = jail.container.attrs["HostConfig"]
        assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
        assert host["PidsLimit"] == ADVERSARIAL_LIMITS.nproc + 8
        assert host["Memory"] == (ADVERSARIAL_LIMITS.memory_mb + 256) << 20
        assert host["NanoCpus"] == int(ADVERSARIAL_LIMITS.cpus * 1e9)
        assert jail.container.attrs["Config"]["User"] == f"{jail.uid}:{jail.uid}"
        assert jail.info["pid"] == 1 and jail.info["seccomp"] is True
        assert backend.image.startswith("rewardsmith-sandbox:")
        from rewardsmith.verifiers.code.image import image_tag
        assert backend.image == image_tag()  # content-tagged, built once, reused
    finally:
        jail.close()
        backend.close()
    client = get_backend("docker").client()
    assert client.containers.list(all=True, filters={"id": jail.container.id}) == []


def test_unresponsive_jail_is_killed_from_outside(backend):
    need_backend(backend)
    jail = get_backend(backend).start(0, ADVERSARIAL_LIMITS)
    jail.grace = 0.5
    zygote = host_processes(jail.uid)[0].split()[0]
    os.kill(int(zygote), signal.SIGSTOP)  # the zygote stops answering (it cannot do this itself)
    start = time.monotonic()
    with pytest.raises(JailBroken, match="did not answer"):
        jail.request({"op": "load", "code": "x = 1"}, 0.5)
    assert time.monotonic() - start < 5
    deadline = time.monotonic() + 10
    while host_processes(jail.uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host_processes(jail.uid) == []


def test_pool_replaces_a_jail_that_breaks_mid_program(backend):
    need_backend(backend)
    with SandboxPool(backend, 1, ADVERSARIAL_LIMITS) as pool:
        pool.warm()
        victim = pool.jails()[0]
        slow = CodeTask("import time\ndef f(x):\n    time.sleep(0.5)\n    return x + 1",
                        ["assert f(1) == 2"])
        zygote = int(host_processes(victim.uid)[0].split()[0])
        killer = threading.Timer(0.25, os.kill, (zygote, signal.SIGKILL))  # the jail crashes
        killer.start()
        verdict, = verify_many([slow], pool)
        killer.join()
        assert verdict.correct and pool.restarts == 1  # retried once on a fresh jail
        assert pool.jails()[0] is not victim
        assert verify_many([HONEST], pool)[0].correct
