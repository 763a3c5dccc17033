"""Hook specifications: every hook a rewardsmith plugin can implement, and nothing else.

A plugin is a module (or object) named by an entry point in the group ``rewardsmith.plugins``. It
implements any of these hooks with ``from rewardsmith import hookimpl``; the host calls each
implementation with only the arguments it names. No hook here is ``firstresult``: the host
collects the result of every plugin and attributes each item to the plugin that returned it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rewardsmith.core.markers import hookspec

if TYPE_CHECKING:  # pragma: no cover
    from rewardsmith.core.probes import Probe
    from rewardsmith.core.reward import Reward
    from rewardsmith.core.suite import Suite


@hookspec
def rewardsmith_rewards() -> Sequence[type[Reward]]:
    """Return the reward classes this plugin provides.

    Called once, when the plugin manager builds the reward registry. Each item is a subclass of
    :class:`rewardsmith.Reward` (or a function decorated with :func:`rewardsmith.reward`). Its ``name``
    must be unique across all installed plugins: two plugins claiming one name is an error that
    names both. Return the classes even when an optional dependency is missing; declare it in
    ``requires``/``extra`` and the host lists the reward as unavailable, with the fix.
    """


@hookspec
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Return reward-hacking probes for the reward called ``reward_name`` (may be empty).

    Called by ``rewardsmith probe`` and the conformance kit once per reward component of the spec
    under test. A probe is a crafted completion with its context and the expectation a robust reward
    must meet (see :class:`rewardsmith.core.probes.Probe`). Every plugin is asked, so a plugin may
    contribute probes for rewards it does not own.
    """


@hookspec
def rewardsmith_bench_suites() -> Sequence[Suite]:
    """Return benchmark suites this plugin adds to ``rewardsmith bench``.

    Called when the bench command builds its suite table. A suite is declarative data (data source,
    split, prompt template, answer or tests columns, reward spec, version); its ``name`` must be
    unique across plugins.
    """
