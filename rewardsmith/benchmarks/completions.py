"""``--completions FILE``: completions from any system (vLLM, an API, ...) matched to suite tasks.

Each JSONL row is ``{"id": TASK_ID, "completion": TEXT}``, plus ``"suite": NAME`` when several
suites run. The id is the suite's own task id (``HumanEval/0``, an MBPP ``task_id``, a MATH-500
``unique_id``) or, for suites that allow it (GSM8K, MATH-500, procedural), the row index. Several
rows with one id are several samples of that task (pass@k, maj@k).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from rewardsmith.benchmarks.suite import Suite, Task
from rewardsmith.core.errors import UsageError

__all__ = ["read_completions", "match_rows"]


def _resolver(suite: Suite, tasks: Sequence[Task]) -> dict[str, Task]:
    by_id = {t.id: t for t in tasks}
    if suite.index_ids:
        for t in tasks:
            by_id.setdefault(str(t.index), t)
    return by_id


def match_rows(rows: Sequence[Mapping[str, Any]], suites: Mapping[str, tuple[Suite, Sequence[Task]]],
               source: str) -> dict[str, dict[str, list[str]]]:
    """Group completion rows by suite and task id (the task's canonical id).

    Args:
        rows: parsed JSONL rows (``__line__`` holds the line number when known).
        suites: suite name -> (suite, all its tasks).
        source: the file name, for error messages.

    Returns:
        suite name -> task id -> completions in file order.
    """
    resolvers = {name: _resolver(s, tasks) for name, (s, tasks) in suites.items()}
    out: dict[str, dict[str, list[str]]] = {name: {} for name in suites}
    for n, row in enumerate(rows, 1):
        where = f"{source}:{row.get('__line__', n)}"
        if "id" not in row or "completion" not in row:
            raise UsageError(f"{where}: a row needs 'id' and 'completion' (got {', '.join(row) or 'nothing'})")
        name = row.get("suite")
        if name is None:
            if len(suites) > 1:
                raise UsageError(f"{where}: several suites run, so each row needs a 'suite' field")
            name = next(iter(suites))
        if name not in resolvers:
            raise UsageError(f"{where}: suite {name!r} is not among --suite {','.join(suites)}")
        task = resolvers[name].get(str(row["id"]))
        if task is None:
            example = next(iter(resolvers[name]), "?")
            raise UsageError(f"{where}: unknown task id {row['id']!r} for suite {name!r} "
                             f"(ids look like {example!r})")
        completion = row["completion"]
        if not isinstance(completion, str):
            raise UsageError(f"{where}: 'completion' must be a string")
        out[name].setdefault(task.id, []).append(completion)
    return out


def read_completions(path: str, suites: Mapping[str, tuple[Suite, Sequence[Task]]]
                     ) -> dict[str, dict[str, list[str]]]:
    """Read and match a completions JSONL file (see :func:`match_rows`)."""
    from rewardsmith.core.rows import read_jsonl

    rows = read_jsonl(path)
    if not rows:
        raise UsageError(f"{path}: no completions in the file")
    return match_rows(rows, suites, path)
