"""``rewardsmith bench`` end to end: every suite on a tiny model, result files, resume, side by side."""
from __future__ import annotations

import json
import shutil

import pytest

from rewardsmith.benchmarks.bench import run_bench
from rewardsmith.benchmarks.config import BenchConfig
from rewardsmith.cli import main

ALL = "gsm8k,math500,humaneval,mbpp,procedural"


@pytest.fixture(scope="module")
def first_run(tiny_model, data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    argv = ["bench", "--model", str(tiny_model), "--suite", ALL, "--limit", "2", "--max-new-tokens", "6",
            "--data-dir", str(data_dir), "--output-dir", str(out), "--quiet"]
    assert main(argv) == 0
    return out, argv


def test_every_suite_runs_on_a_tiny_model(first_run, tiny_model):
    out, _ = first_run
    doc = json.loads((out / "results.json").read_text())
    assert [r["suite"] for r in doc["results"]] == ALL.split(",")
    for r in doc["results"]:
        m = r["metrics"]
        assert r["system"] == str(tiny_model) and m["tasks"] == 2 and m["samples"] == 2
        assert 0.0 <= m["accuracy"] <= 1.0 and m["errors"] == 0, r  # scored, no verifier failure
        assert 1 <= m["mean_tokens"] <= 6 and r["timing"]["generate_s"] > 0
        assert ("1" in m["maj@k"]) == (r["suite"] in ("gsm8k", "math500", "procedural"))
    table = (out / "results.md").read_text()
    assert "| gsm8k (v1) | tasks x samples | 2 x 1 |" in table and "| humaneval (v1) | " in table
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [json.loads(x) for x in (out / "samples" / f"{_slug(tiny_model)}__mbpp.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["11", "12"] and all(r["correct"] is False for r in rows)


def _slug(path):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(path)).strip("_.")


def test_a_rerun_uses_the_cached_generations(first_run, tiny_model, data_dir):
    out, _ = first_run
    before = json.loads((out / "results.json").read_text())["results"]

    def no_model(name, cfg):
        raise AssertionError("a fully cached run must not load the model")

    cfg = BenchConfig(suites=[ALL], models=[str(tiny_model)], limit=2, max_new_tokens=6,
                      data_dir=str(data_dir), output_dir=str(out))
    runs, _ = run_bench(cfg, progress_enabled=False, model_loader=no_model)
    assert [r.metrics for r in runs] == [r["metrics"] for r in before]


def test_two_models_side_by_side_with_pass_at_k(tiny_model, tmp_path, capsys):
    other = tmp_path / "other-model"
    shutil.copytree(tiny_model, other)
    rc = main(["bench", "--model", str(tiny_model), "--model", str(other), "--suite", "procedural",
               "--limit", "3", "--samples", "2", "--temperature", "1.0", "--max-new-tokens", "4",
               "--output-dir", str(tmp_path / "out")])
    table = capsys.readouterr().out
    assert rc == 0
    header = table.splitlines()[0]
    assert str(tiny_model) in header and str(other) in header
    assert "|  | pass@2 |" in table and "|  | maj@2 |" in table and "3 x 2" in table


@pytest.mark.parametrize("argv,message", [
    (["--suite", "gsm8"], "Unknown suite 'gsm8'. Did you mean 'gsm8k'?"),
    (["--suite", "procedural", "--samples", "3", "--temperature", "0"], "identical samples"),
    ([], "name at least one suite"),
])
def test_user_mistakes_exit_2_with_one_line(argv, message, tmp_path, capsys):
    assert main(["bench", "--output-dir", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
