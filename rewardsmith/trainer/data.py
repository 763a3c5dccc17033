"""Prompts for training: the procedural generator or a dataset, held-out split, resumable order.

A *row* is a dict with ``prompt`` (chat messages built from the system prompt and the template) and
the dataset's other columns (``answer`` at least, for the math reward); rewards receive the columns.
A source hands out rows in a seeded order and reports its position as a small dict, so a resumed run
continues with exactly the prompts it would have seen.
"""
from __future__ import annotations

import json
import os
import random
from typing import Any, Iterable

from rewardsmith.core.errors import UsageError
from rewardsmith.trainer.config import DataConfig
from rewardsmith.tasks import make_task

__all__ = ["PromptSource", "ProceduralSource", "TableSource", "build_source", "gold_answer",
           "load_table", "make_prompt"]

_PROMPT_COLUMNS = ("prompt", "question", "problem", "text")


def gold_answer(value: Any) -> Any:
    """The gold answer of a cell: GSM8K's worked solution is cut to the number after ``####``.

    >>> gold_answer("48/2 = 24\\n#### 1,072")
    '1072'
    >>> gold_answer(7)
    7
    """
    if isinstance(value, str) and "####" in value:
        return value.rsplit("####", 1)[1].strip().replace(",", "")
    return value


def make_prompt(row: dict[str, Any], question: str, cfg: DataConfig) -> list[dict[str, str]]:
    """Chat messages for one row: the system prompt, then the filled template as the user turn."""
    try:
        user = cfg.prompt_template.format(**{**row, "prompt": question})
    except (KeyError, IndexError) as exc:
        raise UsageError(f"--prompt-template uses {exc} which is not a column "
                         f"(columns: {', '.join(sorted(row))})") from None
    messages = [{"role": "system", "content": cfg.system_prompt}] if cfg.system_prompt else []
    return messages + [{"role": "user", "content": user}]


class PromptSource:
    """Base class: ``next_rows(n)``, ``held_out``, and a checkpointable position."""

    held_out: list[dict[str, Any]]

    def next_rows(self, n: int) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def load_state_dict(self, state: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError


class ProceduralSource(PromptSource):
    """Unlimited procedural tasks; held-out tasks come from their own stream and are never trained on.

    With ``shard=(rank, world)``, process ``rank`` takes every ``world``-th task.
    """

    def __init__(self, cfg: DataConfig, seed: int, shard: tuple[int, int] = (0, 1)) -> None:
        self.cfg, self.seed, self.shard = cfg, seed, shard
        held = [make_task(i, seed, cfg.difficulty, "held_out") for i in range(cfg.held_out_size)]
        self._held_questions = {t["question"] for t in held}
        self.held_out = [self._row(t) for t in held]
        self.index = shard[0]

    def _row(self, task: dict[str, Any]) -> dict[str, Any]:
        return {"prompt": make_prompt(task, task["question"], self.cfg), "answer": task["answer"],
                "id": task["id"]}

    def next_rows(self, n: int) -> list[dict[str, Any]]:
        rows = []
        while len(rows) < n:
            task = make_task(self.index, self.seed, self.cfg.difficulty, "train")
            self.index += self.shard[1]
            if task["question"] not in self._held_questions:
                rows.append(self._row(task))
        return rows

    def state_dict(self) -> dict[str, Any]:
        return {"index": self.index}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.index = int(state["index"])


class TableSource(PromptSource):
    """Rows of a dataset: a seeded split into held-out and train, reshuffled every epoch."""

    def __init__(self, rows: list[dict[str, Any]], cfg: DataConfig, seed: int,
                 shard: tuple[int, int] = (0, 1)) -> None:
        if not rows:
            raise UsageError(f"dataset {cfg.dataset!r} has no rows")
        self.cfg, self.seed, self.shard = cfg, seed, shard
        prompt_col = _prompt_column(rows[0], cfg)
        if cfg.answer_column not in rows[0]:
            raise UsageError(f"dataset {cfg.dataset!r} has no answer column {cfg.answer_column!r} "
                             f"(columns: {', '.join(sorted(rows[0]))}); use --answer-column or --columns")
        converted = [self._row(r, prompt_col) for r in rows]
        order = list(range(len(converted)))
        random.Random(f"{seed}:split").shuffle(order)
        n_held = min(cfg.held_out_size, len(converted) - 1)
        self.held_out = [converted[i] for i in order[:n_held]]
        self.train = [converted[i] for i in order[n_held:]][shard[0]::shard[1]]
        if not self.train:
            raise UsageError(f"dataset {cfg.dataset!r}: no training rows left after the held-out split")
        self.epoch, self.offset = 0, 0
        self._order = self._epoch_order(0)

    def _row(self, raw: dict[str, Any], prompt_col: str) -> dict[str, Any]:
        row = {k: v for k, v in raw.items() if k != prompt_col}
        row["answer"] = gold_answer(raw[self.cfg.answer_column])
        row["prompt"] = make_prompt(raw, str(raw[prompt_col]), self.cfg)
        return row

    def _epoch_order(self, epoch: int) -> list[int]:
        order = list(range(len(self.train)))
        random.Random(f"{self.seed}:epoch:{epoch}").shuffle(order)
        return order

    def next_rows(self, n: int) -> list[dict[str, Any]]:
        rows = []
        while len(rows) < n:
            if self.offset >= len(self._order):
                self.epoch, self.offset = self.epoch + 1, 0
                self._order = self._epoch_order(self.epoch)
            rows.append(self.train[self._order[self.offset]])
            self.offset += 1
        return rows

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "offset": self.offset}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.offset = int(state["epoch"]), int(state["offset"])
        self._order = self._epoch_order(self.epoch)


