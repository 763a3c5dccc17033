"""The generation cache: durable appends, torn lines, stale prompts, and resuming a killed run."""
from __future__ import annotations

import json

import pytest

from rewardsmith.benchmarks.cache import CachedTask, GenerationCache, prompt_hash
from rewardsmith.benchmarks.config import BenchConfig
from rewardsmith.benchmarks.runner import chat_prompt, generate
from rewardsmith.benchmarks.suites import PROCEDURAL
from rewardsmith.benchmarks.data import load_tasks
from rewardsmith.models.generation import Generation, Generator


class Scripted(Generator):
    """Answers every prompt with 'answer k'; raises KeyboardInterrupt on call number ``die_on``."""

    def __init__(self, die_on: int | None = None) -> None:
        self.calls, self.prompts, self.die_on = 0, [], die_on

    def generate(self, prompts, config):
        self.calls += 1
        if self.calls == self.die_on:
            raise KeyboardInterrupt
        self.prompts.extend(prompts)
        return [Generation(i, f"answer {j}", [1] * (j + 1), [0], False)
                for i in range(len(prompts)) for j in range(config.num_generations)]


def test_roundtrip_ignores_torn_lines_stale_prompts_and_short_records(tmp_path):
    cache = GenerationCache(tmp_path, "org/model", "gsm8k", "k1")
    cache.append([CachedTask("0", "h0", ["a", "b"], [3, 4], 0.5), CachedTask("1", "h1", ["c"], [1], 0.1)])
    with open(cache.path, "a") as fh:
        fh.write('{"id": "2", "prompt_sha": "h2", "compl')  # killed mid-write
    cache.append([CachedTask("3", "h3", ["d", "e"], [1, 1], 0.2)])  # must not merge into the torn line
    found = cache.load({"0": "h0", "1": "h1", "2": "h2", "3": "h3-changed"}, samples=2)
    assert list(found) == ["0"]  # 1 has too few samples, 2 is torn, 3's prompt changed
    assert found["0"].completions == ["a", "b"] and found["0"].tokens == [3, 4]
    assert cache.load({"3": "h3"}, samples=2)["3"].completions == ["d", "e"]
    assert cache.path.parent.name == "org_model"


def test_interrupted_generation_resumes_from_the_cache(tmp_path):
    cfg = BenchConfig(suites=["procedural"], samples=2, temperature=1.0, batch_size=2,
                      output_dir=str(tmp_path), models=["m"])
    tasks = load_tasks(PROCEDURAL, limit=5)
    cache = GenerationCache(tmp_path, "m", "procedural", "k")
    first = Scripted(die_on=2)
    with pytest.raises(KeyboardInterrupt):
        generate(PROCEDURAL, tasks, lambda: first, cfg, cache)
    lines = cache.path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["completions"] == ["answer 0", "answer 1"]

    second = Scripted()
    done = generate(PROCEDURAL, tasks, lambda: second, cfg, cache)
    assert second.prompts == [chat_prompt(PROCEDURAL, t) for t in tasks[2:]]  # only the missing 3
    assert sorted(done) == sorted(t.id for t in tasks)
    assert done[tasks[0].id].tokens == [1, 2]

    third = Scripted()
    generate(PROCEDURAL, tasks, lambda: third, cfg, cache)
    assert third.calls == 0  # everything cached: the model is never even built

    generate(PROCEDURAL, tasks, lambda: third, BenchConfig(**{**cfg.__dict__, "fresh": True}), cache)
    assert len(third.prompts) == 5  # --fresh ignores the cache


def test_prompt_hash_covers_chat_messages():
    assert prompt_hash("a") != prompt_hash([{"role": "user", "content": "a"}])
