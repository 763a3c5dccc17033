"""The reward server over real HTTP on loopback: protocols, limits, failures, load, the CLI."""
from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from rewardsmith.cli import main
from rewardsmith.core.compose import load_reward
from rewardsmith.core.rows import score_rows
from rewardsmith.integrations.serve import ServeConfig, create_app

SPEC = "toy_number:1+format:0.2"
PROMPTS = ["<|user|>What is 2+2?<|assistant|>", "<|user|>What is 3*3?<|assistant|>"]
COMPLETIONS = [" so \\boxed{4}", " it is \\boxed{5}", " 9", " \\boxed{9} or \\boxed{8}"]
LABELS = ["4", "4", "9", "9"]


def _queries() -> tuple[list[str], list[str]]:
    prompts = [PROMPTS[0], PROMPTS[0], PROMPTS[1], PROMPTS[1]]
    return [p + c + "<|im_end|>" for p, c in zip(prompts, COMPLETIONS)], prompts


def test_openrlhf_score_and_health_endpoints(toy_plugin, live_server):
    reward = load_reward(SPEC)
    url = live_server(create_app(reward))
    queries, prompts = _queries()
    with httpx.Client(base_url=url, timeout=30) as client:
        got = client.post("/get_reward", json={"query": queries, "prompts": prompts, "labels": LABELS})
        assert got.status_code == 200, got.text
        body = got.json()
        expected = reward.score(prompts, COMPLETIONS, {"answer": LABELS})
        assert body["rewards"] == expected.rewards == [1.2, 0.2, 1.0, 0.0]
        assert body["scores"] == body["rewards"]
        assert body["extra_logs"]["toy_number"] == [1.0, 0.0, 1.0, 0.0]
        assert body["extra_logs"]["format"] == [1.0, 1.0, 0.0, 0.0]
        assert body["extra_logs"]["rewardsmith_error"] == [0.0] * 4

        rows = [{"prompt": p, "completion": c, "answer": a, "id": i}
                for i, (p, c, a) in enumerate(zip(prompts, COMPLETIONS, LABELS))]
        got = client.post("/score", json={"rows": rows})
        assert got.status_code == 200, got.text
        assert got.json()["rows"] == score_rows(reward, rows)

        health = client.get("/health").json()
        assert health["status"] == "ok" and health["components"] == ["toy_number", "format"]
        assert health["required_columns"] == ["answer"] and health["requests"] == {"200": 2}


def test_a_missing_or_empty_label_is_a_counted_failure_not_a_zero(toy_plugin, live_server, caplog):
    url = live_server(create_app(load_reward("toy_number"), ServeConfig(error_value="-7", max_error_rate=1)))
    payload = {"query": ["Q: 1 A: 1", "Q: 1 A: 1", "Q: 1 A: 1"], "prompts": ["Q: 1 A:"] * 3,
               "labels": [None, "  ", "1"]}
    with httpx.Client(base_url=url, timeout=30) as client:
        body = client.post("/get_reward", json=payload).json()
        assert body["rewards"] == [-7.0, -7.0, 1.0]
        assert body["extra_logs"]["rewardsmith_error"] == [1.0, 1.0, 0.0]
        assert "missing label" in caplog.text and "toy_number needs it" in caplog.text
        health = client.get("/health").json()
        assert health["unscorable"] == {"missing_label": 2} and health["failures"]["failed"] == 2


def test_a_failing_reward_is_flagged_counted_and_never_hidden(toy_plugin, live_server):
    reward = load_reward("toy_crash+format")
    url = live_server(create_app(reward, ServeConfig(error_value="-5", max_error_rate=1)))
    with httpx.Client(base_url=url, timeout=30) as client:
        payload = {"query": ["Q boom \\boxed{1}", "Q fine \\boxed{1}"], "prompts": ["Q", "Q"]}
        body = client.post("/get_reward", json=payload).json()
        assert body["rewards"] == [-5.0, 1.5]
        assert body["extra_logs"]["toy_crash"] == [-5.0, 0.5]
        assert body["extra_logs"]["format"] == [1.0, 1.0]  # a component that was scored keeps its value
        assert body["extra_logs"]["rewardsmith_error"] == [1.0, 0.0]
        rows = client.post("/score", json={"rows": [{"completion": "boom"}]}).json()["rows"]
        assert rows[0]["reward"] is None and rows[0]["rewards"]["toy_crash"] is None
        assert "exploded" in rows[0]["reward_errors"]["toy_crash"]
        assert client.get("/health").json()["reward_errors"] == {"toy_crash": 2, "format": 0}


