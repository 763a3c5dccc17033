"""The ``ray`` executor: verification as Ray tasks, on this machine or across a cluster.

A batch is split into chunks, each chunk is scored by ``ComposedReward.score`` in a Ray task (the
composed reward travels once per batch through the object store; it pickles, rewards and all), and
the chunk results are merged back in input order. Chunks never split a group, so
``normalize_then_sum`` gives exactly the numbers of a local run.

Every node that runs tasks needs rewardsmith and the plugins the spec uses installed (the same
environment as the driver), plus whatever those plugins need locally (Docker or bubblewrap for
sandboxed code). See docs/integrations.md for a multi-node setup.

The host finds this executor through the entry point ``ray`` of the group ``rewardsmith.executors``
(:func:`from_spec`); it imports this module only when a spec names ``ray``.
"""
from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Any, Hashable, Mapping, Sequence

from rewardsmith.core.compose import BatchResult
from rewardsmith.core.errors import RewardsmithError, UsageError
from rewardsmith.core.execution import Executor
from rewardsmith.core.reward import prompt_text

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.compose import ComposedReward

__all__ = ["RayExecutor", "from_spec", "plan_chunks", "merge_results"]


def _score_chunk(reward: ComposedReward, prompts: list[Any] | None, completions: list[Any],
                 columns: dict[str, list[Any]], groups: list[Any] | None) -> BatchResult:
    """What one Ray task runs: the composed reward on one chunk, in the worker's process."""
    return reward.score(prompts, completions, columns, groups=groups)


def _key(group: Any) -> Hashable:
    try:
        hash(group)
        return group
    except TypeError:
        return repr(group)


