"""Where scoring runs: in this process (``local``) or on an executor that registers itself.

An executor has one job: ``executor.score(reward, prompts, completions, columns, groups)``, with
exactly the signature and result of :meth:`ComposedReward.score`, so callers swap
``reward.score(...)`` for ``executor.score(reward, ...)`` and nothing else changes.

Executors other than ``local`` register themselves, as rewards do: an installed distribution names
a factory in the entry-point group ``rewardsmith.executors`` (``ray = "module:factory"``), or code
calls :func:`register_executor`. An executor spec (``--executor`` on the command line) is ``NAME``
or ``NAME:REST``; the factory of ``NAME`` receives the whole spec and parses the rest itself. The
host imports an executor's module only when its name is asked for. rewardsmith itself registers
``ray`` (:mod:`rewardsmith.integrations.ray_executor`)::

    local                 in this process (the default)
    ray                   Ray: the cluster in RAY_ADDRESS or one already running on this machine,
                          else a new local instance
    ray://HOST:10001      a remote cluster through Ray Client
    ray:ADDRESS           ray.init(address=ADDRESS), e.g. ray:auto or ray:10.0.0.5:6379
"""
from __future__ import annotations

import argparse
from importlib import metadata
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from rewardsmith.core.errors import UsageError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.compose import BatchResult, ComposedReward

__all__ = ["Executor", "BoundReward", "LocalExecutor", "get_executor", "register_executor", "known_executors",
           "EXECUTOR_GROUP", "add_executor_arguments", "executor_from_args"]

#: the entry-point group an installed executor registers under: ``NAME = "module:factory"``
EXECUTOR_GROUP = "rewardsmith.executors"

EXECUTOR_HELP = ("where verification runs: 'local' (this process) or an installed executor, NAME[:ADDRESS]; "
                 "rewardsmith's own: 'ray' (RAY_ADDRESS, a running local cluster, or a new local instance), "
                 "'ray://HOST:PORT' (Ray Client) or 'ray:ADDRESS'")


class Executor:
    """Runs :meth:`ComposedReward.score` somewhere. Use as a context manager to release resources."""

    name = "executor"

    def score(self, reward: ComposedReward, prompts: Sequence[Any] | None, completions: Sequence[Any],
              columns: Mapping[str, Sequence[Any]] | None = None,
              groups: Sequence[Any] | None = None) -> BatchResult:  # pragma: no cover - abstract
        """Same arguments and result as ``reward.score(prompts, completions, columns, groups)``."""
        raise NotImplementedError

    def score_rows(self, reward: ComposedReward, rows: Sequence[dict[str, Any]]) -> BatchResult:
        """Score rows shaped as in ``rewardsmith score`` (the ``score_fn`` of ``rows.score_rows``)."""
        from rewardsmith.core.rows import rows_to_batch

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

    >>> from rewardsmith.core.reward import reward
    >>> from rewardsmith.core.compose import ComposedReward
    >>> from rewardsmith.core.spec import parse_spec
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


#: ``factory(spec, **options) -> Executor``: builds an executor from its whole spec (``ray:auto``)
ExecutorFactory = Callable[..., Executor]

_FACTORIES: dict[str, ExecutorFactory] = {}  # registered by hand, or loaded from an entry point


def register_executor(name: str, factory: ExecutorFactory) -> None:
    """Make ``--executor NAME`` and ``--executor NAME:...`` call ``factory(spec, **options)``.

    Installed packages register through the ``rewardsmith.executors`` entry points instead; this is
    for executors defined at run time (tests, notebooks). ``local`` cannot be replaced.
    """
    if not name or ":" in name or name == "local":
        raise ValueError(f"executor name {name!r} must be non-empty, have no ':' and not be 'local'")
    _FACTORIES[name] = factory


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points().select(group=EXECUTOR_GROUP)}


def known_executors() -> list[str]:
    """The names ``--executor`` accepts: ``local``, the registered ones and the installed ones
    (read from the package metadata; nothing is imported)."""
    return sorted({"local", *_FACTORIES, *_entry_points()})


def _factory(name: str) -> ExecutorFactory | None:
    if name in _FACTORIES:
        return _FACTORIES[name]
    ep = _entry_points().get(name)
    if ep is None:
        return None
    try:
        factory = ep.load()
    except ImportError as exc:
        raise UsageError(f"executor {name!r} ({ep.value}) cannot be loaded: {exc}") from None
    _FACTORIES[name] = factory
    return factory


def _local(spec: str, **options: Any) -> LocalExecutor:
    if spec != "local":
        raise UsageError(f"executor {spec!r}: the local executor takes no address")
    if options:
        raise UsageError(f"the local executor takes no options (got {', '.join(sorted(options))})")
    return LocalExecutor()


def get_executor(spec: str | None = "local", **options: Any) -> Executor:
    """An executor from its spec, ``NAME`` or ``NAME:REST`` (see the module docstring); ``options``
    go to the executor's factory (the Ray one takes ``chunk_size``, ``num_cpus``, ``init_kwargs``).

    >>> get_executor("local").name
    'local'
    >>> get_executor("spark")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rewardsmith.basics.UsageError: unknown executor 'spark'. Known executors: local, ...
    """
    spec = (spec or "local").strip()
    name = spec.split(":", 1)[0]
    factory = _local if name == "local" else _factory(name)
    if factory is None:
        known = known_executors()
        raise UsageError(f"unknown executor {spec!r}.{did_you_mean(name, known)} Known executors: "
                         f"{', '.join(known)} (others register under the entry-point group "
                         f"{EXECUTOR_GROUP})")
    return factory(spec, **options)


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
