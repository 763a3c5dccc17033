#!/usr/bin/env python
"""Throughput of the ``math`` reward against math-verify, same inputs, same run.

    python perf/math_throughput.py            # all 1,319 GSM8K and 500 MATH-500 golds
    python perf/math_throughput.py --quick    # 300 + 150 golds
    python perf/math_throughput.py --data ../shared/data --workers 1,2 --repeat 3

Inputs (a dev script: it reads ../shared/data, never the network):

(a) GSM8K test golds (text after ``####``, commas removed), four completions each: the reference
    reasoning (calculator annotations removed) ending in a right answer, a reformatted right
    answer (``\\boxed{\\$1,234}``, ``1234.00``, "... dollars"), a wrong one, and one more of
    these at random.
(b) MATH-500 golds, three completions each: the reference solution (it ends in ``\\boxed{gold}``),
    the same solution with the boxed answer reformatted, and with a wrong boxed answer.

Peer: math-verify as users call it, ``verify(parse("$" + gold + "$"), parse(completion))`` in
this process (its own signal-based timeouts on). rewardsmith: the ``math`` reward's
``score_batch`` on batches of ``--batch`` samples with their prompts (as a trainer calls it; the
prompt lets it refuse answers copied from the question), its worker pool started before timing
(the start-up is printed apart). The host does extraction and the exact-number fast path; only answers
that need sympy go to the worker processes, and the host waits for them, so ``workers=1`` is a
one-core figure (plus one pipe round trip per batch); ``workers=2`` uses a second core for sympy.
Each figure is the best of ``--repeat`` runs, alternating rewardsmith and peer, every run with cold
caches (rewardsmith's gold and prompt caches and workers, sympy's and math-verify's caches). A third
row parses each gold once for math-verify too, to show how much of the ratio is gold caching.

Agreement: both tools score the labelled corpus tests/verifiers/data/math_corpus.yaml (gold first,
prediction second); the script prints each tool's accuracy against the labels. The third figure is
the same on the structured-answer corpus math_corpus_structured.yaml (tuples, solution sets,
intervals and inequalities, labelled values, functions, angles, several boxes, rounded golds, ...),
side by side in the same run. math-verify runs
there with its default 5 s timeouts (1 s with ``--quick``: only the resource-attack cases hit them,
and those are labelled "no credit" either way).
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "verifiers" / "data" / "math_corpus.yaml"
STRUCTURED = REPO / "tests" / "verifiers" / "data" / "math_corpus_structured.yaml"
_ANNOTATION = re.compile(r"<<[^>]*>>")


# --- inputs ---------------------------------------------------------------------------------------
def gsm8k_gold(answer: str) -> str:
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def gsm8k_cases(path: Path, limit: int | None, rng: random.Random) -> list[tuple]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")][:limit]
    out = []
    for row in rows:
        gold = gsm8k_gold(row["answer"])
        steps = _ANNOTATION.sub("", row["answer"].rsplit("####", 1)[0]).strip()
        n = int(gold)
        options = [
            (f"{steps}\n#### {gold}", True),
            (f"{steps}\nSo the answer is $\\boxed{{\\${n:,}}}$.", True),
            (f"{steps}\nThe final answer is {n}.00 dollars.", True),
            (f"{steps}\n#### {n + rng.choice([-2, -1, 1, 3, 10])}", False),
            (f"{steps}\nThe final answer is $\\boxed{{{n * 2 + 1}}}$", False),
        ]
        picked = [options[0], options[rng.choice([1, 2])], options[rng.choice([3, 4])],
                  rng.choice(options)]
        out += [(gold, text, ok, row["question"]) for text, ok in picked]
    return out


def reformat(gold: str) -> str:
    """A different way to write the same answer."""
    m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", gold)
    if m:
        return f"{m.group(1)}{m.group(2)}/{m.group(3)}"
    if re.fullmatch(r"-?\d+", gold):
        return f"{gold}.0"
    if gold.startswith("\\text{") or "pmatrix" in gold:
        return gold.replace(" ", "")
    if " " in gold:
        return gold.replace(" ", "")
    return gold.replace("\\frac", "\\dfrac") if "\\frac" in gold else f"\\left({gold}\\right)"


def wrong(gold: str) -> str:
    """A different answer: the last digit changed, or ``+1`` appended."""
    digits = [i for i, ch in enumerate(gold) if ch.isdigit()]
    if not digits:
        return f"{gold}+1"
    i = digits[-1]
    return gold[:i] + str((int(gold[i]) + 1) % 10) + gold[i + 1:]


def math500_cases(path: Path, limit: int | None) -> list[tuple]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")][:limit]
    out = []
    for row in rows:
        gold, solution = row["answer"], row["solution"]
        head = solution.rsplit("\\boxed", 1)[0]
        question = row["problem"]
        out += [(gold, solution, True, question),
                (gold, f"{head}\\boxed{{{reformat(gold)}}}$.", True, question),
                (gold, f"{head}\\boxed{{{wrong(gold)}}}$.", False, question)]
    return out


# --- the two tools --------------------------------------------------------------------------------
def cold_caches() -> None:
    """Every run starts cold: gold and prompt caches, sympy's and math-verify's caches emptied,
    rewardsmith's workers restarted (their start-up is not timed)."""
    from math_verify import parser
    from sympy.core.cache import clear_cache

    from rewardsmith.verifiers.math import prepare_gold, verify
    clear_cache()
    for cached in (parser.parse_latex_cached, parser.parse_expr_cached, prepare_gold,
                   verify._question):
        cached.cache_clear()
    for pool in verify._pools.values():
        pool.close()


