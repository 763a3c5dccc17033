"""perf/run_all.py: runs scripts as subprocesses, parses their RESULT line, enforces timeouts."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

RUN_ALL = Path(__file__).resolve().parents[2] / "perf" / "run_all.py"


@pytest.fixture(scope="module")
def run_all():
    spec = importlib.util.spec_from_file_location("perf_run_all", RUN_ALL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(tmp_path, name, body):
    path = tmp_path / f"{name}.py"
    path.write_text(body)
    return path


def test_results_timeouts_and_failures(run_all, tmp_path):
    result = {"name": "fast", "rewardsmith": 10.0, "peer": 5.0, "unit": "x/s", "ratio": 2.0, "target": 1.0}
    ok = _script(tmp_path, "fast", "import sys\nprint('RESULT {\"ratio\": 0}')\n"
                 f"print('quick' if '--quick' in sys.argv else 'full')\nprint('RESULT ' + {json.dumps(json.dumps(result))})\n")
    r = run_all.run_one(ok, quick=True, timeout=30)
    assert r["status"] == "ok" and r["ratio"] == 2.0 and r["peer"] == 5.0  # the LAST RESULT line wins
    slow = _script(tmp_path, "slow", "import time\ntime.sleep(60)\n")
    assert run_all.run_one(slow, quick=False, timeout=1)["status"] == "timeout"
    bad = _script(tmp_path, "bad", "raise SystemExit(3)\n")
    assert run_all.run_one(bad, quick=False, timeout=30)["status"] == "failed (exit 3)"
    silent = _script(tmp_path, "silent", "print('done')\n")
    assert run_all.run_one(silent, quick=False, timeout=30)["status"] == "no RESULT line"
    below = _script(tmp_path, "below", "print('RESULT {\"ratio\": 0.5, \"target\": 1.0}')\n")
    rows = [run_all.run_one(p, False, 30) for p in (ok, below)]
    assert rows[1]["status"] == "below target"
    table = run_all.table(rows)
    assert table.splitlines()[2].startswith("| fast | 10 | 5 | x/s | 2 | 1 | ok |")


def test_discovery_lists_the_perf_scripts(run_all):
    names = [p.stem for p in run_all.discover()]
    assert "run_all" not in names
    with pytest.raises(SystemExit, match="unknown script"):
        run_all.discover(["no_such_script"])
