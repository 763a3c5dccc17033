"""The reward API: a named object with a pure per-sample function and a TRL-shaped batch call.

A reward is a subclass of :class:`Reward` (or a function wrapped by :func:`reward`). It implements
``compute(completion, ...)`` naming only the context it needs (``prompt``, dataset columns such as
``answer`` or ``tests``, ``options``); the host passes nothing else, so the context can grow without
breaking plugins. ``compute`` returns a float, a :class:`Score` (value plus details for logs), or
``None`` for "not applicable".
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Callable, ClassVar, Mapping, Sequence

from rewardsmith.basics import completion_text, prompt_text
from rewardsmith.core.errors import RewardError, UsageError

__all__ = ["Reward", "Score", "NoOptions", "reward", "completion_text", "prompt_text"]

log = logging.getLogger("rewardsmith")

#: names a reward's compute() may ask for that are not dataset columns
_HOST_ARGS = ("prompt", "completion", "options")


@dataclass(frozen=True)
class NoOptions:
    """A reward without options."""


@dataclass(frozen=True)
class Score:
    """One sample's reward.

    Attributes:
        value: the reward; None means "not applicable", NaN means "no score" (the reward failed).
        details: small JSON-serialisable facts for logs (extracted answer, reason, ...).
        error: the failure message when the reward raised; value is then NaN.
    """

    value: float | None
    details: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


class LockedState:
    """A ``_lock`` for counters shared by threads, dropped when pickled (to a worker) and rebuilt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


class Reward:
    """Base class of every reward.

    Subclasses set ``name`` and implement ``compute``. Class attributes:

    * ``name``: the name used in reward specs (``math``, ``format``, ...).
    * ``Options``: a frozen dataclass of the reward's own options, each field with
      ``metadata={"help": ...}``; spec options such as ``code(timeout=5)`` fill it.
    * ``value_range``: the declared (low, high) of non-None values.
    * ``requires``: importable module names the reward needs; when one is missing the reward is
      registered as unavailable, with ``extra`` naming the pip extra that installs it.

    >>> class Yes(Reward):
    ...     name = "yes"
    ...     def compute(self, completion):
    ...         return float("yes" in completion)
    >>> Yes()(prompts=["q", "q"], completions=["yes", "no"])
    [1.0, 0.0]
    """

    name: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    requires: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str | None] = None
    #: set by the registry: which plugin provided this reward (for error reports)
    plugin: str = "?"

    def __init__(self, options: Any = None, **option_values: Any) -> None:
        if options is None:
            options = self.Options(**option_values)
        elif option_values:
            raise TypeError("pass either an Options instance or keyword options, not both")
        self.options = options

    # --- what subclasses implement -------------------------------------------------------
    def compute(self, completion: str, **context: Any) -> float | Score | None:  # pragma: no cover
        raise NotImplementedError

    # --- introspection ---------------------------------------------------------------------
    @classmethod
    def _compute_params(cls) -> tuple[set[str], bool]:
        return _params_of(cls.compute)

    @classmethod
    def required_columns(cls) -> list[str]:
        """Dataset columns compute() needs (parameters without defaults)."""
        sig = inspect.signature(cls.compute)
        return [p.name for p in list(sig.parameters.values())[1:]
                if p.name not in _HOST_ARGS and p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    @classmethod
    def description(cls) -> str:
        doc = inspect.getdoc(cls) or ""
        return doc.strip().split("\n")[0] if doc else ""

    # --- scoring ----------------------------------------------------------------------------
    def score(self, prompt: Any = None, completion: Any = "", **context: Any) -> Score:
        """Score one sample. Exceptions propagate (the batch call decides the error policy)."""
        names, takes_all = self._compute_params()
        kwargs = {k: v for k, v in context.items() if takes_all or k in names}
        if "prompt" in names:
            kwargs["prompt"] = prompt
        if "options" in names:
            kwargs["options"] = self.options
        return _as_score(self.compute(completion_text(completion), **kwargs))

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        """Score a batch. Columns hold one value per completion.

        A sample whose compute() raises becomes ``Score(nan, error=...)`` (no score), unless
        ``strict``, in which case a :class:`RewardError` naming the reward and plugin is raised.
        Subclasses that batch (a PRM, a sandbox) override this and keep the same policy.
        """
        columns = dict(columns or {})
        n = len(completions)
        self.check_columns(columns, n)
        prompts = list(prompts) if prompts is not None else [None] * n
        out = []
        for i in range(n):
            ctx = {k: v[i] for k, v in columns.items()}
            out.append(self._safe(lambda: self.score(prompts[i], completions[i], **ctx), i, strict))
        return out

    def _safe(self, fn: Callable[[], Score], index: int, strict: bool) -> Score:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - the policy is explicit: count, log, NaN
            msg = f"{type(exc).__name__}: {exc}"
            if strict:  # samples count from 1, like the lines of an input file
                raise RewardError(msg, reward=self.name, plugin=self.plugin, sample=index + 1) from exc
            log.warning("reward %r (plugin %r) failed on sample %d: %s",
                        self.name, self.plugin, index + 1, msg)
            return Score(math.nan, error=msg)

    def checked_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                      columns: Mapping[str, Sequence[Any]] | None = None, *,
                      strict: bool = False) -> list[Score]:
        """:meth:`score_batch` as the host runs it: a value outside the declared ``value_range``
        (or a NaN the reward returned without raising) is a failure of this reward, like an
        exception: ``Score(nan, error=...)``, logged with the reward's and plugin's names, or a
        :class:`RewardError` when ``strict``. It never reaches a sum or an advantage."""
        scores = self.score_batch(prompts, completions, columns, strict=strict)
        low, high = self.value_range
        slack = 1e-9 * max(1.0, abs(low), abs(high))
        bad = [i for i, s in enumerate(scores) if s.error is None and s.value is not None
               and not low - slack <= s.value <= high + slack]  # NaN compares False: caught too
        if not bad:
            return scores
        what = f"outside its declared value_range [{low:g}, {high:g}]"
        if strict:
            raise RewardError(f"returned {scores[bad[0]].value!r}, {what}", reward=self.name,
                              plugin=self.plugin, sample=bad[0] + 1)
        log.warning("reward %r (plugin %r) returned %d value(s) %s (first %r on sample %d); counted as "
                    "failures", self.name, self.plugin, len(bad), what, scores[bad[0]].value, bad[0] + 1)
        out = list(scores)
        for i in bad:
            out[i] = Score(math.nan, scores[i].details, f"returned {scores[i].value!r}, {what}")
        return out

    def check_columns(self, columns: Mapping[str, Sequence[Any]], n: int) -> None:
        """Raise UsageError when a needed column is missing or has the wrong length."""
        for col in self.required_columns():
            if col not in columns:
                raise UsageError(f"reward {self.name!r} needs the column {col!r} "
                                 f"(available: {', '.join(sorted(columns)) or 'none'})")
        for col, values in columns.items():
            if len(values) != n:
                raise UsageError(f"column {col!r} has {len(values)} values for {n} completions")

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                 **columns: Any) -> list[float | None]:
        """TRL's reward-function shape: lists in, one float (or None) per completion out."""
        scores = self.checked_batch(prompts, completions, _list_columns(columns, len(completions)))
        return [s.value for s in scores]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"