def run_rewardsmith(cases, workers: int, batch: int) -> tuple[float, list[bool]]:
    from rewardsmith import load_reward
    from rewardsmith.verifiers.math import shared_pool
    reward = load_reward(f"math(workers={workers})").rewards[0]
    cold_caches()
    shared_pool(reward.options).start()
    got: list[bool] = []
    t0 = time.perf_counter()
    for i in range(0, len(cases), batch):
        chunk = cases[i:i + batch]
        scores = reward.score_batch([c[3] for c in chunk], [c[1] for c in chunk],
                                    {"answer": [c[0] for c in chunk]})
        got += [s.value == 1.0 for s in scores]
    return time.perf_counter() - t0, got


def run_math_verify(cases, cache_gold: bool = False) -> tuple[float, list[bool]]:
    from math_verify import parse, verify
    cold_caches()
    cache: dict[str, list] = {}
    got = []
    t0 = time.perf_counter()
    for gold, text, *_ in cases:
        if cache_gold:
            g = cache.get(gold)
            if g is None:
                g = cache[gold] = parse(f"${gold}$")
        else:
            g = parse(f"${gold}$")
        got.append(bool(verify(g, parse(text))))
    return time.perf_counter() - t0, got


# --- corpus agreement -----------------------------------------------------------------------------
def corpus_accuracy(peer_timeout: int = 5, path: Path = CORPUS) -> dict:
    import yaml
    from math_verify import parse, verify

    from rewardsmith.verifiers.math import MathConfig, verify_math_batch
    corpus = yaml.safe_load(path.read_text(encoding="utf-8"))
    ours = []
    for case in corpus:
        ours.append(verify_math_batch([case["gold"]], [case["pred"]],
                                      MathConfig(**(case.get("options") or {})),
                                      prompts=[case.get("prompt")])[0].ok)
    t0 = time.perf_counter()
    peer = []
    for case in corpus:
        gold = gsm8k_gold(case["gold"]) if "####" in case["gold"] else case["gold"]
        g = parse(f"${gold}$", parsing_timeout=peer_timeout)
        p = parse(case["pred"], parsing_timeout=peer_timeout)
        peer.append(bool(verify(g, p, timeout_seconds=peer_timeout)))
    peer_secs = time.perf_counter() - t0
    labels = [c["credit"] for c in corpus]
    wrong_by_cat: dict[str, list[int]] = {}
    for i, case in enumerate(corpus):
        for name, got in (("rewardsmith", ours[i]), ("math-verify", peer[i])):
            if got != labels[i]:
                wrong_by_cat.setdefault(f"{name} {case['cat']}", []).append(i)
    return {"n": len(corpus), "rewardsmith": sum(a == b for a, b in zip(ours, labels)) / len(corpus),
            "math-verify": sum(a == b for a, b in zip(peer, labels)) / len(corpus),
            "errors": {k: len(v) for k, v in sorted(wrong_by_cat.items())},
            "peer_seconds": peer_secs}


