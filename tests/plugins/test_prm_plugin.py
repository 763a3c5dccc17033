"""The ``prm`` reward through the plugin host: specs, aggregation, shaping, errors, the CLI."""
from __future__ import annotations

import json
import math
import pickle

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardsmith import load_reward  # noqa: E402
from rewardsmith.cli import main  # noqa: E402
from rewardsmith.core.errors import RewardError, UsageError  # noqa: E402
from rewardsmith.core.plugin_manager import get_plugin_manager  # noqa: E402
from rewardsmith.prm.tiny import save_tiny_prm  # noqa: E402
from rewardsmith.verifiers.prm import load_scorer  # noqa: E402

PROMPT = "Start with 7. Add 5. Multiply by 3. What is the result?"
GOOD = "7 + 5 = 12\n\n12 * 3 = 36\n\nThe answer is \\boxed{36}."
BAD = "7 + 5 = 13\n\n13 * 3 = 39\n\nThe answer is \\boxed{39}."


@pytest.fixture(scope="module")
def prm_path(tmp_path_factory):
    return save_tiny_prm("value_head", str(tmp_path_factory.mktemp("prm") / "vh"), seed=3)


def _steps(path, completion):
    return load_scorer(path).score([PROMPT], [completion.split("\n\n")])[0]


def test_prm_is_registered_through_its_entry_point():
    entry = get_plugin_manager().registry.entries["prm"]
    assert entry.plugin == "prm" and entry.unavailable is None
    assert entry.cls.requires == ("torch", "transformers") and entry.cls.extra == "train"


@pytest.mark.parametrize("how", ["min", "prod", "last", "mean"])
def test_aggregations(prm_path, how):
    steps = _steps(prm_path, GOOD)
    expected = {"min": min(steps), "prod": math.prod(steps), "last": steps[-1],
                "mean": sum(steps) / len(steps)}[how]
    result = load_reward(f"prm(model={prm_path},aggregate={how})").score([PROMPT], [GOOD])
    assert result.rewards[0] == pytest.approx(expected, abs=1e-5)
    details = result.details["prm"][0]
    assert details["steps"] == 3 and details["step_scores"] == pytest.approx(steps, abs=1e-5)
    assert 0.0 <= result.rewards[0] <= 1.0


def test_default_aggregation_is_min(prm_path):
    a = load_reward(f"prm(model={prm_path})").score([PROMPT], [BAD]).rewards[0]
    assert a == pytest.approx(min(_steps(prm_path, BAD)), abs=1e-5)


@pytest.mark.parametrize("spec,expected", [
    ("shaping=clip,eta=0.6", lambda s: min(min(x - 0.6, 0.0) for x in s)),
    ("shaping=clip,eta=0.6,aggregate=last", lambda s: min(s[-1] - 0.6, 0.0)),
    ("shaping=delta", lambda s: min([s[0]] + [b - a for a, b in zip(s, s[1:])])),
    ("shaping=delta,aggregate=mean", lambda s: s[-1] / len(s)),   # deltas telescope
])
def test_shaping(prm_path, spec, expected):
    reward = load_reward(f"prm(model={prm_path},{spec})")
    result = reward.score([PROMPT], [GOOD])
    assert result.rewards[0] == pytest.approx(expected(_steps(prm_path, GOOD)), abs=1e-5)
    low, high = reward.rewards[0].value_range
    assert low <= result.rewards[0] <= high
    assert len(result.details["prm"][0]["shaped"]) == 3


def test_composed_with_math_as_a_bounded_shaping_term(prm_path):
    reward = load_reward(f"math+prm(model={prm_path},aggregate=min):0.2")
    result = reward.score([PROMPT, PROMPT], [GOOD, BAD], {"answer": ["36", "36"]})
    prm_values = result.components["prm"]
    assert result.components["math"] == [1.0, 0.0]
    assert result.rewards == pytest.approx([1.0 + 0.2 * prm_values[0], 0.2 * prm_values[1]])


def test_empty_completion_is_not_applicable_and_chat_messages_work(prm_path):
    reward = load_reward(f"prm(model={prm_path})")
    chat = [{"role": "assistant", "content": GOOD}]
    values = reward.score([PROMPT] * 3, ["", " \n\n ", chat]).rewards
    assert values[:2] == [None, None]
    assert values[2] == pytest.approx(min(_steps(prm_path, GOOD)), abs=1e-5)


def test_steps_past_max_length_score_zero(prm_path):
    result = load_reward(f"prm(model={prm_path},max_length=30)").score([PROMPT], [GOOD])
    details = result.details["prm"][0]
    assert details["unscored_steps"] >= 1 and result.rewards[0] == 0.0


