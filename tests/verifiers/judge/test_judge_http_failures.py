"""Failure modes a real server will not produce on demand (429 with Retry-After, 5xx, malformed
JSON), against a small in-process HTTP server on loopback. Everything else runs against
`transformers serve` in tests/plugins/test_judge_server.py."""
from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rewardsmith.verifiers.judge import HttpBackend, Judge, ReplyCache, Sample, load_rubric


class _Fake(BaseHTTPRequestHandler):
    script: list  # per request: (status, body, headers)
    seen: list

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(body)
        status, text, headers = self.script.pop(0) if self.script else (200, _ok("yes"), {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text.encode())

    def log_message(self, *args):
        pass


def _ok(content: str) -> str:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}],
                       "usage": {"prompt_tokens": 11, "completion_tokens": 1}})


@pytest.fixture
def fake():
    handler = type("H", (_Fake,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _judge(url, **kw):
    return Judge(HttpBackend(url, "m", concurrency=1, backoff=0.01, **kw), load_rubric("equivalence"),
                 model_id="fake", cache=None)


def test_429_is_retried_after_the_servers_retry_after(fake):
    handler, url = fake
    handler.script += [(429, "slow down", {"Retry-After": "0.3"}), (503, "busy", {})]
    started = time.perf_counter()
    [v] = _judge(url).judge([Sample("q", "4", "four")])
    assert v.score == 1.0 and v.error is None
    assert len(handler.seen) == 3 and time.perf_counter() - started >= 0.3


def test_retries_run_out_into_a_counted_failure(fake):
    handler, url = fake
    handler.script += [(500, "boom", {})] * 3
    judge = _judge(url, retries=2)
    [v] = judge.judge([Sample("q", "4", "four")])
    assert v.correct is None and "after 3 attempts" in v.error and "HTTP 500" in v.error
    assert judge.usage.failures == 1 and len(handler.seen) == 3


@pytest.mark.parametrize("body", [
    "not json at all",                                        # garbage
    json.dumps({"choices": []}),                              # no choice
    json.dumps({"choices": [{"message": {"content": 7}}]}),  # content not text
])
def test_malformed_json_is_no_score_not_retried(fake, body, tmp_path):
    handler, url = fake
    handler.script.append((200, body, {}))
    judge = Judge(HttpBackend(url, "m", concurrency=1, backoff=0.01), load_rubric("equivalence"),
                  model_id="fake", cache=ReplyCache(tmp_path / "c.sqlite"))
    [v] = judge.judge([Sample("q", "4", "four")])
    assert v.correct is None and v.score is None and "malformed reply" in v.error
    assert len(handler.seen) == 1
    [again] = judge.judge([Sample("q", "4", "four")])  # a failure is never cached
    assert again.score == 1.0 and len(handler.seen) == 2


def test_a_client_error_is_not_retried(fake):
    handler, url = fake
    handler.script.append((404, "no such model", {}))
    [v] = _judge(url).judge([Sample("q", "4", "four")])
    assert "HTTP 404" in v.error and len(handler.seen) == 1


def test_openai_logprobs_shape_is_read():
    """The OpenAI chat-completion logprobs layout (vLLM, SGLang, hosted APIs), parsed as a function."""
    from rewardsmith.verifiers.judge.backends import _parse_completion
    from rewardsmith.verifiers.judge import read_verdict
    reply = json.loads(_ok("no"))
    reply["choices"][0]["logprobs"] = {"content": [{"token": "no", "logprob": math.log(0.7), "top_logprobs": [
        {"token": "no", "logprob": math.log(0.7)}, {"token": "yes", "logprob": math.log(0.3)}]}]}
    parsed = _parse_completion(json.dumps(reply), "u")
    assert parsed.prompt_tokens == 11 and parsed.positions[0][0] == "no"
    r = read_verdict(parsed, {"yes": 1.0, "no": 0.0})
    assert r.how == "logprobs" and r.score == pytest.approx(0.3)
