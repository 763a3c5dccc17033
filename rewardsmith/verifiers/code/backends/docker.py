"""Docker backend: one long-lived container per slot, the zygote as its pid 1.

Containers come from the locally built image (:mod:`rewardsmith.verifiers.code.image`) and are
reused across programs: the zygote forks a fresh child per program, so a program costs a fork, not
a container. Each container has no network, a read-only root, a size-limited tmpfs on /tmp, memory,
pids and CPU limits, every capability dropped, no-new-privileges, Docker's default seccomp profile
and a uid of its own. The host talks to the zygote over the container's attached stdin/stdout;
when the zygote stops answering, the host kills the container and starts another.
"""
from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
from typing import Any

from rewardsmith.verifiers.code.backends.base import (Backend, Jail, SandboxUnavailable, UidLease,
                                                   python_runtime, runner_command)
from rewardsmith.verifiers.code.limits import Limits

__all__ = ["DockerBackend", "DockerJail"]

LABEL = "rewardsmith.sandbox"
log = logging.getLogger("rewardsmith.sandbox")


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


class DockerJail(Jail):
    """A container whose attached stdio carries the line protocol (stdout arrives framed)."""

    backend = "docker"

    def __init__(self, container: Any, sock: Any, slot: int, limits: Limits, lease: UidLease) -> None:
        super().__init__(slot, limits, lease.uid)
        self.container = container
        self.lease = lease
        self._sockio = sock
        self._sock: socket.socket = sock._sock
        self._frame = b""  # bytes of the current multiplexed frame header/payload not yet parsed
        self._need = 0  # payload bytes still to come in the current frame
        self._stream = 1

    def _send(self, data: bytes) -> None:
        self._sock.sendall(data)

    def _read(self, timeout: float) -> bytes | None:
        ready, _, _ = select.select([self._sock], [], [], timeout)
        if not ready:
            return None
        chunk = self._sock.recv(1 << 16)
        return b"" if not chunk else self._demux(chunk)

    def _demux(self, chunk: bytes) -> bytes:
        """Strip Docker's 8-byte frame headers; keep stdout (1), drop stderr (2)."""
        out = bytearray()
        data = self._frame + chunk
        self._frame = b""
        while data:
            if self._need == 0:
                if len(data) < 8:
                    self._frame = data
                    break
                self._stream, self._need = struct.unpack(">BxxxL", data[:8])
                data = data[8:]
                continue
            part, data = data[:self._need], data[self._need:]
            self._need -= len(part)
            if self._stream == 1:
                out += part
        return bytes(out)

    def _kill(self) -> None:
        try:
            self._sockio.close()
        except Exception:  # noqa: BLE001 - closing a dead socket
            pass
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        if self.lease is not None:
            self.lease.release()
            self.lease = None


class DockerBackend(Backend):
    """Jails made of Docker containers (``pip install docker``, a reachable daemon)."""

    name = "docker"

    def __init__(self) -> None:
        self._client: Any = None
        self.image: str | None = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        if self._client is None:
            try:
                import docker
            except ImportError:
                raise SandboxUnavailable("the docker backend needs the Docker SDK: "
                                         "pip install 'rewardsmith[code]'") from None
            try:
                self._client = docker.from_env(timeout=120)
                self._client.ping()
            except Exception as exc:  # noqa: BLE001 - DockerException, ConnectionError, ...
                self._client = None
                raise SandboxUnavailable(
                    f"Docker daemon not reachable at {_docker_host()} ({type(exc).__name__}); "
                    "start it (systemctl start docker, or dockerd &) or set DOCKER_HOST") from None
        return self._client

    def check(self) -> None:
        self.client()

    def ensure_image(self, progress: Any = None) -> str:
        """The sandbox image's tag, built on first use (once, however many slots start)."""
        with self._lock:
            if self.image is None:
                from rewardsmith.verifiers.code.image import ensure_image
                self.image = ensure_image(self.client(), progress or _log_progress)
        return self.image

    def start(self, slot: int, limits: Limits) -> Jail:
        import docker

        client, image = self.client(), self.ensure_image()
        python, _ = python_runtime()
        lease = UidLease()
        ulimits = [docker.types.Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
                   docker.types.Ulimit(name="fsize", soft=limits.fsize_mb << 20,
                                       hard=limits.fsize_mb << 20),
                   docker.types.Ulimit(name="core", soft=0, hard=0)]
        container = client.containers.create(
            image, command=runner_command(python, limits, kill_all=True),
            user=f"{lease.uid}:{lease.uid}", stdin_open=True, auto_remove=True,
            network_mode="none", read_only=True, hostname="sandbox",
            tmpfs={"/tmp": f"size={limits.tmpfs_mb}m,mode=1777"}, shm_size=f"{limits.tmpfs_mb}m",
            mem_limit=f"{limits.memory_mb + 256}m", memswap_limit=f"{limits.memory_mb + 256}m",
            pids_limit=limits.nproc + 8, nano_cpus=int(limits.cpus * 1e9), cap_drop=["ALL"],
            security_opt=["no-new-privileges"], ulimits=ulimits, working_dir="/tmp",
            labels={LABEL: "1", f"{LABEL}.owner": str(os.getpid())},
            detach=False)  # not detached: StdinOnce, so the zygote sees EOF if this process dies
        try:
            sock = client.api.attach_socket(container.id, params={"stdin": 1, "stdout": 1,
                                                                  "stderr": 1, "stream": 1})
            container.start()
        except Exception as exc:
            container.remove(force=True)
            lease.release()
            raise SandboxUnavailable(f"docker container failed to start: {exc}") from None
        jail = DockerJail(container, sock, slot, limits, lease)
        jail.wait_ready(timeout=60)
        return jail

    def remove_stale(self) -> int:
        """Remove sandbox containers left by processes that no longer exist; return how many."""
        removed = 0
        for c in self.client().containers.list(all=True, filters={"label": LABEL}):
            owner = c.labels.get(f"{LABEL}.owner", "")
            if owner.isdigit() and _pid_alive(int(owner)):
                continue
            c.remove(force=True)
            removed += 1
        return removed

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _log_progress(message: str) -> None:
    log.info("%s (once; 'rewardsmith sandbox build-image' does it ahead of time)", message)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
