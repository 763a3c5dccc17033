"""The CI-sized run is the CLI's default run: ``rewardsmith prm train --backbone tiny`` beats chance.

Every setting is ``PRMTrainConfig``'s default (300 steps, all three error kinds, numbers up to 20,
200 held-out problems with 8 candidates each), on one CPU thread: a change that makes the default
PRM rerank no better than a random pick fails here (issue 17, item 7). Beating the step-position
baseline shows the model reads the steps, not only where errors tend to sit.
"""
from __future__ import annotations

import statistics

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardsmith import load_reward  # noqa: E402
from rewardsmith.prm.synthetic import synthetic_examples  # noqa: E402
from rewardsmith.prm.train import PRMTrainConfig, train_prm  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("prm") / "prm"
    return train_prm(PRMTrainConfig(out=str(out), backbone="tiny", threads=1))   # the CLI's defaults


def test_the_default_prm_beats_a_random_pick_and_the_position_baseline(trained):
    m, bon = trained.metrics, trained.metrics["best_of_n"]
    assert m["optimizer_steps"] == PRMTrainConfig.steps and m["held_out_examples"] == 200 * 8
    assert m["final_loss"] < m["first_loss"] - 0.1
    assert m["step_auroc"] >= m["position_auroc"] + 0.04, m
    assert abs(bon["noise"] - bon["random"]) < 0.03, bon   # right candidates are distinct texts
    assert bon["accuracy"] >= bon["random"] + 0.02, bon


def test_the_prm_reward_loads_the_trained_model(trained):
    held = synthetic_examples(40, 2, seed=999)
    reward = load_reward(f"prm(model={trained.out},aggregate=min)")
    result = reward.score([e.prompt for e in held], ["\n\n".join(e.steps) for e in held])
    assert reward.rewards[0].scorer().convention.name == "value_head"
    right = [v for v, e in zip(result.rewards, held) if e.final_correct]
    wrong = [v for v, e in zip(result.rewards, held) if not e.final_correct]
    assert statistics.mean(right) > statistics.mean(wrong)
    # the saved model scores exactly as the trained one in memory did
    from rewardsmith.verifiers.prm import PRMScorer, detect_convention
    live = PRMScorer(trained.model, trained.tokenizer, detect_convention(trained.model.config))
    steps = live.score([held[0].prompt], [held[0].steps])[0]
    assert result.details["prm"][0]["step_scores"] == pytest.approx(steps, abs=1e-5)
