"""The executor abstraction and the Ray executor on a local Ray instance."""
from __future__ import annotations

import json
import math
import os

import pytest

from rewardsmith.cli import main
from rewardsmith.core.compose import BatchResult, load_reward
from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.execution import LocalExecutor, get_executor
from rewardsmith.integrations.ray_executor import RayExecutor, merge_results, plan_chunks

COMPLETIONS = ["\\boxed{4}", "4", "5", "boom \\boxed{4}", "\\boxed{6}", "six", "\\boxed{7}"]
ANSWERS = ["4", "4", "4", "4", None, "6", "7"]
PROMPTS = ["a", "a", "b", "b", "c", "c", "a"]


# Each case: n, wanted chunks, groups -> expected chunks.
@pytest.mark.parametrize("n, k, groups, expected", [
    (0, 3, None, []),                                      # nothing to do
    (7, 3, None, [[0, 1, 2], [3, 4, 5], [6]]),             # contiguous ranges
    (3, 10, None, [[0], [1], [2]]),                        # more chunks wanted than samples
    (5, 2, list("aabbb"), [[0, 1], [2, 3, 4]]),            # a group is never split
    (4, 4, list("abab"), [[0, 2], [1, 3]]),                # members gathered from anywhere
    (3, 2, [["x"], ["x"], ["y"]], [[0, 1], [2]]),          # unhashable group ids
])
def test_plan_chunks(n, k, groups, expected):
    assert plan_chunks(n, k, groups) == expected


def test_merge_restores_input_order():
    parts = [BatchResult([1.0, 3.0], {"c": [1.0, 3.0]}, {"c": [{}, {}]}, {"c": [None, "e"]}),
             BatchResult([2.0], {"c": [2.0]}, {"c": [{}]}, {"c": [None]})]
    merged = merge_results(3, [[0, 2], [1]], parts)
    assert merged.rewards == [1.0, 2.0, 3.0] and merged.errors == {"c": [None, None, "e"]}


@pytest.mark.parametrize("spec, words", [
    ("spark", "unknown executor"),
    ("ray://", "names no address"),
    ("ray:", "names no address"),
])
def test_executor_spec_errors(spec, words):
    with pytest.raises(UsageError, match=words):
        get_executor(spec)


def test_executor_specs_create_without_starting_ray():
    assert isinstance(get_executor("local"), LocalExecutor)
    assert get_executor("ray://head:10001").address == "ray://head:10001"
    assert get_executor("ray:auto").address == "auto"
    assert get_executor("ray").address is None


def _same(a: BatchResult, b: BatchResult) -> None:
    def norm(xs):
        return ["nan" if isinstance(x, float) and math.isnan(x) else x for x in xs]

    assert norm(a.rewards) == norm(b.rewards)
    assert {k: norm(v) for k, v in a.components.items()} == {k: norm(v) for k, v in b.components.items()}
    assert a.errors == b.errors


@pytest.mark.parametrize("aggregate", ["sum", "normalize_then_sum"])
def test_ray_scores_exactly_like_local(toy_plugin, ray_local, aggregate):
    spec = "toy_number:1+toy_crash:0.5+format:0.2"
    local_reward = load_reward(spec, aggregate=aggregate)
    ray_reward = load_reward(spec, aggregate=aggregate)
    columns = {"answer": ANSWERS}
    local = LocalExecutor().score(local_reward, PROMPTS, COMPLETIONS, columns)
    remote = RayExecutor(chunk_size=2).score(ray_reward, PROMPTS, COMPLETIONS, columns)
    _same(remote, local)
    assert "exploded" in remote.errors["toy_crash"][3]  # the failure travels back, as NaN
    assert ray_reward.error_counts == local_reward.error_counts == {"toy_number": 0, "toy_crash": 1, "format": 0}
    pids = {d.get("pid") for d in remote.details["toy_number"] if d}
    assert pids and os.getpid() not in pids  # scored in Ray worker processes


def test_ray_strict_failure_surfaces_as_rewardsmith_error(toy_plugin, ray_local):
    reward = load_reward("toy_crash", strict=True)
    with pytest.raises(RewardError, match="toy_crash"):
        RayExecutor(chunk_size=1).score(reward, None, ["ok", "boom"], {})
    with pytest.raises(UsageError, match="answer"):
        RayExecutor().score(load_reward("toy_number"), None, ["1"], {})


def test_rewardsmith_score_with_ray_executor(toy_plugin, ray_local, tmp_path, capsys):
    rows = [{"prompt": p, "completion": c, "answer": a} for p, c, a in zip(PROMPTS, COMPLETIONS, ANSWERS)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    base = ["score", "--reward", "toy_number+toy_crash:0.5", "--input", str(tmp_path / "in.jsonl"), "--quiet"]
    assert main([*base, "--output", str(tmp_path / "local.jsonl")]) == 0
    assert main([*base, "--output", str(tmp_path / "ray.jsonl"), "--executor", "ray",
                 "--ray-chunk-size", "2", "--batch-size", "5"]) == 0
    assert (tmp_path / "ray.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()
    assert main([*base, "--ray-chunk-size", "2"]) == 2
    assert "--ray-chunk-size needs --executor ray" in capsys.readouterr().err


def test_rewardsmith_bench_with_ray_executor_matches_local(ray_local, tmp_path):
    """`rewardsmith bench --executor ray` verifies (here: sandboxed HumanEval code) as Ray tasks."""
    from rewardsmith.benchmarks.data import load_tasks
    from rewardsmith.benchmarks.suites import HUMANEVAL

    tasks = load_tasks(HUMANEVAL, limit=4)
    rows = [{"id": t.id, "completion": t.row["canonical_solution"]} for t in tasks]
    rows += [{"id": t.id, "completion": "    return None\n"} for t in tasks[:2]]
    path = tmp_path / "he.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    results = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        argv = ["bench", "--suite", "humaneval", "--completions", str(path), "--output-dir", str(out),
                "--quiet", "--executor", executor]
        assert main(argv) == 0
        results[executor] = json.loads((out / "results.json").read_text())["results"][0]["metrics"]
    assert results["ray"] == results["local"]
    assert results["ray"]["accuracy"] == pytest.approx((0.5 + 0.5 + 1 + 1) / 4)  # two tasks 1 of 2 right
    assert results["ray"]["errors"] == 0


def test_grpo_train_reward_step_on_ray_matches_local(ray_local, tmp_path):
    """`grpo-train --executor ray`: the reward step runs as Ray tasks and gives the same rewards."""
    from rewardsmith.models.tiny import build_tiny_llama
    from rewardsmith.cli.grpo_train import main as train_main
    from rewardsmith.trainer.metrics import read_metrics

    model = str(build_tiny_llama(tmp_path / "llama", seed=0))
    steps = {}
    for executor in ("local", "ray"):
        run = tmp_path / executor
        code = train_main(["--model", model, "--reward", "format+length(max_length=6,cache_length=4)",
                           "--output-dir", str(run), "--max-steps", "1", "--prompts-per-step", "2",
                           "--num-generations", "2", "--max-new-tokens", "8", "--held-out-size", "2",
                           "--system-prompt", "", "--no-progress", "--no-plots", "--num-threads", "1",
                           "--executor", executor])
        assert code == 0
        steps[executor] = read_metrics(run / "metrics.jsonl")[-1]
    for key in ("reward_mean", "rewards/format/mean", "rewards/length/mean"):
        assert steps["ray"][key] == steps["local"][key], key
    assert steps["ray"]["reward_failed"] == 0
