"""Reading step-labelled data: PRM800K records and rewardsmith JSONL."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.core.errors import UsageError
from rewardsmith.prm.data import StepExample, read_examples, split_by_group, write_examples

@pytest.fixture
def phase1(data_dir):
    return str(data_dir / "prm800k" / "phase1_test_example.json")


@pytest.fixture
def phase2(data_dir):
    return str(data_dir / "prm800k" / "phase2_test_example.json")


def test_prm800k_phase1_path_follows_chosen_and_human_steps(phase1):
    record = json.loads(Path(phase1).read_text())
    path, *branches = read_examples(phase1)
    steps = record["label"]["steps"]
    assert len(path.steps) == len(steps)
    # step 2 had no chosen completion: the human-written one continues the path, labelled right
    assert path.steps[1] == steps[1]["human_completion"]["text"]
    assert path.labels == [1.0] * len(steps)
    assert path.answer == record["question"]["ground_truth_answer"]
    # the rejected (-1) alternatives of step 2 become branches ending in a wrong step
    rejected = [c["text"] for c in steps[1]["completions"] if c["rating"] == -1]
    wrong = [b for b in branches if b.labels[-1] == 0.0]
    assert len(rejected) >= 3 and sorted(b.steps[-1] for b in wrong) == sorted(rejected)
    assert all(b.steps[0] == path.steps[0] and b.labels == [1.0, 0.0] for b in wrong)
    assert all(b.group == path.group for b in branches)


def test_prm800k_neutral_rating_is_configurable(phase1):
    neutral_step = [b for b in read_examples(phase1, neutral=0.0)
                    if b.steps[-1].startswith("We could also solve this system by substitution")]
    assert neutral_step and neutral_step[0].labels[-1] == 0.0
    default = [b for b in read_examples(phase1)
               if b.steps[-1].startswith("We could also solve this system by substitution")]
    assert default[0].labels[-1] == 1.0


def test_prm800k_phase2_found_error_ends_on_the_wrong_step(phase2):
    record = json.loads(Path(phase2).read_text())
    path = read_examples(phase2)[0]
    assert record["label"]["finish_reason"] == "found_error"
    assert path.labels[-1] == 0.0 and all(y == 1.0 for y in path.labels[:-1])
    assert len(path.steps) == len(record["label"]["steps"])


def test_jsonl_round_trip_and_label_forms(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"prompt": "p", "steps": ["a", "b", "c"], "labels": [1, -1, None], "answer": "3"}),
        json.dumps({"prompt": "q", "steps": ["x", "y"], "labels": ["+", 0.25], "group": "g"}),
        "",
    ]))
    a, b = read_examples(str(src))
    assert a.labels == [1.0, 0.0, None] and a.answer == "3" and a.group == "p"
    assert b.labels == [1.0, 0.25] and b.group == "g"
    out = tmp_path / "out.jsonl"
    assert write_examples([a, b], str(out)) == 2
    again = read_examples(str(out))
    assert [(e.prompt, e.steps, e.labels, e.group) for e in again] == \
           [(e.prompt, e.steps, e.labels, e.group) for e in (a, b)]


@pytest.mark.parametrize("line,match", [
    ('{"prompt": "p", "steps": ["a"]}', "missing key 'labels'"),
    ('{"prompt": "p", "steps": ["a", "b"], "labels": [1]}', "2 steps but 1 labels"),
    ('{"prompt": "p", "steps": ["a"], "labels": [3]}', r"\[0, 1\]"),
    ('{"prompt": "p", "steps": ["a"], "labels": ["maybe"]}', "bad step label"),
    ("not json", "not valid JSON"),
])
def test_malformed_rows_name_the_line(tmp_path, line, match):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"prompt": "ok", "steps": ["s"], "labels": [1]}) + "\n" + line + "\n")
    with pytest.raises(UsageError, match=match) as info:
        read_examples(str(path))
    assert "bad.jsonl:2" in str(info.value)


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such data file"):
        read_examples(str(tmp_path / "nope.jsonl"))


def test_split_keeps_groups_together():
    ex = [StepExample(f"p{i // 3}", ["s"], [1]) for i in range(30)]
    train, held = split_by_group(ex, 0.2, seed=1)
    assert len(held) == 6 and len(train) == 24
    assert not {e.group for e in train} & {e.group for e in held}
