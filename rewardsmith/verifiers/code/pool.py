"""A pool of warm jails: N programs in parallel, one jail per slot, reused across programs.

Each slot is an evaluator worker process (:mod:`.evaluator`) that owns one jail (a bwrap sandbox
or a container) whose zygote forks a fresh child per program, so a program costs a fork and a few
pipe round trips instead of a new sandbox. The worker runs the tests against the candidate's
values under its own memory bound, and the pool kills it when a test's evaluation runs past its
time. A jail that breaks is replaced; a program that breaks a fresh jail a second time is charged
for it (its tests become errors), so crashing the sandbox never earns a program "no score"
instead of a failure. Whatever one program does, the other programs of the batch get their own
verdicts.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from rewardsmith.verifiers.code.backends import Backend, get_backend
from rewardsmith.verifiers.code.backends.base import SandboxUnavailable
from rewardsmith.verifiers.code.evaluator import Evaluator, JailInfo
from rewardsmith.verifiers.code.limits import Limits
from rewardsmith.verifiers.code.oracle import Program, ProgramResult

__all__ = ["SandboxPool", "get_pool", "close_pools", "default_workers"]

log = logging.getLogger("rewardsmith.sandbox")


def default_workers() -> int:
    """One slot per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SandboxPool:
    """Runs programs in warm jails of one backend.

    >>> from rewardsmith.verifiers.code import Program, build_suite
    >>> with SandboxPool("bwrap", workers=1) as pool:
    ...     [r.all_passed for r in pool.run([Program("def f(): return 1",
    ...                                              build_suite(["assert f() == 1"]))])]
    [True]
    """

    def __init__(self, backend: str | Backend = "auto", workers: int = 0,
                 limits: Limits | None = None) -> None:
        self.backend = get_backend(backend) if isinstance(backend, str) else backend
        self.workers = workers or default_workers()
        self.limits = limits or Limits()
        self._slots: queue.SimpleQueue[tuple[int, Evaluator | None]] = queue.SimpleQueue()
        for slot in range(self.workers):
            self._slots.put((slot, None))
        self._executor: ThreadPoolExecutor | None = None
        self._evaluators: dict[int, Evaluator] = {}
        self._lock = threading.Lock()
        self.closed = False
        self._replaced = 0  # evaluators killed (a test's evaluation ran too long, or died)
        self._past_restarts = 0  # jail restarts of evaluators that are gone

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def restarts(self) -> int:
        """Jails replaced over the pool's life (broken jails, and killed evaluators)."""
        with self._lock:
            return (self._past_restarts + self._replaced
                    + sum(e.restarts for e in self._evaluators.values()))

    # --- running ----------------------------------------------------------------------------------
    def run(self, programs: Sequence[Program],
            progress: Callable[[int], None] | None = None) -> list[ProgramResult]:
        """Results in input order. ``progress(1)`` is called as each program finishes."""
        if self.closed:
            raise RuntimeError("the sandbox pool is closed")
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="rk-sandbox")
        futures = [self._executor.submit(self._run_one, p) for p in programs]
        results = []
        for fut in futures:
            results.append(fut.result())
            if progress is not None:
                progress(1)
        return results

    def run_one(self, program: Program) -> ProgramResult:
        return self.run([program])[0]

    def _run_one(self, program: Program) -> ProgramResult:
        slot, evaluator = self._slots.get()
        try:
            if evaluator is None:
                evaluator = self._start(slot)
            result = evaluator.run(program)
            if not evaluator.alive:  # killed or dead: the next program gets a new one
                self._forget(slot, evaluator)
                evaluator = None
            return result
        except SandboxUnavailable as exc:
            return ProgramResult(backend=self.name, infra_error=str(exc))
        finally:
            self._slots.put((slot, evaluator))

    def _start(self, slot: int) -> Evaluator:
        evaluator = Evaluator(self.name, self.limits)
        with self._lock:
            self._evaluators[slot] = evaluator
        return evaluator

    def _forget(self, slot: int, evaluator: Evaluator) -> None:
        evaluator.kill()
        with self._lock:
            self._evaluators.pop(slot, None)
            self._past_restarts += evaluator.restarts
            self._replaced += 1

    def warm(self) -> None:
        """Start every slot's evaluator and jail now (in parallel) instead of on first use."""
        def start_slot(_: int) -> None:
            slot, evaluator = self._slots.get()
            try:
                if evaluator is None:
                    evaluator = self._start(slot)
            finally:
                self._slots.put((slot, evaluator))
        with ThreadPoolExecutor(self.workers) as ex:
            list(ex.map(start_slot, range(self.workers)))

    def jails(self) -> list[JailInfo]:
        """What is known of the live jails (their uids, for host-side checks in tests)."""
        with self._lock:
            return [e.info for e in self._evaluators.values() if e.info is not None]

    # --- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop every evaluator (each closes its jail) and the threads."""
        if self.closed:
            return
        self.closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        with self._lock:
            evaluators, self._evaluators = list(self._evaluators.values()), {}
        for evaluator in evaluators:
            evaluator.close()
        self.backend.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_POOLS: dict[tuple, SandboxPool] = {}
_POOLS_LOCK = threading.Lock()
_AT_EXIT: list[bool] = []


def get_pool(backend: str = "auto", workers: int = 0, limits: Limits | None = None) -> SandboxPool:
    """A shared pool per (backend, workers, limits), created on first use, closed at exit."""
    limits = limits or Limits()
    key = (backend, workers or default_workers(), limits)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None or pool.closed:
            if not _AT_EXIT:
                atexit.register(close_pools)
                os.register_at_fork(after_in_child=_forget_pools_in_child)
                _AT_EXIT.append(True)
            pool = _POOLS[key] = SandboxPool(backend, key[1], limits)
        return pool


def _forget_pools_in_child() -> None:
    """A forked child must not use (or close) its parent's jails: it gets pools of its own."""
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()
    _POOLS.clear()


def close_pools() -> None:
    """Close every shared pool (their jails are killed)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()
