"""A pool of worker processes that runs function calls with a wall-clock timeout each.

Why not ``signal.alarm`` or ``concurrent.futures``: an alarm only works on the main thread of the
main interpreter (a trainer's reward thread or a Ray actor is not), and a future that times out
keeps its worker busy forever. Here a call that runs past its timeout gets its worker killed
(SIGKILL) and replaced; the other calls go on. Calls are sent in batches, one message per batch
and worker, so the inter-process overhead is paid per batch, not per call; results come back one
message per call so that each call has its own deadline.

A call's deadline starts when the worker is ready for it (after the previous call returned, or
after a new worker finished its ``initializer``), so a slow start-up never counts as a timeout.

>>> from operator import add
>>> with TimeoutPool(workers=1) as pool:
...     [o.value for o in pool.map(add, [(1, 2), (3, 4)], timeout=5.0)]
[3, 7]

Workers are fresh interpreters (``python -c ...``, see :mod:`rewardsmith.verifiers.workers`), never
forks: safe in processes that run threads (trainers, Ray), and unlike multiprocessing's ``spawn``
they never re-import the caller's ``__main__``, so scripts need no ``if __name__ == "__main__"``
guard. The price: functions must be importable by module name (not defined in ``__main__``);
arguments and results must pickle. The pool is thread-safe (one ``map`` at a time), POSIX only,
and starts its workers lazily, on the first call or :meth:`TimeoutPool.start`.
"""
from __future__ import annotations

import collections
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

from rewardsmith.verifiers.workers import WorkerProcess, connect, messages

__all__ = ["Outcome", "TimeoutPool"]

log = logging.getLogger("rewardsmith")

_READY = "__ready__"
_CHILD = "import sys; from rewardsmith.verifiers.pool import _child_main; _child_main(*sys.argv[1:])"


@dataclass(frozen=True)
class Outcome:
    """What one call produced.

    Attributes:
        value: the function's return value (None when it failed).
        error: None on success; else ``"ExcType: message"`` raised by the call, ``"timeout after
            Ns"``, or ``"worker died (exit code N)"``.
        timed_out: True when the call ran past its timeout and its worker was killed.
        elapsed: seconds the call ran (measured in the worker; the timeout when it timed out).
    """

    value: Any = None
    error: str | None = None
    timed_out: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


