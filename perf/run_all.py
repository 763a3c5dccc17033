#!/usr/bin/env python
"""Run every perf script in this folder, each in its own process, and print one table.

Each script follows the convention in perf/README.md: it accepts ``--quick`` and its last
``RESULT {json}`` line carries ``name``, ``rewardsmith``, ``peer``, ``ratio``, ``target``, ``unit``.

    python perf/run_all.py --quick
    python perf/run_all.py --only math_throughput,sandbox_throughput --timeout 900 --json perf.json
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIX = "RESULT "


def discover(only: list[str] | None = None) -> list[Path]:
    """The perf scripts: every ``perf/*.py`` except this runner and private ``_*.py`` modules."""
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    if only:
        unknown = set(only) - {p.stem for p in scripts}
        if unknown:
            raise SystemExit(f"run_all: unknown script(s) {', '.join(sorted(unknown))}; "
                             f"have: {', '.join(p.stem for p in scripts)}")
        scripts = [p for p in scripts if p.stem in only]
    return scripts


def parse_result(output: str) -> dict | None:
    """The JSON of the last ``RESULT {...}`` line of ``output``, or None."""
    for line in reversed(output.splitlines()):
        if line.startswith(PREFIX):
            try:
                value = json.loads(line[len(PREFIX):])
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def run_one(script: Path, quick: bool, timeout: float) -> dict:
    """Run one script; return its RESULT plus ``status`` (ok, failed, timeout, no-result) and time."""
    cmd = [sys.executable, str(script)] + (["--quick"] if quick else [])
    began = time.perf_counter()
    # start_new_session so a timeout kills the script's own children (pools, sandboxes) too
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=HERE.parent,
                                start_new_session=True, text=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            code = None
        out.seek(0)
        output = out.read()
    result = parse_result(output) or {}
    result.setdefault("name", script.stem)
    result["script"] = script.name
    result["seconds"] = round(time.perf_counter() - began, 1)
    if code is None:
        result["status"] = "timeout"
    elif code != 0:
        result["status"] = f"failed (exit {code})"
    elif "ratio" not in result:
        result["status"] = "no RESULT line"
    else:
        result["status"] = _verdict(result)
    if result["status"].startswith(("failed", "no RESULT", "timeout")):
        result["tail"] = output[-800:]
    return result


def _verdict(result: dict) -> str:
    ratio, target = result.get("ratio"), result.get("target")
    if not isinstance(ratio, (int, float)) or not isinstance(target, (int, float)):
        return "ok"
    return "ok" if ratio >= target else "below target"


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:.3g}"
    return "-" if x is None else str(x)


def table(results: list[dict]) -> str:
    """A Markdown table: one row per script."""
    head = "| script | rewardsmith | peer | unit | ratio | target | status | time (s) |"
    lines = [head, "|---|---:|---:|---|---:|---:|---|---:|"]
    for r in results:
        peer = _fmt(r.get("peer"))
        if r.get("peer_name"):
            peer = f"{peer} ({r['peer_name']})"
        lines.append(f"| {r['name']} | {_fmt(r.get('rewardsmith'))} | {peer} | {_fmt(r.get('unit'))} | "
                     f"{_fmt(r.get('ratio'))} | {_fmt(r.get('target'))} | {r['status']} | {r['seconds']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="pass --quick to every script (small sizes)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per script (default 600)")
    p.add_argument("--only", help="comma-separated script names (without .py)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    scripts = discover([s.strip() for s in args.only.split(",")] if args.only else None)
    results = []
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        results.append(run_one(script, args.quick, args.timeout))
        r = results[-1]
        print(f"  {r['status']} in {r['seconds']} s", file=sys.stderr, flush=True)
        if "tail" in r:
            print("  " + r["tail"].replace("\n", "\n  "), file=sys.stderr)
    print(table(results))
    if args.json:
        from rewardsmith.core.atomic import atomic_write_text
        atomic_write_text(args.json, json.dumps(results, indent=2))
    return 0 if all(r["status"] in ("ok", "below target") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
