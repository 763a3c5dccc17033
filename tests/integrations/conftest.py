"""Fixtures of the integration tests: one local Ray instance, live HTTP servers (the toy rewards
are the ``toy_plugin`` fixture of tests/conftest.py)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator

import pytest

import toy_rewards


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    """A small local Ray instance per test module that needs one (test_ray, test_parity), shut
    down when the module is done so its processes do not linger through the rest of the suite."""
    import ray

    # Ray workers cannot import the tests folder: ship the toy rewards' module by value.
    ray.cloudpickle.register_pickle_by_value(toy_rewards)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield ray
    ray.shutdown()
    ray.cloudpickle.unregister_pickle_by_value(toy_rewards)


@pytest.fixture
def live_server() -> Iterator[Callable[[Any], str]]:
    """Start an ASGI app with uvicorn on a free loopback port in a thread; return its base URL."""
    import uvicorn

    started: list[tuple[Any, threading.Thread]] = []

    def start(app: Any) -> str:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in started:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def serve_command() -> Iterator[Callable[..., str]]:
    """Start the real ``rewardsmith serve`` command in its own process on a free loopback port;
    return its base URL once /health answers. Stopped with SIGINT (Ctrl-C) afterwards."""
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    procs: list[subprocess.Popen] = []

    def start(*args: str) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, "-c", "import sys; from rewardsmith.cli import main; sys.exit(main())",
               "serve", *args, "--port", str(port)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/health", timeout=2)
                return url
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