# --- worker side --------------------------------------------------------------------------------
def _child_main(rx_fd: str, tx_fd: str) -> None:
    """Entry point of a worker interpreter: set up, then serve batches until EOF or ``None``."""
    rx, tx = connect(rx_fd, tx_fd)
    sys.path[:] = rx.recv()
    memory_limit_mb, initializer, initargs = rx.recv()
    if memory_limit_mb:
        import resource
        limit = int(memory_limit_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if initializer is not None:
        initializer(*initargs)
    tx.send(_READY)
    for msg in messages(rx):
        _serve(tx, *msg)


def _serve(tx: Connection, fn_bytes: bytes, calls: list[tuple[int, tuple]]) -> None:
    try:
        fn = pickle.loads(fn_bytes)
    except Exception as exc:  # noqa: BLE001 - e.g. a function defined in __main__
        for index, _ in calls:
            tx.send((index, False, f"cannot load the function in the worker: {exc}", 0.0))
        return
    for index, args in calls:
        t0 = time.perf_counter()
        try:
            value, ok = fn(*args), True
        except BaseException as exc:  # noqa: BLE001 - reported to the host, never swallowed
            value, ok = f"{type(exc).__name__}: {exc}", False
        secs = time.perf_counter() - t0
        try:
            tx.send((index, ok, value, secs))
        except Exception as exc:  # noqa: BLE001 - an unpicklable result is the call's error
            tx.send((index, False, f"unpicklable result: {exc}", secs))


# --- host side ----------------------------------------------------------------------------------
class _Worker(WorkerProcess):
    """One worker process and the calls it has in flight."""

    def __init__(self, memory_limit_mb: int | None, initializer: Callable | None,
                 initargs: tuple) -> None:
        super().__init__(_CHILD)
        self.ready = False
        self.eof = False
        self.inflight: collections.deque[tuple[int, tuple]] = collections.deque()
        self.deadline = float("inf")
        self.tx.send(list(sys.path))
        self.tx.send((memory_limit_mb, initializer, initargs))

    def send(self, fn_bytes: bytes, calls: list[tuple[int, tuple]], timeout: float) -> bool:
        """Send a batch; False when the worker is gone (the calls stay in ``inflight``)."""
        self.inflight.extend(calls)
        try:
            self.tx.send((fn_bytes, calls))
        except (OSError, ValueError):
            return False
        self.deadline = time.monotonic() + timeout if self.ready else float("inf")
        return True

    def exitcode(self) -> int | None:
        try:
            return self.process.wait(timeout=0.5) if self.eof else self.process.poll()
        except subprocess.TimeoutExpired:
            return None


def _shutdown(workers: list[_Worker]) -> None:
    for w in workers:
        w.stop(timeout=1.0)
    workers.clear()


class TimeoutPool:
    """Worker processes that run picklable calls, each with a wall-clock timeout.

    Args:
        workers: number of worker processes (calls of one :meth:`map` are spread over them).
        memory_limit_mb: address-space limit of each worker (``RLIMIT_AS``); a call that needs
            more fails with ``MemoryError`` instead of exhausting the machine. None: no limit.
        initializer: an importable function called once in each new worker before it takes
            calls (imports, warm-up); its time never counts against a call's timeout.
        initargs: arguments of ``initializer``.
        start_timeout: seconds a new worker may take to become ready.
    """

    def __init__(self, workers: int = 1, *, memory_limit_mb: int | None = None,
                 initializer: Callable | None = None, initargs: tuple = (),
                 start_timeout: float = 120.0) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.n_workers = workers
        self.memory_limit_mb = memory_limit_mb
        self.start_timeout = start_timeout
        self._init = (initializer, initargs)
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.restarts = 0  #: workers replaced after a timeout or a crash, over the pool's life
        self._finalizer = weakref.finalize(self, _shutdown, self._workers)

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> TimeoutPool:
        """Start the workers and wait until each is ready (optional: calls start them too)."""
        with self._lock:
            self._ensure_workers()
            deadline = time.monotonic() + self.start_timeout
            for w in self._workers:
                while not w.ready:
                    self._await_ready(w, deadline)
        return self

    def _await_ready(self, w: _Worker, deadline: float) -> None:
        if not w.rx.poll(max(0.0, deadline - time.monotonic())):
            raise RuntimeError(f"pool worker not ready after {self.start_timeout}s")
        try:
            msg = w.rx.recv()
        except EOFError:
            w.eof = True
            raise RuntimeError(self._start_failure(w)) from None
        if msg != _READY:  # pragma: no cover - protocol error
            raise RuntimeError(f"unexpected message from a new pool worker: {msg!r}")
        w.ready = True

    def _start_failure(self, w: _Worker) -> str:
        return (f"a pool worker failed to start (exit code {w.exitcode()}); see its stderr, "
                "and check the initializer and memory_limit_mb")

    def _ensure_workers(self) -> None:
        if self._pid != os.getpid():
            raise RuntimeError("a TimeoutPool cannot be used from a forked child; create a new one")
        while len(self._workers) < self.n_workers:
            self._workers.append(_Worker(self.memory_limit_mb, *self._init))

    def close(self) -> None:
        """Stop the workers (idempotent). A closed pool starts new workers if called again."""
        with self._lock:
            _shutdown(self._workers)

    def __enter__(self) -> TimeoutPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- calls --------------------------------------------------------------------------------
    def call(self, fn: Callable, *args: Any, timeout: float) -> Outcome:
        """Run ``fn(*args)`` in a worker with a timeout; see :meth:`map`."""
        return self.map(fn, [args], timeout=timeout)[0]

    def map(self, fn: Callable, items: Sequence[tuple], timeout: float,
            chunksize: int | None = None) -> list[Outcome]:
        """Run ``fn(*item)`` for each item; one :class:`Outcome` per item, in order.

        Never raises for a failing call: exceptions, timeouts and dead workers become outcomes
        with ``error`` set. A call past ``timeout`` seconds has its worker killed and replaced,
        and the calls queued behind it are resent to the replacement. Raises RuntimeError only
        when a worker cannot start at all.

        Args:
            fn: an importable function (pickled by reference).
            items: argument tuples, one per call.
            timeout: seconds each call may run.
            chunksize: calls per message to a worker (default: the batch split four ways per
                worker, at most 256).
        """
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        n = len(items)
        if n == 0:
            return []
        if chunksize is None:
            chunksize = max(1, min(256, -(-n // (4 * self.n_workers))))
        todo = collections.deque((i, tuple(a)) for i, a in enumerate(items))
        results: list[Outcome | None] = [None] * n
        fn_bytes = pickle.dumps(fn)
        with self._lock:
            self._ensure_workers()
            self._run(fn_bytes, todo, results, timeout, chunksize)
        return results  # type: ignore[return-value]

    def _run(self, fn_bytes: bytes, todo: collections.deque, results: list, timeout: float,
             chunksize: int) -> None:
        start_deadline = time.monotonic() + self.start_timeout
        while todo or any(w.inflight for w in self._workers):
            for w in list(self._workers):
                if w.ready and not w.inflight and todo:
                    calls = [todo.popleft() for _ in range(min(chunksize, len(todo)))]
                    if not w.send(fn_bytes, calls, timeout):
                        self._replace(w, todo, results, None)
            waiting = [w for w in self._workers if w.inflight or not w.ready]
            if not any(w.ready for w in waiting) and time.monotonic() > start_deadline:
                raise RuntimeError(f"pool workers not ready after {self.start_timeout}s")
            horizon = min(w.deadline for w in waiting) - time.monotonic()
            owner = {w.rx: w for w in waiting}
            for conn in wait(list(owner), timeout=max(0.0, min(horizon, 1.0))):
                self._drain(owner[conn], results, timeout)
            now = time.monotonic()
            for w in waiting:
                if w.eof or w.process.poll() is not None:
                    self._replace(w, todo, results, f"worker died (exit code {w.exitcode()})")
                elif w.inflight and now > w.deadline:
                    self._replace(w, todo, results, f"timeout after {timeout:g}s", timeout)

    def _drain(self, w: _Worker, results: list, timeout: float) -> None:
        """Read every message the worker has sent so far (marks ``eof`` when it is gone)."""
        while not w.eof:
            try:
                if not w.rx.poll():
                    return
                msg = w.rx.recv()
            except (EOFError, OSError):
                w.eof = True
                return
            if msg == _READY:
                w.ready = True
                if w.inflight:
                    w.deadline = time.monotonic() + timeout
                continue
            index, ok, value, secs = msg
            if w.inflight and w.inflight[0][0] == index:
                w.inflight.popleft()
            results[index] = Outcome(value=value, elapsed=secs) if ok else \
                Outcome(error=value, elapsed=secs)
            w.deadline = time.monotonic() + timeout if w.inflight else float("inf")

    def _replace(self, w: _Worker, todo: collections.deque, results: list, reason: str | None,
                 timeout: float | None = None) -> None:
        """Kill ``w``, fail its current call with ``reason``, requeue the calls behind it."""
        was_ready = w.ready
        w.kill()
        if w.inflight and reason is not None:
            index, _ = w.inflight.popleft()
            results[index] = Outcome(error=reason, timed_out=timeout is not None,
                                     elapsed=timeout or 0.0)
        todo.extendleft(reversed(w.inflight))
        w.inflight.clear()
        if not was_ready:
            self._workers.remove(w)
            raise RuntimeError(self._start_failure(w))
        if reason is not None:
            log.warning("pool worker replaced: %s", reason)
        self._workers[self._workers.index(w)] = _Worker(self.memory_limit_mb, *self._init)
        self.restarts += 1

    @property
    def owner_pid(self) -> int:
        """The process that created the pool; only it may use the pool (forks need their own)."""
        return self._pid

    def __repr__(self) -> str:
        return f"TimeoutPool(workers={self.n_workers}, memory_limit_mb={self.memory_limit_mb})"
