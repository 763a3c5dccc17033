"""The judge reward with a local transformers model (no server): the packaged SmolLM2-135M, whose
verdict is read from the verdict-token probabilities (P(yes))."""
from __future__ import annotations

import math

import pytest

from rewardsmith import load_reward
from rewardsmith.core.errors import UsageError

pytest.importorskip("torch")


def test_local_model_gives_logprob_verdicts_and_caches_them(tmp_path):
    reward = load_reward(f"judge(model=default,rubric=equivalence,cache={tmp_path / 'c.sqlite'},batch_size=4,max_tokens=2)")
    args = (["What is 6*7?", "Capital of France?", "What is 6*7?"], ["42", "Paris", "41"],
            {"answer": ["42", "Paris", "42"]})
    first = reward.score(*args)
    details = first.details["judge"]
    assert {d["read"] for d in details} == {"logprobs"}
    assert all(0.0 < v < 1.0 for v in first.components["judge"])  # a probability, not a parse
    usage = reward.rewards[0].usage()
    assert usage["requests"] == 3 and usage["prompt_tokens"] > 100 and usage["failures"] == 0
    second = reward.score(*args)
    assert second.components["judge"] == first.components["judge"]
    assert reward.rewards[0].usage()["requests"] == 3 and all(d["cached"] for d in second.details["judge"])


def test_parsed_verdicts_when_logprobs_are_off(tmp_path):
    reward = load_reward("judge(model=default,logprobs=false,cache=off,max_tokens=3)")
    result = reward.score(["What is 6*7?"], ["42"], {"answer": ["42"]})
    [value], [err], [details] = result.components["judge"], result.errors["judge"], result.details["judge"]
    if err is None:  # the small model replied with a clean verdict line
        assert value in (0.0, 1.0) and details["read"] == "parsed"
    else:  # or it did not: then no score, never 0 or 1
        assert math.isnan(value) and ("unparseable" in err or "ambiguous" in err or "empty" in err)
    assert reward.rewards[0].usage()["failures"] == (err is not None)


@pytest.mark.parametrize("spec, message", [
    ("judge(base_url=http://127.0.0.1:1/v1)", "needs model="),
    ("judge(model=m,api_key=sk-123)", "no option 'api_key'"),                 # keys never in a spec
    ("judge(model=m,base_url=http://127.0.0.1:1/v1,api_key_env=RK_NO_SUCH_VAR)", "is not set"),
    ("judge(model=m,rubric=nonsense)", "unknown rubric"),
    ("judge(model=m,base_url=ftp://x)", "http://"),
    ("math(fallback=judge(model=m,base_url=http://127.0.0.1:1/v1,rubric=pairwise))", "equivalence"),
    ("math(fallback=judge(model=m):2)", "one reward without a weight"),
])
def test_bad_judge_specs_are_usage_errors(spec, message):
    with pytest.raises(UsageError, match=message):
        reward = load_reward(spec)
        reward.score(["q"], ["a"], {"answer": ["a"]})  # the API key is read when the judge starts


@pytest.fixture(scope="module")
def word_judges(tmp_path_factory):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from judge_support import build_word_judge
    folder = tmp_path_factory.mktemp("word-judges")
    return {w: build_word_judge(folder / w, w) for w in ("A", "yes")}


def test_pairwise_scores_the_response_by_its_position(word_judges):
    """A local judge that always prefers position A: the response wins exactly where the
    per-sample hash put it in A; the verdict is read from the A/B token probabilities."""
    reward = load_reward(f"judge(model={word_judges['A']},rubric=pairwise,cache=off,max_chars=100)")
    n = 8
    result = reward.score([f"Question {i}?" for i in range(n)], [f"response {i}" for i in range(n)],
                          {"answer": ["baseline"] * n})
    values, details = result.components["judge"], result.details["judge"]
    in_b = [d.get("position") == "B" for d in details]
    assert any(in_b) and not all(in_b)
    assert all(d["read"] == "logprobs" for d in details)
    for v, b in zip(values, in_b):
        assert v == pytest.approx(0.0 if b else 1.0, abs=1e-3)


def test_user_rubric_file_through_the_plugin(word_judges, tmp_path):
    rubric = tmp_path / "terse.yaml"
    rubric.write_text("name: terse\nversion: '1'\ntemplate: 'Q {{ question }} R {{ response }} ok?'\n"
                      "labels: {'yes': 1.0, 'no': 0.0}\n")
    reward = load_reward(f"judge(model={word_judges['yes']},rubric={rubric},cache=off)")
    result = reward.score(["q"], ["r"], {"answer": ["a"]})
    assert result.components["judge"] == [1.0]
    assert result.details["judge"][0]["rubric"] == "terse" and result.details["judge"][0]["read"] == "parsed"


def test_conformance_kit_on_the_judge(word_judges, tmp_path):
    """The plugin kit's checks (edge cases: empty, huge, unicode, lone surrogates; determinism;
    batch == per-sample; pickling) on a local tiny judge; max_chars keeps the char-level model
    inside its context."""
    from rewardsmith.testing.conformance import check_reward
    checks = ["declaration", "edge_cases", "determinism", "batch_equals_samples", "pickle"]
    notes = check_reward(f"judge(model={word_judges['yes']},max_chars=150,cache={tmp_path / 'c.sqlite'})", checks)
    assert set(notes) == set(checks)