def _list_columns(columns: Mapping[str, Any], n: int) -> dict[str, Sequence[Any]]:
    """Keep the per-sample columns TRL passes (lists of length n, ``completion_ids`` included: a
    reward that names it counts the policy's own tokens); drop trainer extras."""
    return {k: v for k, v in columns.items() if isinstance(v, (list, tuple)) and len(v) == n}


@functools.lru_cache(maxsize=None)
def _params_of(fn: Callable) -> tuple[frozenset[str], bool]:
    sig = inspect.signature(fn)
    names = frozenset(p.name for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    takes_all = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return names, takes_all


def _as_score(value: Any) -> Score:
    if isinstance(value, Score):
        return value
    if value is None:
        return Score(None)
    if isinstance(value, bool):
        return Score(float(value))
    if isinstance(value, (int, float)):
        return Score(float(value))
    raise TypeError(f"a reward must return a float, a Score or None, not {type(value).__name__}")


def reward(name: str | None = None, *, value_range: tuple[float, float] = (0.0, 1.0),
           options: type = NoOptions, requires: tuple[str, ...] = (),
           extra: str | None = None) -> Callable[[Callable], type[Reward]]:
    """Turn a plain function into a :class:`Reward` class.

    The function names what it needs (``completion``, ``prompt``, columns, ``options``) and returns
    a float, a Score or None. The decorated name becomes the Reward class (instances pickle, so they
    travel to process pools and Ray); the original function stays at ``.function``.

    >>> @reward("shout")
    ... def shout(completion):
    ...     return float(completion.isupper())
    >>> shout()(completions=["HI", "hi"])
    [1.0, 0.0]
    """

    def wrap(fn: Callable) -> type[Reward]:
        def compute(self, completion, **context):  # noqa: ANN001
            return fn(completion, **context)

        compute.__signature__ = _method_signature(fn)  # type: ignore[attr-defined]
        cls = type(fn.__name__, (Reward,), {
            "name": name or fn.__name__, "Options": options, "value_range": value_range,
            "requires": requires, "extra": extra, "compute": compute,
            "function": staticmethod(fn), "__doc__": fn.__doc__, "__module__": fn.__module__,
            "__qualname__": fn.__qualname__,
        })
        return cls

    return wrap


def _method_signature(fn: Callable) -> inspect.Signature:
    sig = inspect.signature(fn)
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sig.replace(parameters=[self_param, *sig.parameters.values()])


def option_fields(options_cls: type) -> list[tuple[str, Any, str]]:
    """(name, default, help) of each option of a reward's Options dataclass."""
    if not is_dataclass(options_cls):
        return []
    return [(f.name, f.default, f.metadata.get("help", "")) for f in fields(options_cls)]
