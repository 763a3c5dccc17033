"""Fixtures that install real (throw-away) distributions with entry points for plugin-host tests.

``make_dist`` writes ``NAME-VERSION.dist-info`` with ``entry_points.txt`` plus plugin modules into a
temporary folder on ``sys.path``: importlib.metadata then sees a real installed distribution, so
the host loads its plugins through exactly the path pip-installed ones take.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

from rewardkit.core.plugin_manager import reset_plugin_manager


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    added_modules: list[str] = []

    def make(name: str, modules: dict[str, str], entry_points: dict[str, str],
             version: str = "1.0") -> Path:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        eps = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[rewardkit.plugins]\n{eps}\n")
        for mod, source in modules.items():
            (site / f"{mod}.py").write_text(textwrap.dedent(source))
            added_modules.append(mod)
        reset_plugin_manager()
        return info

    yield make
    for mod in added_modules:
        sys.modules.pop(mod, None)
    reset_plugin_manager()


@pytest.fixture(autouse=True)
def _fresh_plugin_manager():
    reset_plugin_manager()
    yield
    reset_plugin_manager()
