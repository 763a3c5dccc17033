"""``rewardsmith bench``: evaluate models, or completions from any system, on benchmark suites."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from typing import Any

from rewardsmith.cli import Command


def _add_dataclass_arguments(p: argparse.ArgumentParser, cls: type) -> None:
    """One option per field of ``cls``; the help text is the field's ``metadata['help']``."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        meta, tp = f.metadata, hints[f.name]
        flag = meta.get("flag", "--" + f.name.replace("_", "-"))
        kwargs: dict[str, Any] = {"dest": f.name, "help": meta.get("help", "")}
        if "metavar" in meta:
            kwargs["metavar"] = meta["metavar"]
        if tp is bool:
            p.add_argument(flag, action="store_true", **kwargs)
            continue
        if typing.get_origin(tp) is list:
            p.add_argument(flag, action="append", default=[], **kwargs)
            continue
        args = [a for a in typing.get_args(tp) if a is not type(None)] or [tp]
        default = f.default if f.default is not dataclasses.MISSING else None
        if default is not None:
            kwargs["help"] += f" (default: {default})"
        p.add_argument(flag, type=args[0], default=default, **kwargs)


class Bench(Command):
    help = ("Evaluate a model (batched generation) or pre-generated completions on benchmark suites, "
            "scoring with rewardsmith's verifiers (code runs in the sandbox). Reports accuracy, unbiased "
            "pass@k, maj@k, mean length and time; writes results.json, results.md and results.png to "
            "--output-dir. Generations are cached there after every batch, so re-running an "
            "interrupted command resumes it.")
    epilog = """examples:
  rewardsmith bench --list
  rewardsmith bench --suite gsm8k --limit 20 --data-dir ../shared/data
  rewardsmith bench --suite humaneval,mbpp --samples 5 --temperature 0.8 --limit 20
  rewardsmith bench --suite gsm8k --model ckpt/step-100 --model ckpt/step-500 --limit 50
  rewardsmith bench --suite humaneval --completions vllm_outputs.jsonl
completions files hold one JSON object per line: {"id": "HumanEval/0", "completion": "..."}
(ids: HumanEval/N, MBPP task_id, GSM8K row index, MATH-500 unique_id or row index).
data: humaneval and procedural need nothing; gsm8k, math500 and mbpp read --data-dir
(gsm8k/test.jsonl, math/math500_test.jsonl, mbpp/mbpp.jsonl) or fetch from the hub.
exit codes: 0 done; 2 bad input (unknown suite, missing data, malformed file); 130 interrupted."""

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        from rewardsmith.benchmarks.config import BenchConfig

        p.add_argument("--list", action="store_true", help="list the installed suites and exit")
        _add_dataclass_arguments(p, BenchConfig)
        p.add_argument("--quiet", action="store_true", help="no table on stdout, no progress bars")

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.benchmarks.config import BenchConfig
        from rewardsmith.core.errors import UsageError

        if args.list:
            return _list_suites()
        values = {f.name: getattr(args, f.name) for f in dataclasses.fields(BenchConfig)}
        try:
            cfg = BenchConfig(**values)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        from rewardsmith.benchmarks.bench import run_bench

        try:
            runs, paths = run_bench(cfg, progress_enabled=False if args.quiet else None)
        except KeyboardInterrupt:
            print(f"interrupted: finished batches are cached under {cfg.output_dir}/generations; "
                  "run the same command again to resume", file=sys.stderr)
            return 130
        if not args.quiet:
            print(paths["markdown"].read_text(encoding="utf-8"))
            print("wrote " + ", ".join(str(p) for p in paths.values()), file=sys.stderr)
        return 0


def _list_suites() -> int:
    from rewardsmith.benchmarks.suite import available_suites

    for name, (suite, plugin) in sorted(available_suites().items()):
        print(f"{name:<12} v{suite.version:<3} {suite.reward:<10} [{plugin}] {suite.description}")
    return 0
