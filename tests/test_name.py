"""The project is called rewardsmith everywhere, and ships nothing under its old name."""
from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

import rewardsmith

ROOT = Path(rewardsmith.__file__).resolve().parent.parent
OLD = "reward" + "kit"  # spelled in two pieces so this file does not match itself
TEXT = {".py", ".md", ".toml", ".cfg", ".txt", ".yaml", ".yml", ".json", ".tmpl", ".sh", ".ini", ""}


def _project_files():
    for top in ("rewardsmith", "tests", "docs", "examples", "perf", "scripts", ".ci"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and path.suffix in TEXT and ".venv" not in path.parts \
                    and "__pycache__" not in path.parts and ".egg-info" not in str(path):
                yield path
    yield ROOT / "pyproject.toml"


def test_the_old_name_appears_only_in_the_readmes_history_line():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in _project_files()
             for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if OLD in line.lower()]
    assert found == []
    readme = [line for line in (ROOT / "README.md").read_text().splitlines() if OLD in line.lower()]
    assert len(readme) == 1 and "renamed" in (ROOT / "README.md").read_text()


def test_the_distribution_installs_rewardsmith_and_grpo_train_and_no_old_module():
    dist = metadata.distribution("rewardsmith")
    scripts = {ep.name for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {"rewardsmith", "grpo-train"}
    groups = {ep.group for ep in dist.entry_points}
    assert {"rewardsmith.plugins", "rewardsmith.executors", "pytest11"} <= groups
    assert not any(OLD in g for g in groups)
    spec = importlib.util.find_spec(OLD)  # another project may own that name; this one must not
    assert spec is None or ROOT not in Path(spec.origin or "/").resolve().parents
