"""The conformance kit: the checks every registered reward must pass.

A *case* is one check against one reward component (a reward name with optional spec options,
e.g. ``countdown`` or ``format(think=required)``). The checks:

* ``declaration``: a spec-able name, a docstring, a finite declared ``value_range``, a frozen
  ``Options`` dataclass whose fields all have a default and a help text.
* ``edge_cases``: every generic completion (empty, huge, unicode, malformed, hostile, chat
  messages; :mod:`rewardsmith.testing.samples`) scores without an exception, as ``None`` or a float
  inside the declared range.
* ``determinism``: the same batch scored twice, and by a fresh instance, gives the same values.
* ``batch_equals_samples``: one batch call, the TRL-shaped call and per-sample calls agree.
* ``pickle``: the reward instance and its composed reward survive ``pickle`` (process pools; Ray
  uses cloudpickle, which accepts whatever pickle does) and score the same afterwards.
* ``timeout``: every generic completion returns within the kit's time limit. A reward with a
  ``timeout`` option is built with a short one (1 s) in every check but ``probes``, so hostile
  samples stay cheap and its own timeout must hold.
* ``probes``: the plugins' probes for the reward (``rewardsmith_probes``) are all ROBUST or SKIPPED;
  the values of the crafted completions and of the honest references (the only inputs that reach
  a reward's positive path) lie in the declared range, and an honest reference scored again on
  its own gets the same value.

Rewards that need dataset columns take them (and the prompt) from their first probe that provides
them, so a plugin whose reward needs columns must contribute at least one probe.
"""
from __future__ import annotations

import dataclasses
import math
import pickle
import re
from dataclasses import dataclass
from typing import Any, Sequence

from rewardsmith.core.errors import RewardsmithError
from rewardsmith.testing.subject import (ConformanceError, KitConfig, Subject, Unavailable,
                                       call_with_limit)

__all__ = ["CHECKS", "KitConfig", "KitCase", "ConformanceError", "Unavailable", "Subject",
           "select_cases", "check_reward", "run_check", "call_with_limit"]

CHECKS = ("declaration", "edge_cases", "determinism", "batch_equals_samples", "pickle",
          "timeout", "probes")
# --- the checks --------------------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    return "nan" if isinstance(v, float) and math.isnan(v) else repr(v)


