"""rewardkit's pytest plugin: the conformance kit as parametrized tests.

Registered through the ``pytest11`` entry point (name ``rewardkit``), so it is active in every
pytest session where rewardkit is installed. It only adds the ``rewardkit_check`` fixture, the
``rewardkit`` marker and a few ``--rewardkit-*`` options; nothing is imported and no plugin is
loaded unless a test asks for ``rewardkit_check``.

Usage in a plugin's tests::

    import pytest
    pytestmark = pytest.mark.rewardkit(plugin="my-plugin")   # or rewards=["mine(strict=true)"]

    def test_conformance(rewardkit_check):
        rewardkit_check()

The test is parametrized over (reward, check) pairs, with ids like ``mine-determinism``. Marker
arguments: ``rewards`` (spec items, options allowed), ``plugin`` (entry-point or distribution
name), ``checks`` (a subset of :data:`rewardkit.testing.conformance.CHECKS`). Without a marker the
``--rewardkit-rewards`` option decides, else every installed reward is checked. A reward that is
unavailable here (missing optional dependency) is skipped with the reason.
"""
from __future__ import annotations

import warnings
from typing import Any

import pytest

_MARKER = ("rewardkit(rewards=None, plugin=None, checks=None): choose the rewards and checks the "
           "rewardkit conformance kit runs in tests that use the rewardkit_check fixture")


class RewardkitKitWarning(UserWarning):
    """A conformance note worth a look (e.g. a reward without probes)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rewardkit", "rewardkit conformance kit")
    group.addoption("--rewardkit-rewards", default=None, metavar="NAMES",
                    help="comma-separated rewards (spec items) the kit checks in tests without a "
                         "rewardkit marker; 'all' (default) for every installed reward")
    group.addoption("--rewardkit-checks", default=None, metavar="CHECKS",
                    help="comma-separated subset of the kit's checks to run")
    group.addoption("--rewardkit-limit", type=float, default=None, metavar="SECONDS",
                    help="seconds one sample may take before a reward is said to hang (default 10)")
    group.addoption("--rewardkit-huge-chars", type=int, default=None, metavar="N",
                    help="size of the huge generic completions (default 1000000)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER)


def _split(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
        return None if items in ([], ["all"]) else items
    return [str(v) for v in value]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rewardkit_check" not in metafunc.fixturenames:
        return
    from rewardkit.testing.conformance import KitConfig, select_cases

    opt = metafunc.config.getoption
    marker = metafunc.definition.get_closest_marker("rewardkit")
    kwargs = dict(marker.kwargs) if marker else {}
    settings = {k: v for k, v in (("limit", opt("--rewardkit-limit")),
                                  ("huge_chars", opt("--rewardkit-huge-chars"))) if v is not None}
    rewards = _split(kwargs.get("rewards"))
    plugin = kwargs.get("plugin")
    if rewards is None and plugin is None:
        rewards = _split(opt("--rewardkit-rewards"))
    checks = _split(kwargs.get("checks")) or _split(opt("--rewardkit-checks"))
    cases = select_cases(rewards, plugin, checks, KitConfig(**settings))
    metafunc.parametrize("rewardkit_check", cases, ids=[c.id for c in cases], indirect=True)


@pytest.fixture
def rewardkit_check(request: pytest.FixtureRequest):
    """A callable running one conformance case: fails with the finding, skips an unavailable reward."""
    case = getattr(request, "param", None)
    if case is None:
        pytest.fail("rewardkit_check is parametrized by the rewardkit pytest plugin; is it disabled "
                    "(-p no:rewardkit or PYTEST_DISABLE_PLUGIN_AUTOLOAD)?", pytrace=False)

    def run() -> str | None:
        from rewardkit.testing.conformance import ConformanceError, Unavailable
        try:
            note = case.run()
        except Unavailable as exc:
            pytest.skip(str(exc))
        except ConformanceError as exc:
            pytest.fail(f"[{case.id}] {exc}", pytrace=False)
        if note and "no probes" in note:
            warnings.warn(RewardkitKitWarning(note), stacklevel=2)
        return note

    return run
