"""Request and response shapes of the reward server, as pure functions (no HTTP here).

OpenRLHF's remote reward protocol (``--remote_rm_url http://HOST:PORT/get_reward``)::

    POST {"query": [prompt + response, ...], "prompts": [prompt, ...], "labels": [label, ...]}
    ->   {"rewards": [float, ...], "scores": [float, ...], "extra_logs": {name: [float, ...]}}

``query`` is the decoded prompt followed by the response; the response is what follows the
prompt, with end-of-sequence markers removed from its end. ``labels`` become the column
``label_column``; an optional ``metas`` list of objects adds further columns.

The native endpoint takes rows exactly as ``rewardkit score`` reads them::

    POST {"rows": [{"completion": ..., "prompt": ..., "answer": ...}, ...]}
    ->   {"rows": [row + {"reward": ..., "rewards": {...}, "reward_errors": {...}}, ...]}
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from rewardkit.core.compose import BatchResult, ComposedReward
from rewardkit.core.errors import UsageError
from rewardkit.core.rows import check_rows
from rewardkit.serve.config import ServeConfig

__all__ = ["RequestFailed", "openrlhf_batch", "openrlhf_response", "split_query", "request_rows"]

ERROR_KEY = "rewardkit_error"


class RequestFailed(Exception):
    """A request the server cannot answer: the HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def split_query(query: str, prompt: str | None, strip: Sequence[str] = ()) -> str:
    """The response inside an OpenRLHF ``query`` (prompt + response).

    >>> split_query("<s>Q: 2+2? A: 4</s>", "Q: 2+2? A:", ["</s>"])
    ' 4'
    >>> split_query("no prompt here", None)
    'no prompt here'
    """
    response = query
    if prompt:
        at = query.find(prompt)
        if at >= 0:
            response = query[at + len(prompt):]
    markers = [m for m in strip if m]
    stripped = True
    while stripped:
        stripped = False
        for marker in markers:
            if response.endswith(marker):
                response = response[:-len(marker)]
                stripped = True
    return response


def _string_list(payload: dict, key: str, n: int | None, required: bool) -> list[Any] | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise RequestFailed(400, f"missing {key!r}: send a JSON list of strings")
        return None
    if not isinstance(value, list):
        raise RequestFailed(400, f"{key!r} must be a JSON list, not {type(value).__name__}")
    if n is not None and len(value) != n:
        raise RequestFailed(400, f"{key!r} has {len(value)} items but 'query' has {n}")
    return value


def _check_size(n: int, config: ServeConfig) -> None:
    if n > config.max_rows:
        raise RequestFailed(413, f"{n} samples in one request; the limit is {config.max_rows} (--max-rows)")


def openrlhf_batch(payload: Any, config: ServeConfig) -> tuple[list[Any], list[str], dict[str, list[Any]]]:
    """(prompts, completions, columns) of an OpenRLHF request; :class:`RequestFailed` if malformed."""
    if not isinstance(payload, dict):
        raise RequestFailed(400, "expected a JSON object with 'query', 'prompts' and 'labels'")
    queries = _string_list(payload, "query", None, required=True)
    n = len(queries)
    _check_size(n, config)
    if not all(isinstance(q, str) for q in queries):
        raise RequestFailed(400, "every item of 'query' must be a string")
    prompts = _string_list(payload, "prompts", n, required=False) or [None] * n
    if not all(p is None or isinstance(p, str) for p in prompts):
        raise RequestFailed(400, "every item of 'prompts' must be a string")
    labels = _string_list(payload, "labels", n, required=False)
    metas = _string_list(payload, "metas", n, required=False)
    completions = [split_query(q, p, config.strip) for q, p in zip(queries, prompts)]
    columns: dict[str, list[Any]] = {}
    if labels is not None:
        columns[config.label_column] = labels
    if metas is not None:
        if not all(m is None or isinstance(m, dict) for m in metas):
            raise RequestFailed(400, "every item of 'metas' must be an object or null")
        for key in sorted({k for m in metas if m for k in m} - set(columns)):
            columns[key] = [(m or {}).get(key) for m in metas]
    return prompts, completions, columns


def _number(value: float | None, failed: bool, config: ServeConfig) -> float:
    if failed or (value is not None and math.isnan(value)):
        return config.error_value
    return config.none_value if value is None else float(value)


def openrlhf_response(result: BatchResult, config: ServeConfig) -> dict[str, Any]:
    """OpenRLHF's reply: totals as ``rewards`` and ``scores``, components in ``extra_logs``."""
    n = len(result.rewards)
    failed = [any(errs[i] is not None for errs in result.errors.values()) for i in range(n)]
    rewards = [_number(v, failed[i], config) for i, v in enumerate(result.rewards)]
    logs: dict[str, list[float]] = {
        label: [_number(v, result.errors[label][i] is not None, config) for i, v in enumerate(values)]
        for label, values in result.components.items()}
    logs[ERROR_KEY] = [1.0 if f else 0.0 for f in failed]
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}


def request_rows(payload: Any, reward: ComposedReward, config: ServeConfig) -> list[dict[str, Any]]:
    """The rows of a native ``/score`` request, checked as ``rewardkit score`` checks a file."""
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise RequestFailed(400, "expected a JSON object {\"rows\": [{\"completion\": ..., ...}, ...]}")
    _check_size(len(rows), config)
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise RequestFailed(400, f"request row:{i}: expected a JSON object, got {type(row).__name__}")
    rows = [{k: v for k, v in row.items() if not k.startswith("__")} for row in rows]
    try:
        check_rows(rows, reward.required_columns(), "request row")
    except UsageError as exc:
        raise RequestFailed(400, str(exc)) from None
    return rows
