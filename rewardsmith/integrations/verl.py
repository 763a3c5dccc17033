"""rewardsmith rewards as verl's custom reward function.

verl imports the module by name (``pkg://``) and calls ``compute_score`` once per response::

    reward.custom_reward_function.path=pkg://rewardsmith.integrations.verl
    reward.custom_reward_function.name=compute_score
    +reward.custom_reward_function.reward_kwargs.reward_spec='math:1+format:0.2'

(or export ``REWARDSMITH_REWARD_SPEC`` on every node instead of the last line). verl's reward loop
(its default, ``reward.reward_manager.name=naive``) and the legacy ``naive`` manager call
``compute_score``; the legacy ``batch`` manager calls ``compute_score_batch``; the legacy ``prime``
manager needs plain numbers: ``compute_score_number``.

``compute_score`` returns ``{"score": total, "<label>": component, ..., "acc": correctness,
"rewardsmith_error": 0.0 or 1.0}``: verl rewards ``score`` and logs the other keys; ``acc`` (the first
component checked against the ground truth, e.g. ``math``) is what verl's validation reports.
verl needs a finite number for every response, so ``None`` (not applicable) becomes ``none_value``
and a failed sample (a reward raised, or the ground truth a component needs is missing) gets the stand-in of :mod:`rewardsmith.integrations.failures` (by default its
group's mean, so its advantage is 0), is flagged in ``rewardsmith_error``, logged with the plugin's
name and the running failure rate, and the run stops past ``max_error_rate``.
"""
from __future__ import annotations

import functools
import os
import threading
from typing import Any, Hashable, Mapping, Sequence

from rewardsmith.core.compose import ComposedReward, load_reward
from rewardsmith.core.errors import RewardError, UsageError
from rewardsmith.core.options import coerce
from rewardsmith.core.reward import prompt_text
from rewardsmith.integrations.failures import (GROUP_MEAN, FailureTracker, missing_label_errors, parse_error_value,
                                              score_scorable)

__all__ = ["compute_score", "compute_score_batch", "compute_score_number", "SPEC_ENV", "ERROR_KEY",
           "ACC_KEY"]

#: environment variable read when ``reward_kwargs`` gives no ``reward_spec``
SPEC_ENV = "REWARDSMITH_REWARD_SPEC"
#: key of the per-response failure flag in the returned dict
ERROR_KEY = "rewardsmith_error"
#: key of the correctness component (verl's validation reports ``acc``)
ACC_KEY = "acc"

_trackers: dict[tuple, FailureTracker] = {}
_trackers_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _load(spec: str, strict: bool) -> ComposedReward:
    return load_reward(spec, strict=strict)


def _reward(reward_spec: str | None, strict: Any) -> ComposedReward:
    spec = reward_spec or os.environ.get(SPEC_ENV, "")
    if not spec.strip():
        raise UsageError(f"no reward spec: set reward.custom_reward_function.reward_kwargs.reward_spec "
                         f"or the environment variable {SPEC_ENV} (e.g. 'math:1+format:0.2')")
    return _load(spec.strip(), bool(coerce(strict, bool)))


def _tracker(spec: str, error_value: Any, max_error_rate: Any, error_window: Any) -> FailureTracker:
    """One tracker per process and setting: the failure rate is counted across calls."""
    try:
        key = (spec, parse_error_value(error_value), float(max_error_rate), int(error_window))
        with _trackers_lock:
            if key not in _trackers:
                _trackers[key] = FailureTracker(key[2], key[3], key[1], where=f"verl reward {spec!r}")
            return _trackers[key]
    except ValueError as exc:
        raise UsageError(f"reward_kwargs: {exc}") from None


def _acc_label(reward: ComposedReward, ground_truth_column: str) -> str | None:
    """The first component checked against the ground truth (its correctness), if any."""
    for comp, r in reward.components:
        if ground_truth_column in r.required_columns():
            return comp.label
    return None


def _group(data_source: Any, ground_truth: Any, info: Mapping) -> Hashable:
    """A stand-in for the sample's prompt: verl repeats a row's fields for each of its rollouts."""
    if info.get("prompt") is not None:
        return prompt_text(info["prompt"])
    return (str(data_source), repr(ground_truth), repr(info.get("index")))