def plan_chunks(n: int, n_chunks: int, groups: Sequence[Any] | None = None) -> list[list[int]]:
    """Split sample indices 0..n-1 into at most about ``n_chunks`` chunks of similar size.

    Without ``groups`` the chunks are contiguous ranges. With ``groups`` (one id per sample) every
    group lands whole in one chunk, groups in order of first appearance.

    Args:
        n: number of samples.
        n_chunks: wanted number of chunks (at least 1).
        groups: optional group id of each sample.

    Returns:
        Lists of indices; together they hold every index exactly once.

    >>> plan_chunks(5, 2)
    [[0, 1, 2], [3, 4]]
    >>> plan_chunks(6, 3, groups=["a", "b", "a", "c", "b", "c"])
    [[0, 2], [1, 4], [3, 5]]
    """
    if n <= 0:
        return []
    size = max(1, math.ceil(n / max(1, n_chunks)))
    if groups is None:
        return [list(range(s, min(s + size, n))) for s in range(0, n, size)]
    members: dict[Hashable, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(_key(g), []).append(i)
    chunks: list[list[int]] = [[]]
    for idx in members.values():
        if chunks[-1] and len(chunks[-1]) + len(idx) > size:
            chunks.append([])
        chunks[-1].extend(idx)
    return chunks


def merge_results(n: int, chunks: Sequence[Sequence[int]], results: Sequence[BatchResult]) -> BatchResult:
    """Put chunk results back in input order (the inverse of :func:`plan_chunks`)."""
    rewards: list[Any] = [None] * n
    components: dict[str, list[Any]] = {}
    details: dict[str, list[Any]] = {}
    errors: dict[str, list[Any]] = {}
    for idx, res in zip(chunks, results):
        for j, i in enumerate(idx):
            rewards[i] = res.rewards[j]
        for target, source in ((components, res.components), (details, res.details),
                               (errors, res.errors)):
            for label, values in source.items():
                column = target.setdefault(label, [None] * n)
                for j, i in enumerate(idx):
                    column[i] = values[j]
    return BatchResult(rewards, components, details, errors)


def _take(values: Sequence[Any] | None, idx: Sequence[int]) -> list[Any] | None:
    return None if values is None else [values[i] for i in idx]


def from_spec(spec: str, **options: Any) -> RayExecutor:
    """The ``ray`` executor from its spec: ``ray`` (RAY_ADDRESS, a running local cluster or a new
    local instance), ``ray://HOST:PORT`` (Ray Client) or ``ray:ADDRESS`` (``ray.init(address=...)``).
    Ray itself is imported only when the executor first scores.

    >>> from_spec("ray:auto", chunk_size=8)
    RayExecutor(address='auto', chunk_size=8)
    """
    address = None if spec == "ray" else spec if spec.startswith("ray://") else spec[len("ray:"):]
    bare = spec[len("ray://"):] if spec.startswith("ray://") else address
    if address is not None and not (bare or "").strip():
        raise UsageError(f"executor {spec!r} names no address; e.g. ray://head-node:10001 or ray:auto")
    return RayExecutor(address=address, **options)


class RayExecutor(Executor):
    """Scores batches as Ray tasks.

    Args:
        address: ``None`` (RAY_ADDRESS, a cluster already running here, or a new local instance),
            ``ray://HOST:PORT`` (Ray Client) or any address ``ray.init`` accepts (``auto``).
        chunk_size: samples per task; default: the batch split over twice the cluster's CPUs.
        num_cpus: CPUs each task reserves (raise it for rewards that run several processes).
        init_kwargs: extra ``ray.init`` arguments (``runtime_env`` ...), used only when this
            executor starts or connects to Ray itself.
    """

    name = "ray"

    def __init__(self, address: str | None = None, chunk_size: int | None = None,
                 num_cpus: float = 1.0, init_kwargs: Mapping[str, Any] | None = None) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise UsageError("the Ray chunk size must be at least 1")
        if num_cpus <= 0:
            raise UsageError("num_cpus per Ray task must be positive")
        self.address = address
        self.chunk_size = chunk_size
        self.num_cpus = num_cpus
        self.init_kwargs = dict(init_kwargs or {})
        self._ray: Any = None
        self._task: Any = None
        self._owns_ray = False
        self._lock = threading.Lock()  # the server scores from several threads

    def _ensure_ray(self) -> Any:
        with self._lock:
            if self._ray is None:
                self._start_ray()
            return self._ray

    def _start_ray(self) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError("the ray executor needs Ray: pip install 'rewardsmith[ray]'") from None
        if not ray.is_initialized():
            where = self.address or os.environ.get("RAY_ADDRESS") or "a local instance"
            try:
                ray.init(address=self.address, **self._init_kwargs())
            except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
                raise UsageError(f"cannot start or reach Ray at {where}: {exc}") from None
            self._owns_ray = True
        self._task = ray.remote(num_cpus=self.num_cpus)(_score_chunk)
        self._ray = ray

    def _init_kwargs(self) -> dict[str, Any]:
        # a local instance started for scoring needs no dashboard (it only slows start-up)
        kwargs: dict[str, Any] = {}
        if not (self.address or "").startswith("ray://"):
            kwargs["include_dashboard"] = False
        kwargs.update(self.init_kwargs)
        return kwargs

    def _n_chunks(self, n: int) -> int:
        if self.chunk_size:
            return math.ceil(n / self.chunk_size)
        cpus = int(self._ray.cluster_resources().get("CPU", 1)) or 1
        return 2 * cpus

    def score(self, reward: ComposedReward, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:
        n = len(completions)
        columns = dict(columns or {})
        for col in reward.required_columns():  # fail here, before any task starts
            if col not in columns:
                raise UsageError(f"the reward spec needs the column {col!r} "
                                 f"(available: {', '.join(sorted(columns)) or 'none'})")
        if n == 0:
            return reward.score(prompts, completions, columns, groups=groups)
        ray = self._ensure_ray()
        whole_groups = None
        if reward.spec.aggregate == "normalize_then_sum":
            whole_groups = (list(groups) if groups is not None
                            else [prompt_text(p) for p in (prompts or [None] * n)])
        chunks = plan_chunks(n, self._n_chunks(n), whole_groups)
        reward_ref = ray.put(reward)
        refs = [self._task.remote(reward_ref, _take(prompts, idx), _take(completions, idx),
                                  {k: _take(v, idx) for k, v in columns.items()}, _take(whole_groups, idx))
                for idx in chunks]
        results = self._get(ray, refs)
        merged = merge_results(n, chunks, results)
        for label, errs in merged.errors.items():
            reward.error_counts[label] += sum(e is not None for e in errs)
        return merged

    @staticmethod
    def _get(ray: Any, refs: list[Any]) -> list[BatchResult]:
        try:
            return ray.get(refs)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, RewardsmithError):  # strict mode, a missing column: the user's error
                raise cause from None
            raise

    def close(self) -> None:
        with self._lock:
            if self._ray is not None and self._owns_ray:
                self._ray.shutdown()
            self._ray, self._task, self._owns_ray = None, None, False

    def __repr__(self) -> str:
        return f"RayExecutor(address={self.address!r}, chunk_size={self.chunk_size})"
