#!/usr/bin/env python
"""Throughput of the ``judge`` reward against the plain way, same server, same inputs, same run;
and the cost of the cascade ``math(fallback=judge(...))`` on the labelled math corpus.

    python perf/judge_throughput.py            # 64 samples, the whole corpus
    python perf/judge_throughput.py --quick    # 24 samples, 120 corpus cases
    python perf/judge_throughput.py --no-continuous-batching   # a server without batching

Server: `transformers serve` on 127.0.0.1 (started here; `--continuous-batching` by default, as a
judge server would run), serving a tiny Llama whose weights make it answer "yes" (tests/plugins/
judge_support.py): a real model behind a real OpenAI-compatible server, without the minutes a real
judge needs per sample on a CPU. Its verdicts are meaningless; both sides must agree on them.

Peer ("the plain way"): one sequential ``httpx.post`` to ``/v1/chat/completions`` per sample, with
exactly the request body the plugin sends (same messages, max_tokens, temperature). rewardsmith:
``JudgeReward.score_batch`` on all samples at once, ``concurrency=8``, a cold (new) cache; a second,
warm run shows what a re-run costs. Inputs are all distinct, so in-batch deduplication does not
help. One untimed request warms the server first.

Cascade: the share of the corpus's cases (tests/verifiers/data/math_corpus.yaml) that ``math``
refused and so reached the judge; the share depends only on the rule, not on the judge.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "plugins"))


def samples(n: int) -> tuple[list[str], list[str], list[str]]:
    """n distinct (question, reference, response) triples, a third of them wrong."""
    qs, refs, resps = [], [], []
    for i in range(n):
        a, b = 3 + i, 7 + 2 * i
        qs.append(f"A shop sells {a} boxes with {b} pencils each. How many pencils is that?")
        refs.append(str(a * b))
        resps.append(f"{a} * {b} = {a * b + (i % 3 == 0)}. The answer is {a * b + (i % 3 == 0)}.")
    return qs, refs, resps


def plain_way(base_url: str, bodies: list[dict]) -> tuple[float, list[str]]:
    import httpx
    texts = []
    started = time.perf_counter()
    with httpx.Client(timeout=120.0) as client:
        for body in bodies:
            resp = client.post(base_url + "/chat/completions", json=body)
            resp.raise_for_status()
            texts.append(resp.json()["choices"][0]["message"]["content"])
    return time.perf_counter() - started, texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="24 samples and 120 corpus cases")
    ap.add_argument("--n", type=int, default=None, help="samples timed (default 64, quick 24)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--no-continuous-batching", dest="cb", action="store_false")
    args = ap.parse_args(argv)
    n = args.n or (24 if args.quick else 64)

    import yaml

    import judge_support
    from rewardsmith import load_reward
    from rewardsmith.plugins.judge import get_judge
    from rewardsmith.verifiers.judge import Reply, Sample, read_verdict

    tmp = Path(tempfile.mkdtemp(prefix="judge-perf-"))
    model = judge_support.build_word_judge(tmp / "yes-judge", "yes")
    command = judge_support.serve_command
    if args.cb:
        judge_support.serve_command = lambda m, p: command(m, p) + ["--continuous-batching"]
    t0 = time.perf_counter()
    server = judge_support.Server(model, tmp / "serve.log")
    print(f"server up in {time.perf_counter() - t0:.1f} s (continuous batching: {args.cb})", flush=True)
    try:
        spec = (f"judge(base_url={server.base_url},model={server.model},rubric=equivalence,"
                f"concurrency={args.concurrency},cache={tmp / 'cache.sqlite'})")
        reward = load_reward(spec)
        judge_reward = reward.rewards[0]
        judge = get_judge(judge_reward.options)
        qs, refs, resps = samples(n)
        bodies = [judge.backend._body(judge.request(Sample(q, r, c))[0]) for q, r, c in zip(qs, refs, resps)]
        plain_way(server.base_url, [judge.backend._body(judge.request(Sample("warm", "1", "1"))[0])])

        plain_s, plain_texts = plain_way(server.base_url, bodies)
        t = time.perf_counter()
        cold = judge_reward.score_batch(qs, resps, {"answer": refs})
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        warm = judge_reward.score_batch(qs, resps, {"answer": refs})
        warm_s = time.perf_counter() - t
        plain_scores = [read_verdict(Reply(x), judge.rubric.labels).score for x in plain_texts]
        agree = sum(a == s.value for a, s in zip(plain_scores, cold))
        failed = sum(s.error is not None for s in cold)
        print(f"plain way: {n / plain_s:.2f} samples/s ({plain_s:.1f} s, one sequential request each)")
        print(f"rewardsmith judge, cold cache: {n / cold_s:.2f} samples/s ({cold_s:.1f} s); "
              f"warm cache: {n / warm_s:.0f} samples/s; {failed} failed; verdicts agree on {agree}/{n}")
        print(f"usage: {judge.usage.line()}")

        corpus = yaml.safe_load((REPO / "tests/verifiers/data/math_corpus.yaml").read_text())
        corpus = corpus[:120] if args.quick else corpus
        cascade = load_reward(f"math(fallback={spec})")
        t = time.perf_counter()
        res = cascade.score([c.get("prompt") for c in corpus], [c["pred"] for c in corpus],
                            {"answer": [c["gold"] for c in corpus]})
        fb = cascade.rewards[0]
        share = fb.reached / fb.scored if fb.scored else float("nan")
        decided = [d.get("decided_by") for d in res.details["math"]]
        print(f"cascade on {len(corpus)} corpus cases: {fb.summary_line()} ({time.perf_counter() - t:.1f} s); "
              f"credit-labelled cases refused by math: "
              f"{sum(1 for c, d in zip(corpus, decided) if c['credit'] and d == 'judge')}")
    finally:
        server.stop()
    ratio = (n / cold_s) / (n / plain_s)
    print("RESULT " + json.dumps({
        "name": "judge_throughput", "rewardsmith": round(n / cold_s, 3), "peer": round(n / plain_s, 3),
        "peer_name": "httpx, one sequential request per sample", "unit": "samples/s",
        "higher_is_better": True, "ratio": round(ratio, 2), "target": 3.0, "n": n, "quick": args.quick,
        "continuous_batching": args.cb, "concurrency": args.concurrency,
        "warm_cache_samples_per_s": round(n / warm_s, 1), "agree": agree,
        "cascade_share_reaching_judge": round(share, 4), "cascade_cases": fb.scored}))
    return 0 if failed == 0 and agree == n else 1


if __name__ == "__main__":
    sys.exit(main())
