"""The CI-sized run: a PRM trained on synthetic chains clearly beats chance on held-out chains.

Tiny backbone (2 layers, 64 wide, word tokenizer), 500 optimizer steps on "operation" errors
(``12 + 3 = 9``), about 20 s on one CPU thread. Beating a step-position baseline shows the model
reads the steps, not only where errors tend to sit.
"""
from __future__ import annotations

import statistics

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit import load_reward  # noqa: E402
from rewardkit.prm.synthetic import ChainConfig, synthetic_examples  # noqa: E402
from rewardkit.prm.train import PRMTrainConfig, train_prm  # noqa: E402

CHAINS = dict(max_value=20, error_kinds="operation")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("prm") / "prm"
    cfg = PRMTrainConfig(out=str(out), backbone="tiny", steps=500, batch_size=32, train_problems=3000,
                         eval_problems=60, candidates=8, threads=1, seed=0, **CHAINS)
    return train_prm(cfg)


def test_trained_prm_beats_chance_and_the_position_baseline(trained):
    m = trained.metrics
    assert m["final_loss"] < m["first_loss"] - 0.1
    assert m["step_auroc"] >= 0.70, m
    assert m["step_auroc"] >= m["position_auroc"] + 0.05, m
    assert m["best_of_n"]["accuracy"] > m["best_of_n"]["random"], m
    assert m["held_out_examples"] == 60 * 8 and m["optimizer_steps"] == 500


def test_the_prm_reward_loads_the_trained_model(trained):
    held = synthetic_examples(40, 2, ChainConfig(**{**CHAINS, "error_kinds": ("operation",)}), seed=999)
    reward = load_reward(f"prm(model={trained.out},aggregate=min)")
    result = reward.score([e.prompt for e in held], ["\n\n".join(e.steps) for e in held])
    assert reward.rewards[0].scorer().convention.name == "value_head"
    right = [v for v, e in zip(result.rewards, held) if e.final_correct]
    wrong = [v for v, e in zip(result.rewards, held) if not e.final_correct]
    assert statistics.mean(right) > statistics.mean(wrong) + 0.1
    # the saved model scores exactly as the trained one in memory did
    from rewardkit.verifiers.prm import PRMScorer, detect_convention
    live = PRMScorer(trained.model, trained.tokenizer, detect_convention(trained.model.config))
    steps = live.score([held[0].prompt], [held[0].steps])[0]
    assert result.details["prm"][0]["step_scores"] == pytest.approx(steps, abs=1e-5)
