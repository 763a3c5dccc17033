"""The top-level package: one public surface (``rewardsmith.__all__``), loaded lazily.

``import rewardsmith`` loads nothing of the project (a verifier user never pays for the plugin
host); each public name loads its module on first access.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import rewardsmith

_LAZY = """
import sys
import rewardsmith
loaded = sorted(m for m in sys.modules if m.startswith("rewardsmith.") or m == "pluggy")
assert loaded == [], f"import rewardsmith loaded {loaded}"
from rewardsmith import Reward
from rewardsmith.core.reward import Reward as Defined
assert Reward is Defined and rewardsmith.Reward is Defined
print("ok")
"""


def test_import_rewardsmith_loads_nothing_else():
    out = subprocess.run([sys.executable, "-c", _LAZY], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize("name", rewardsmith.__all__)
def test_every_public_name_resolves(name):
    assert getattr(rewardsmith, name) is not None
    assert name in dir(rewardsmith)


def test_plugin_author_names_are_public():
    # CONVENTIONS 16: everything a plugin author needs comes from the top-level package
    needed = {"hookimpl", "reward", "Reward", "Score", "Probe", "Expect", "completion_text",
              "prompt_text", "FormatRules", "verify_format", "boxed_contents", "load_reward"}
    assert needed <= set(rewardsmith.__all__)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Rewad'"):
        rewardsmith.Rewad  # noqa: B018
    with pytest.raises(ImportError):
        from rewardsmith import Rewad  # noqa: F401


def _deep_imports(root):
    """(file, line) of each import of rewardsmith's internals (``rewardsmith.x``) below ``root``."""
    deep = re.compile(r"^\s*(from|import)\s+rewardsmith\.", re.M)
    return [(str(p.relative_to(root)), m.group(0).strip()) for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in (".py", ".tmpl") for m in deep.finditer(p.read_text())]


def test_plugin_template_imports_only_the_public_surface():
    assert _deep_imports(Path(rewardsmith.__file__).parent / "kit" / "templates") == []


def test_example_plugin_imports_only_the_public_surface():
    example = Path(__file__).resolve().parents[1] / "examples" / "rewardsmith-countdown" / "src"
    if not example.is_dir():
        pytest.skip("the example plugin is not in this checkout")
    assert _deep_imports(example) == []


def test_the_leaf_modules_docstring_examples_hold():
    import doctest

    import rewardsmith.basics
    result = doctest.testmod(rewardsmith.basics)
    assert result.attempted > 0 and result.failed == 0
