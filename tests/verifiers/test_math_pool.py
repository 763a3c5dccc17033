"""The timeout pool: real worker processes, real hangs, real kills."""
from __future__ import annotations

import os
import threading
import time

import pytest

from rewardsmith.verifiers.pool import Outcome, TimeoutPool


# Worker-side helpers: module-level so they pickle by reference into spawned workers.
def square(x):
    return x * x


def nap(seconds, value):
    time.sleep(seconds)
    return value


def boom(msg):
    raise ValueError(msg)


def die(code):
    os._exit(code)


def pid(_):
    return os.getpid()


def hog(megabytes):
    return len(bytearray(megabytes * 1024 * 1024))


def bad_init():
    raise RuntimeError("cannot start")


@pytest.fixture(scope="module")
def pool():
    with TimeoutPool(workers=2, memory_limit_mb=1024) as p:
        p.start()
        yield p


def test_results_come_back_in_order(pool):
    out = pool.map(square, [(i,) for i in range(300)], timeout=5)
    assert [o.value for o in out] == [i * i for i in range(300)]
    assert all(o.ok and not o.timed_out for o in out)


def test_exceptions_are_outcomes_not_raises(pool):
    out = pool.map(boom, [("first",), ("second",)], timeout=5)
    assert [o.error for o in out] == ["ValueError: first", "ValueError: second"]
    assert all(o.value is None for o in out)


def test_a_hung_call_is_killed_and_the_rest_go_on(pool):
    before = pool.restarts
    t0 = time.monotonic()
    # one worker gets the hang with calls queued behind it: those are resent to the replacement
    out = pool.map(nap, [(0.0, "a"), (60.0, "hang"), (0.0, "b"), (0.0, "c")], timeout=0.5,
                   chunksize=4)
    took = time.monotonic() - t0
    assert [o.value for o in out] == ["a", None, "b", "c"]
    assert out[1].timed_out and out[1].error == "timeout after 0.5s"
    assert pool.restarts == before + 1
    assert took < 30  # bounded by the timeout plus one worker start, never the 60 s sleep


def test_a_dead_worker_fails_only_its_call(pool):
    out = pool.map(die, [(3,)], timeout=5)
    assert out[0].error == "worker died (exit code 3)" and not out[0].timed_out
    again = pool.call(square, 7, timeout=5)  # the replacement worker takes calls
    assert isinstance(again, Outcome) and again.value == 49


def test_memory_limit_turns_a_bomb_into_an_error(pool):
    out = pool.call(hog, 4096, timeout=10)
    assert out.error is not None and out.error.startswith("MemoryError")
    assert pool.call(hog, 10, timeout=10).value == 10 * 1024 * 1024


def test_calls_spread_over_workers(pool):
    pids = {o.value for o in pool.map(nap_pid, [(0.05,)] * 8, timeout=5, chunksize=1)}
    assert len(pids) == 2 and os.getpid() not in pids


def nap_pid(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_works_off_the_main_thread(pool):
    got = {}
    t = threading.Thread(target=lambda: got.update(v=pool.map(nap, [(5, 1), (0, 2)], timeout=0.3)))
    t.start()
    t.join(30)
    assert [o.value for o in got["v"]] == [None, 2] and got["v"][0].timed_out


def test_a_broken_initializer_is_a_clear_error():
    with TimeoutPool(workers=1, initializer=bad_init) as p:
        with pytest.raises(RuntimeError, match="failed to start"):
            p.call(square, 2, timeout=5)


def test_bad_arguments():
    with pytest.raises(ValueError):
        TimeoutPool(workers=0)
    with TimeoutPool(workers=1) as p, pytest.raises(ValueError):
        p.map(square, [(1,)], timeout=0)
    assert TimeoutPool(workers=1).map(square, [], timeout=1) == []
