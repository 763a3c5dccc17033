"""The argument parser every rewardsmith command uses (``rewardsmith``, its subcommands, ``grpo-train``).

Two differences from :class:`argparse.ArgumentParser`:

* **No prefix matching** (``allow_abbrev=False``): ``--learning-rat 1e-5`` is an error, not a
  silent ``--learning-rate``. A run must never start on a setting the user did not quite type.
* **Unknown options get a suggestion**, and the error is reported by the parser that owns the
  command line's words: ``rewardsmith score --inptu x`` shows ``rewardsmith score``'s usage, not the
  top level's, and says ``did you mean --input?``.
"""
from __future__ import annotations

import argparse
import difflib
from typing import Any, Sequence

__all__ = ["ArgumentParser", "suggest_option", "unrecognized_message"]


def suggest_option(word: str, options: Sequence[str]) -> str | None:
    """The closest known option to a mistyped one, or None.

    >>> suggest_option("--learning-rat", ["--learning-rate", "--lr-scheduler", "--seed"])
    '--learning-rate'
    >>> suggest_option("--learning-rat=1e-5", ["--learning-rate"])
    '--learning-rate'
    >>> suggest_option("--zzz", ["--input"]) is None
    True
    """
    flag = word.split("=", 1)[0]
    close = difflib.get_close_matches(flag, [o for o in options if o.startswith("--")], n=1, cutoff=0.75)
    return close[0] if close else None


def unrecognized_message(parsers: Sequence[argparse.ArgumentParser], extras: Sequence[str]) -> str:
    """``unrecognized arguments: ...`` plus a ``did you mean`` for each mistyped option (options of
    every parser in ``parsers``, e.g. a subcommand's and the top level's, are candidates)."""
    known = [o for p in parsers for o in p._option_string_actions]  # every --flag and -f
    pairs = [(w.split("=", 1)[0], suggest_option(w, known)) for w in extras if w.startswith("--")]
    pairs = [(w, close) for w, close in pairs if close]
    message = "unrecognized arguments: " + " ".join(extras)
    if len(pairs) == 1:
        return f"{message} (did you mean {pairs[0][1]}?)"
    if pairs:
        return f"{message} (did you mean " + ", ".join(f"{c} for {w}" for w, c in pairs) + "?)"
    return message


def _chosen_parsers(parser: argparse.ArgumentParser, ns: argparse.Namespace) -> list[argparse.ArgumentParser]:
    """The parsers the command line went through, innermost first (``prm train``, ``prm``, top)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and action.dest not in (None, argparse.SUPPRESS):
            name = getattr(ns, action.dest, None)
            if name in action.choices:
                return [*_chosen_parsers(action.choices[name], ns), parser]
    return [parser]


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` without prefix matching, whose unknown options get a suggestion.

    Subparsers made with ``add_subparsers`` are of the same class. Subclasses may override
    :meth:`error` (``grpo-train`` raises a one-line UsageError); the message includes the hint.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            chain = _chosen_parsers(self, ns)
            chain[0].error(unrecognized_message(chain, extras))
        return ns
