"""``rewardsmith prm``: train, label data for, and evaluate process reward models.

Options are generated from the configuration dataclasses (their help texts are the only copy):
``train`` from :class:`rewardsmith.prm.train.PRMTrainConfig`, ``label`` from
:class:`rewardsmith.prm.montecarlo.LabelConfig`, ``eval`` from :class:`rewardsmith.prm.evaluate.PRMEvalConfig`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from rewardsmith.cli import Command

__all__ = ["PRM", "add_dataclass_arguments", "dataclass_from_args"]

ACTIONS = {
    "train": ("rewardsmith.prm.train:PRMTrainConfig", "fine-tune a value-head PRM, evaluate it on held-out data, save it",
              """examples:
  rewardsmith prm train --backbone tiny --threads 1 --out runs/prm-tiny
  rewardsmith prm train --out runs/prm --steps 300 --freeze-layers 24       # SmolLM2-135M backbone
  rewardsmith prm train --data labelled.jsonl --eval-data held.jsonl --out runs/prm
then: rewardsmith score --reward 'math+prm(model=runs/prm,aggregate=min):0.2' --input rows.jsonl"""),
    "label": ("rewardsmith.prm.montecarlo:LabelConfig", "Monte-Carlo step labels (Math-Shepherd): roll out from each step",
              """examples:
  rewardsmith prm label --input problems.jsonl --output labelled.jsonl --rollouts 8
  rewardsmith prm label --input chains.jsonl --output labelled.jsonl --policy arithmetic --mode soft
input rows: {"prompt": ..., "answer": ..., "steps": [...]} or {..., "completion": "..."} or no solution."""),
    "eval": ("rewardsmith.prm.evaluate:PRMEvalConfig", "step AUROC and best-of-N accuracy of a PRM on held-out data",
             """examples:
  rewardsmith prm eval --model runs/prm
  rewardsmith prm eval --model runs/prm --data held.jsonl --aggregate last"""),
}


def _load(target: str) -> type:
    import importlib
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """One ``--option`` per dataclass field, typed from the default, help from the metadata."""
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        help_ = f.metadata.get("help", "") + " (default: %(default)r)"
        if isinstance(f.default, bool):
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=f.default,
                                help=help_)
        else:
            parser.add_argument(flag, dest=f.name, type=type(f.default), default=f.default, help=help_,
                                metavar=f.name.upper())


def dataclass_from_args(cls: type, args: argparse.Namespace) -> Any:
    """Build ``cls`` from parsed arguments; a ValueError of its checks becomes a UsageError."""
    from rewardsmith.core.errors import UsageError
    try:
        return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})
    except ValueError as exc:
        raise UsageError(str(exc)) from None


class PRM(Command):
    help = "Train, label data for, and evaluate process reward models (PRMs)."
    epilog = """examples:
  rewardsmith prm train --backbone tiny --threads 1 --out runs/prm-tiny
  rewardsmith prm label --input problems.jsonl --output labelled.jsonl
  rewardsmith prm eval --model runs/prm-tiny
run 'rewardsmith prm ACTION --help' for an action's options."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="prm_action", metavar="ACTION")
        for name, (target, help_, epilog) in ACTIONS.items():
            p = sub.add_parser(name, help=help_, description=help_, epilog=epilog,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            add_dataclass_arguments(p, _load(target))
            p.add_argument("--quiet", action="store_true", help="no progress and summary on stderr")

    def run(self, args: argparse.Namespace) -> int:
        from rewardsmith.core.errors import UsageError
        if not getattr(args, "prm_action", None):
            raise UsageError("choose an action: train, label or eval (see 'rewardsmith prm --help')")
        cfg = dataclass_from_args(_load(ACTIONS[args.prm_action][0]), args)
        _quiet_transformers()
        return getattr(self, "_" + args.prm_action)(cfg, args.quiet)

    def _train(self, cfg: Any, quiet: bool) -> int:
        from rewardsmith.core.progress import progress
        from rewardsmith.prm.train import train_prm
        with progress(cfg.steps, "training PRM", enabled=None if not quiet else False) as advance:
            result = train_prm(cfg, progress=lambda step, loss: advance(1))
        metrics = {k: v for k, v in result.metrics.items() if k != "config"}
        print(json.dumps({"out": result.out, **metrics}, indent=2))
        if not quiet:
            bon = metrics.get("best_of_n") or {}
            print(f"saved {result.out}: step AUROC {_f(metrics['step_auroc'])} (position baseline "
                  f"{_f(metrics['position_auroc'])}), best-of-{int(bon.get('n') or 0)} accuracy {_f(bon.get('accuracy'))} "
                  f"vs random {_f(bon.get('random'))} (a PRM that reads nothing: {_f(bon.get('noise'))})",
                  file=sys.stderr)
            for kind, k in (metrics.get("by_error_kind") or {}).items():
                if k:
                    print(f"  {kind} errors: best-of-N accuracy {_f(k['accuracy'])} vs random {_f(k['random'])}",
                          file=sys.stderr)
        return 0

    def _label(self, cfg: Any, quiet: bool) -> int:
        from rewardsmith.core.errors import UsageError
        from rewardsmith.core.rows import read_jsonl
        from rewardsmith.prm.data import write_examples
        from rewardsmith.prm.montecarlo import label_rows
        if not cfg.input or not cfg.output:
            raise UsageError("label needs --input and --output")
        examples = label_rows(read_jsonl(cfg.input), cfg)
        n = write_examples(examples, cfg.output)
        if not quiet:
            steps = [y for e in examples for y in e.labels if y is not None]
            print(f"wrote {n} labelled solutions ({len(steps)} steps, {sum(y >= 0.5 for y in steps)} "
                  f"positive) to {cfg.output}", file=sys.stderr)
        return 0

    def _eval(self, cfg: Any, quiet: bool) -> int:
        from rewardsmith.core.errors import UsageError
        from rewardsmith.prm.evaluate import run_eval
        if not cfg.model:
            raise UsageError("eval needs --model PATH")
        print(json.dumps(run_eval(cfg), indent=2))
        return 0


def _f(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _quiet_transformers() -> None:
    """transformers' load reports and progress bars are noise on a CLI's stderr."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - the extra is missing; the action reports it
        return
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
