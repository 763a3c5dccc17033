"""Held-out evaluation of a PRM: step-level AUROC and best-of-N reranking accuracy."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from rewardsmith.prm.data import StepExample
from rewardsmith.verifiers.prm.aggregation import aggregate

__all__ = ["auroc", "step_scores", "evaluate", "best_of_n", "by_error_kind", "PRMEvalConfig", "run_eval"]


def auroc(scores: Sequence[float], labels: Sequence[float]) -> float | None:
    """Area under the ROC curve: P(a random positive outscores a random negative), ties half.

    Args:
        scores: predicted scores.
        labels: 1 (>= 0.5) positive, else negative.

    Returns:
        the AUROC, or None when one class is missing.

    >>> auroc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]), auroc([0.5, 0.5], [1, 0]), auroc([1.0], [1])
    (1.0, 0.5, None)
    """
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = [r for r, y in zip(ranks, labels) if y >= 0.5]
    n_pos, n_neg = len(pos), len(labels) - len(pos)
    if not n_pos or not n_neg:
        return None
    return (sum(pos) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def step_scores(scorer: Any, examples: Sequence[StepExample]) -> list[list[float]]:
    """Per-step PRM scores of each example (raises when one cannot be scored)."""
    results = scorer.score([e.prompt for e in examples], [e.steps for e in examples])
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


def best_of_n(examples: Sequence[StepExample], scores: Sequence[Sequence[float]], how: str = "min",
              seed: int = 0) -> dict[str, Any] | None:
    """Best-of-N reranking: per group, the candidate with the highest aggregated score.

    Args:
        examples: candidates; those sharing ``group`` answer one problem; ``final_correct`` (or the
            last step's label) says whether a candidate is right.
        scores: per-step scores of each candidate.
        how: the aggregation (``min``, ``prod``, ``last``, ``mean``).
        seed: seed for breaking ties at random.

    Returns:
        ``accuracy`` of the PRM's pick, ``random`` (expected accuracy of a random pick), ``oracle``
        (a right candidate exists), ``gain`` (accuracy - random), ``groups`` and ``n`` (mean
        candidates per group), and ``noise`` (expected accuracy of a scorer that gives every
        *distinct* candidate text an independent random score: identical candidates share one
        score, so where right answers repeat one text a PRM that reads nothing lands near
        ``noise``, below ``random``); None without groups of two or more candidates.

    >>> ex = [StepExample("p", ["a"], [1], final_correct=True), StepExample("p", ["b"], [0], final_correct=False)]
    >>> best_of_n(ex, [[0.9], [0.2]])["accuracy"]
    1.0
    >>> right = [StepExample("q", ["4"], [1], final_correct=True) for _ in range(3)]  # one text, 3 times
    >>> wrong = [StepExample("q", [w], [0], final_correct=False) for w in ("5", "6")]
    >>> m = best_of_n(right + wrong, [[0.5]] * 5)
    >>> m["random"], round(m["noise"], 3)
    (0.6, 0.333)
    """
    rng = random.Random(seed)
    groups: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    texts: dict[str, dict[tuple, bool]] = defaultdict(dict)
    for ex, sc in zip(examples, scores):
        ok = ex.final_correct if ex.final_correct is not None else (ex.labels[-1] or 0.0) >= 0.5
        groups[str(ex.group)].append((aggregate(sc, how), bool(ok)))
        texts[str(ex.group)][tuple(ex.steps)] = bool(ok)
    groups = {g: c for g, c in groups.items() if len(c) > 1}
    if not groups:
        return None
    acc = rand = oracle = noise = 0.0
    for g, cands in groups.items():
        top = max(s for s, _ in cands)
        acc += rng.choice([ok for s, ok in cands if s == top])
        rand += sum(ok for _, ok in cands) / len(cands)
        oracle += any(ok for _, ok in cands)
        noise += sum(texts[g].values()) / len(texts[g])
    n = len(groups)
    return {"accuracy": acc / n, "random": rand / n, "noise": noise / n, "oracle": oracle / n,
            "gain": (acc - rand) / n, "groups": n, "n": sum(len(c) for c in groups.values()) / n,
            "aggregate": how}


def evaluate(scorer: Any, examples: Sequence[StepExample], how: str = "min") -> dict[str, Any]:
    """Step AUROC, a step-position baseline AUROC, and best-of-N on held-out examples.

    The position baseline scores step i of a solution as -i (later steps are wrong more often);
    a PRM that only learned where errors tend to be does not beat it.
    """
    scores = step_scores(scorer, examples)
    flat, labels, position = [], [], []
    for ex, sc in zip(examples, scores):
        for i, (s, y) in enumerate(zip(sc, ex.labels)):
            if y is not None:
                flat.append(s)
                labels.append(y)
                position.append(-i)
    return {"step_auroc": auroc(flat, labels), "position_auroc": auroc(position, labels),
            "steps": len(flat), "positive_steps": sum(y >= 0.5 for y in labels),
            "best_of_n": best_of_n(examples, scores, how), "by_error_kind": by_error_kind(examples, scores, how)}


def by_error_kind(examples: Sequence[StepExample], scores: Sequence[Sequence[float]], how: str = "min"
                  ) -> dict[str, Any]:
    """Best-of-N per injected error kind: each group's right candidates against its wrong ones of that kind.

    Only examples whose ``meta["error"]`` names the kind (synthetic chains do) count as its wrong
    candidates; empty when no example carries one.
    """
    kinds = sorted({str(e.meta["error"]) for e in examples if e.meta.get("error")})
    out = {}
    for kind in kinds:
        keep = [i for i, e in enumerate(examples) if e.final_correct or e.meta.get("error") == kind]
        out[kind] = best_of_n([examples[i] for i in keep], [scores[i] for i in keep], how)
    return out


@dataclass(frozen=True)
class PRMEvalConfig:
    """Everything ``rewardsmith prm eval`` reads."""

    model: str = field(default="", metadata={"help": "PRM folder or hub id (any convention)"})
    data: str = field(default="synthetic", metadata={
        "help": "'synthetic' (fresh held-out chains) or a step-labelled file (JSONL or PRM800K)"})
    problems: int = field(default=200, metadata={"help": "synthetic: problems"})
    candidates: int = field(default=8, metadata={"help": "synthetic: solutions per problem (best-of-N)"})
    error_rate: float = field(default=0.5, metadata={"help": "synthetic: share of solutions with an error"})
    max_value: int = field(default=20, metadata={"help": "synthetic: largest number in a solution"})
    error_kinds: str = field(default="arithmetic,carry,operation", metadata={
        "help": "synthetic: injected errors (arithmetic, carry, operation), comma-separated"})
    aggregate: str = field(default="min", metadata={"help": "aggregation for best-of-N: min, prod, last, mean"})
    batch_size: int = field(default=16, metadata={"help": "solutions per forward pass"})
    device: str = field(default="auto", metadata={"help": "auto, cpu, cuda"})
    seed: int = field(default=12345, metadata={"help": "seed of the synthetic held-out data"})

    def __post_init__(self) -> None:
        if self.aggregate not in ("min", "prod", "last", "mean"):
            raise ValueError(f"aggregate must be min, prod, last or mean, not {self.aggregate!r}")
        if self.problems < 1 or self.candidates < 1 or self.batch_size < 1:
            raise ValueError("problems, candidates and batch_size must be positive")


def run_eval(cfg: PRMEvalConfig) -> dict[str, Any]:
    """Load ``cfg.model`` and evaluate it on ``cfg.data`` (see :func:`evaluate`)."""
    from rewardsmith.prm.data import read_examples
    from rewardsmith.prm.synthetic import ChainConfig, synthetic_examples
    from rewardsmith.verifiers.prm.scorer import PRMScorer

    scorer = PRMScorer.from_pretrained(cfg.model, device=cfg.device, batch_size=cfg.batch_size)
    if cfg.data == "synthetic":
        chains = ChainConfig(max_value=cfg.max_value, error_rate=cfg.error_rate, error_kinds=cfg.error_kinds)
        examples = synthetic_examples(cfg.problems, cfg.candidates, chains, seed=cfg.seed)
    else:
        examples = read_examples(cfg.data)
    return evaluate(scorer, examples, cfg.aggregate)
