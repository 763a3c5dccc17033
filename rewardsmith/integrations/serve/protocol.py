"""Request and response shapes of the reward server, as pure functions (no HTTP here).

OpenRLHF's remote reward protocol (``--reward.remote_url http://HOST:PORT/get_reward``)::

    POST {"query": [prompt + response, ...], "prompts": [prompt, ...], "labels": [label, ...]}
    ->   {"rewards": [float, ...], "scores": [float, ...], "extra_logs": {name: [float, ...]}}

``query`` is the decoded prompt followed by the response; the response is what follows the
prompt (:func:`place_response`), with end-of-sequence markers removed from its end. A sample whose
response cannot be placed, or whose label is missing while a reward needs it, is never scored: it
is a counted failure. ``labels`` become the column ``label_column``; an optional ``metas`` list of
objects adds further columns.

The native endpoint takes rows exactly as ``rewardsmith score`` reads them::

    POST {"rows": [{"completion": ..., "prompt": ..., "answer": ...}, ...]}
    ->   {"rows": [row + {"reward": ..., "rewards": {...}, "reward_errors": {...}}, ...]}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rewardsmith.core.compose import ComposedReward
from rewardsmith.core.errors import UsageError
from rewardsmith.core.rows import check_rows
from rewardsmith.integrations.failures import missing_label_errors
from rewardsmith.integrations.serve.config import ServeConfig

__all__ = ["RequestFailed", "OpenRLHFBatch", "openrlhf_batch", "openrlhf_response", "place_response",
           "strip_markers", "request_rows"]

ERROR_KEY = "rewardsmith_error"


class RequestFailed(Exception):
    """A request the server cannot answer: the HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


#: where chat templates open the assistant's turn (ChatML/Qwen, Llama 3, DeepSeek, Phi/Zephyr,
#: Mistral/Llama 2, Gemma); the response follows the last one in the query
ASSISTANT_TURNS = ("<|im_start|>assistant", "<|start_header_id|>assistant<|end_header_id|>",
                   "<｜Assistant｜>", "<|assistant|>", "[/INST]", "<start_of_turn>model")
