"""rewardkit rewards as verl's custom reward function.

verl loads this file by path and calls ``compute_score`` once per response::

    custom_reward_function.path=$(python -c "import rewardkit.integrations.verl as m; print(m.__file__)")
    custom_reward_function.name=compute_score
    +custom_reward_function.reward_kwargs.reward_spec='math:1+format:0.2'

(or export ``REWARDKIT_REWARD_SPEC='math:1+format:0.2'`` on every node instead of the last line).
``compute_score_batch`` serves verl's batch reward manager (``reward_model.reward_manager=batch``).

The result is ``{"score": total, "<label>": component value, ..., "rewardkit_error": 0.0 or 1.0}``;
verl uses ``score`` as the reward and logs the other keys. verl needs a number for every response,
so a total or component that is ``None`` (not applicable) becomes ``none_value`` and one that
failed becomes ``error_value`` (``none_value`` defaults to 0.0; ``error_value`` defaults to NaN,
rewardkit's "no score": mask such samples, or set ``error_value=0`` in ``reward_kwargs`` knowingly). A failure is never hidden: it is logged with the plugin's name, flagged in
``rewardkit_error`` (which verl reports per batch) and counted; ``strict=true`` stops instead.
"""
from __future__ import annotations

import functools
import math
import os
from typing import Any, Mapping, Sequence

from rewardkit.core.compose import BatchResult, ComposedReward, load_reward
from rewardkit.core.errors import UsageError
from rewardkit.core.options import coerce

__all__ = ["compute_score", "compute_score_batch", "SPEC_ENV", "ERROR_KEY"]

#: environment variable read when ``reward_kwargs`` gives no ``reward_spec``
SPEC_ENV = "REWARDKIT_REWARD_SPEC"
#: key of the per-response failure flag in the returned dict
ERROR_KEY = "rewardkit_error"


@functools.lru_cache(maxsize=16)
def _load(spec: str, strict: bool) -> ComposedReward:
    return load_reward(spec, strict=strict)


def _reward(reward_spec: str | None, strict: Any) -> ComposedReward:
    spec = reward_spec or os.environ.get(SPEC_ENV, "")
    if not spec.strip():
        raise UsageError(f"no reward spec: set custom_reward_function.reward_kwargs.reward_spec "
                         f"or the environment variable {SPEC_ENV} (e.g. 'math:1+format:0.2')")
    return _load(spec.strip(), bool(coerce(strict, bool)))


def _number(value: float | None, failed: bool, none_value: float, error_value: float) -> float:
    if failed or (value is not None and math.isnan(value)):
        return error_value
    return none_value if value is None else float(value)


def _rows(result: BatchResult, none_value: float, error_value: float) -> list[dict[str, float]]:
    out = []
    for i, total in enumerate(result.rewards):
        failed = any(errs[i] is not None for errs in result.errors.values())
        row = {"score": _number(total, failed, none_value, error_value)}
        for label, values in result.components.items():
            row[label] = _number(values[i], result.errors[label][i] is not None, none_value, error_value)
        row[ERROR_KEY] = 1.0 if failed else 0.0
        out.append(row)
    return out


def compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str],
                        ground_truths: Sequence[Any], extra_infos: Sequence[Mapping | None] | None = None,
                        *, reward_spec: str | None = None, ground_truth_column: str = "answer",
                        none_value: float = 0.0, error_value: float = math.nan, strict: Any = False,
                        **kwargs: Any) -> list[dict[str, float]]:
    """Score many responses at once (verl's batch reward manager calls this).

    Args:
        data_sources: verl's ``data_source`` of each response (passed as the column ``data_source``).
        solution_strs: the decoded responses.
        ground_truths: the references; passed to rewards as the column ``ground_truth_column``.
        extra_infos: per-response dicts; their keys become further columns (``tests``, ...),
            ``prompt`` becomes the prompt. A key never overrides the ground truth.
        reward_spec: the spec; default: the environment variable ``REWARDKIT_REWARD_SPEC``.
        ground_truth_column: the column name rewards expect the reference under (``answer`` for
            math; ``tests`` for code).
        none_value: the number sent for "not applicable".
        error_value: the number sent for a failed sample (``nan`` to keep "no score").
        strict: raise at the first failure instead.
        **kwargs: anything else verl passes; ignored.

    Returns:
        One dict per response: ``score``, each component label, and ``rewardkit_error``.
    """
    reward = _reward(reward_spec, strict)
    n = len(solution_strs)
    lengths = {len(data_sources), len(ground_truths), n, n if extra_infos is None else len(extra_infos)}
    if len(lengths) != 1:
        raise UsageError("data_sources, solution_strs, ground_truths and extra_infos must have the same length")
    infos = [dict(e or {}) for e in (extra_infos if extra_infos is not None else [None] * n)]
    columns: dict[str, list[Any]] = {ground_truth_column: list(ground_truths),
                                     "data_source": list(data_sources)}
    for key in sorted({k for info in infos for k in info} - set(columns) - {"prompt"}):
        columns[key] = [info.get(key) for info in infos]
    prompts = [info.get("prompt") for info in infos]
    result = reward.score(prompts, list(solution_strs), columns)
    return _rows(result, float(coerce(none_value, float)), float(coerce(error_value, float)))


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: Mapping | None = None, **kwargs: Any) -> dict[str, float]:
    """verl's custom reward function: score one response with the configured reward spec.

    Args:
        data_source: the dataset's ``data_source`` field.
        solution_str: the decoded response.
        ground_truth: the reference (``reward_model.ground_truth`` in verl's parquet rows).
        extra_info: the row's ``extra_info`` dict, if any.
        **kwargs: ``reward_kwargs`` from verl's config: ``reward_spec``, ``ground_truth_column``,
            ``none_value``, ``error_value``, ``strict`` (see :func:`compute_score_batch`).

    Returns:
        ``{"score": float, "<label>": float, ..., "rewardkit_error": 0.0 | 1.0}``.
    """
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]
