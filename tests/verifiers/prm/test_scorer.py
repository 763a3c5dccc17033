"""The three PRM conventions with tiny models built from a config (real transformers, no download)."""
from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import AutoModelForCausalLM, AutoModelForTokenClassification, AutoTokenizer  # noqa: E402

from rewardsmith.core.errors import UsageError  # noqa: E402
from rewardsmith.prm.tiny import save_tiny_prm  # noqa: E402
from rewardsmith.verifiers.prm import PRMScorer, format_input, load_scorer, verify_steps  # noqa: E402

CONVENTIONS = ["token_classifier", "step_tag", "value_head"]
PROMPTS = ["Start with 7. Add 5. Multiply by 3. What is the result?",
           "Start with 4. Subtract 1. What is the result?",
           "Start with 9. Add 1. Add 2. Add 3. Add 4. What is the result?"]
SOLUTIONS = [["7 + 5 = 12", "12 * 3 = 36", "The answer is \\boxed{36}."],
             ["4 - 1 = 3"],
             ["9 + 1 = 10", "10 + 2 = 12", "12 + 3 = 15", "15 + 4 = 20", "The answer is \\boxed{20}."]]


@pytest.fixture(scope="module")
def prms(tmp_path_factory):
    root = tmp_path_factory.mktemp("prms")
    return {c: save_tiny_prm(c, str(root / c), seed=1) for c in CONVENTIONS}


def _prefix_oracle(path: str, conv_name: str, prompt: str, steps: list[str]) -> list[float]:
    """Each step scored alone: the prefix up to it, unbatched, full logits, last marker token."""
    scorer = load_scorer(path)
    conv, tok = scorer.convention, AutoTokenizer.from_pretrained(path)
    cls = AutoModelForCausalLM if conv_name == "step_tag" else AutoModelForTokenClassification
    model = cls.from_pretrained(path).eval()
    marker_id = tok.convert_tokens_to_ids(conv.marker)
    out = []
    for i in range(1, len(steps) + 1):
        ids = tok(format_input(conv, prompt, steps[:i], tok), return_tensors="pt",
                  add_special_tokens=False).input_ids
        assert ids[0, -1].item() == marker_id
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1]
        if conv_name == "step_tag":
            plus, minus = tok.convert_tokens_to_ids("+"), tok.convert_tokens_to_ids("-")
            p = logits.softmax(-1)
            out.append(float(p[plus] / (p[plus] + p[minus])))
        elif conv_name == "token_classifier":
            out.append(float(logits.softmax(-1)[1]))
        else:
            out.append(float(logits[0].sigmoid()))
    return out


@pytest.mark.parametrize("conv", CONVENTIONS)
def test_auto_detects_the_convention(prms, conv):
    assert load_scorer(prms[conv]).convention.name == conv


@pytest.mark.parametrize("conv", CONVENTIONS)
def test_batched_scores_equal_scoring_each_prefix_alone(prms, conv):
    scorer = PRMScorer.from_pretrained(prms[conv], batch_size=2)  # 3 solutions: 2 batches, padding
    got = scorer.score(PROMPTS, SOLUTIONS)
    for prompt, steps, scores in zip(PROMPTS, SOLUTIONS, got):
        assert len(scores) == len(steps)
        assert scores == pytest.approx(_prefix_oracle(prms[conv], conv, prompt, steps), abs=1e-5)
        assert all(0.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize("conv", CONVENTIONS)
def test_markers_the_policy_wrote_are_stripped(prms, conv):
    scorer = load_scorer(prms[conv])
    marker = scorer.convention.marker
    clean = "7 + 5 = 12\n\n12 * 3 = 36"
    dirty = f"7 + 5 = 12 {marker}{marker}\n\n{marker}\n\n12 * 3 = 36{marker}"
    a, b = verify_steps(scorer, [PROMPTS[0]] * 2, [clean, dirty])
    assert a.details["steps"] == b.details["steps"] == 2
    assert b.details["step_scores"] == pytest.approx(a.details["step_scores"], abs=1e-6)


def test_marker_in_the_prompt_is_stripped(prms):
    scorer = load_scorer(prms["value_head"])
    plain = scorer.score([PROMPTS[1]], [SOLUTIONS[1]])[0]
    forged = scorer.score([PROMPTS[1] + " <|step|>"], [SOLUTIONS[1]])[0]
    assert forged == pytest.approx(plain, abs=1e-6)


def test_steps_past_max_length_are_unscored_and_others_unaffected(prms):
    full = PRMScorer.from_pretrained(prms["value_head"], max_length=4096)
    short = PRMScorer.from_pretrained(prms["value_head"], max_length=40)
    long_len = len(full.encode(PROMPTS[2], SOLUTIONS[2]).ids)
    assert long_len > 40 > len(full.encode(PROMPTS[1], SOLUTIONS[1]).ids)
    a, b = full.score(PROMPTS, SOLUTIONS), short.score(PROMPTS, SOLUTIONS)
    assert 0 < len(b[2]) < len(SOLUTIONS[2])
    assert b[2] == pytest.approx(a[2][:len(b[2])], abs=1e-5)
    assert b[1] == pytest.approx(a[1], abs=1e-6)
    tiny = PRMScorer.from_pretrained(prms["value_head"], max_length=5)
    assert tiny.score(PROMPTS[:1], SOLUTIONS[:1]) == [[]]   # not even the first step fits


def test_a_solution_without_steps_is_an_error_not_a_score(prms):
    out = load_scorer(prms["value_head"]).score(["p"], [[]])
    assert isinstance(out[0], ValueError)


def test_token_classifier_uses_the_chat_template_and_system_prompt(prms, tmp_path):
    scorer = PRMScorer.from_pretrained(prms["token_classifier"])
    scorer.tokenizer.chat_template = ("{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} . "
                                      "{% endfor %}")
    text = format_input(scorer.convention, "Start with 7.", ["7 + 1 = 8", "8"], scorer.tokenizer)
    assert text.startswith("system : Please reason step by step")
    assert text.count("<extra_0>") == 2
    scores = scorer.score(["Start with 7."], [["7 + 1 = 8", "8"]])[0]
    assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)


def test_load_errors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="needs a model"):
        PRMScorer.from_pretrained("")
    with pytest.raises(UsageError, match="no PRM directory"):
        PRMScorer.from_pretrained(str(tmp_path / "missing"))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "config.json").write_text("{not json")
    with pytest.raises(UsageError, match="cannot load PRM"):
        PRMScorer.from_pretrained(str(tmp_path / "junk"))


def test_unknown_architecture_asks_for_a_convention(prms, tmp_path):
    cfg = json.loads(open(f"{prms['step_tag']}/config.json").read())
    cfg["architectures"] = ["LlamaModel"]
    d = tmp_path / "bare"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(UsageError, match="pass convention="):
        PRMScorer.from_pretrained(str(d))
