"""``rewardsmith score``: add rewards to a JSONL file of completions."""
from __future__ import annotations

import argparse
import math
import sys

from rewardsmith.cli import Command
from rewardsmith.core.spec import AGGREGATES


class Score(Command):
    help = ("Score every row of a JSONL file with a reward spec. Rows need 'completion' (a string or chat "
            "messages), optionally 'prompt', plus the columns the rewards need ('answer' for math, 'tests' for "
            "code). Each output row is the input row with 'reward' (float or null) and 'rewards' (one value "
            "per component) added, in input order.")
    epilog = """examples:
  rewardsmith score --reward math --input rows.jsonl
  rewardsmith score --reward math:1+format:0.2 --input rows.jsonl --output scored.jsonl
  rewardsmith score --reward 'code(timeout=5,partial=true)' --input programs.jsonl --strict
  rewardsmith score --reward spec.yaml --input rows.jsonl --aggregate normalize_then_sum
exit codes: 0 scored; 1 a reward failed under --strict; 2 bad input (the message names the line)."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--reward", required=True, metavar="SPEC",
                       help="reward spec, e.g. 'math:1+format:0.2', or a YAML/JSON spec file")
        p.add_argument("--input", required=True, metavar="IN.jsonl", help="rows to score ('-' for stdin)")
        p.add_argument("--output", metavar="OUT.jsonl",
                       help="where to write scored rows (atomically; '-', /dev/stdout, FIFOs and "
                            "other special files are written through); stdout when omitted")
        p.add_argument("--aggregate", choices=AGGREGATES, default=None,
                       help="how to combine components (default: the spec's, i.e. 'sum')")
        p.add_argument("--strict", action="store_true",
                       help="stop at the first reward error instead of recording it as no score (null)")
        p.add_argument("--batch-size", type=int, default=256, help="rows scored per batch (default 256)")
        p.add_argument("--details", action="store_true",
                       help="also write each component's details (extracted answer, reason, ...) "
                            "as 'reward_details'")
        p.add_argument("--quiet", action="store_true", help="no summary on stderr")
        from rewardsmith.core.execution import add_executor_arguments
        add_executor_arguments(p)

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.compose import load_reward
        from rewardsmith.core.errors import UsageError
        from rewardsmith.core.progress import progress
        from rewardsmith.core.rows import check_rows, read_jsonl, score_rows, write_jsonl_atomic

        if args.batch_size < 1:
            raise UsageError("--batch-size must be at least 1")
        reward = load_reward(args.reward, strict=args.strict, aggregate=args.aggregate)
        rows = read_jsonl(args.input, "stdin" if args.input == "-" else args.input)
        check_rows(rows, reward.required_columns(), "stdin" if args.input == "-" else args.input)
        from rewardsmith.core.execution import executor_from_args
        with executor_from_args(args) as executor, progress(len(rows), "scoring") as advance:
            scored = score_rows(reward, rows, batch_size=args.batch_size, on_progress=advance,
                                score_fn=executor.score_rows, details=args.details)
        if args.output:
            write_jsonl_atomic(args.output, scored)
        else:
            import json
            out = sys.stdout
            for row in scored:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
        if not args.quiet:
            _summary(reward, scored)
        return 0


def _summary(reward, rows) -> None:
    def mean(xs):
        xs = [x for x in xs if x is not None and not math.isnan(x)]
        return f"{sum(xs) / len(xs):.4f}" if xs else "n/a"

    parts = [f"{len(rows)} rows", f"reward mean {mean([r['reward'] for r in rows])}"]
    for label in reward.spec.labels:
        vals = [r["rewards"][label] for r in rows]
        errors = sum(1 for r in rows if label in r.get("reward_errors", {}))
        nones = sum(v is None for v in vals) - errors
        extra = "".join([f", {nones} n/a" if nones else "", f", {errors} errors" if errors else ""])
        parts.append(f"{label} mean {mean(vals)}{extra}")
    print("; ".join(parts), file=sys.stderr)
    for r in reward.rewards:  # e.g. a judge's requests and tokens, a cascade's share of fallbacks
        line = getattr(r, "summary_line", None)
        if callable(line) and (text := line()):
            print(text, file=sys.stderr)
