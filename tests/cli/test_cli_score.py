"""`rewardsmith score` and `rewardsmith plugins`, in-process and as the installed console script."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rewardsmith.cli import main


@pytest.fixture
def toy_site(toy_dist):
    info = toy_dist()
    return info.parent


def write_rows(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_score_adds_reward_and_components_in_order(toy_site, tmp_path, capsys):
    inp = write_rows(tmp_path / "in.jsonl", [
        {"id": 1, "completion": "yes", "answer": "yes"},
        {"id": 2, "completion": [{"role": "assistant", "content": "no"}], "answer": "no"},
        {"id": 3, "completion": "yes boom", "answer": None},
    ])
    out = tmp_path / "out.jsonl"
    rc = main(["score", "--reward", "toy_contains:1+toy_exact:0.5+toy_crash:0", "--input", str(inp),
               "--output", str(out)])
    assert rc == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert rows[0]["reward"] == 1.5 and rows[0]["rewards"] == {"toy_contains": 1.0, "toy_exact": 1.0, "toy_crash": 0.5}
    assert rows[1]["reward"] == 0.5
    assert rows[2]["reward"] is None and rows[2]["rewards"]["toy_exact"] is None
    assert "exploded" in rows[2]["reward_errors"]["toy_crash"]
    assert "1 errors" in capsys.readouterr().err


def test_score_to_stdout(toy_site, tmp_path, capsys):
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "yes"}])
    assert main(["score", "--reward", "toy_contains", "--input", str(inp), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["reward"] == 1.0


@pytest.mark.parametrize("rows, args, message", [
    (['{"completion": "a"}', '{"completion": '], [], "in.jsonl:2: invalid JSON"),
    (['[1, 2]'], [], "in.jsonl:1: expected a JSON object"),
    ([{"completion": "a", "answer": "a"}, {"completion": "b"}], [], "in.jsonl:2: missing column 'answer'"),
    ([{"prompt": "p"}], [], "in.jsonl:1: missing column 'completion'"),
    ([{"completion": "a", "answer": "a"}], ["--reward", "toy_exakt"], "Did you mean 'toy_exact'"),
    ([{"completion": "a", "answer": "a"}], ["--reward", "toy_exact+"], "position 10"),
    ([{"completion": 5, "answer": "a"}], [], "must be a string or a list"),
])
def test_bad_input_is_one_clear_error_and_no_output_file(toy_site, tmp_path, capsys, rows, args, message):
    inp = write_rows(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    argv = ["score", "--reward", "toy_exact", "--input", str(inp), "--output", str(out)]
    if args:
        argv[2] = args[1]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "site"]  # no temp file left


def test_strict_stops_with_exit_1_and_writes_nothing(toy_site, tmp_path, capsys):
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "boom"}])
    out = tmp_path / "out.jsonl"
    assert main(["score", "--reward", "toy_crash", "--input", str(inp), "--output", str(out), "--strict"]) == 1
    assert "failed on sample 1 (line 1)" in capsys.readouterr().err
    assert not out.exists()


def test_strict_error_counts_samples_from_1_and_names_the_input_line(toy_site, tmp_path, capsys):
    # a blank line and small batches: the sample is the 3rd of the whole input, from line 4
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "a"}, "", {"completion": "b"}, {"completion": "boom"}])
    assert main(["score", "--reward", "toy_crash", "--input", str(inp), "--strict", "--batch-size", "2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("rewardsmith score: error: reward 'toy_crash' (plugin 'toy') failed on sample 3 (line 4): "
                   "RuntimeError: exploded")


def test_missing_input_file(toy_site, tmp_path, capsys):
    assert main(["score", "--reward", "toy_exact", "--input", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_script_end_to_end(toy_site, tmp_path):
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "yes"}, {"completion": "no"}])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(toy_site), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "rewardsmith.cli", "score", "--reward", "toy_contains",
                           "--input", str(inp), "--quiet"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["reward"] for x in proc.stdout.splitlines()] == [1.0, 0.0]
    bad = subprocess.run([sys.executable, "-m", "rewardsmith.cli", "score", "--reward", "nope",
                          "--input", str(inp)], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "unknown reward 'nope'" in bad.stderr.lower() and "Traceback" not in bad.stderr


def test_plugins_lists_plugins_and_rewards(toy_site, capsys):
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    toy = next(p for p in data["plugins"] if p["name"] == "toy")
    assert toy["dist"] == "toy-rewards" and toy["status"] == "ok"
    exact = next(r for r in data["rewards"] if r["name"] == "toy_exact")
    assert exact["status"] == "available" and exact["columns"] == ["answer"]
    assert main(["plugins"]) == 0
    assert "toy_contains" in capsys.readouterr().out


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    assert "examples:" in capsys.readouterr().out


def test_output_file_gets_normal_permissions(toy_site, tmp_path):
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "yes"}])
    out = tmp_path / "out.jsonl"
    old = os.umask(0o022)
    try:
        assert main(["score", "--reward", "toy_contains", "--input", str(inp), "--output", str(out), "--quiet"]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_details_on_request(toy_site, tmp_path, capsys):
    inp = write_rows(tmp_path / "in.jsonl", [{"completion": "yes"}])
    assert main(["score", "--reward", "toy_contains", "--input", str(inp), "--quiet"]) == 0
    assert "reward_details" not in json.loads(capsys.readouterr().out)
    assert main(["score", "--reward", "toy_contains", "--input", str(inp), "--quiet", "--details"]) == 0
    assert json.loads(capsys.readouterr().out)["reward_details"] == {"toy_contains": {"found": True}}