#: the least prompt text (non-space characters) a left-truncated query must still show
MIN_TAIL = 16


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and the index in ``text`` of each character kept."""
    index = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in index), index


def _overlap(tail_of: str, head_of: str) -> int:
    """Length of the longest suffix of ``tail_of`` that is a prefix of ``head_of`` (KMP)."""
    seq: list[str | None] = list(head_of[:len(tail_of)]) + [None] + list(tail_of)
    pi = [0] * len(seq)
    for i in range(1, len(seq)):
        k = pi[i - 1]
        while k and seq[i] != seq[k]:
            k = pi[k - 1]
        pi[i] = k + (seq[i] == seq[k])
    return pi[-1]


def place_response(query: str, prompt: str | None) -> tuple[str | None, str]:
    r"""Where the response starts in an OpenRLHF ``query``: ``(response, how)``, or ``(None, why)``.

    Tried in order: the prompt as it is; the prompt with whitespace ignored (a decode round trip
    may change it); the prompt's tail at the start of the query (the trainer left-truncated a long
    prompt); the last assistant turn of a chat template. Text that none of these places is never
    scored as a response.

    >>> place_response("<s>Q: 2+2? A: 4", "Q: 2+2? A:")
    (' 4', 'exact')
    >>> place_response("Q:  2+2?\nA: 4", "Q: 2+2? A:")
    (' 4', 'whitespace')
    >>> place_response("the question is long. A: 4", "Here is the question; the question is long. A:")
    (' 4', 'truncated')
    >>> place_response("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello", None)
    ('hello', 'template')
    >>> place_response("I do not know", "Answer \\boxed{42}")[0] is None
    True
    """
    if prompt is not None:
        at = query.find(prompt)
        if at >= 0:
            return query[at + len(prompt):], "exact"
        squeezed_prompt, _ = _squeeze(prompt)
        body = query.lstrip("\ufffd")  # a cut multi-byte character decodes as U+FFFD
        squeezed, index = _squeeze(body)
        offset = len(query) - len(body)
        at = squeezed.find(squeezed_prompt) if squeezed_prompt else -1
        # the prompt's trailing whitespace cannot be told from the response's: with whitespace
        # ignored, a prompt that ends in whitespace takes the response's leading whitespace too
        trim = str.lstrip if prompt[-1:].isspace() else (lambda text: text)
        if at >= 0:
            return trim(body[index[at + len(squeezed_prompt) - 1] + 1:]), "whitespace"
        overlap = _overlap(squeezed_prompt, squeezed)
        if overlap >= min(MIN_TAIL, len(squeezed_prompt)) and overlap:
            return trim(query[offset + index[overlap - 1] + 1:]), "truncated"
    turn = max(((query.rfind(m), m) for m in ASSISTANT_TURNS), default=(-1, ""))
    if turn[0] >= 0:
        return query[turn[0] + len(turn[1]):].lstrip("\n"), "template"
    if prompt is None:
        return None, "no prompt was sent and the query has no chat-template assistant turn"
    return None, ("the prompt is not in the query (not even with whitespace ignored, left-truncated, "
                  "or after a chat template's assistant turn)")


def strip_markers(response: str, strip: Sequence[str]) -> str:
    """``response`` without end-of-sequence markers at its end.

    >>> strip_markers(" 4</s><|im_end|>", ["</s>", "<|im_end|>"])
    ' 4'
    """
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


@dataclass
class OpenRLHFBatch:
    """An OpenRLHF request, placed: what to score, and the samples that cannot be scored.

    ``errors[i]`` says why sample ``i`` cannot be scored (its prompt could not be placed in its
    query, or its label is missing); only the samples without an error are scored.
    """

    prompts: list[str | None]
    completions: list[str | None]
    columns: dict[str, list[Any]]
    errors: list[str | None]

    def scorable(self) -> list[int]:
        return [i for i, e in enumerate(self.errors) if e is None]


def openrlhf_batch(payload: Any, config: ServeConfig, reward: ComposedReward) -> OpenRLHFBatch:
    """The samples of an OpenRLHF request; :class:`RequestFailed` if the request is malformed."""
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
    columns: dict[str, list[Any]] = {}
    if labels is not None:
        columns[config.label_column] = labels
    if metas is not None:
        if not all(m is None or isinstance(m, dict) for m in metas):
            raise RequestFailed(400, "every item of 'metas' must be an object or null")
        for key in sorted({k for m in metas if m for k in m} - set(columns)):
            columns[key] = [(m or {}).get(key) for m in metas]
    needs_label = [c.label for c, r in reward.components if config.label_column in r.required_columns()]
    if needs_label and config.label_column not in columns:
        raise RequestFailed(400, f"missing 'labels': {', '.join(needs_label)} needs the column "
                                 f"{config.label_column!r} (OpenRLHF sends it with --data.label_key)")
    missing = missing_label_errors(reward, config.label_column, columns.get(config.label_column, [None] * n))
    completions: list[str | None] = []
    errors: list[str | None] = []
    for i, (query, prompt) in enumerate(zip(queries, prompts)):
        response, why = place_response(query, prompt)
        completions.append(None if response is None else strip_markers(response, config.strip))
        if response is None:
            errors.append(f"sample {i}: cannot find the response: {why}")
        else:
            errors.append(missing[i] and f"sample {i}: {missing[i]}")
    return OpenRLHFBatch(prompts, completions, columns, errors)


def openrlhf_response(values: dict[str, list[float | None]], failed: Sequence[bool],
                      config: ServeConfig) -> dict[str, Any]:
    """OpenRLHF's reply: finite numbers only (the failure policy has filled in failed samples).

    Args:
        values: ``score`` (the totals) and each component, after the failure policy.
        failed: per sample, whether it failed (flagged in ``extra_logs['rewardsmith_error']``).
    """
    def number(v: float | None) -> float:
        return config.none_value if v is None else float(v)

    rewards = [number(v) for v in values["score"]]
    logs = {label: [number(v) for v in vals] for label, vals in values.items() if label != "score"}
    logs[ERROR_KEY] = [1.0 if f else 0.0 for f in failed]
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}


def request_rows(payload: Any, reward: ComposedReward, config: ServeConfig) -> list[dict[str, Any]]:
    """The rows of a native ``/score`` request, checked as ``rewardsmith score`` checks a file."""
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
