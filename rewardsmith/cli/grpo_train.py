"""``grpo-train``: train a causal LM with GRPO on rewardsmith rewards; ``grpo-train report RUN_DIR``.

Every setting is a flag generated from the config dataclasses (:mod:`rewardsmith.trainer.config`):
field ``learning_rate`` becomes ``--learning-rate``, a bool field ``plots`` becomes
``--plots/--no-plots``, a ``Literal`` field lists its choices, and the help is the field's
``metadata["help"]``. ``--config run.yaml`` supplies defaults that flags override
(:func:`rewardsmith.trainer.options.config_from_args`). User mistakes print one line and exit 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import typing
from typing import Any, Literal, Sequence

from rewardsmith.cli import run_guarded
from rewardsmith.cli.parsing import ArgumentParser as _CliParser
from rewardsmith.core.errors import UsageError
from rewardsmith.trainer.config import SECTIONS
from rewardsmith.trainer.options import config_from_args, field_table, flag_name

__all__ = ["main", "build_parser", "add_config_arguments", "ArgumentParser"]

EPILOG = """examples:
  grpo-train --reward math+format                       # default model and procedural data
  grpo-train --reward math+format --max-steps 5 --output-dir runs/try
  grpo-train --config run.yaml --learning-rate 2e-5     # flags override the YAML file
  grpo-train --model HuggingFaceTB/SmolLM2-360M-Instruct --lora-r 16 \\
             --dataset ../shared/data/gsm8k/train.jsonl --reward 'math:1+format:0.2'
  grpo-train --output-dir runs/try --resume             # continue from the latest checkpoint
  torchrun --nproc-per-node 2 -m rewardsmith.cli.grpo_train --reward math --prompts-per-step 8
  grpo-train report runs/try                            # plots and summary of a run"""


class ArgumentParser(_CliParser):
    """The CLI's parser (no prefix matching, suggestions) whose mistakes raise :class:`UsageError`
    (one line, exit 2)."""

    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(message)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting, grouped by section; unset flags stay out of the namespace."""
    groups = {s: parser.add_argument_group(f"{s} settings", cls.__doc__) for s, cls in SECTIONS.items()}
    for name, (section, f, hint) in field_table().items():
        group, help_ = groups[section], f.metadata.get("help", "")
        default = f.default if f.default is not dataclasses.MISSING else None
        if hint is bool:
            group.add_argument(flag_name(name), dest=name, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=f"{help_} (default: {default})")
            continue
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS,
                                  "help": f"{help_} (default: {default!r})".replace("%", "%%")}
        choices = _choices(hint)
        if choices:
            kwargs["choices"] = choices
            kwargs["metavar"] = "{" + ",".join(map(str, choices)) + "}"
        else:
            kwargs["metavar"] = _metavar(hint)
        for extra in ("nargs", "const"):
            if extra in f.metadata:
                kwargs[extra] = f.metadata[extra]
        group.add_argument(flag_name(name), **kwargs)


def _choices(hint: Any) -> list[Any] | None:
    if typing.get_origin(hint) is Literal:
        return [str(c) for c in typing.get_args(hint)]
    return None


def _metavar(hint: Any) -> str:
    inner = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    return {int: "N", float: "X", str: "TEXT"}.get(inner[0], "VALUE")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="grpo-train", description="GRPO training with rewardsmith rewards.",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="YAML", help="settings file (flat or sectioned); "
                        "flags given on the command line win")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    add_config_arguments(parser)
    return parser


def _report(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog="grpo-train report", description="Plots and summary of a run.")
    parser.add_argument("run_dir", help="the run's --output-dir")
    args = parser.parse_args(list(argv))
    from rewardsmith.trainer.report import format_summary, write_report

    summary = write_report(args.run_dir)
    print(format_summary(summary))
    print("plots: " + ", ".join(summary["plots"]))
    return 0


def _train(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    cfg = config_from_args(args, args.config)
    _quiet_libraries()
    from rewardsmith.trainer.loop import GRPOTrainer

    summary = GRPOTrainer(cfg).train()
    if int(os.environ.get("RANK", "0")) == 0:
        from rewardsmith.trainer.report import format_summary

        print(format_summary(summary))
        print(f"run folder: {summary['output_dir']}")
    return 0


def _quiet_libraries() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - the train extra is missing
        raise UsageError("grpo-train needs the training extra: pip install 'rewardsmith[train]'") from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    action = "report" if argv[:1] == ["report"] else "train"
    return run_guarded(lambda: _report(argv[1:]) if action == "report" else _train(argv), "grpo-train")


if __name__ == "__main__":  # pragma: no cover - torchrun -m rewardsmith.cli.grpo_train
    sys.exit(main())
