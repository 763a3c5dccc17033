"""The judge reward against a real OpenAI-compatible server: `transformers serve` on loopback,
serving a tiny Llama whose weights make it answer "yes" to everything (a known verdict, read from
the reply text: transformers serve returns no logprobs). One server for the module; the last test
stops it mid-run."""
from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from judge_support import Server, build_word_judge  # noqa: E402

from rewardsmith import load_reward  # noqa: E402
from rewardsmith.cli import main  # noqa: E402

pytestmark = pytest.mark.slow  # the server takes ~50 s to start on a loaded 2-core box


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("judge-server")
    srv = Server(build_word_judge(folder / "yes-judge", "yes"), folder / "serve.log")
    srv.log_path = folder / "serve.log"
    yield srv
    srv.stop()


def posts(srv) -> int:
    """Chat requests the server has answered so far (from its own access log)."""
    return srv.log_path.read_text(errors="replace").count("POST /v1/chat/completions")


def spec(srv, cache, **extra) -> str:
    opts = {"base_url": srv.base_url, "model": srv.model, "cache": str(cache), **extra}
    return "judge(" + ",".join(f"{k}={v}" for k, v in opts.items()) + ")"


QUESTIONS = [("What is 2+3?", "5", "five"), ("Capital of France?", "Paris", "It is Paris."),
             ("What is 2+3?", "5", "five"), ("What is 10/4?", "2.5", "5/2"), ("Name a prime.", "7", "7")]


def test_batched_concurrent_requests_with_parsed_verdicts_and_usage(server, tmp_path):
    reward = load_reward(spec(server, tmp_path / "c.sqlite", concurrency=4, rubric="equivalence"))
    judge_reward = reward.rewards[0]
    backend_calls, in_flight, peak = [], [0], [0]
    lock = threading.Lock()
    from rewardsmith.plugins.judge import get_judge
    client = get_judge(judge_reward.options).backend._client
    real_post = client.post

    def counting_post(*a, **kw):  # the real request, counted on its way
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            backend_calls.append(1)
        try:
            return real_post(*a, **kw)
        finally:
            with lock:
                in_flight[0] -= 1

    client.post = counting_post
    before = posts(server)
    result = reward.score([q for q, _, _ in QUESTIONS], [c for _, _, c in QUESTIONS],
                          {"answer": [a for _, a, _ in QUESTIONS]})
    assert result.rewards == [1.0] * 5
    assert {d["read"] for d in result.details["judge"]} == {"parsed"}
    assert len(backend_calls) == 4 and posts(server) - before == 4  # the duplicate is asked once
    assert peak[0] > 1  # requests overlapped
    usage = judge_reward.usage()
    assert usage["requests"] == 4 and usage["deduplicated"] == 1 and usage["failures"] == 0
    assert usage["prompt_tokens"] > 100 and usage["completion_tokens"] >= 4


def test_a_rerun_is_served_from_the_cache_without_a_request(server, tmp_path):
    args = ([q for q, _, _ in QUESTIONS[:2]], [c for _, _, c in QUESTIONS[:2]],
            {"answer": [a for _, a, _ in QUESTIONS[:2]]})
    cache = tmp_path / "c.sqlite"
    first = load_reward(spec(server, cache, timeout=30)).score(*args)
    before = posts(server)
    second_reward = load_reward(spec(server, cache, timeout=31))  # another instance, same cache file
    second = second_reward.score(*args)
    assert posts(server) == before
    assert second.rewards == first.rewards == [1.0, 1.0]
    assert all(d["cached"] for d in second.details["judge"])
    assert second_reward.rewards[0].usage()["cache_hits"] == 2


def test_score_cli_cascade_asks_the_judge_only_what_math_refused(server, tmp_path, capsys):
    rows = [
        {"id": 1, "prompt": "What is 6*7?", "completion": "6*7 = 42, so \\boxed{42}.", "answer": "42"},
        {"id": 2, "prompt": "Who gets the last token?", "completion": "Petya will receive the last token.",
         "answer": "\\text{Petya}"},
        {"id": 3, "prompt": "What is 6*7?", "completion": "\\boxed{41} or \\boxed{42}", "answer": "42"},
        {"id": 4, "prompt": "What is 6*7?", "completion": "I think \\boxed{40}", "answer": "42"},
    ]
    inp = tmp_path / "rows.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge = spec(server, tmp_path / "c.sqlite")
    rc = main(["score", "--reward", f"math(fallback={judge})", "--input", str(inp), "--details"])
    out, err = capsys.readouterr()
    assert rc == 0
    scored = [json.loads(line) for line in out.splitlines()]
    decided = [r["reward_details"]["math"]["decided_by"] for r in scored]
    assert decided == ["math", "judge", "math", "judge"]  # the hedge stays refused
    assert [r["reward"] for r in scored] == [1.0, 1.0, 0.0, 1.0]  # this judge says yes to all
    assert scored[1]["reward_details"]["math"]["judge"]["rubric"] == "equivalence"
    assert "2 of 4 scored samples (50.0%) reached the fallback 'judge'" in err
    assert "judge usage: 2 samples, 2 requests" in err


def test_probe_cli_runs_the_judge_probes_and_catches_a_judge_that_always_says_yes(server, tmp_path, capsys):
    report = tmp_path / "probes.json"
    rc = main(["probe", "--reward", spec(server, tmp_path / "c.sqlite", concurrency=8),
               "--select", "fake-verdict", "--json", str(report)])
    results = json.loads(report.read_text())["results"]
    status = {r["probe"]: r["status"] for r in results}
    assert status == {"judge/fake-verdict": "VULNERABLE", "judge/fake-verdict-pairwise": "SKIPPED"}
    assert rc == 1


def test_a_server_stopped_mid_run_gives_counted_failures_and_a_clear_message(server, tmp_path):
    reward = load_reward(spec(server, "off", concurrency=1, retries=2, backoff=0.1, timeout=20))
    from rewardsmith.plugins.judge import get_judge
    client = get_judge(reward.rewards[0].options).backend._client
    real_post, answered = client.post, threading.Event()

    def post_then_signal(*a, **kw):
        resp = real_post(*a, **kw)
        answered.set()
        return resp

    client.post = post_then_signal
    threading.Thread(target=lambda: (answered.wait(120), server.stop()), daemon=True).start()
    n = 6
    started = time.perf_counter()
    result = reward.score([f"What is {i}+1?" for i in range(n)], [str(i + 1) for i in range(n)],
                          {"answer": [str(i + 1) for i in range(n)]})
    took = time.perf_counter() - started
    values, errors = result.components["judge"], result.errors["judge"]
    assert values[0] == 1.0 and errors[0] is None  # answered before the stop
    failed = [e for e in errors if e]
    assert failed and all(v != v for v, e in zip(values, errors) if e)  # NaN, never 0 or 1
    assert any("unreachable" in e for e in failed), failed
    assert reward.error_counts["judge"] == len(failed)
    assert took < 60
