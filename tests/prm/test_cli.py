"""``rewardsmith prm train | label | eval`` end to end, and their usage errors."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardsmith.cli import main  # noqa: E402
from rewardsmith.prm.data import read_examples  # noqa: E402
from rewardsmith.prm.synthetic import synthetic_examples  # noqa: E402

SMALL = ["--backbone", "tiny", "--steps", "3", "--batch-size", "4", "--train-problems", "20",
         "--eval-problems", "4", "--candidates", "2", "--threads", "1", "--quiet"]


def test_label_then_train_on_the_labels_then_eval(tmp_path, capsys):
    rows = tmp_path / "problems.jsonl"
    rows.write_text("".join(json.dumps({"prompt": e.prompt, "answer": e.answer, "steps": e.steps}) + "\n"
                            for e in synthetic_examples(12, 2, seed=3)))
    labelled = tmp_path / "labelled.jsonl"
    assert main(["prm", "label", "--input", str(rows), "--output", str(labelled), "--policy", "arithmetic",
                 "--rollouts", "2", "--quiet"]) == 0
    examples = read_examples(str(labelled))
    assert len(examples) == 24 and all(len(e.labels) == len(e.steps) for e in examples)

    out = tmp_path / "prm"
    capsys.readouterr()
    assert main(["prm", "train", "--data", str(labelled), "--holdout", "0.25", "--out", str(out), *SMALL]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["out"] == str(out) and report["held_out_examples"] > 0 and report["train_examples"] > 0
    config = json.loads((out / "config.json").read_text())
    assert config["rewardsmith_prm"]["convention"] == "value_head" and "metrics" in config["rewardsmith_prm"]

    assert main(["prm", "eval", "--model", str(out), "--problems", "5", "--candidates", "2", "--quiet"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert 0.0 <= metrics["step_auroc"] <= 1.0 and metrics["best_of_n"]["groups"] == 5


def test_train_on_synthetic_data_writes_a_loadable_folder(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["prm", "train", "--out", str(out), *SMALL]) == 0
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".prm-")]   # no temp folder left


@pytest.mark.parametrize("argv,match", [
    (["prm"], "choose an action"),
    (["prm", "train", "--steps", "0"], "steps"),
    (["prm", "train", "--data", "/no/such.jsonl", "--backbone", "tiny"], "no such data file"),
    (["prm", "train", "--aggregate", "max"], "aggregate"),
    (["prm", "eval"], "--model"),
    (["prm", "eval", "--model", "/no/such/prm"], "no PRM directory"),
    (["prm", "label", "--output", "x.jsonl"], "--input"),
    (["prm", "label", "--input", "a", "--output", "b", "--mode", "medium"], "mode"),
])
def test_usage_errors_exit_2_with_one_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("action", ["train", "label", "eval"])
def test_help_has_examples(action, capsys):
    with pytest.raises(SystemExit) as info:
        main(["prm", action, "--help"])
    assert info.value.code == 0
    assert "examples:" in capsys.readouterr().out
