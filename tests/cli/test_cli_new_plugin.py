"""``rewardsmith new-plugin``: the generated package installs, registers, scores and passes its tests.

The package is really built and installed by pip (``--target`` a temp folder, so the shared
environment is untouched); a fresh interpreter with that folder on PYTHONPATH then sees it
exactly as it would after ``pip install -e``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rewardsmith.cli import main
from rewardsmith.kit import plugin_names


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(package dir, its files as generated, env with the installed package on PYTHONPATH)."""
    root = tmp_path_factory.mktemp("newplugin")
    assert main(["new-plugin", "demo_answer", "--dir", str(root)]) == 0
    pkg = root / "rewardsmith-demo-answer"
    files = sorted(str(p.relative_to(pkg)) for p in pkg.rglob("*") if p.is_file())
    site = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(pkg)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    return pkg, files, env


def _run(args, env, cwd=None, stdin=None):
    return subprocess.run(args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=300)


def test_layout(installed):
    pkg, files, _ = installed
    assert files == [".gitignore", "README.md", "pyproject.toml",
                     "src/rewardsmith_demo_answer/__init__.py", "src/rewardsmith_demo_answer/plugin.py",
                     "src/rewardsmith_demo_answer/probes.py", "src/rewardsmith_demo_answer/reward.py",
                     "tests/test_conformance.py", "tests/test_reward.py"]
    pyproject = (pkg / "pyproject.toml").read_text()
    assert 'demo_answer = "rewardsmith_demo_answer.plugin"' in pyproject
    assert "${" not in "".join((pkg / f).read_text() for f in files)


def test_listed_by_rewardsmith_plugins(installed):
    _, _, env = installed
    out = _run([sys.executable, "-m", "rewardsmith.cli", "plugins", "--json"], env)
    assert out.returncode == 0, out.stderr
    rewards = {r["name"]: r for r in json.loads(out.stdout)["rewards"]}
    assert rewards["demo_answer"]["distribution"] == "rewardsmith-demo-answer"
    assert rewards["demo_answer"]["status"] == "available"
    assert rewards["demo_answer"]["columns"] == ["answer"]


def test_usable_in_a_spec(installed, tmp_path):
    _, _, env = installed
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"completion": "It is \\boxed{Paris}.", "answer": "Paris"},
        {"completion": "\\boxed{Paris} or \\boxed{Rome}", "answer": "Paris"}]) + "\n")
    out = _run([sys.executable, "-m", "rewardsmith.cli", "score", "--reward",
                "demo_answer:1+format:0.5", "--input", str(rows), "--quiet"], env)
    assert out.returncode == 0, out.stderr
    scored = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["rewards"] for r in scored] == [{"demo_answer": 1.0, "format": 1.0},
                                              {"demo_answer": 0.0, "format": 0.0}]
    assert [r["reward"] for r in scored] == [1.5, 0.0]


def test_its_own_tests_pass_including_the_kit(installed):
    pkg, _, env = installed
    out = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "--rewardsmith-huge-chars=100000"], env, cwd=pkg)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "14 passed" in out.stdout  # 7 unit tests + 7 conformance checks


@pytest.mark.parametrize("args,message", [
    (["new-plugin", "Bad-Name"], "bad plugin name 'Bad-Name'"),  # not a spec name
    (["new-plugin", "format"], "a reward 'format' already exists"),  # would clash with a built-in
])
def test_mistakes_exit_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_existing_target_is_refused_and_left_alone(tmp_path, capsys):
    target = tmp_path / plugin_names("twice")["dist"]
    assert main(["new-plugin", "twice", "--dir", str(tmp_path)]) == 0
    before = sorted(p.name for p in target.rglob("*"))
    assert main(["new-plugin", "twice", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.name for p in target.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no staging folder left


def test_missing_dir_is_created(tmp_path, capsys):
    where = tmp_path / "new" / "deeper"
    assert main(["new-plugin", "fresh", "--dir", str(where)]) == 0
    assert (where / "rewardsmith-fresh" / "pyproject.toml").is_file()
    assert [p.name for p in where.iterdir()] == ["rewardsmith-fresh"]   # no staging folder left


def test_an_existing_empty_target_is_filled_in(tmp_path):
    (tmp_path / "rewardsmith-fresh").mkdir()
    assert main(["new-plugin", "fresh", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "rewardsmith-fresh" / "pyproject.toml").is_file()


def test_a_dir_that_cannot_be_created_is_one_line_and_leaves_nothing(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["new-plugin", "fresh", "--dir", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot create it" in err[0]
    assert main(["new-plugin", "fresh", "--dir", str(blocker)]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]
