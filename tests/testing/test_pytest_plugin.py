"""The kit's pytest plugin, as a plugin author meets it: a separate pytest run, entry points only.

A throw-away distribution (dist-info with a ``rewardsmith.plugins`` entry point) goes into a temp
folder on PYTHONPATH; a test file there enables the kit with the marker. The inner pytest finds
the kit through rewardsmith's ``pytest11`` entry point, exactly as in a third-party repository.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PLUGIN = '''
from rewardsmith import Reward, hookimpl

class Fine(Reward):
    """1 when the completion says 42."""
    name = "kit_fine"
    def compute(self, completion):
        return float("42" in completion)

class Greedy(Reward):
    """Declares [0, 1] and pays 5."""
    name = "kit_greedy"
    def compute(self, completion):
        return 5.0

class Docker(Reward):
    """Needs a module that is not installed."""
    name = "kit_docker"
    requires = ("surely_not_installed_here",)
    extra = "code"
    def compute(self, completion):
        return 0.0

@hookimpl
def rewardsmith_rewards():
    return [Fine, Greedy, Docker]
'''

TESTS = '''
import pytest

@pytest.mark.rewardsmith(plugin="kit-toy", checks=["declaration", "edge_cases"])
def test_plugin_conformance(rewardsmith_check):
    rewardsmith_check()

def test_selected_on_the_command_line(rewardsmith_check):
    rewardsmith_check()

def test_unrelated():
    assert True
'''


def test_kit_in_a_separate_pytest_run(tmp_path: Path):
    site = tmp_path / "site"
    info = site / "kit_toy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kit-toy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[rewardsmith.plugins]\nkit_toy = kit_toy_plugin\n")
    (site / "kit_toy_plugin.py").write_text(textwrap.dedent(PLUGIN))
    (tmp_path / "test_toy.py").write_text(textwrap.dedent(TESTS))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", "test_toy.py",
         "--rewardsmith-rewards=kit_fine,length(unit=chars)", "--rewardsmith-checks=pickle",
         "--rewardsmith-huge-chars=5000"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # kit_greedy fails, so the run fails
    for passed in ("test_plugin_conformance[kit_fine-declaration] PASSED",
                   "test_plugin_conformance[kit_fine-edge_cases] PASSED",
                   "test_plugin_conformance[kit_greedy-declaration] PASSED",
                   "test_plugin_conformance[kit_docker-declaration] PASSED",
                   "test_selected_on_the_command_line[kit_fine-pickle] PASSED",
                   "test_selected_on_the_command_line[length(unit=chars)-pickle] PASSED",
                   "test_unrelated PASSED"):
        assert passed in out, out
    assert "test_plugin_conformance[kit_greedy-edge_cases] FAILED" in out
    assert "5.0 outside the declared range [0, 1]" in out  # the finding, not a traceback
    assert "test_plugin_conformance[kit_docker-edge_cases] SKIPPED" in out
    assert "missing module 'surely_not_installed_here' (pip install 'rewardsmith[code]')" in out
    assert "1 failed, 7 passed, 1 skipped" in out


def test_plugin_is_inert_without_the_fixture(pytestconfig):
    # this very session loaded it through the entry point (name "rewardsmith"), with its options
    assert pytestconfig.pluginmanager.has_plugin("rewardsmith")
    assert pytestconfig.getoption("--rewardsmith-rewards") is None
    assert any(line.startswith("rewardsmith(") for line in pytestconfig.getini("markers"))


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, rewardsmith.testing.pytest_plugin as p; "
            "heavy = [m for m in ('sympy', 'torch', 'math_verify', 'rewardsmith.testing.conformance', "
            "'rewardsmith.core.probes', 'rewardsmith.core.probe_runner') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