def _rows(values: dict[str, list[float | None]], errors: list[str | None], acc: str | None,
          groups: list[Hashable], none_value: float, tracker: FailureTracker) -> list[dict[str, float]]:
    if acc is not None:
        values = {**values, ACC_KEY: list(values[acc])}
    settled, failed = tracker.settle(values, errors, groups)
    rows = []
    for i in range(len(errors)):
        row = {k: none_value if v[i] is None else float(v[i]) for k, v in settled.items()}
        row[ERROR_KEY] = 1.0 if failed[i] else 0.0
        rows.append(row)
    return rows


def compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str],
                        ground_truths: Sequence[Any], extra_infos: Sequence[Mapping | None] | None = None,
                        *, reward_spec: str | None = None, ground_truth_column: str = "answer",
                        none_value: float = 0.0, error_value: Any = GROUP_MEAN, max_error_rate: Any = 0.05,
                        error_window: Any = 256, strict: Any = False, **kwargs: Any) -> list[dict[str, float]]:
    """Score many responses at once (verl's legacy ``batch`` reward manager calls this).

    Args:
        data_sources: verl's ``data_source`` of each response (passed as the column ``data_source``).
        solution_strs: the decoded responses.
        ground_truths: the references; passed to rewards as the column ``ground_truth_column``.
        extra_infos: per-response dicts; their keys become further columns (``tests``, ...),
            ``prompt`` becomes the prompt (and names the sample's group). A key never overrides the
            ground truth.
        reward_spec: the spec; default: the environment variable ``REWARDSMITH_REWARD_SPEC``.
        ground_truth_column: the column name rewards expect the reference under (``answer`` for
            math; ``tests`` for code).
        none_value: the number sent for "not applicable".
        error_value: the stand-in for a failed sample: ``group_mean`` (the mean of the valid samples
            of its group, so its advantage is 0) or a fixed number (knowingly).
        max_error_rate: the share of failed samples, over the last ``error_window``, past which the
            run stops with :class:`~rewardsmith.integrations.failures.ErrorRateExceeded`.
        error_window: how many recent samples the failure rate is taken over.
        strict: raise at the first failure instead.
        **kwargs: anything else verl passes; ignored.

    Returns:
        One dict per response: ``score``, each component label, ``acc`` (when a component reads the
        ground truth) and ``rewardsmith_error``; every value a finite number.
    """
    spec = reward_spec or os.environ.get(SPEC_ENV, "")
    reward = _reward(spec, strict)
    tracker = _tracker(spec.strip(), error_value, max_error_rate, error_window)
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
    missing = missing_label_errors(reward, ground_truth_column, columns[ground_truth_column])
    values, errors = score_scorable(reward.score, reward, prompts, list(solution_strs), columns, missing)
    if reward.strict and any(errors):
        raise RewardError(f"verl reward {spec!r}: {next(e for e in errors if e)}")
    groups = [_group(d, g, info) for d, g, info in zip(data_sources, ground_truths, infos)]
    return _rows(values, errors, _acc_label(reward, ground_truth_column), groups,
                 float(coerce(none_value, float)), tracker)


def compute_score(data_source: str, solution_str: str, ground_truth: Any,
                  extra_info: Mapping | None = None, **kwargs: Any) -> dict[str, float]:
    """verl's custom reward function: score one response with the configured reward spec.

    Args:
        data_source: the dataset's ``data_source`` field.
        solution_str: the decoded response.
        ground_truth: the reference (``reward_model.ground_truth`` in verl's parquet rows).
        extra_info: the row's ``extra_info`` dict, if any.
        **kwargs: ``reward_kwargs`` from verl's config: ``reward_spec``, ``ground_truth_column``,
            ``none_value``, ``error_value``, ``max_error_rate``, ``error_window``, ``strict`` (see
            :func:`compute_score_batch`).

    Returns:
        ``{"score": float, "<label>": float, ..., "acc": float, "rewardsmith_error": 0.0 | 1.0}``.
    """
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kwargs)[0]


def compute_score_number(data_source: str, solution_str: str, ground_truth: Any,
                         extra_info: Mapping | None = None, **kwargs: Any) -> float:
    """:func:`compute_score`'s ``score`` alone, for verl's ``prime`` manager (it takes plain numbers).

    The manager calls it positionally in worker processes and keeps no extra keys, so the failure
    flag is not reported there (the warning is still logged); see ``docs/integrations.md``.
    """
    return compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]