def _same(a: Sequence[float | None], b: Sequence[float | None], rel: float = 0.0) -> list[int]:
    """Indices where two value lists differ (NaN equals NaN; ``rel`` is a relative tolerance)."""
    def eq(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y or abs(x - y) <= rel * max(1.0, abs(x), abs(y))
    if len(a) != len(b):
        return list(range(max(len(a), len(b))))
    return [i for i, (x, y) in enumerate(zip(a, b)) if not eq(x, y)]


def _diff_message(what: str, names: Sequence[str], a: Sequence, b: Sequence, idx: list[int]) -> str:
    if len(a) != len(b):
        return f"{what}: {len(a)} values vs {len(b)}"
    rows = "; ".join(f"{names[i]}: {_fmt(a[i])} vs {_fmt(b[i])}" for i in idx[:5])
    return f"{what} differ on {len(idx)} sample(s): {rows}"


def check_declaration(subj: Subject) -> str | None:
    cls = subj.cls
    problems = []
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", cls.name or ""):
        problems.append(f"name {cls.name!r} cannot be written in a spec")
    if not (cls.__dict__.get("__doc__") or "").strip():  # its own, not Reward's
        problems.append("no docstring (its first line is the description in 'rewardsmith plugins')")
    rng = cls.value_range
    if not (isinstance(rng, tuple) and len(rng) == 2 and all(isinstance(x, (int, float)) for x in rng)
            and all(math.isfinite(x) for x in rng) and rng[0] <= rng[1]):
        problems.append(f"value_range {rng!r} is not a finite (low, high) pair")
    opts = cls.Options
    if not (dataclasses.is_dataclass(opts) and opts.__dataclass_params__.frozen):
        problems.append("Options is not a frozen dataclass")
    else:
        for f in dataclasses.fields(opts):
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                problems.append(f"option {f.name!r} has no default (a bare spec name must work)")
            if not str(f.metadata.get("help", "")).strip():
                problems.append(f"option {f.name!r} has no metadata={{'help': ...}}")
    if problems:
        raise ConformanceError(f"reward {cls.name!r}: " + "; ".join(problems))
    return None


def check_edge_cases(subj: Subject) -> str | None:
    low, high = subj.value_range
    bad = []
    for s, score in zip(subj.samples(), subj.per_sample()):
        v = score.value
        if score.error is not None:
            bad.append(f"{s.name}: raised {score.error}")
        elif v is not None and not isinstance(v, float):
            bad.append(f"{s.name}: returned {type(v).__name__}, not float or None")
        elif v is not None and not (low <= v <= high):
            bad.append(f"{s.name}: {_fmt(v)} outside the declared range [{low:g}, {high:g}]")
    if bad:
        raise ConformanceError(f"reward {subj.name!r} on generic samples: " + "; ".join(bad))
    return None


#: relative difference allowed between batch and per-sample values (padding in batched models)
BATCH_TOLERANCE = 1e-6


def check_determinism(subj: Subject) -> str | None:
    samples = subj.samples()
    names = [s.name for s in samples]
    first = subj.make()
    a = subj.batch(first, samples, f"{subj.name} batch 1")
    b = subj.batch(first, samples, f"{subj.name} batch 2")
    c = subj.batch(subj.make(), samples, f"{subj.name} batch on a fresh instance")
    for what, other in (("two calls on one instance", b), ("a fresh instance", c)):
        idx = _same(a, other)
        if idx:
            raise ConformanceError(_diff_message(f"reward {subj.name!r} is not deterministic: "
                                                 f"{what}", names, a, other, idx))
    return None


def check_batch_equals_samples(subj: Subject) -> str | None:
    samples = subj.samples()
    names = [s.name for s in samples]
    per = [s.value for s in subj.per_sample()]
    for call in ("score_batch", "__call__"):
        got = subj.batch(subj.make(), samples, f"{subj.name} {call}", call=call)
        # batching pads model inputs, which moves the last float bits of a model-based reward
        idx = _same(per, got, rel=BATCH_TOLERANCE)
        if idx:
            raise ConformanceError(_diff_message(f"reward {subj.name!r}: per-sample and {call} "
                                                 "values", names, per, got, idx))
    return None


def check_pickle(subj: Subject) -> str | None:
    from rewardsmith.core.compose import load_reward
    reward_obj = subj.make()
    try:
        copy = pickle.loads(pickle.dumps(reward_obj))
        pickle.loads(pickle.dumps(load_reward(subj.item, plugin_manager=subj.pm)))
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        raise ConformanceError(f"reward {subj.name!r} does not pickle ({type(exc).__name__}: {exc}); "
                               "process pools and Ray need it: keep state in Options, define the "
                               "class at module level, open resources lazily") from None
    samples = [s for s in subj.samples() if s.kind != "huge"]
    a = subj.batch(reward_obj, samples, f"{subj.name} before pickling")
    b = subj.batch(copy, samples, f"{subj.name} after pickling")
    idx = _same(a, b)
    if idx:
        raise ConformanceError(_diff_message(f"reward {subj.name!r}: before and after pickling",
                                             [s.name for s in samples], a, b, idx))
    return None


def check_timeout(subj: Subject) -> str | None:
    short = subj.has_option("timeout") and "timeout" not in subj.options
    try:
        reward_obj = subj.make()
    except RewardsmithError as exc:
        raise ConformanceError(f"reward {subj.name!r} refuses timeout={subj.config.reward_timeout:g}: "
                               f"{exc}; make 'timeout' a float number of seconds") from None
    own = f" with timeout={subj.config.reward_timeout:g}" if short else ""
    prompt, cols = subj.context()
    slowest = (0.0, "")
    for s in subj.samples():
        _, secs = call_with_limit(
            lambda s=s: reward_obj.score_batch([prompt], [s.completion], {k: [v] for k, v in cols.items()}),
            subj.config.limit, f"{subj.name} on sample {s.name!r}{own}")
        slowest = max(slowest, (secs, s.name))
    return f"slowest sample {slowest[1]!r}: {slowest[0]:.2f}s (limit {subj.config.limit:g}s{own})"


def check_probes(subj: Subject) -> str | None:
    from rewardsmith.core.probe_runner import run_component_probes
    from rewardsmith.core.probes import ERROR, ROBUST, SKIPPED, VULNERABLE
    if not subj.probes:
        return (f"no probes for reward {subj.name!r}: contribute some through rewardsmith_probes "
                "(see docs/writing-plugins.md)")
    low, high = subj.value_range
    reward_obj = subj.make(short_timeout=False)  # probes judge the reward as configured
    results = call_with_limit(lambda: run_component_probes(reward_obj, subj.probes, subj.item),
                              subj.config.limit * (1 + len(subj.probes)), f"{subj.name} probes")[0]
    bad = [f"{r.probe.name} ({r.plugin}): {r.status}, expected {r.expected}, got {r.got_text()}"
           f"{' - ' + r.reason if r.reason else ''}" for r in results if r.status in (ERROR, VULNERABLE)]
    bad += [f"{r.probe.name}: {r.got_text()} outside [{low:g}, {high:g}]" for r in results
            if r.got is not None and not math.isnan(r.got) and not low <= r.got <= high]
    bad += _honest_problems(subj, reward_obj, results)
    if bad:
        raise ConformanceError(f"reward {subj.name!r} probes: " + "; ".join(bad))
    robust = sum(r.status == ROBUST for r in results)
    skipped = [r for r in results if r.status == SKIPPED]
    return f"{robust} probe(s) robust, {len(skipped)} skipped" if skipped else None


def _honest_problems(subj: Subject, reward_obj: Any, results: Sequence[Any]) -> list[str]:
    """The honest references are the only inputs that reach a reward's positive path (generic
    samples are junk, crafted completions are hacks): their values must lie in the declared range
    too, and be the same when each is scored again on its own."""
    low, high = subj.value_range
    bad, seen = [], set()
    for r in results:
        probe = r.probe
        if probe.honest is None or r.honest is None or math.isnan(r.honest):
            continue  # skipped, or not scored (the probe's own verdict already says so)
        where = f"{probe.name}: the honest reference"
        if not low <= r.honest <= high:
            bad.append(f"{where} earned {_fmt(r.honest)}, outside the declared range [{low:g}, {high:g}]")
        key = repr((probe.prompt, probe.honest, sorted(probe.columns.items())))
        if key in seen:
            continue
        seen.add(key)
        again = call_with_limit(lambda p=probe: reward_obj.score_batch(
            [p.prompt], [p.honest], {k: [v] for k, v in p.columns.items()}), subj.config.limit,
            f"{subj.name} on the honest reference of {probe.name}")[0][0].value
        if _same([r.honest], [again], rel=BATCH_TOLERANCE):
            bad.append(f"{where} earned {_fmt(r.honest)}, then {_fmt(again)} when scored again "
                       "(not deterministic)")
    return bad


_CHECK_FUNCS = {name: globals()[f"check_{name}"] for name in CHECKS}


# --- cases -------------------------------------------------------------------------------------------
_subjects: dict[tuple[str, KitConfig], Subject] = {}


def _subject(item: str, config: KitConfig) -> Subject:
    from rewardsmith.core.plugin_manager import get_plugin_manager
    pm = get_plugin_manager()
    subj = _subjects.get((item, config))
    if subj is None or subj.pm is not pm:
        subj = _subjects[(item, config)] = Subject(item, pm, config)
    return subj


@dataclass(frozen=True)
class KitCase:
    """One check against one reward component; ``run`` returns a note or raises."""

    item: str
    check: str
    config: KitConfig = KitConfig()
    problem: str | None = None  # a selection that found nothing: the case fails with this

    @property
    def id(self) -> str:
        return f"{self.item}-{self.check}"

    def run(self) -> str | None:
        """Run the check. Raises Unavailable (skip) or ConformanceError (fail)."""
        if self.problem:
            raise ConformanceError(self.problem)
        try:
            subj = _subject(self.item, self.config)
        except RewardsmithError as exc:
            raise ConformanceError(f"{self.item!r}: {exc}") from None
        return run_check(subj, self.check)


def run_check(subj: Subject, check: str) -> str | None:
    """Run one check on a subject: a note, or Unavailable (skip) / ConformanceError (fail)."""
    if check not in _CHECK_FUNCS:
        raise ConformanceError(f"unknown check {check!r}; checks: {', '.join(CHECKS)}")
    if check != "declaration":  # a declaration can be read without the optional dependencies
        subj.check_available()
        subj.check_configured()
    return _CHECK_FUNCS[check](subj)


def select_cases(rewards: Sequence[str] | None = None, plugin: str | None = None,
                 checks: Sequence[str] | None = None, config: KitConfig = KitConfig(),
                 plugin_manager: Any = None) -> list[KitCase]:
    """The cases for ``rewards`` (spec items), or the rewards of ``plugin`` (entry-point or
    distribution name), or every registered reward; times ``checks`` (default: all)."""
    if plugin_manager is None:
        from rewardsmith.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    checks = list(checks or CHECKS)
    registry = plugin_manager.registry
    if rewards:
        items = list(rewards)
    elif plugin:
        want = plugin.replace("_", "-").lower()
        items = [n for n, e in registry.entries.items()
                 if want in (e.plugin.replace("_", "-").lower(), e.dist.replace("_", "-").lower())]
        if not items:
            return [KitCase(f"plugin:{plugin}", "select", config,
                            problem=f"no rewards found for plugin {plugin!r}: is it installed "
                                    "(pip install -e .) and does its rewardsmith_rewards return them?")]
    else:
        items = registry.names()
    return [KitCase(item, check, config) for item in items for check in checks]


def check_reward(item: str, checks: Sequence[str] | None = None,
                 config: KitConfig = KitConfig()) -> dict[str, str | None]:
    """Run the kit on one reward outside pytest: check -> note; raises on the first failure.

    >>> notes = check_reward("length", checks=["declaration", "pickle"])
    >>> sorted(notes)
    ['declaration', 'pickle']
    """
    return {c.check: c.run() for c in select_cases([item], checks=checks, config=config)}
