"""OpenRLHF's own remote-reward client against the real ``rewardsmith serve`` on loopback.

OpenRLHF (installed from the package index with ``--no-deps``) scores a rollout in
``SingleTurnAgentExecutor.execute``: it tokenizes the prompt, left-truncates it to fit
``max_length``, asks the engine for a response, decodes prompt + response into ``query`` and posts
``{query, prompts, labels}`` to ``--reward.remote_url``. We run that very function; only the vLLM
engine is a stand-in (vLLM does not run on this CPU machine), returning a fixed response's tokens.

Not run here: OpenRLHF's group normalisation (``RemoteExperienceMaker.compute_advantages_and_returns``)
cannot be imported on this machine: ``openrlhf.trainer.ppo_utils.experience_maker`` imports
``openrlhf.models.utils`` (``import deepspeed``) and, through ``trainer.ray.launcher``,
``openrlhf.models``, whose ``ring_attn_utils`` imports ``flash_attn`` (flash-attn 2.8.3 builds only
with CUDA). What reaches it is checked instead: every number the server sends is finite.
"""
from __future__ import annotations

import asyncio
import json
import math
from types import SimpleNamespace

import httpx
import pytest
from itest_peers import import_peer

agent = import_peer("openrlhf.utils.agent")

SPEC = "math:1+format:0.2"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from rewardsmith.models.tiny import build_tiny_llama

    path = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden_size=16, num_layers=1, num_heads=2,
                            intermediate_size=32)
    return AutoTokenizer.from_pretrained(path)


class FixedEngine:
    """Stands in for OpenRLHF's vLLM engine: answers every prompt with the same text."""

    def __init__(self, tokenizer, text: str) -> None:
        self.ids = tokenizer.encode(text, add_special_tokens=False) + [tokenizer.eos_token_id]
        self.prompts: list[list[int]] = []

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        self.prompts.append(list(prompt_token_ids))
        out = SimpleNamespace(token_ids=self.ids, text="", finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[out])


def _rollout(url: str, tokenizer, prompt: str, label, response: str, max_length: int = 512):
    """One rollout through OpenRLHF's executor, scored by our server; returns (output, query sent)."""
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=f"{url}/get_reward")
    engine = FixedEngine(tokenizer, response)
    params = SimpleNamespace(max_tokens=len(engine.ids), logprobs=None)
    output = asyncio.run(executor.execute(prompt, label, params, max_length, tokenizer, engine))
    query = tokenizer.decode(output["observation_tokens"], skip_special_tokens=False)
    return output, query


def test_openrlhf_client_places_a_left_truncated_prompt_and_never_pays_the_prompt(serve_command, tokenizer):
    url = serve_command("--reward", SPEC)
    # the prompt's own example shows \boxed{42}; OpenRLHF keeps only the prompt's tail (max_length)
    prompt = ("Put the final answer in a box, for example \\boxed{42}.\n" * 3
              + "Question: what is six times seven?\nAnswer:")
    max_length = 120
    good, query = _rollout(url, tokenizer, prompt, "42", " 6*7 = 42, so \\boxed{42}", max_length)
    assert prompt not in query and "\\boxed{42}." in query  # truncated: the prompt is not a substring
    assert good["reward"] == [1.2] and good["extra_logs"]["rewardsmith_error"] == [0.0]

    # the same truncated prompt with a response that answers nothing: the prompt's \boxed{42} is
    # not the response's, so it earns nothing (scoring the whole query paid 1.2 here)
    bad, query = _rollout(url, tokenizer, prompt, "42", " I do not know", max_length)
    assert "\\boxed{42}" in query
    assert bad["reward"] == [0.0] and bad["extra_logs"]["math"] == [0.0]
    assert bad["extra_logs"]["rewardsmith_error"] == [0.0]


def test_openrlhf_client_missing_label_and_unplaceable_prompt_are_flagged_failures(serve_command, tokenizer):
    url = serve_command("--reward", SPEC, "--max-error-rate", "1")
    # OpenRLHF sends "" as the label when --data.label_key is not set
    out, _ = _rollout(url, tokenizer, "Question: 6*7?\nAnswer:", "", " \\boxed{42}")
    assert out["extra_logs"]["rewardsmith_error"] == [1.0]
    assert all(math.isfinite(v) for v in out["reward"]) and out["reward"] == [0.0]  # no valid sample yet
    # a character the tokenizer cannot encode (a tab) changes the decoded prompt: it is no longer in
    # the query, and no chat template marks the assistant's turn, so the sample is not scored
    out, query = _rollout(url, tokenizer, "Put it in \\boxed{42}\tQuestion: 6*7?\nAnswer:", "42", " no idea")
    assert "<unk>" in query and "\\boxed{42}" in query
    assert out["extra_logs"]["rewardsmith_error"] == [1.0] and out["reward"] == [0.0]
    health = httpx.get(f"{url}/health", timeout=10).json()
    assert health["unscorable"] == {"missing_label": 1, "unplaced": 1}


def test_the_server_stops_scoring_past_max_error_rate_and_answers_strict_json(serve_command):
    url = serve_command("--reward", SPEC, "--max-error-rate", "0.01", "--error-window", "100")
    payload = {"query": ["Q: 6*7? A: \\boxed{42}"] * 2, "prompts": ["Q: 6*7? A:"] * 2, "labels": ["42", None]}
    with httpx.Client(base_url=url, timeout=30) as client:
        first = client.post("/get_reward", json=payload)  # 1 failure of 100 allowed
        # strict JSON: Python's parser refuses the NaN/Infinity tokens a lax encoder writes
        body = json.loads(first.text, parse_constant=lambda token: pytest.fail(f"non-standard {token}"))
        assert first.status_code == 200 and body["rewards"] == [1.2, 1.2]  # the group mean of the valid one
        assert body["extra_logs"]["rewardsmith_error"] == [0.0, 1.0]
        second = client.post("/get_reward", json=payload)
        assert second.status_code == 500 and "max_error_rate=0.01" in second.json()["error"]
        third = client.post("/get_reward", json={**payload, "labels": ["42", "42"]})
        assert third.status_code == 500  # stopped: a broken reward does not quietly resume
        assert client.get("/health").json()["status"] == "stopped"
