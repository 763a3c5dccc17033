"""Prompt sources: procedural tasks, local files (GSM8K), held-out split, resumable order."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.core.errors import UsageError
from rewardsmith.trainer.config import DataConfig
from rewardsmith.trainer.data import ProceduralSource, TableSource, build_source, load_table


def test_held_out_prompts_are_never_trained_on():
    cfg = DataConfig(held_out_size=50, system_prompt="SYS")
    src = ProceduralSource(cfg, seed=0)
    held = {r["prompt"][-1]["content"] for r in src.held_out}
    train = {r["prompt"][-1]["content"] for r in src.next_rows(400)}
    assert len(held) == 50 and not held & train
    assert src.held_out[0]["prompt"][0] == {"role": "system", "content": "SYS"}


def test_position_resumes_exactly():
    cfg = DataConfig(held_out_size=4)
    a = build_source(cfg, seed=1)
    a.next_rows(5)
    state = a.state_dict()
    expected = a.next_rows(3)
    b = build_source(cfg, seed=1)
    b.load_state_dict(state)
    assert b.next_rows(3) == expected


def test_shards_split_the_stream():
    cfg = DataConfig(held_out_size=0)
    whole = [r["id"] for r in ProceduralSource(cfg, 0).next_rows(6)]
    r0 = [r["id"] for r in ProceduralSource(cfg, 0, shard=(0, 2)).next_rows(3)]
    r1 = [r["id"] for r in ProceduralSource(cfg, 0, shard=(1, 2)).next_rows(3)]
    assert sorted(r0 + r1) == sorted(whole)


def test_gsm8k_file_gold_after_hashes_and_template(data_dir):
    gsm8k = data_dir / "gsm8k" / "train.jsonl"
    cfg = DataConfig(dataset=str(gsm8k), held_out_size=10, system_prompt="",
                     prompt_template="Q: {prompt}\nA:")
    src = build_source(cfg, seed=0)
    rows = src.next_rows(20)
    for r in rows + src.held_out:
        assert r["answer"].lstrip("-").replace(".", "").isdigit(), r["answer"]
        assert r["prompt"][-1]["content"].startswith("Q: ") and r["prompt"][-1]["content"].endswith("A:")
        assert "question" not in r  # the prompt column went into the prompt
    assert len(src.held_out) == 10 and len(src.train) == 40 - 10  # the sample has 40 rows


def test_local_files_columns_and_epochs(tmp_path):
    rows = [{"problem": f"p{i}", "solution": str(i), "extra": i} for i in range(5)]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "d.json").write_text(json.dumps(rows))
    for name in ("d.jsonl", "d.json"):
        cfg = DataConfig(dataset=str(tmp_path / name), columns="solution=answer", held_out_size=1,
                         prompt_template="{prompt} ({extra})")
        src = build_source(cfg, seed=0)
        seen = [r["prompt"][-1]["content"] for r in src.next_rows(8)]  # 4 train rows, two epochs
        assert len(set(seen[:4])) == 4 and set(seen[:4]) == set(seen[4:])
        assert all(r["answer"] == str(r["extra"]) for r in src.next_rows(4))


def test_parquet(tmp_path):
    import datasets

    datasets.Dataset.from_list([{"question": "q1", "answer": "1"}, {"question": "q2", "answer": "2"}]
                               ).to_parquet(str(tmp_path / "d.parquet"))
    rows = load_table(DataConfig(dataset=str(tmp_path / "d.parquet")))
    assert rows == [{"question": "q1", "answer": "1"}, {"question": "q2", "answer": "2"}]


@pytest.mark.parametrize("cfg, message", [
    (dict(prompt_column="nope"), "no column 'nope'"),
    (dict(answer_column="gold"), "no answer column 'gold'"),
    (dict(prompt_template="{missing}"), "--prompt-template uses 'missing'"),
    (dict(columns="just-a-name"), "expected 'src=dst'"),
])
def test_bad_data_settings_are_usage_errors(tmp_path, cfg, message):
    (tmp_path / "d.jsonl").write_text(json.dumps({"question": "q", "answer": "1"}) + "\n" * 2
                                      + json.dumps({"question": "r", "answer": "2"}) + "\n")
    with pytest.raises(UsageError, match=message):
        build_source(DataConfig(dataset=str(tmp_path / "d.jsonl"), **cfg), seed=0)


def test_missing_file_is_a_usage_error():
    with pytest.raises(UsageError, match="not found"):
        build_source(DataConfig(dataset="/nonexistent/train.jsonl"), seed=0)


def test_table_source_needs_rows():
    with pytest.raises(UsageError):
        TableSource([], DataConfig(dataset="x.jsonl"), seed=0)