def _prompt_column(row: dict[str, Any], cfg: DataConfig) -> str:
    if cfg.prompt_column != "auto":
        if cfg.prompt_column not in row:
            raise UsageError(f"dataset {cfg.dataset!r} has no column {cfg.prompt_column!r} "
                             f"(columns: {', '.join(sorted(row))})")
        return cfg.prompt_column
    for name in _PROMPT_COLUMNS:
        if name in row:
            return name
    raise UsageError(f"dataset {cfg.dataset!r}: no prompt column found (looked for "
                     f"{', '.join(_PROMPT_COLUMNS)}); use --prompt-column")


def _renames(spec: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        src, sep, dst = part.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise UsageError(f"--columns: expected 'src=dst', got {part!r}")
        out[src.strip()] = dst.strip()
    return out


def load_table(cfg: DataConfig) -> list[dict[str, Any]]:
    """Rows of a local JSON/JSONL/Parquet file or a hub dataset, with ``--columns`` renames applied."""
    path = os.path.expanduser(cfg.dataset)
    if path.endswith((".jsonl", ".json", ".parquet")):
        if not os.path.isfile(path):
            raise UsageError(f"dataset file not found: {cfg.dataset}")
        rows = _read_file(path)
    else:
        rows = _read_hub(cfg.dataset, cfg.split)
    renames = _renames(cfg.columns)
    return [{renames.get(k, k): v for k, v in r.items()} for r in rows]


def _read_file(path: str) -> list[dict[str, Any]]:
    if path.endswith(".parquet"):
        import datasets

        return list(datasets.Dataset.from_parquet(path))
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".jsonl"):
            rows = [json.loads(line) for line in fh if line.strip()]
        else:
            data = json.load(fh)
            rows = data if isinstance(data, list) else data.get("data", [])
    if not all(isinstance(r, dict) for r in rows):
        raise UsageError(f"{path}: expected JSON objects, one per row")
    return rows


def _read_hub(name: str, split: str) -> Iterable[dict[str, Any]]:
    import datasets

    try:
        return list(datasets.load_dataset(name, split=split))
    except Exception as exc:  # noqa: BLE001 - any failure here is a bad name/split/network
        raise UsageError(f"cannot load dataset {name!r} (split {split!r}): "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def build_source(cfg: DataConfig, seed: int, shard: tuple[int, int] = (0, 1)) -> PromptSource:
    """The prompt source a config asks for."""
    if cfg.dataset == "procedural":
        return ProceduralSource(cfg, seed, shard)
    return TableSource(load_table(cfg), cfg, seed, shard)
