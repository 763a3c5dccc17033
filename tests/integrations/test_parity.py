"""Done-when of issue 8: one reward spec scores identically through the CLI, TRL, verl, the HTTP
server (native and OpenRLHF endpoints) and Ray, on GSM8K questions with varied completions."""
from __future__ import annotations

import json
from pathlib import Path

import httpx

from rewardsmith.cli import main
from rewardsmith.core.compose import combine, load_reward
from rewardsmith.integrations import verl
from rewardsmith.integrations.ray_executor import RayExecutor
from rewardsmith.integrations.trl import reward_funcs, reward_weights
from rewardsmith.integrations.serve import create_app

SPEC = "math:1+format:0.2"
# How each completion answers its question (gold = the GSM8K answer after '####').
STYLES = [
    "Step by step: ... so the answer is \\boxed{{{gold}}}.",   # right, well-formed
    "<think>add them</think> \\boxed{{{wrong}}}",               # wrong, well-formed
    "The answer is {gold}",                                     # right, no box
    "\\boxed{{{gold}}} or maybe \\boxed{{{wrong}}}",             # wrong, two boxes
    "<think>unclosed \\boxed{{{gold}}}",                        # right, malformed think
    "I do not know",                                            # nothing
]


def _rows(data_dir: Path) -> list[dict]:
    lines = (data_dir / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:len(STYLES) * 2]
    rows = []
    for i, line in enumerate(lines):
        item = json.loads(line)
        gold = item["answer"].split("####")[-1].strip().replace(",", "")
        completion = STYLES[i % len(STYLES)].format(gold=gold, wrong=int(gold) + 1)
        prompt = f"Question: {item['question']}\nAnswer:"
        rows.append({"prompt": prompt, "completion": completion, "answer": gold})
    return rows


def _cli(rows: list[dict], tmp_path: Path, *extra: str) -> list[dict]:
    src, out = tmp_path / "rows.jsonl", tmp_path / "scored.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["score", "--reward", SPEC, "--input", str(src), "--output", str(out), "--quiet", *extra]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_same_spec_scores_identically_everywhere(ray_local, live_server, tmp_path, data_dir):
    rows = _rows(data_dir)
    prompts = [r["prompt"] for r in rows]
    completions = [r["completion"] for r in rows]
    answers = [r["answer"] for r in rows]
    labels = load_reward(SPEC).spec.labels

    # 1. the CLI, in this process (the reference)
    cli = _cli(rows, tmp_path)
    totals = [r["reward"] for r in cli]
    components = {lab: [r["rewards"][lab] for r in cli] for lab in labels}
    assert len(set(totals)) >= 3 and None not in totals  # a spread of values, all scored

    # 2. TRL: conversational rows, called as GRPOTrainer calls them, summed with the weights
    funcs, weights = reward_funcs(SPEC), reward_weights(SPEC)
    chat_prompts = [[{"role": "user", "content": p}] for p in prompts]
    chat_completions = [[{"role": "assistant", "content": c}] for c in completions]
    trl = {f.__name__: f(prompts=chat_prompts, completions=chat_completions, answer=answers,
                         completion_ids=[[0]] * len(rows), trainer_state=None) for f in funcs}
    assert trl == components
    assert [combine([trl[lab][i] for lab in labels], weights) for i in range(len(rows))] == totals

    # 3. verl: one call per response, the spec from reward_kwargs
    verl_out = [verl.compute_score("openai/gsm8k", c, a, {"prompt": p}, reward_spec=SPEC)
                for p, c, a in zip(prompts, completions, answers)]
    assert [v["score"] for v in verl_out] == totals
    assert {lab: [v[lab] for v in verl_out] for lab in labels} == components

    # 4. the HTTP server: native rows and OpenRLHF's protocol
    url = live_server(create_app(load_reward(SPEC)))
    with httpx.Client(base_url=url, timeout=60) as client:
        served = client.post("/score", json={"rows": rows}).json()["rows"]
        assert served == cli
        queries = [p + c + "</s>" for p, c in zip(prompts, completions)]
        openrlhf = client.post("/get_reward", json={"query": queries, "prompts": prompts, "labels": answers}).json()
        assert openrlhf["rewards"] == totals
        assert {lab: openrlhf["extra_logs"][lab] for lab in labels} == components

    # 5. Ray: the CLI with --executor ray, and the executor behind the server
    assert _cli(rows, tmp_path, "--executor", "ray", "--ray-chunk-size", "3") == cli
    url = live_server(create_app(load_reward(SPEC), executor=RayExecutor(chunk_size=4)))
    assert httpx.post(f"{url}/score", json={"rows": rows}, timeout=60).json()["rows"] == cli