# Each case: (method, path, body, expected status, words the error message must contain).
BAD_REQUESTS = [
    ("POST", "/get_reward", b"{not json", 400, "invalid JSON"),
    ("POST", "/get_reward", b"[1, 2]", 400, "JSON object"),  # not an object
    ("POST", "/get_reward", b'{"prompts": ["a"]}', 400, "missing 'query'"),
    ("POST", "/get_reward", b'{"query": "a"}', 400, "must be a JSON list"),
    ("POST", "/get_reward", b'{"query": [1]}', 400, "must be a string"),
    ("POST", "/get_reward", b'{"query": ["a"], "labels": ["1", "2"]}', 400, "'labels' has 2 items"),
    ("POST", "/get_reward", b'{"query": ["a"]}', 400, "missing 'labels'"),  # a reward needs them
    ("POST", "/get_reward", b'{"query": ["a"], "labels": [NaN]}', 400, "NaN is not a JSON number"),
    ("POST", "/score", b'{"rows": [{"completion": "1", "answer": Infinity}]}', 400, "Infinity"),
    ("POST", "/get_reward", b"[" * 1900 + b"]" * 1900, 400, "nested too deeply"),  # RecursionError
    ("POST", "/score", b'{"rows": [{"completion": "1", "answer": "1", "x": ' + b"[" * 990 + b"]" * 990 + b"}]}",
     400, "nested too deeply"),  # parses, but too deep to score or echo back
    ("POST", "/get_reward", b'{"query": ["a"], "metas": [3]}', 400, "'metas'"),
    ("POST", "/get_reward", json.dumps({"query": ["a"] * 51}).encode(), 413, "limit is 50"),
    ("POST", "/get_reward", b'{"query": ["' + b"x" * 5000 + b'"]}', 413, "--max-request-bytes"),
    ("POST", "/score", b'{"rows": {}}', 400, '{"rows"'),
    ("POST", "/score", b'{"rows": [3]}', 400, "request row:1"),
    ("POST", "/score", b'{"rows": [{"prompt": "p"}]}', 400, "missing column 'completion'"),
    ("POST", "/score", b'{"rows": [{"completion": "1"}]}', 400, "missing column 'answer'"),
    ("POST", "/score", b'{"rows": [{"completion": 5, "answer": "1"}]}', 400, "string or a list"),
    ("GET", "/get_reward", None, 405, ""),
    ("POST", "/nowhere", b"{}", 404, ""),
]


def test_bad_requests_get_4xx_with_a_message_and_the_server_lives_on(toy_plugin, live_server):
    app = create_app(load_reward(SPEC), ServeConfig(max_rows=50, max_request_bytes=4000))
    url = live_server(app)
    with httpx.Client(base_url=url, timeout=30) as client:
        for method, path, body, status, words in BAD_REQUESTS:
            got = client.request(method, path, content=body, headers={"content-type": "application/json"})
            assert got.status_code == status, (path, body, got.text)
            if words:
                assert words in got.json()["error"], got.text
        # a body without Content-Length (chunked) is cut off at the limit as well
        chunks = (b'{"query": ["' + b"y" * 1000 if i == 0 else b"y" * 1000 for i in range(8))
        got = client.post("/get_reward", content=chunks)
        assert got.status_code == 413 and "limit" in got.json()["error"]
        assert client.get("/health").json()["status"] == "ok"
        ok = client.post("/score", json={"rows": [{"completion": "4", "answer": "4"}]})
        assert ok.status_code == 200 and ok.json()["rows"][0]["reward"] == 1.0


def test_slow_requests_time_out_with_504_and_excess_requests_get_503(toy_plugin, live_server):
    config = ServeConfig(timeout=0.8, workers=1, max_pending=1)
    url = live_server(create_app(load_reward("toy_slow(delay=3.0)"), config))
    with httpx.Client(base_url=url, timeout=30) as client:
        start = time.monotonic()
        got = client.post("/get_reward", json={"query": ["a"], "prompts": [""]})
        assert got.status_code == 504 and "--timeout" in got.json()["error"]
        assert time.monotonic() - start < 2.5  # answered at the deadline, not when scoring ends (3 s)
        assert client.get("/health").json()["status"] == "ok"  # the event loop was never blocked

    results: list[int] = []

    def post() -> None:
        results.append(httpx.post(f"{url}/get_reward", json={"query": ["a"], "prompts": [""]},
                                  timeout=30).status_code)

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # one request is accepted (and times out behind the busy thread); the others find it in flight
    assert 503 in results and 504 in results and set(results) <= {503, 504}


