"""The commands: the top floor of the package, free to import every part below it.

``rewardsmith`` is ``main(argv) -> int`` and a table of subcommands; ``grpo-train`` is
:mod:`rewardsmith.cli.grpo_train`. Each subcommand is a small class (see :class:`Command`) in its own
module, imported only when it runs, so ``rewardsmith --help`` stays fast. Parsers come from
:mod:`rewardsmith.cli.parsing`: no prefix matching, and an unknown option is reported with the
subcommand's usage and a suggestion. A :class:`UsageError` becomes one line on stderr and exit
code 2; a Ctrl-C exits 130; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Callable, Sequence

from rewardsmith.core.errors import RewardsmithError, UsageError

__all__ = ["main", "run_guarded", "Command", "COMMANDS"]

#: name -> (module:Class, one-line help). Add a line here to add a subcommand.
COMMANDS: dict[str, tuple[str, str]] = {
    "score": ("rewardsmith.cli.score:Score", "score a JSONL file of completions with a reward spec"),
    "plugins": ("rewardsmith.cli.plugins:Plugins", "list installed plugins and their rewards"),
    "sandbox": ("rewardsmith.cli.sandbox:Sandbox", "check code-sandbox backends, build the docker image"),
    "new-plugin": ("rewardsmith.cli.new_plugin:NewPlugin", "create an installable reward plugin package"),
    "serve": ("rewardsmith.cli.serve:Serve", "serve a reward spec over HTTP (OpenRLHF protocol, /score)"),
    "bench": ("rewardsmith.cli.bench:Bench", "evaluate models or completions on benchmark suites"),
    "probe": ("rewardsmith.cli.probe:Probe", "run reward-hacking probes against a reward spec"),
    "prm": ("rewardsmith.cli.prm:PRM", "train, label data for, and evaluate process reward models"),
    "explain": ("rewardsmith.cli.explain:Explain", "show each step of the math verifier on one gold/answer pair"),
}

EPILOG = """examples:
  rewardsmith plugins
  rewardsmith score --reward math:1+format:0.2 --input rows.jsonl --output scored.jsonl
  rewardsmith score --reward 'code(timeout=5,partial=true)' --input programs.jsonl
  rewardsmith bench --suite gsm8k --limit 20 --data-dir ../shared/data
run 'rewardsmith COMMAND --help' for a command's options."""


class Command:
    """A subcommand: ``add_arguments`` fills its parser, ``run`` does the work and returns a code."""

    help: str = ""
    epilog: str | None = None

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add this command's options."""

    def run(self, args: argparse.Namespace) -> int:  # pragma: no cover
        raise NotImplementedError


def _load(target: str) -> Command:
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)()


def build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    from rewardsmith.cli.parsing import ArgumentParser

    parser = ArgumentParser(
        prog="rewardsmith", description="Rewards and verifiers for RL with verifiable rewards.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    from rewardsmith import __version__
    parser.add_argument("--version", action="version", version=f"rewardsmith {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the chosen command's module is imported; the others appear with their one-line help.
    wanted = next((a for a in argv if a in COMMANDS), None)
    commands: dict[str, Command] = {}
    for name, (target, help_) in COMMANDS.items():
        if name == wanted:
            cmd = _load(target)
            p = sub.add_parser(name, help=help_, description=cmd.help or help_, epilog=cmd.epilog,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            cmd.add_arguments(p)
            commands[name] = cmd
        else:
            sub.add_parser(name, help=help_)
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    return run_guarded(lambda: commands[args.command].run(args), f"rewardsmith {args.command}")


def run_guarded(fn: Callable[[], int], prog: str) -> int:
    """Run a command with the CLI's error policy: a UsageError is one line and exit 2, another
    rewardsmith error exit 1, Ctrl-C exit 130; anything else is a bug and keeps its traceback."""
    try:
        return fn()
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except RewardsmithError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
