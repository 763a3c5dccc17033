"""The labelled regression corpora (tests/verifiers/data/math_corpus.yaml and the structured-answer
corpus math_corpus_structured.yaml), one test per case.

Each case says its category and why it gets (or does not get) credit. Cases marked ``known`` are
documented limitations: the verifier is expected to get them wrong (strict xfail), so fixing one
turns the test red until the mark is removed.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from rewardsmith.verifiers.math import MathConfig, verify_math, verify_math_batch

CORPUS_PATH = Path(__file__).parent / "data" / "math_corpus.yaml"
STRUCTURED_PATH = Path(__file__).parent / "data" / "math_corpus_structured.yaml"
STRUCTURED = yaml.safe_load(STRUCTURED_PATH.read_text(encoding="utf-8"))
CORPUS = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8")) + STRUCTURED


def _param(i: int, case: dict) -> pytest.param:
    marks = [pytest.mark.xfail(strict=True, reason=case["known"])] if case.get("known") else []
    return pytest.param(i, id=f"{i:03d}-{case['cat']}", marks=marks)


@pytest.fixture(scope="module")
def verdicts():
    """Verify the whole corpus in one batch per option set (as the reward plugin does)."""
    groups: dict[tuple, list[int]] = {}
    for i, case in enumerate(CORPUS):
        groups.setdefault(tuple(sorted((case.get("options") or {}).items())), []).append(i)
    out = {}
    for options, idx in groups.items():
        got = verify_math_batch([CORPUS[i]["gold"] for i in idx], [CORPUS[i]["pred"] for i in idx],
                                MathConfig(**dict(options)),
                                prompts=[CORPUS[i].get("prompt") for i in idx])
        out.update(zip(idx, got))
    return out


def test_corpus_is_big_and_balanced():
    assert len(CORPUS) >= 300
    credited = sum(c["credit"] for c in CORPUS)
    assert 0.35 < credited / len(CORPUS) < 0.65
    for case in CORPUS:
        assert set(case) <= {"cat", "gold", "pred", "credit", "why", "options", "known",
                             "prompt"}, case
        assert isinstance(case["credit"], bool) and case["why"], case


def test_structured_corpus_covers_every_class():
    """At least 15 cases per class, and near misses (no credit) in every class."""
    by_class: dict[str, list[bool]] = {}
    for case in STRUCTURED:
        by_class.setdefault(case["cat"], []).append(case["credit"])
    assert len(STRUCTURED) >= 250 and len(by_class) >= 14
    for cat, credits in by_class.items():
        assert len(credits) >= 15, cat
        assert 0.25 <= credits.count(False) / len(credits) <= 0.75, cat


@pytest.mark.parametrize("i", [_param(i, c) for i, c in enumerate(CORPUS)])
def test_case(i, verdicts):
    case, verdict = CORPUS[i], verdicts[i]
    assert verdict.error is None, verdict
    assert verdict.ok is case["credit"], (
        f"{case['cat']}: {case['why']}\n gold={case['gold']!r}\n pred={case['pred'][:300]!r}\n"
        f" verdict={verdict}")


def test_single_calls_agree_with_the_batch(verdicts):
    for i in range(0, len(CORPUS), 7):  # a spread sample: every category
        case = CORPUS[i]
        single = verify_math(case["gold"], case["pred"], prompt=case.get("prompt"),
                             **(case.get("options") or {}))
        assert single.correct == verdicts[i].correct, case


def test_attacks_are_refused_before_sympy(verdicts):
    for i, case in enumerate(CORPUS):
        if case["cat"] == "attack" and not case["credit"]:
            assert verdicts[i].elapsed < 2.0, (case, verdicts[i])


def test_details_say_what_happened(verdicts):
    reasons = {verdicts[i].details["reason"] for i in verdicts}
    assert {"correct", "wrong answer", "no final answer found", "refused: exponent tower",
            "hedged: several different final answers"} <= reasons
    t0 = time.perf_counter()
    v = verify_math("18", "The answer is 18 or 19.")
    assert time.perf_counter() - t0 < 0.5 and v.details["path"] == "guard"
