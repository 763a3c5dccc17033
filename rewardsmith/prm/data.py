"""Step-labelled data: the :class:`StepExample` record and readers for PRM800K and simple JSONL.

Two input formats are read:

* rewardsmith's JSONL: one object a line, ``{"prompt": str, "steps": [str, ...], "labels": [...]}``
  with a label per step: 1/true (right), 0/false (wrong), a float in [0, 1] (a soft Monte-Carlo
  label), or null (unlabelled, ignored by the loss). Optional: ``answer`` (the gold final answer),
  ``group`` (candidates of one problem share a group, for best-of-N).
* PRM800K (``.json`` with one record or an array of records, or ``.jsonl``): each record's rated
  path becomes one example; rated alternative steps become extra branch examples.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from rewardsmith.core.atomic import atomic_write
from rewardsmith.core.errors import UsageError

__all__ = ["StepExample", "read_examples", "write_examples", "prm800k_examples", "split_by_group"]


@dataclass
class StepExample:
    """One solution with a label per step.

    Attributes:
        prompt: the problem text.
        steps: the solution's steps, in order.
        labels: per step, a float in [0, 1] (1 right, 0 wrong) or None (unlabelled).
        answer: the gold final answer, when known.
        group: candidates of one problem share a group (best-of-N); defaults to the prompt.
        final_correct: whether the solution's final answer is right, when known.
    """

    prompt: str
    steps: list[str]
    labels: list[float | None]
    answer: str | None = None
    group: str | None = None
    final_correct: bool | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.labels):
            raise ValueError(f"{len(self.steps)} steps but {len(self.labels)} labels")
        self.labels = [None if v is None else float(v) for v in self.labels]
        if any(v is not None and not 0.0 <= v <= 1.0 for v in self.labels):
            raise ValueError("labels must be in [0, 1] (or null)")
        if self.group is None:
            self.group = self.prompt


def _label(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        if value == -1:  # PRM800K-style negative rating
            return 0.0
        return float(value)
    if isinstance(value, str) and value.strip() in ("+", "-"):
        return 1.0 if value.strip() == "+" else 0.0
    raise ValueError(f"bad step label {value!r}")


def _from_row(row: dict[str, Any], where: str) -> StepExample:
    try:
        return StepExample(str(row["prompt"]), [str(s) for s in row["steps"]],
                           [_label(v) for v in row["labels"]], row.get("answer"), row.get("group"),
                           row.get("final_correct"), dict(row.get("meta") or {}))
    except KeyError as exc:
        raise UsageError(f"{where}: missing key {exc.args[0]!r} (need prompt, steps, labels)") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{where}: {exc}") from None


def read_examples(path: str, neutral: float = 1.0) -> list[StepExample]:
    """Read a rewardsmith JSONL file or PRM800K data (detected from the records).

    Args:
        path: a ``.jsonl`` file, or a ``.json`` file with one record or an array.
        neutral: the label PRM800K's neutral rating (0) becomes.

    Returns:
        the examples.

    Raises:
        UsageError: the file is missing or malformed (the message names the line).
    """
    if not os.path.isfile(path):
        raise UsageError(f"no such data file: {path}")
    rows = list(_json_rows(path))
    out: list[StepExample] = []
    for where, row in rows:
        if isinstance(row, dict) and "label" in row and "question" in row:
            out.extend(prm800k_examples(row, neutral))
        elif isinstance(row, dict):
            out.append(_from_row(row, where))
        else:
            raise UsageError(f"{where}: expected a JSON object")
    if not out:
        raise UsageError(f"{path}: no examples")
    return out


def _json_rows(path: str) -> Iterator[tuple[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if path.endswith(".json") or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: not valid JSON: {exc}") from None
        for i, row in enumerate(data if isinstance(data, list) else [data]):
            yield f"{path}[{i}]", row
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield f"{path}:{n}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{n}: not valid JSON: {exc}") from None


def prm800k_examples(record: dict[str, Any], neutral: float = 1.0) -> list[StepExample]:
    """Examples from one PRM800K record: the labelled path, plus one branch per rated alternative.

    At each step the path follows the chosen completion, else the human-written one (taken as
    right), else the first completion rated -1 (where the labeler stopped at an error).

    Args:
        record: a PRM800K record (``question``, ``label.steps[*].completions``, ...).
        neutral: the label of a neutral (0) rating.

    Returns:
        the path example first, then branch examples.
    """
    question = record["question"]
    prompt, answer = question["problem"], question.get("ground_truth_answer")
    rating = {1: 1.0, 0: neutral, -1: 0.0, None: None}
    steps: list[str] = []
    labels: list[float | None] = []
    branches: list[StepExample] = []
    for step in record["label"]["steps"]:
        comps = step.get("completions") or []
        chosen = step.get("chosen_completion")
        for j, c in enumerate(comps):
            if j != chosen and c.get("rating") is not None:
                branches.append(StepExample(prompt, steps + [c["text"]], labels + [rating[c["rating"]]],
                                            answer, prompt))
        if chosen is not None:
            pick = comps[chosen]
        elif step.get("human_completion"):
            pick = {"text": step["human_completion"]["text"], "rating": 1}
        else:
            bad = [c for c in comps if c.get("rating") == -1]
            if not bad:
                break
            pick = bad[0]
        steps.append(pick["text"])
        labels.append(rating[pick.get("rating")])
        if pick.get("rating") == -1:
            break
    path = StepExample(prompt, steps, labels, answer, prompt,
                       meta={"finish_reason": record["label"].get("finish_reason")})
    seen = {tuple(path.steps)}
    out = [path] if steps else []
    for b in branches:  # a branch equal to (a prefix of) the path adds nothing
        if tuple(b.steps) not in seen:
            seen.add(tuple(b.steps))
            out.append(b)
    return out


def write_examples(examples: Iterable[StepExample], path: str) -> int:
    """Write examples as rewardsmith JSONL atomically (:func:`rewardsmith.core.atomic.atomic_write`).
    Returns the count."""
    rows = [{k: v for k, v in asdict(ex).items() if v not in (None, {}) or k == "labels"}
            for ex in examples]
    atomic_write(path, lambda fh: fh.writelines(json.dumps(r, ensure_ascii=False) + "\n"
                                                for r in rows))
    return len(rows)


def split_by_group(examples: Sequence[StepExample], holdout: float, seed: int = 0
                   ) -> tuple[list[StepExample], list[StepExample]]:
    """Split into (train, held-out) so that no problem (group) lands on both sides.

    >>> ex = [StepExample(f"p{i}", ["s"], [1]) for i in range(10)]
    >>> train, held = split_by_group(ex, 0.3)
    >>> len(train), len(held), {e.group for e in train} & {e.group for e in held}
    (7, 3, set())
    """
    groups = sorted({str(e.group) for e in examples})
    random.Random(seed).shuffle(groups)
    n_held = round(len(groups) * holdout)
    held = set(groups[:n_held])
    return ([e for e in examples if str(e.group) not in held], [e for e in examples if str(e.group) in held])
