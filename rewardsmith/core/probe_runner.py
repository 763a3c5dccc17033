"""Running reward-hacking probes: collect them from the plugins, score them, judge the results.

:func:`run_probes` (or :func:`run_spec_probes`, from a spec) scores every probe the plugins
contribute against the components of a :class:`~rewardsmith.core.compose.ComposedReward`, batched per
component (one sandbox start for all code probes); probes with a time limit (resource attacks) run
alone, in a thread, under that limit. The data types live in :mod:`rewardsmith.core.probes`.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from rewardsmith.core.errors import UsageError
from rewardsmith.core.probes import (ERROR, ROBUST, SKIPPED, VULNERABLE, Probe, ProbeResult,
                                   format_value, is_nan)
from rewardsmith.core.reward import Reward, Score

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.compose import ComposedReward
    from rewardsmith.core.plugin_manager import RewardsmithPluginManager

__all__ = ["collect_probes", "run_probes", "run_spec_probes", "run_component_probes",
           "skipped_results"]

log = logging.getLogger("rewardsmith")


# --- collection ------------------------------------------------------------------------------
def collect_probes(reward_name: str, plugin_manager: RewardsmithPluginManager | None = None
                   ) -> list[tuple[str, Probe]]:
    """Every (plugin name, probe) the installed plugins contribute for ``reward_name``.

    Items that are not a :class:`Probe`, or target another reward, are logged and dropped;
    a duplicated probe name keeps the first plugin's probe.
    """
    if plugin_manager is None:
        from rewardsmith.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    out: list[tuple[str, Probe]] = []
    seen: set[str] = set()
    for plugin, probe in plugin_manager.collect("rewardsmith_probes", reward_name=reward_name):
        if not isinstance(probe, Probe):
            log.warning("plugin %r returned %r from rewardsmith_probes; expected a Probe",
                        plugin, type(probe).__name__)
            continue
        if probe.reward != reward_name:
            continue  # a plugin may answer for any reward; keep only this one's probes
        if probe.name in seen:
            log.warning("probe %r of plugin %r duplicates a probe name; skipped", probe.name, plugin)
            continue
        seen.add(probe.name)
        out.append((plugin, probe))
    return out


def skipped_results(component: str, probes: Iterable[tuple[str, Probe]], reason: str
                    ) -> list[ProbeResult]:
    """SKIPPED results for probes that cannot run (e.g. their reward is unavailable here)."""
    return [ProbeResult(p, component, SKIPPED, reason=reason, plugin=pl) for pl, p in probes]


# --- running ---------------------------------------------------------------------------------
def run_probes(composed: ComposedReward, plugin_manager: RewardsmithPluginManager | None = None,
               select: str | None = None) -> list[ProbeResult]:
    """Run every probe that targets a component of ``composed``, component by component.

    Args:
        composed: the reward under test; each component is probed on its own (its own value,
            not the weighted total), with the options the spec gave it.
        plugin_manager: where probes come from (default: the process-wide manager).
        select: keep only probes whose name contains this substring.

    Returns:
        One :class:`ProbeResult` per (component, probe), in spec then contribution order.
    """
    results: list[ProbeResult] = []
    for comp, reward_obj in composed.components:
        probes = _selected(comp.name, plugin_manager, select)
        results.extend(run_component_probes(reward_obj, probes, comp.label))
    return results


def _selected(name: str, plugin_manager: Any, select: str | None) -> list[tuple[str, Probe]]:
    probes = collect_probes(name, plugin_manager)
    return [(pl, p) for pl, p in probes if select in p.name] if select else probes


def run_spec_probes(spec: Any, plugin_manager: RewardsmithPluginManager | None = None,
                    select: str | None = None, on_component: Any = None) -> list[ProbeResult]:
    """Like :func:`run_probes`, from a reward spec; an unavailable reward's probes are SKIPPED.

    Args:
        spec: a spec string (``math+format``), spec file path, mapping or RewardSpec.
        plugin_manager: where rewards and probes come from (default: the process-wide one).
        select: keep only probes whose name contains this substring.
        on_component: called as ``on_component(label, n_probes)`` before each component runs
            (progress display).

    Raises:
        UsageError: the spec does not parse, names an unknown reward or a bad option.
    """
    from rewardsmith.core.options import build_options
    from rewardsmith.core.spec import load_spec
    if plugin_manager is None:
        from rewardsmith.core.plugin_manager import get_plugin_manager
        plugin_manager = get_plugin_manager()
    registry = plugin_manager.registry
    parsed = load_spec(spec, known=registry.names())
    results: list[ProbeResult] = []
    for comp in parsed.components:
        probes = _selected(comp.name, plugin_manager, select)
        if on_component is not None:
            on_component(comp.label, len(probes))
        entry = registry.entries[comp.name]
        if entry.unavailable or entry.claimed_by:
            build_options(entry.cls.Options, dict(comp.options), owner=f"reward {comp.name!r}")
            results.extend(skipped_results(comp.label, probes, f"reward {entry.status}"))
            continue
        reward_obj = registry.create(comp.name, comp.options)
        results.extend(run_component_probes(reward_obj, probes, comp.label))
    return results


def run_component_probes(reward_obj: Reward, probes: Sequence[tuple[str, Probe]],
                         label: str | None = None) -> list[ProbeResult]:
    """Score ``probes`` against one reward instance; see :func:`run_probes`."""
    label = label or reward_obj.name
    results: dict[int, ProbeResult] = {}
    batched: list[tuple[int, str, Probe]] = []
    timed: list[tuple[int, str, Probe]] = []
    for i, (plugin, probe) in enumerate(probes):
        reason = _not_applicable(reward_obj, probe)
        if reason:
            results[i] = ProbeResult(probe, label, SKIPPED, reason=reason, plugin=plugin)
        else:
            (batched if probe.max_seconds is None else timed).append((i, plugin, probe))
    for group in _groups(batched):
        for i, res in _run_batch(reward_obj, group, label):
            results[i] = res
    for i, plugin, probe in timed:  # after the batches, so a model or pool start is not timed
        results[i] = _run_timed(reward_obj, probe, label, plugin)
    return [results[i] for i in range(len(probes))]


def _not_applicable(reward_obj: Reward, probe: Probe) -> str:
    for key, want in probe.applies.items():
        have = getattr(reward_obj.options, key, _MISSING)
        if have is _MISSING:
            return f"reward {reward_obj.name!r} has no option {key!r}"
        allowed = tuple(want) if isinstance(want, (tuple, list, set, frozenset)) else (want,)
        if have not in allowed:
            shown = " or ".join(f"{key}={w!r}" for w in allowed)
            return f"applies when {shown} (this component has {key}={have!r})"
    missing = [c for c in reward_obj.required_columns() if c not in probe.columns]
    if missing:
        return f"probe gives no column {', '.join(map(repr, missing))}"
    return ""


_MISSING = object()


def _groups(items: list[tuple[int, str, Probe]]) -> list[list[tuple[int, str, Probe]]]:
    """Split probes into batches that share the same column names (a batch needs one table)."""
    by_keys: dict[tuple[str, ...], list[tuple[int, str, Probe]]] = {}
    for item in items:
        by_keys.setdefault(tuple(sorted(item[2].columns)), []).append(item)
    return list(by_keys.values())


def _run_batch(reward_obj: Reward, group: list[tuple[int, str, Probe]], label: str
               ) -> list[tuple[int, ProbeResult]]:
    """Score the crafted completions and the (deduplicated) honest references in one batch."""
    prompts: list[Any] = []
    completions: list[Any] = []
    rows: list[Mapping[str, Any]] = []
    honest_index: dict[str, int] = {}
    probe_index: list[tuple[int, int | None]] = []

    def add(prompt: Any, completion: Any, columns: Mapping[str, Any]) -> int:
        prompts.append(prompt)
        completions.append(completion)
        rows.append(columns)
        return len(completions) - 1

    for _, _, probe in group:
        at = add(probe.prompt, probe.completion, probe.columns)
        h = None
        if probe.honest is not None:
            key = repr((probe.prompt, probe.honest, sorted(probe.columns.items())))
            if key not in honest_index:
                honest_index[key] = add(probe.prompt, probe.honest, probe.columns)
            h = honest_index[key]
        probe_index.append((at, h))
    columns = {k: [r[k] for r in rows] for k in (rows[0] if rows else {})}
    start = time.perf_counter()
    try:
        scores = reward_obj.score_batch(prompts, completions, columns)
    except UsageError:
        raise  # a misconfigured reward (a model path that does not load) is the user's to fix
    except Exception as exc:  # noqa: BLE001 - a batch-level failure is reported per probe
        msg = f"{type(exc).__name__}: {exc}"
        return [(i, ProbeResult(p, label, ERROR, reason=f"scoring failed: {msg}", plugin=pl))
                for i, pl, p in group]
    per = (time.perf_counter() - start) / max(1, len(completions))
    out = []
    for (i, plugin, probe), (at, h) in zip(group, probe_index):
        honest = scores[h] if h is not None else None
        res = _judge(probe, label, scores[at], honest)
        res.plugin, res.seconds = plugin, per
        out.append((i, res))
    return out


def _run_timed(reward_obj: Reward, probe: Probe, label: str, plugin: str) -> ProbeResult:
    """Score a resource-attack probe alone, in a daemon thread, under its time limit.

    The honest reference is scored first, untimed (it also warms the reward up).
    """
    box: dict[str, Any] = {}
    cols = {k: [v] for k, v in probe.columns.items()}

    def call(key: str, completion: Any) -> None:
        try:
            box[key] = reward_obj.score_batch([probe.prompt], [completion], cols)[0]
        except UsageError as exc:
            box["usage"] = exc
        except Exception as exc:  # noqa: BLE001
            box["error"] = f"{type(exc).__name__}: {exc}"

    if probe.honest is not None:
        call("honest", probe.honest)
    start = time.perf_counter()
    if "usage" not in box and "error" not in box:
        worker = threading.Thread(target=call, args=("score", probe.completion), daemon=True,
                                  name=f"probe:{probe.name}")
        worker.start()
        assert probe.max_seconds is not None
        worker.join(probe.max_seconds)
        if worker.is_alive():
            return ProbeResult(probe, label, VULNERABLE, seconds=time.perf_counter() - start,
                               plugin=plugin, reason=f"still scoring after {probe.max_seconds:g}s "
                                                     "(resource attack)")
    elapsed = time.perf_counter() - start
    if "usage" in box:
        raise box["usage"]
    if "error" in box:
        return ProbeResult(probe, label, ERROR, seconds=elapsed, plugin=plugin,
                           reason=f"scoring failed: {box['error']}")
    res = _judge(probe, label, box["score"], box.get("honest"))
    res.plugin, res.seconds = plugin, elapsed
    return res


def _judge(probe: Probe, label: str, score: Score, honest: Score | None) -> ProbeResult:
    """Compare one probe's score with its expectation."""
    got = score.value
    honest_v = honest.value if honest is not None else None
    res = ProbeResult(probe, label, ROBUST, got=got, honest=honest_v)
    if is_nan(got):
        if probe.allow_error:
            res.reason = f"no score ({score.error}); allowed for this probe"
            return res
        res.status, res.reason = ERROR, f"reward failed on the probe: {score.error}"
        return res
    if honest is not None and (honest_v is None or is_nan(honest_v)):
        why = honest.error or "not applicable (None)"
        res.status, res.reason = ERROR, f"honest reference not scored: {why}"
        return res
    if not probe.expect.check(got, honest_v):
        res.status = VULNERABLE
        res.reason = probe.description or "the reward paid for the crafted completion"
    elif honest_v is not None and not probe.expect.needs_honest and honest_v <= (got or 0.0):
        # "= 0" is vacuous if the honest answer gets 0 too: the reward cannot tell them apart here
        res.status = ERROR
        res.reason = (f"the honest reference earned {format_value(honest_v)}, no more than the probe: "
                      "the reward does not work on this sample, so the probe proves nothing")
    return res