# --- main -----------------------------------------------------------------------------------------
def measure(name: str, cases, args, workers: list[int]) -> dict:
    expected = [c[2] for c in cases]
    rows = {}
    for _ in range(args.repeat):  # alternate tools so that load changes hit both
        for w in workers:
            secs, got = run_rewardsmith(cases, w, args.batch)
            if f"rewardsmith w={w}" not in rows or secs < rows[f"rewardsmith w={w}"][0]:
                rows[f"rewardsmith w={w}"] = (secs, got)
        for label, cache in (("math-verify", False), ("math-verify, gold parsed once", True)):
            secs, got = run_math_verify(cases, cache)
            if label not in rows or secs < rows[label][0]:
                rows[label] = (secs, got)
    print(f"\n({name}) {len(cases)} verifications, {len(set(c[0] for c in cases))} distinct golds")
    print(f"  {'tool':34} {'verif/s':>10} {'agrees with synthesis':>22}")
    for label, (secs, got) in rows.items():
        agree = sum(a == b for a, b in zip(got, expected)) / len(cases)
        print(f"  {label:34} {len(cases) / secs:10.0f} {agree:22.1%}")
    peer = len(cases) / rows["math-verify"][0]
    ours = {w: len(cases) / rows[f"rewardsmith w={w}"][0] for w in workers}
    return {"n": len(cases), "peer": peer, "rewardsmith": ours}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data")
    ap.add_argument("--quick", action="store_true", help="300 GSM8K and 150 MATH-500 golds")
    ap.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2")
    ap.add_argument("--batch", type=int, default=512, help="samples per score_batch call")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; the best counts")
    args = ap.parse_args(argv)
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("rewardsmith").setLevel(logging.ERROR)
    workers = [int(w) for w in args.workers.split(",")]
    rng = random.Random(0)
    gsm = gsm8k_cases(args.data / "gsm8k" / "test.jsonl", 300 if args.quick else None, rng)
    m500 = math500_cases(args.data / "math" / "math500_test.jsonl", 150 if args.quick else None)

    from rewardsmith.verifiers.math import MathConfig, shared_pool
    for w in workers:
        t0 = time.perf_counter()
        shared_pool(MathConfig(workers=w)).start()
        print(f"rewardsmith pool start-up, {w} worker(s): {time.perf_counter() - t0:.2f}s "
              "(once per process; excluded below)")
    a = measure("a: GSM8K test", gsm, args, workers)
    b = measure("b: MATH-500", m500, args, workers)
    acc = corpus_accuracy(1 if args.quick else 5)
    print(f"\nlabelled corpus ({acc['n']} cases): rewardsmith {acc['rewardsmith']:.1%}, "
          f"math-verify {acc['math-verify']:.1%} (math-verify took {acc['peer_seconds']:.1f}s, "
          f"its timeouts {1 if args.quick else 5}s)")
    for key, count in acc["errors"].items():
        print(f"  wrong: {key}: {count}")
    st = corpus_accuracy(1 if args.quick else 5, STRUCTURED)
    print(f"\n(c) structured answers ({st['n']} cases): rewardsmith {st['rewardsmith']:.1%}, "
          f"math-verify {st['math-verify']:.1%}")
    for key, count in st["errors"].items():
        print(f"  wrong: {key}: {count}")

    one = workers[0]
    ratio_a, ratio_b = a["rewardsmith"][one] / a["peer"], b["rewardsmith"][one] / b["peer"]
    print(f"\nratio rewardsmith/math-verify, {one} worker: (a) GSM8K {ratio_a:.1f}x (target 10x), "
          f"(b) MATH-500 {ratio_b:.1f}x (target 3x); (c) structured accuracy "
          f"{st['rewardsmith']:.1%} vs {st['math-verify']:.1%}")
    for w in workers[1:]:
        print(f"ratio with {w} workers: (a) {a['rewardsmith'][w] / a['peer']:.1f}x, "
              f"(b) {b['rewardsmith'][w] / b['peer']:.1f}x")
    met = (ratio_a >= 10 and ratio_b >= 3 and acc["rewardsmith"] >= acc["math-verify"]
           and st["rewardsmith"] >= st["math-verify"])
    result = {"name": "math_throughput", "rewardsmith": round(a["rewardsmith"][one], 1),
              "peer": round(a["peer"], 1),
              "peer_name": "math-verify verify(parse(gold), parse(pred))",
              "unit": "verifications/s (GSM8K)", "higher_is_better": True,
              "ratio": round(ratio_a, 2), "target": 10.0, "n": a["n"], "quick": args.quick,
              "workers": one, "math500": {"rewardsmith": round(b["rewardsmith"][one], 1),
                                          "peer": round(b["peer"], 1), "ratio": round(ratio_b, 2),
                                          "target": 3.0, "n": b["n"]},
              "corpus_accuracy": {"rewardsmith": round(acc["rewardsmith"], 4),
                                  "math-verify": round(acc["math-verify"], 4), "n": acc["n"]},
              "structured_accuracy": {"rewardsmith": round(st["rewardsmith"], 4),
                                      "math-verify": round(st["math-verify"], 4), "n": st["n"]},
              "all_targets_met": met,
              "note": "ratio is GSM8K (a); MATH-500 (b) in math500; one worker process"}
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
