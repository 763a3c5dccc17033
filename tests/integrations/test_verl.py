"""verl: ``compute_score`` against verl's custom-reward-function signature and loading path."""
from __future__ import annotations

import importlib.util
import inspect
import math

import pytest

import rewardsmith.integrations.verl as verl
from rewardsmith.core.errors import RewardError, UsageError


def _load_like_verl(reward_kwargs: dict):
    """What verl does with custom_reward_function.{path,name,reward_kwargs}: import the file by path,
    take the function by name, and call it with the reward kwargs merged in."""
    spec = importlib.util.spec_from_file_location("custom_module", verl.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, "compute_score")

    def wrapped(*args, **kwargs):
        return fn(*args, **kwargs, **reward_kwargs)

    return wrapped


def test_signature_is_verls():
    params = inspect.signature(verl.compute_score).parameters
    assert list(params)[:4] == ["data_source", "solution_str", "ground_truth", "extra_info"]
    assert params["extra_info"].default is None
    assert params["kwargs"].kind is inspect.Parameter.VAR_KEYWORD  # reward_kwargs and future arguments


def test_compute_score_loaded_by_path_with_reward_kwargs():
    compute_score = _load_like_verl({"reward_spec": "math:1+format:0.2"})
    # verl's naive reward manager calls with these keywords, one response at a time. verl's GSM8K
    # preprocessing also keeps a raw solution in extra_info["answer"]: it never overrides ground_truth.
    got = compute_score(data_source="openai/gsm8k", solution_str="48 + 24 = 72, so \\boxed{72}",
                        ground_truth="72", extra_info={"split": "train", "index": 3, "answer": "#### 99"})
    # acc: the component checked against the ground truth (math), which verl's validation reports
    assert got == {"score": 1.2, "math": 1.0, "format": 1.0, "acc": 1.0, "rewardsmith_error": 0.0}
    wrong = compute_score("openai/gsm8k", "\\boxed{71}", "72")  # positional, no extra_info
    assert wrong == {"score": 0.2, "math": 0.0, "format": 1.0, "acc": 0.0, "rewardsmith_error": 0.0}


def test_ground_truth_column_and_extra_info_columns(toy_plugin):
    # a reward reading 'answer' from extra_info while the ground truth goes to another column
    got = verl.compute_score("src", "7", ground_truth="unused", extra_info={"answer": "7"},
                             reward_spec="toy_number", ground_truth_column="reference")
    assert got["score"] == 1.0


def test_spec_from_the_environment_and_a_clear_error_without_one(toy_plugin, monkeypatch):
    monkeypatch.setenv(verl.SPEC_ENV, "toy_number:2")
    assert verl.compute_score("src", "4", "4")["score"] == 2.0
    # reward_kwargs win over the environment
    assert verl.compute_score("src", "4", "4", reward_spec="toy_number:3")["score"] == 3.0
    monkeypatch.delenv(verl.SPEC_ENV)
    with pytest.raises(UsageError, match="REWARDSMITH_REWARD_SPEC"):
        verl.compute_score("src", "4", "4")


@pytest.fixture
def fresh_trackers():
    verl._trackers.clear()
    yield
    verl._trackers.clear()


def test_not_applicable_is_none_value_and_a_missing_ground_truth_is_a_failure(toy_plugin, fresh_trackers,
                                                                              caplog):
    # None from a reward that does not apply becomes none_value (here its 'answer' comes from
    # extra_info, so the ground truth is not what it needs)
    none = verl.compute_score("src", "4", "unused", {"answer": None}, reward_spec="toy_number",
                              ground_truth_column="other", none_value=-1)
    assert none == {"score": -1.0, "toy_number": -1.0, "rewardsmith_error": 0.0}
    # a missing ground truth for a reward that needs one is a counted failure, not a wrong answer
    missing = verl.compute_score("src", "4", None, reward_spec="toy_number", max_error_rate=1)
    assert missing["rewardsmith_error"] == 1.0 and "missing label" in caplog.text


def test_failures_get_a_finite_stand_in_flagged_and_logged(toy_plugin, fresh_trackers, caplog):
    spec = "toy_crash+toy_number"
    kw = {"reward_spec": spec, "max_error_rate": 1, "extra_info": {"index": 7}}
    ok = verl.compute_score("src", "4", "4", **kw)  # 0.5 + 1.0
    failed = verl.compute_score("src", "boom", "4", **kw)
    # default stand-in: the mean of the valid samples of its group (same data_source, truth, index)
    assert failed["score"] == ok["score"] == 1.5 and failed["toy_crash"] == 0.5
    assert failed["toy_number"] == 0.0 and failed["rewardsmith_error"] == 1.0  # scored component kept
    assert "toy_crash (plugin 'toy')" in caplog.text and "exploded" in caplog.text
    zero = verl.compute_score("src", "boom", "4", reward_spec="toy_crash", error_value="0")
    assert zero == {"score": 0.0, "toy_crash": 0.0, "rewardsmith_error": 1.0}
    with pytest.raises(RewardError, match="toy_crash"):
        verl.compute_score("src", "boom", "4", reward_spec="toy_crash", strict=True)
    with pytest.raises(UsageError, match="error_value"):
        verl.compute_score("src", "4", "4", reward_spec="toy_crash", error_value="mean")


def test_batch_function_for_verls_batch_reward_manager(toy_plugin):
    got = verl.compute_score_batch(data_sources=["a", "b"], solution_strs=["\\boxed{1}", "2"],
                                   ground_truths=["1", "3"], extra_infos=[None, {"x": 1}],
                                   reward_spec="toy_number+format")
    assert [g["score"] for g in got] == [2.0, 0.0]
    with pytest.raises(UsageError, match="same length"):
        verl.compute_score_batch(["a"], ["1", "2"], ["1"], reward_spec="toy_number")
