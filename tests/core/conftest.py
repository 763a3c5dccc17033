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


TOY_PLUGIN = '''
from dataclasses import dataclass, field
from rewardkit import hookimpl, Reward, Score, reward

@dataclass(frozen=True)
class ContainsOptions:
    word: str = field(default="yes", metadata={"help": "the word to look for"})
    bonus: float = field(default=1.0, metadata={"help": "value when found"})

class Contains(Reward):
    """1 when the completion contains the word."""
    name = "toy_contains"
    Options = ContainsOptions
    value_range = (0.0, 10.0)
    def compute(self, completion, options):
        found = options.word in completion
        return Score(options.bonus if found else 0.0, {"found": found})

@reward("toy_exact", value_range=(0.0, 1.0))
def toy_exact(completion, answer):
    """1 when the completion equals the answer; None when there is no answer."""
    if answer is None:
        return None
    return float(completion.strip() == str(answer))

@reward("toy_crash")
def toy_crash(completion):
    """Raises on completions containing 'boom'."""
    if "boom" in completion:
        raise RuntimeError("exploded")
    return 0.5

@hookimpl
def rewardkit_rewards():
    return [Contains, toy_exact, toy_crash]
'''
