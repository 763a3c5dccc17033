"""The trusted evaluator: one worker process per pool slot, owning that slot's jail.

Test code runs on the host against values the candidate returned, and some computations on
them (``set(range(n))``, ``int(Decimal('1e999999999'))``, ``2 ** f(x)``) can take any amount of
memory or time, in C code that no signal interrupts. So a slot's tests run in a separate worker
interpreter with an address-space limit (``Limits.evaluator_memory_mb``), which reports the start
of each phase (load, setup, each test, reset) and each finished test to the pool. When a phase
runs past its time plus a grace period, the pool kills the worker (the jail it owns dies with
it): the test in progress is the candidate's ``timeout``, and the tests after it are not run.
A test that needs more memory than the bound fails with ``MemoryError`` (the candidate's error);
a worker that dies during a test charges that test, never another program.

Workers are fresh interpreters (``python -c``, see :mod:`rewardsmith.verifiers.workers`), never
forks, like those of :mod:`rewardsmith.verifiers.pool`; that pool's per-call model cannot carry
per-test deadlines, hence this module.
"""
from __future__ import annotations

import logging
import os
import resource
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from rewardsmith.verifiers.code.backends import JailBroken, get_backend
from rewardsmith.verifiers.code.backends.base import SandboxUnavailable, wait_uid_gone
from rewardsmith.verifiers.code.limits import Limits
from rewardsmith.verifiers.code.oracle import (Program, ProgramResult, TestResult, Watch,
                                             all_tests, run_program, test_names)
from rewardsmith.verifiers.workers import WorkerProcess, connect, messages

__all__ = ["Evaluator", "JailInfo", "GRACE", "START_TIMEOUT"]

log = logging.getLogger("rewardsmith.sandbox")

#: seconds the host waits past a phase's own time before it kills the worker: more than the
#: jail's grace (3 s), so an honest worker always answers first
GRACE = 5.0
#: seconds a worker may take to start (import, then start its jail; docker may build its image)
START_TIMEOUT = 600.0
_CHILD = ("import sys; from rewardsmith.verifiers.code.evaluator import _worker_main; "
          "_worker_main(*sys.argv[1:])")


@dataclass(frozen=True)
class JailInfo:
    """What the host knows of a slot's jail (it lives in the worker): for host-side checks."""

    uid: int | None
    backend: str
    generation: int  #: counts the jails this slot has started


# --- worker side ---------------------------------------------------------------------------------
class _Reporter(Watch):
    """Sends each phase's start to the host, with the tests finished since the last one (one
    message per test: the host has every finished test before the next one can hang)."""

    def __init__(self, tx: Connection) -> None:
        self.tx = tx
        self.done: list[TestResult] = []

    def phase(self, name: str, seconds: float) -> None:
        self.tx.send(("phase", name, seconds, self.done))
        self.done = []

    def finished(self, result: TestResult) -> None:
        self.done.append(result)


class _Slot:
    """The worker's jail: started at once, replaced when it breaks."""

    def __init__(self, backend: str, limits: Limits, tx: Connection) -> None:
        self.backend = get_backend(backend)
        self.limits = limits
        self.tx = tx
        self.jail: Any = None
        self.generation = 0
        self.restarts = 0

    def start(self) -> None:
        self.jail = self.backend.start(0, self.limits)
        self.generation += 1
        self.tx.send(("jail", JailInfo(self.jail.uid, self.backend.name, self.generation),
                      self.restarts))

    def run(self, program: Program) -> ProgramResult:
        """The program's result; a jail that breaks is replaced and the program run again once,
        and a program that breaks a fresh jail too is charged for it."""
        watch = _Reporter(self.tx)
        for attempt in range(2):
            try:
                if self.jail is None:
                    self.tx.send(("phase", "start", START_TIMEOUT, []))
                    self.start()
                return run_program(self.jail, program, self.limits, watch)
            except JailBroken as exc:
                self.jail.close()
                self.jail = None
                self.restarts += 1
                self.tx.send(("restart", str(exc)))
                if attempt == 1:
                    return all_tests(program, "error", f"the program broke the sandbox: {exc}",
                                     self.backend.name)
        raise AssertionError("unreachable")  # pragma: no cover


