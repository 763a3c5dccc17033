"""Worker interpreters that talk to their host over a pair of pipes.

The plumbing shared by :class:`rewardsmith.verifiers.pool.TimeoutPool` (function calls with a
timeout each) and :mod:`rewardsmith.verifiers.code.evaluator` (test programs with per-phase
deadlines). Each worker is a fresh interpreter (``python -c CODE RX_FD TX_FD``), never a fork:
safe in processes that run threads (trainers, Ray), and it never re-imports the caller's
``__main__``.

Host side::

    worker = WorkerProcess("import sys; from my.module import main; main(*sys.argv[1:])")
    worker.tx.send(work); reply = worker.rx.recv()
    worker.stop(timeout=1.0)

Worker side (``main`` above)::

    def main(rx_fd, tx_fd):
        rx, tx = connect(rx_fd, tx_fd)
        for work in messages(rx):
            tx.send(do(work))

A worker exits when its host closes the pipe or sends ``None``, and (see :func:`watch_parent`)
when its host dies, even in the middle of a long call.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any, Iterator

__all__ = ["WorkerProcess", "connect", "messages", "watch_parent"]


class WorkerProcess:
    """The host's side of one worker interpreter: ``process``, and the pipes ``tx`` and ``rx``.

    Args:
        code: the worker's program (``python -c code RX_FD TX_FD``); it calls :func:`connect`.
        cwd: the worker's working directory (default: this process's).

    The worker sees this process's ``sys.path`` (as ``PYTHONPATH``) and no stdin.
    """

    def __init__(self, code: str, *, cwd: str | None = None) -> None:
        child_rx, host_tx = os.pipe()
        host_rx, child_tx = os.pipe()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(child_rx), str(child_tx)],
                pass_fds=(child_rx, child_tx), stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        except BaseException:
            os.close(host_rx)
            os.close(host_tx)
            raise
        finally:
            os.close(child_rx)
            os.close(child_tx)
        self.tx = Connection(host_tx, readable=False)
        self.rx = Connection(host_rx, writable=False)

    def kill(self) -> int | None:
        """Kill the worker (SIGKILL) unless it has exited, reap it, close the pipes; its exit code."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.tx.close()
        self.rx.close()
        return self.process.returncode

    def stop(self, timeout: float) -> int | None:
        """Ask the worker to leave (``None``), wait up to ``timeout`` seconds, then :meth:`kill`."""
        try:
            self.tx.send(None)
            self.process.wait(timeout=timeout)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        return self.kill()


def connect(rx_fd: str, tx_fd: str) -> tuple[Connection, Connection]:
    """The worker's side of :func:`spawn`: ``(rx, tx)`` from the file descriptors in its argv.

    Also makes the worker a good child: Ctrl-C is ignored (it is the host's, which stops its
    workers) and :func:`watch_parent` runs in a daemon thread.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    return Connection(int(rx_fd), writable=False), Connection(int(tx_fd), readable=False)


def messages(rx: Connection) -> Iterator[Any]:
    """The host's messages, until it closes the pipe or sends ``None``."""
    while True:
        try:
            msg = rx.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        yield msg


def watch_parent(parent: int, interval: float = 0.5) -> None:
    """Exit this process (``os._exit(0)``) once ``parent`` is no longer its parent.

    Run in a daemon thread of a worker: the end of the host's pipe is only seen between calls,
    so without it a worker in the middle of a long call would outlive a killed host.
    """
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(0)
