"""AUROC and best-of-N reranking."""
from __future__ import annotations

import random

import pytest

from rewardsmith.prm.data import StepExample
from rewardsmith.prm.evaluate import auroc, best_of_n


def _pairwise(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y >= 0.5]
    neg = [s for s, y in zip(scores, labels) if y < 0.5]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_the_pairwise_definition(seed):
    rng = random.Random(seed)
    scores = [rng.choice([0.1, 0.2, 0.5, 0.7, rng.random()]) for _ in range(60)]   # with ties
    labels = [rng.random() < 0.4 for _ in scores]
    assert auroc(scores, labels) == pytest.approx(_pairwise(scores, labels))


@pytest.mark.parametrize("scores,labels,expected", [
    ([0.9, 0.8, 0.1], [1, 1, 0], 1.0),     # perfect
    ([0.1, 0.2, 0.9], [1, 1, 0], 0.0),     # inverted
    ([0.5, 0.5, 0.5], [1, 0, 1], 0.5),     # all tied
    ([0.5, 0.6], [1, 1], None),            # one class only
])
def test_auroc_cases(scores, labels, expected):
    assert auroc(scores, labels) == expected


def _cand(group, ok):
    return StepExample("p", ["s"], [float(ok)], group=group, final_correct=ok)


def test_best_of_n_picks_the_highest_aggregate_per_group():
    ex = [_cand("a", True), _cand("a", False), _cand("b", False), _cand("b", True), _cand("c", False),
          _cand("c", False)]
    scores = [[0.7, 0.7], [0.99, 0.2, 0.95], [0.3], [0.6], [0.5], [0.4]]
    res = best_of_n(ex, scores, "min")
    assert res["accuracy"] == pytest.approx(2 / 3)      # a: 0.7 > 0.2, b: 0.6 > 0.3, c: none right
    assert res["random"] == pytest.approx(1 / 3) and res["oracle"] == pytest.approx(2 / 3)
    assert res["gain"] == pytest.approx(1 / 3) and res["groups"] == 3 and res["n"] == 2
    assert best_of_n(ex, scores, "last")["accuracy"] == pytest.approx(1 / 3)   # a: 0.95 > 0.7 picks wrong
    assert best_of_n(ex, scores, "mean")["accuracy"] == pytest.approx(1 / 3)   # a: 0.713 > 0.7 picks wrong


def test_best_of_n_without_groups_is_none():
    assert best_of_n([_cand("a", True)], [[0.5]]) is None


def test_a_scorer_that_reads_nothing_lands_at_noise_below_random_when_right_texts_repeat():
    # identical right candidates share one score, so a noise scorer picks among *distinct* texts
    right = [StepExample("q", ["4"], [1], final_correct=True) for _ in range(4)]
    wrong = [StepExample("q", [w], [0], final_correct=False) for w in ("5", "6", "7", "8")]
    m = best_of_n(right + wrong, [[0.5]] * 8)
    assert m["random"] == 0.5 and m["noise"] == pytest.approx(0.2)


def test_on_synthetic_chains_a_scorer_that_reads_nothing_is_no_worse_than_random():
    # issue 17 item 7: right candidates of a synthetic problem used to be one text, so a PRM that
    # read nothing picked right 0.24 of the time against 0.52 for a random pick; they now differ
    # in wording, and noise lands at random: a PRM must read the steps to beat it
    from rewardsmith.prm.synthetic import synthetic_examples
    examples = synthetic_examples(300, 8, seed=4)
    rng = random.Random(0)
    per_text: dict = {}
    scores = [[per_text.setdefault((e.group, tuple(e.steps), i), rng.random()) for i in range(len(e.steps))]
              for e in examples]
    m = best_of_n(examples, scores, "min")
    assert abs(m["noise"] - m["random"]) < 0.02
    assert abs(m["accuracy"] - m["random"]) < 0.06
