"""``rewardsmith probe``: run the reward-hacking probes of every component of a reward spec."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any

from rewardsmith.cli import Command

_STYLE = {"ROBUST": "green", "VULNERABLE": "bold red", "ERROR": "red", "SKIPPED": "yellow"}


class Probe(Command):
    help = """Run the reward-hacking probes that installed plugins contribute (through the
'rewardsmith_probes' hook) against each component of a reward spec, with the options the spec gives it.
A probe is a crafted completion (several boxed answers, keyword stuffing, code that exits early, ...)
and what a robust reward must give it (e.g. '= 0', '< honest'). One row per probe: ROBUST,
VULNERABLE (the reward paid for the hack), ERROR (the reward failed) or SKIPPED (the reward is
unavailable here, or the probe does not apply to its options)."""
    epilog = """examples:
  rewardsmith probe --reward math+format
  rewardsmith probe --reward 'code(timeout=5)' --json probes.json
  rewardsmith probe --reward math --select boxed
exit codes: 0 every probe that ran is ROBUST; 1 something is VULNERABLE or ERROR;
            2 bad input (unknown reward, bad option, unwritable --json path)."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--reward", required=True, metavar="SPEC",
                       help="reward spec, e.g. 'math+format' or 'code(timeout=5)', or a YAML/JSON spec file")
        p.add_argument("--json", metavar="OUT", help="also write the results as JSON (atomically)")
        p.add_argument("--select", metavar="TEXT", help="only probes whose name contains TEXT")

    def run(self, args: argparse.Namespace) -> int:
        from rich.console import Console

        from rewardsmith.core.errors import UsageError
        from rewardsmith.core.probe_runner import run_spec_probes
        from rewardsmith.core.probes import ERROR, VULNERABLE

        if args.json:
            folder = os.path.dirname(os.path.abspath(args.json))
            if not os.path.isdir(folder):
                raise UsageError(f"--json: folder does not exist: {folder}")
        err = Console(stderr=True)
        status = err.status("probing", spinner="dots") if sys.stderr.isatty() else None

        def on_component(label: str, n: int) -> None:
            if status is not None:
                status.update(f"probing {label}: {n} probes")

        if status is not None:
            status.start()
        try:
            results = run_spec_probes(args.reward, select=args.select, on_component=on_component)
        finally:
            if status is not None:
                status.stop()
        _table(results)
        counts = Counter(r.status for r in results)
        summary = ", ".join(f"{counts[s]} {s}" for s in ("ROBUST", "VULNERABLE", "ERROR", "SKIPPED")
                            if counts[s]) or "no probes for this spec"
        _console().print(f"{len(results)} probes: {summary}")
        if args.json:
            _write_json_atomic(args.json, {"reward": args.reward, "counts": dict(counts),
                                           "results": [r.to_dict() for r in results]})
        return 1 if counts[VULNERABLE] or counts[ERROR] else 0


def _table(results: list[Any]) -> None:
    from rich.table import Table

    table = Table(title="reward-hacking probes", show_lines=False)
    table.add_column("probe", overflow="fold", min_width=16)
    for col in ("component", "expected", "got", "status"):
        table.add_column(col, no_wrap=True)
    table.add_column("note", overflow="fold", min_width=16, ratio=1)
    for r in results:
        honest = f" (honest {r.honest:.4g})" if r.honest is not None and r.honest == r.honest else ""
        note = r.reason if r.status != "ROBUST" else r.reason or r.probe.description
        table.add_row(r.probe.name, r.component, r.expected, r.got_text() + honest,
                      f"[{_STYLE[r.status]}]{r.status}[/]", note)
    _console().print(table)


def _console() -> Any:
    """stdout console; wide enough for the table in CI logs and pipes (rich assumes 80 there)."""
    from rich.console import Console
    return Console() if sys.stdout.isatty() else Console(width=160)


def _write_json_atomic(path: str, data: Any) -> None:
    """Write JSON atomically; ``-`` and special files such as /dev/stdout are written through."""
    from rewardsmith.core.atomic import atomic_write

    def dump(fh: Any) -> None:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")

    atomic_write(path, dump)