def test_bounded_load(toy_plugin, live_server, record_property):
    """A fixed number of concurrent requests: all answered correctly, none failed, in bounded time."""
    reward = load_reward(SPEC)
    url = live_server(create_app(reward, ServeConfig(workers=4)))
    queries, prompts = _queries()
    expected = reward.score(prompts, COMPLETIONS, {"answer": LABELS}).rewards
    n_requests, concurrency = 400, 16
    payload = {"query": queries * 4, "prompts": prompts * 4, "labels": LABELS * 4}  # 16 samples each
    errors: list[str] = []

    async def worker(client: httpx.AsyncClient, todo: list[int]) -> None:
        while todo:
            todo.pop()
            got = await client.post("/get_reward", json=payload)
            if got.status_code != 200 or got.json()["rewards"] != expected * 4:
                errors.append(f"{got.status_code}: {got.text[:200]}")

    async def run() -> float:
        todo = list(range(n_requests))
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            start = time.perf_counter()
            await asyncio.gather(*(worker(client, todo) for _ in range(concurrency)))
            return time.perf_counter() - start

    elapsed = asyncio.run(asyncio.wait_for(run(), timeout=60))
    rate = n_requests / elapsed
    record_property("requests_per_s", round(rate, 1))
    print(f"\nload: {n_requests} requests x 16 samples, concurrency {concurrency}: "
          f"{rate:.0f} requests/s ({rate * 16:.0f} samples/s), {len(errors)} errors")
    assert errors == []
    assert rate > 10  # a floor far below what a 2-core CI machine does, to catch a serialised server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rewardsmith_serve_command_end_to_end():
    """The real command in its own process, with the built-in rewards, as OpenRLHF would call it."""
    port = _free_port()
    cmd = [sys.executable, "-c", "import sys; from rewardsmith.cli import main; sys.exit(main())",
           "serve", "--reward", "math:1+format:0.2", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        assert health["reward"] == "math:1+format:0.2" and health["required_columns"] == ["answer"]
        prompt = "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n"
        payload = {"query": [prompt + "6*7 = 42, so \\boxed{42}<|im_end|>", prompt + "\\boxed{41}<|im_end|>"],
                   "prompts": [prompt, prompt], "labels": ["42", "42"]}
        got = httpx.post(f"http://127.0.0.1:{port}/get_reward", json=payload, timeout=60).json()
        assert got["rewards"] == [1.2, 0.2] and got["extra_logs"]["math"] == [1.0, 0.0]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert f"on http://127.0.0.1:{port}" in out


@pytest.mark.parametrize("argv, words", [
    (["--reward", "format", "--workers", "0"], "workers must be at least 1"),
    (["--reward", "fromat"], "Did you mean 'format'"),
    (["--reward", "format", "--executor", "spark"], "unknown executor"),
    (["--reward", "format", "--error-value", "mean"], "error_value must be 'group_mean' or a number"),
    (["--reward", "format", "--max-error-rate", "5"], "max-error-rate must be between 0 and 1"),
    (["--reward", "format", "--body-timeout", "0"], "body-timeout must be a positive number"),
])
def test_serve_command_usage_errors_exit_2(argv, words, capsys):
    assert main(["serve", *argv]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rewardsmith serve:")]
    assert len(err) == 1 and words in err[0], err


def test_serve_command_port_in_use_is_a_usage_error(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--reward", "format", "--port", str(port)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rewardsmith serve:")]
    assert err == [f"rewardsmith serve: error: cannot listen on 127.0.0.1:{port}: Address already in use"]


def test_slow_bodies_hold_no_scoring_slot_and_time_out_on_their_own(toy_plugin, live_server):
    """Issue 15, item 8: 64 connections that each send one body byte and stall used to fill every
    --max-pending slot for the whole --timeout; now they wait apart and get 408 at --body-timeout."""
    config = ServeConfig(max_pending=8, body_timeout=2.0, timeout=120)
    url = live_server(create_app(load_reward(SPEC), config))
    host, port = url.removeprefix("http://").split(":")
    head = (f"POST /get_reward HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n{").encode()
    stalled = []
    for _ in range(64):
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(head)  # headers and one body byte, then nothing
        stalled.append(sock)
    try:
        time.sleep(0.3)
        queries, prompts = _queries()
        start = time.monotonic()
        got = httpx.post(f"{url}/get_reward", json={"query": queries, "prompts": prompts, "labels": LABELS},
                         timeout=30)
        assert got.status_code == 200 and got.json()["rewards"] == [1.2, 0.2, 1.0, 0.0]
        assert time.monotonic() - start < 1.5  # answered at once, not after the stalled bodies
        for sock in stalled:  # each stalled request is answered 408 at --body-timeout
            reply = b""
            while b"}" not in reply and (chunk := sock.recv(4096)):
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 408") and b"--body-timeout" in reply
        assert time.monotonic() - start < 10
    finally:
        for sock in stalled:
            sock.close()
    health = httpx.get(f"{url}/health", timeout=10).json()
    assert health["receiving"] == 0 and health["pending"] == 0 and health["requests"]["408"] == 64
