"""rewardsmith's pytest plugin: the conformance kit as parametrized tests.

Registered through the ``pytest11`` entry point (name ``rewardsmith``), so it is active in every
pytest session where rewardsmith is installed. It only adds the ``rewardsmith_check`` fixture, the
``rewardsmith`` marker and a few ``--rewardsmith-*`` options; nothing is imported and no plugin is
loaded unless a test asks for ``rewardsmith_check``.

Usage in a plugin's tests::

    import pytest
    pytestmark = pytest.mark.rewardsmith(plugin="my-plugin")   # or rewards=["mine(strict=true)"]

    def test_conformance(rewardsmith_check):
        rewardsmith_check()

The test is parametrized over (reward, check) pairs, with ids like ``mine-determinism``. Marker
arguments: ``rewards`` (spec items, options allowed), ``plugin`` (entry-point or distribution
name), ``checks`` (a subset of :data:`rewardsmith.testing.conformance.CHECKS`). Without a marker the
``--rewardsmith-rewards`` option decides, else every installed reward is checked. A reward that is
unavailable here (missing optional dependency) is skipped with the reason.
"""
from __future__ import annotations

import warnings
from typing import Any

import pytest

_MARKER = ("rewardsmith(rewards=None, plugin=None, checks=None): choose the rewards and checks the "
           "rewardsmith conformance kit runs in tests that use the rewardsmith_check fixture")


class RewardsmithKitWarning(UserWarning):
    """A conformance note worth a look (e.g. a reward without probes)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rewardsmith", "rewardsmith conformance kit")
    group.addoption("--rewardsmith-rewards", default=None, metavar="NAMES",
                    help="comma-separated rewards (spec items) the kit checks in tests without a "
                         "rewardsmith marker; 'all' (default) for every installed reward")
    group.addoption("--rewardsmith-checks", default=None, metavar="CHECKS",
                    help="comma-separated subset of the kit's checks to run")
    group.addoption("--rewardsmith-limit", type=float, default=None, metavar="SECONDS",
                    help="seconds one sample may take before a reward is said to hang (default 10)")
    group.addoption("--rewardsmith-huge-chars", type=int, default=None, metavar="N",
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
    if "rewardsmith_check" not in metafunc.fixturenames:
        return
    from rewardsmith.testing.conformance import KitConfig, select_cases

    opt = metafunc.config.getoption
    marker = metafunc.definition.get_closest_marker("rewardsmith")
    kwargs = dict(marker.kwargs) if marker else {}
    settings = {k: v for k, v in (("limit", opt("--rewardsmith-limit")),
                                  ("huge_chars", opt("--rewardsmith-huge-chars"))) if v is not None}
    rewards = _split(kwargs.get("rewards"))
    plugin = kwargs.get("plugin")
    if rewards is None and plugin is None:
        rewards = _split(opt("--rewardsmith-rewards"))
    checks = _split(kwargs.get("checks")) or _split(opt("--rewardsmith-checks"))
    cases = select_cases(rewards, plugin, checks, KitConfig(**settings))
    metafunc.parametrize("rewardsmith_check", cases, ids=[c.id for c in cases], indirect=True)


@pytest.fixture
def rewardsmith_check(request: pytest.FixtureRequest):
    """A callable running one conformance case: fails with the finding, skips an unavailable reward."""
    case = getattr(request, "param", None)
    if case is None:
        pytest.fail("rewardsmith_check is parametrized by the rewardsmith pytest plugin; is it disabled "
                    "(-p no:rewardsmith or PYTEST_DISABLE_PLUGIN_AUTOLOAD)?", pytrace=False)

    def run() -> str | None:
        from rewardsmith.testing.conformance import ConformanceError, Unavailable
        try:
            note = case.run()
        except Unavailable as exc:
            pytest.skip(str(exc))
        except ConformanceError as exc:
            pytest.fail(f"[{case.id}] {exc}", pytrace=False)
        if note and "no probes" in note:
            warnings.warn(RewardsmithKitWarning(note), stacklevel=2)
        return note

    return run