def test_spec_separator_escapes(prm_path):
    one_line = GOOD.replace("\n\n", "\n")
    result = load_reward(f"prm(model={prm_path},step_separator=\\n)").score([PROMPT], [one_line])
    assert result.details["prm"][0]["steps"] == 3


def test_batch_equals_per_sample(prm_path):
    reward = load_reward(f"prm(model={prm_path},batch_size=2)")
    texts = [GOOD, BAD, GOOD.split("\n\n")[0], BAD + "\n\nSo it is 39."]
    batch = reward.score([PROMPT] * 4, texts).rewards
    single = [reward.score([PROMPT], [t]).rewards[0] for t in texts]
    assert batch == pytest.approx(single, abs=1e-5)


def test_a_failed_forward_pass_is_nan_counted_or_raises_when_strict(prm_path, monkeypatch):
    scorer = load_scorer(prm_path, "auto", None, "auto", "auto", False, 8, 4096)

    def broken(batch):
        raise RuntimeError("out of memory")
    monkeypatch.setattr(scorer, "score_encoded", broken)
    reward = load_reward(f"prm(model={prm_path})")
    result = reward.score([PROMPT, PROMPT], [GOOD, ""])
    assert math.isnan(result.rewards[0]) and result.components["prm"][1] is None
    assert "out of memory" in result.errors["prm"][0] and reward.error_counts["prm"] == 1
    with pytest.raises(RewardError, match="out of memory"):
        load_reward(f"prm(model={prm_path})", strict=True).score([PROMPT], [GOOD])


@pytest.mark.parametrize("spec,match", [
    ("prm", "needs a model"),
    ("prm(model=/nonexistent/prm)", "no PRM directory"),
    ("prm(aggregate=prod,shaping=clip)", "prod"),
    ("prm(eta=2)", "eta"),
    ("prm(aggregate=max)", "aggregate"),
])
def test_configuration_mistakes_are_usage_errors(spec, match):
    with pytest.raises(UsageError, match=match):
        load_reward(spec).score([PROMPT], [GOOD])


def test_reward_pickles_without_the_model(prm_path):
    reward = load_reward(f"prm(model={prm_path})")
    before = reward.score([PROMPT], [GOOD]).rewards
    blob = pickle.dumps(reward)
    assert len(blob) < 10_000
    assert pickle.loads(blob).score([PROMPT], [GOOD]).rewards == pytest.approx(before)


def test_conformance_kit(prm_path):
    """Every check of the kit (batch == per-sample within the kit's padding tolerance)."""
    from rewardsmith.testing.conformance import CHECKS, KitConfig, check_reward
    checks = list(CHECKS)
    notes = check_reward(f"prm(model={prm_path})", checks, KitConfig(huge_chars=200_000))
    assert set(notes) == set(checks)


@pytest.mark.parametrize("spec", ["shaping=clip,eta=0.6", "shaping=delta", "aggregate=prod"])
def test_farming_probes_hold_for_min_based_settings(farmable_prm, spec):
    from rewardsmith.testing.conformance import check_reward
    assert check_reward(f"prm(model={farmable_prm},{spec})", ["probes"]) == {"probes": None}


def test_farming_probes_catch_mean_on_a_model_that_likes_trivial_steps(farmable_prm):
    from rewardsmith.testing.conformance import ConformanceError, check_reward
    with pytest.raises(ConformanceError, match="VULNERABLE"):
        check_reward(f"prm(model={farmable_prm},aggregate=mean)", ["probes"])


def test_cli_score_math_plus_prm(prm_path, tmp_path, capsys):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({"prompt": PROMPT, "completion": c, "answer": "36"}) + "\n"
                            for c in (GOOD, BAD)))
    out = tmp_path / "scored.jsonl"
    code = main(["score", "--reward", f"math+prm(model={prm_path},aggregate=min):0.2", "--input", str(rows),
                 "--output", str(out), "--quiet"])
    assert code == 0
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["rewards"]["math"] for r in scored] == [1.0, 0.0]
    assert all(0.0 <= r["rewards"]["prm"] <= 1.0 for r in scored)
    assert scored[0]["reward"] == pytest.approx(1.0 + 0.2 * scored[0]["rewards"]["prm"])


def test_cli_score_missing_model_exits_2(tmp_path, capsys):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": PROMPT, "completion": GOOD}) + "\n")
    assert main(["score", "--reward", "prm(model=/no/such/prm)", "--input", str(rows), "--quiet"]) == 2
    assert "no PRM directory" in capsys.readouterr().err
