"""Fixtures every test folder shares: the benchmark data, throw-away plugin distributions, the toy plugin.

``data_dir`` is the few rows shipped under ``tests/data`` (with their licences and sources), so the
README's test command passes on a plain clone. Tests that need whole datasets are marked
``full_data`` and take ``full_data_dir``: they run when ``REWARDSMITH_FULL_DATA`` names a folder laid
out like ``tests/data`` (CI's second step sets it to ``../shared/data``) and skip elsewhere.
"""
from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

SAMPLE_DATA = Path(__file__).resolve().parent / "data"
TOY_SOURCE = Path(__file__).resolve().parent / "toy_rewards.py"
FULL_DATA_ENV = "REWARDSMITH_FULL_DATA"
_SKIP_REASON = f"needs the full datasets: set {FULL_DATA_ENV}=../shared/data (CI's second step does)"


def _full_data_path() -> Path | None:
    value = os.environ.get(FULL_DATA_ENV, "").strip()
    return Path(value).resolve() if value else None


def pytest_collection_modifyitems(config, items):
    if _full_data_path() is not None:
        return
    skip = pytest.mark.skip(reason=_SKIP_REASON)
    for item in items:
        if "full_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shipped sample: first rows of GSM8K, MATH-500, MBPP and two PRM800K records."""
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def full_data_dir() -> Path:
    """The whole datasets (only for tests marked ``full_data``)."""
    path = _full_data_path()
    if path is None:
        pytest.skip(_SKIP_REASON)
    if not (path / "gsm8k" / "test.jsonl").is_file():
        pytest.fail(f"{FULL_DATA_ENV}={path} does not hold gsm8k/test.jsonl (see tests/data/README.md)")
    return path


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``make_dist(name, modules, entry_points, group=...)`` writes ``NAME-VERSION.dist-info`` with
    ``entry_points.txt`` (group ``rewardsmith.plugins`` unless told) plus plugin modules into a
    temporary folder on ``sys.path``: importlib.metadata then sees a real installed distribution,
    so the host loads its plugins through exactly the path pip-installed ones take."""
    from rewardsmith.core.plugin_manager import reset_plugin_manager

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    added_modules: list[str] = []

    def make(name: str, modules: dict[str, str], entry_points: dict[str, str],
             version: str = "1.0", group: str = "rewardsmith.plugins") -> Path:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        eps = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{group}]\n{eps}\n")
        for mod, source in modules.items():
            (site / f"{mod}.py").write_text(textwrap.dedent(source))
            added_modules.append(mod)
        reset_plugin_manager()
        return info

    yield make
    for mod in added_modules:
        sys.modules.pop(mod, None)
    reset_plugin_manager()


@pytest.fixture
def toy_dist(make_dist: Callable[..., Path]) -> Callable[..., Path]:
    """``toy_dist(version="1.0")`` installs tests/toy_rewards.py as the distribution ``toy-rewards``
    (module ``toyplug``, entry point ``toy``) and returns its dist-info folder: the toy rewards
    reach the host the way a pip-installed plugin's do."""
    def install(version: str = "1.0") -> Path:
        return make_dist("toy-rewards", {"toyplug": TOY_SOURCE.read_text()}, {"toy": "toyplug"},
                         version=version)

    return install


@pytest.fixture
def toy_plugin() -> Iterator[Any]:
    """The process-wide plugin manager with tests/toy_rewards.py registered by hand (plugin
    ``toy``) next to the built-ins; a new plugin manager before and after the test."""
    import toy_rewards
    from rewardsmith.core.plugin_manager import get_plugin_manager, reset_plugin_manager

    reset_plugin_manager()
    pm = get_plugin_manager()
    assert pm.add_plugin(toy_rewards, "toy")
    yield pm
    reset_plugin_manager()


@pytest.fixture
def fresh_plugin_manager():
    """A new plugin manager for the test, and another after it (folders make it autouse)."""
    from rewardsmith.core.plugin_manager import reset_plugin_manager

    reset_plugin_manager()
    yield
    reset_plugin_manager()


@pytest.fixture(scope="session")
def farmable_prm(tmp_path_factory) -> str:
    """A random tiny value-head PRM that, measured, scores the ``prm/farm-trivial-steps`` probe's
    trivially true steps above the honest solution's steps, so ``aggregate=mean`` can be farmed
    with it (the first such model among 32 seeds; which seed depends on the tiny vocabulary)."""
    from rewardsmith.core.compose import load_reward
    from rewardsmith.plugins.probes.prm import probes
    from rewardsmith.prm.tiny import save_tiny_prm

    farm = next(p for p in probes() if p.name == "prm/farm-trivial-steps")
    root = tmp_path_factory.mktemp("farmable-prm")
    for seed in range(32):
        path = save_tiny_prm("value_head", str(root / f"seed-{seed}"), seed=seed)
        reward = load_reward(f"prm(model={path},aggregate=mean)")
        got, honest = reward.score([farm.prompt] * 2, [farm.completion, farm.honest]).rewards
        if got > honest + 0.01:
            return path
    pytest.fail("no tiny PRM among 32 seeds scores the trivial steps above the honest ones")