def _worker_main(rx_fd: str, tx_fd: str) -> None:
    """A worker's life: limits, then the jail, then programs until EOF or ``None``."""
    rx, tx = connect(rx_fd, tx_fd)
    backend, limits = rx.recv()
    memory = limits.evaluator_memory_mb << 20
    # the soft limit only: the jails this worker starts may set their own (higher) one
    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        slot = _Slot(backend, limits, tx)
        slot.start()
    except SandboxUnavailable as exc:
        tx.send(("unavailable", str(exc)))
        return
    for program in messages(rx):
        try:
            result = slot.run(program)
        except MemoryError:
            os._exit(75)  # the host charges the test in progress
        except Exception as exc:  # noqa: BLE001 - our bug, not the candidate's: no score
            traceback.print_exc()
            result = ProgramResult(backend=slot.backend.name,
                                   infra_error=f"evaluator: {type(exc).__name__}: {exc}")
        tx.send(("result", result))
    if slot.jail is not None:
        slot.jail.close()


# --- host side -----------------------------------------------------------------------------------
class Evaluator(WorkerProcess):
    """The host's handle on one worker: runs programs there, with per-phase deadlines."""

    def __init__(self, backend: str, limits: Limits) -> None:
        self.backend = backend
        self.limits = limits
        self.info: JailInfo | None = None
        self.restarts = 0  #: jails the worker replaced
        super().__init__(_CHILD, cwd="/")
        self.tx.send((backend, limits))
        self.alive = True
        try:
            msg = self._next(time.monotonic() + START_TIMEOUT)
        except TimeoutError:
            msg = ("unavailable", f"the evaluator did not start within {START_TIMEOUT:g}s")
        if msg is None or msg[0] != "jail":
            self.close()
            why = msg[1] if msg else f"the evaluator exited ({self.process.returncode})"
            raise SandboxUnavailable(str(why))
        self._on_jail(msg)

    def _on_jail(self, msg: tuple) -> None:
        self.info, self.restarts = msg[1], msg[2]

    def _next(self, deadline: float) -> tuple | None:
        """The worker's next message; None when it died; TimeoutError past ``deadline``."""
        if not self.rx.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        try:
            return self.rx.recv()
        except (EOFError, OSError):
            return None

    def run(self, program: Program) -> ProgramResult:
        """The program's result. Never raises for the candidate's doings: a worker that runs
        past a phase's time is killed (that test: ``timeout``), one that dies charges its test."""
        start = time.monotonic()
        try:
            self.tx.send(program)
        except (OSError, ValueError):
            self.kill()
            return ProgramResult(backend=self.backend, infra_error="the evaluator is gone")
        phase, done = "start", []
        deadline = start + START_TIMEOUT
        while True:
            try:
                msg = self._next(deadline)
            except TimeoutError:
                self.kill()
                return _cut_short(program, done, phase, "timeout",
                                  "the test's evaluation ran past its time limit; it was stopped",
                                  self.backend, start)
            if msg is None:
                code = self.kill()
                if phase == "start":
                    return ProgramResult(backend=self.backend,
                                         infra_error=f"the evaluator exited ({code})")
                return _cut_short(program, done, phase, "error",
                                  f"the test's evaluation ended its evaluator (exit status {code}; "
                                  f"out of its {self.limits.evaluator_memory_mb} MiB?)",
                                  self.backend, start)
            kind = msg[0]
            if kind == "phase":
                phase, deadline = msg[1], time.monotonic() + msg[2] + GRACE
                done += msg[3]
            elif kind == "restart":
                done.clear()
            elif kind == "jail":
                self._on_jail(msg)
            elif kind == "result":
                return msg[1]

    def kill(self) -> int | None:
        """Kill the worker (its jail dies with it); wait until the jail's processes are gone."""
        if self.alive:
            self.alive = False
            super().kill()
            if self.info is not None and self.info.uid is not None and self.info.uid != os.getuid():
                wait_uid_gone(self.info.uid, 10.0)
        return self.process.returncode

    def close(self) -> None:
        """Ask the worker to close its jail and leave; kill it if it does not."""
        if self.alive:
            self.stop(timeout=15.0)


def _cut_short(program: Program, done: list, phase: str, status: str, message: str,
               backend: str, start: float) -> ProgramResult:
    """Results of a program whose evaluator was stopped in ``phase``: the tests that finished,
    then the one in progress (``status``, ``message``), then the rest, not run."""
    names = test_names(program)
    tests = list(done[:len(names)])
    if len(tests) < len(names):
        where = "" if phase == names[len(tests)] else f" (during {phase})"
        tests.append(TestResult(names[len(tests)], status, message + where))  # type: ignore[arg-type]
        tests += [TestResult(n, status, "not run: an earlier test's evaluation was stopped")  # type: ignore[arg-type]
                  for n in names[len(tests):]]
    return ProgramResult(tuple(tests), backend=backend,
                         elapsed=round(time.monotonic() - start, 4))
