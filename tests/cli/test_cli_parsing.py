"""Every command's parser: no prefix matching, a suggestion for a mistyped option, the usage of
the command the user typed (issue 17, items 8 and 12)."""
from __future__ import annotations

import argparse

import pytest

from rewardsmith.cli import COMMANDS, build_parser, main


def _all_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_parser_of_any_command_matches_prefixes(command):
    parser, _ = build_parser([command])
    parsers = list(_all_parsers(parser))
    assert len(parsers) > len(COMMANDS)
    assert all(p.allow_abbrev is False for p in parsers), [p.prog for p in parsers if p.allow_abbrev]


def test_grpo_train_parsers_do_not_match_prefixes():
    pytest.importorskip("yaml")
    from rewardsmith.cli.grpo_train import build_parser as grpo_parser
    assert grpo_parser().allow_abbrev is False


def test_grpo_train_mistyped_flag_exits_2_with_a_suggestion(capsys):
    pytest.importorskip("yaml")
    from rewardsmith.cli.grpo_train import main as grpo_main
    assert grpo_main(["--learning-rat", "1e-5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("grpo-train: error: unrecognized arguments: --learning-rat 1e-5 "
                   "(did you mean --learning-rate?)")
    assert grpo_main(["report", "runs/x", "--bogus"]) == 2   # the report action's parser too
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_a_prefix_of_a_rewardsmith_option_is_refused_with_the_subcommand_usage(tmp_path, capsys):
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"completion": "a"}\n')
    with pytest.raises(SystemExit) as info:   # --inp used to mean --input
        main(["score", "--reward", "format", "--inp", str(rows), "--input", str(rows)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: rewardsmith score ")
    assert err.strip().splitlines()[-1] == (f"rewardsmith score: error: unrecognized arguments: --inp {rows} "
                                            "(did you mean --input?)")


@pytest.mark.parametrize("argv, prog, extras, hint", [
    (["score", "--reward", "math", "--input", "x", "--bogus"], "rewardsmith score", "--bogus", ""),
    (["plugins", "--jsn"], "rewardsmith plugins", "--jsn", " (did you mean --json?)"),
    (["prm", "train", "--step", "3"], "rewardsmith prm train", "--step 3", " (did you mean --steps?)"),
    (["bench", "--limt", "3"], "rewardsmith bench", "--limt 3", " (did you mean --limit?)"),
])
def test_unknown_option_shows_the_usage_of_the_command_typed(argv, prog, extras, hint, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"usage: {prog} ")
    assert err[-1] == f"{prog}: error: unrecognized arguments: {extras}{hint}"


def test_several_mistyped_options_get_one_suggestion_each(capsys):
    with pytest.raises(SystemExit):
        main(["plugins", "--jsn", "--verbos"])
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "(did you mean --json for --jsn, --verbose for --verbos?)")
