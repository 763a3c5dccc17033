"""``--completions``: score other systems' outputs; canonical solutions must score 100%."""
from __future__ import annotations

import json

import pytest

from rewardsmith.benchmarks.data import load_tasks
from rewardsmith.benchmarks.suites import HUMANEVAL
from rewardsmith.cli import main


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _bench(tmp_path, suite, *extra):
    out = tmp_path / "out"
    rc = main(["bench", "--suite", suite, "--output-dir", str(out), "--quiet", *extra])
    assert rc == 0
    return json.loads((out / "results.json").read_text())["results"]


def _mbpp_rows(data_dir, limit):
    rows = [json.loads(x) for x in (data_dir / "mbpp" / "mbpp.jsonl").read_text().splitlines()]
    return [r for r in rows if 11 <= r["task_id"] <= 510][:limit]


N_CODE = 40  # canonical solutions checked in the sandbox per code suite


def test_humaneval_canonical_solutions_score_100_percent(tmp_path):
    tasks = load_tasks(HUMANEVAL, limit=N_CODE)
    body_only = [{"id": t.id, "completion": t.row["canonical_solution"]} for t in tasks]
    # a chat model's style: the whole function in a fence, imports left out
    fenced = [{"id": t.id, "completion": "Here:\n```python\ndef " + t.row["prompt"].split("def ", 1)[1]
               + t.row["canonical_solution"] + "```\nDone."} for t in tasks[:10]]
    path = _write(tmp_path / "he.jsonl", body_only + fenced)
    [res] = _bench(tmp_path, "humaneval", "--completions", path)
    m = res["metrics"]
    assert m["tasks"] == N_CODE and m["errors"] == 0
    assert m["accuracy"] == 1.0, res


def test_mbpp_canonical_solutions_score_100_percent(tmp_path, data_dir):
    rows = _mbpp_rows(data_dir, N_CODE)
    rows += [r for r in _mbpp_rows(data_dir, 500) if r["task_id"] == 367]  # needs its setup code
    path = _write(tmp_path / "mbpp.jsonl", [{"id": r["task_id"], "completion": r["code"]} for r in rows])
    [res] = _bench(tmp_path, "mbpp", "--completions", path, "--data-dir", str(data_dir))
    assert res["metrics"]["tasks"] == N_CODE + 1 and res["metrics"]["accuracy"] == 1.0, res


def test_code_pass_at_k_from_several_rows_per_id(tmp_path):
    tasks = load_tasks(HUMANEVAL, limit=2)
    good = lambda t: {"id": t.id, "completion": t.row["canonical_solution"]}  # noqa: E731
    bad = lambda t: {"id": t.id, "completion": "    return None\n"}  # noqa: E731
    # task 0: 1 of 3 right; task 1: 2 of 3 right
    rows = [good(tasks[0]), bad(tasks[0]), bad(tasks[0]), bad(tasks[1]), good(tasks[1]), good(tasks[1])]
    [res] = _bench(tmp_path, "humaneval", "--completions", _write(tmp_path / "k.jsonl", rows))
    m = res["metrics"]
    assert m["accuracy"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert m["pass@k"]["2"] == pytest.approx(((1 - 1 / 3) + 1.0) / 2)  # 1 - C(2,2)/C(3,2); C(1,2)=0
    assert m["pass@k"]["3"] == 1.0 and m["maj@k"] == {}


def test_math_completions_by_index_and_unique_id_with_maj_at_k(tmp_path, data_dir):
    gsm = [json.loads(x) for x in (data_dir / "gsm8k" / "test.jsonl").read_text().splitlines()[:3]]
    gold = [r["answer"].split("####")[-1].strip().replace(",", "") for r in gsm]
    rows = []
    for i, g in enumerate(gold):
        wrong = str(int(g) + 1)
        # votes: task 0 right x2 wrong x1 -> maj right; task 1 wrong x2 -> maj wrong; task 2 right only
        answers = {0: [g, wrong, g], 1: [wrong, g, wrong], 2: [g, g, g]}[i]
        rows += [{"suite": "gsm8k", "id": i, "completion": f"So the answer is \\boxed{{{a}}}."} for a in answers]
    m500 = [json.loads(x) for x in (data_dir / "math" / "math500_test.jsonl").read_text().splitlines()[:2]]
    rows.append({"suite": "math500", "id": m500[0]["unique_id"], "completion": f"$\\boxed{{{m500[0]['answer']}}}$"})
    rows.append({"suite": "math500", "id": "1", "completion": f"$\\boxed{{{m500[1]['answer']}}}$"})
    results = _bench(tmp_path, "gsm8k,math500", "--completions", _write(tmp_path / "m.jsonl", rows),
                     "--data-dir", str(data_dir))
    gsm_m, math_m = (r["metrics"] for r in results)
    assert gsm_m["accuracy"] == pytest.approx((2 / 3 + 1 / 3 + 1) / 3)
    assert gsm_m["maj@k"]["3"] == pytest.approx(2 / 3) and gsm_m["maj@k"]["1"] == pytest.approx(2 / 3)
    assert math_m["tasks"] == 2 and math_m["accuracy"] == 1.0


@pytest.mark.parametrize("rows,message", [
    ([{"id": "HumanEval/9999", "completion": "x"}], "x.jsonl:1: unknown task id 'HumanEval/9999'"),
    ([{"id": "HumanEval/0"}], "x.jsonl:1: a row needs 'id' and 'completion'"),
    ([{"id": "HumanEval/0", "completion": "x", "suite": "mbpp"}], "suite 'mbpp' is not among"),
])
def test_bad_completion_files_exit_2(rows, message, tmp_path, capsys):
    path = _write(tmp_path / "x.jsonl", rows)
    assert main(["bench", "--suite", "humaneval", "--completions", path, "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
