"""Where scoring runs: in this process (``local``) or as Ray tasks across a cluster (``ray``).

An executor has one job: ``executor.score(reward, prompts, completions, columns, groups)``, with
exactly the signature and result of :meth:`ComposedReward.score`, so callers swap
``reward.score(...)`` for ``executor.score(reward, ...)`` and nothing else changes. The ``ray``
executor splits a batch into chunks (whole groups stay together, so ``normalize_then_sum`` gives
the same numbers), scores each chunk with ``ComposedReward.score`` in a Ray task, and merges the
results in input order.

Executor specs (``--executor`` on the command line)::

    local                 in this process (the default)
    ray                   Ray: the cluster in RAY_ADDRESS or one already running on this machine,
                          else a new local instance
    ray://HOST:10001      a remote cluster through Ray Client
    ray:ADDRESS           ray.init(address=ADDRESS), e.g. ray:auto or ray:10.0.0.5:6379

Ray itself is imported only when a ``ray`` executor is created (``pip install 'rewardkit[ray]'``).
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from rewardkit.core.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from rewardkit.core.compose import BatchResult, ComposedReward

__all__ = ["Executor", "BoundReward", "LocalExecutor", "get_executor", "add_executor_arguments", "executor_from_args"]

EXECUTOR_HELP = ("where verification runs: 'local' (this process), 'ray' (RAY_ADDRESS, a running local "
                 "cluster, or a new local instance), 'ray://HOST:PORT' (Ray Client) or 'ray:ADDRESS'")


class Executor:
    """Runs :meth:`ComposedReward.score` somewhere. Use as a context manager to release resources."""

    name = "executor"

    def score(self, reward: ComposedReward, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:  # pragma: no cover - abstract
        """Same arguments and result as ``reward.score(prompts, completions, columns, groups)``."""
        raise NotImplementedError

    def score_rows(self, reward: ComposedReward, rows: Sequence[dict[str, Any]]) -> BatchResult:
        """Score rows shaped as in ``rewardkit score`` (the ``score_fn`` of ``rows.score_rows``)."""
        from rewardkit.core.rows import rows_to_batch

        prompts, completions, columns, groups = rows_to_batch(rows)
        return self.score(reward, prompts, completions, columns, groups)

    def bind(self, reward: ComposedReward) -> BoundReward:
        """``reward`` with its ``score`` routed through this executor (everything else unchanged),
        for code that calls ``reward.score(...)`` and should not care where scoring runs."""
        return BoundReward(reward, self)

    def close(self) -> None:
        """Release what this executor started (a Ray instance it created)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class BoundReward:
    """A ComposedReward whose ``score`` runs on an executor; other attributes pass through."""

    def __init__(self, reward: ComposedReward, executor: Executor) -> None:
        self.reward, self.executor = reward, executor

    def score(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:
        return self.executor.score(self.reward, prompts, completions, columns, groups)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reward, name)


class LocalExecutor(Executor):
    """Scores in this process: exactly ``reward.score``.

    >>> from rewardkit.core.reward import reward
    >>> from rewardkit.core.compose import ComposedReward
    >>> from rewardkit.core.spec import parse_spec
    >>> @reward("says_yes")
    ... def says_yes(completion):
    ...     return float("yes" in completion)
    >>> composed = ComposedReward(parse_spec("says_yes"), [says_yes()])
    >>> LocalExecutor().score(composed, None, ["yes", "no"]).rewards
    [1.0, 0.0]
    """

    name = "local"

    def score(self, reward: ComposedReward, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:
        return reward.score(prompts, completions, columns, groups=groups)


def get_executor(spec: str | None = "local", **options: Any) -> Executor:
    """An executor from its spec (see the module docstring); ``options`` go to the Ray executor
    (``chunk_size``, ``num_cpus``, ``init_kwargs``).

    >>> get_executor("local").name
    'local'
    >>> get_executor("spark")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rewardkit.basics.UsageError: unknown executor 'spark': use 'local', 'ray', ...
    """
    spec = (spec or "local").strip()
    if spec == "local":
        if options:
            raise UsageError(f"the local executor takes no options (got {', '.join(sorted(options))})")
        return LocalExecutor()
    if spec == "ray" or spec.startswith("ray:"):
        address = None if spec == "ray" else spec if spec.startswith("ray://") else spec[len("ray:"):]
        bare = spec[len("ray://"):] if spec.startswith("ray://") else address
        if address is not None and not (bare or "").strip():
            raise UsageError(f"executor {spec!r} names no address; e.g. ray://head-node:10001 or ray:auto")
        from rewardkit.integrations.ray_executor import RayExecutor

        return RayExecutor(address=address, **options)
    raise UsageError(f"unknown executor {spec!r}: use 'local', 'ray', 'ray://HOST:PORT' or 'ray:ADDRESS'")


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--executor`` and ``--ray-chunk-size`` to a command (score, bench, serve, ...)."""
    parser.add_argument("--executor", default="local", metavar="EXECUTOR", help=EXECUTOR_HELP)
    parser.add_argument("--ray-chunk-size", type=int, default=None, metavar="N",
                        help="rows per Ray task (default: the batch split over twice the cluster's CPUs)")


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor named by ``--executor`` / ``--ray-chunk-size``; UsageError when they do not fit."""
    chunk = getattr(args, "ray_chunk_size", None)
    spec = getattr(args, "executor", "local") or "local"
    if chunk is not None:
        if chunk < 1:
            raise UsageError("--ray-chunk-size must be at least 1")
        if spec == "local":
            raise UsageError("--ray-chunk-size needs --executor ray")
        return get_executor(spec, chunk_size=chunk)
    return get_executor(spec)
