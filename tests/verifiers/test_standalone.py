"""The verifiers stand alone: importing any of them loads neither pluggy nor the plugin host.

The import graph's forbidden arrows (verifiers -> core, plugins, trainer, cli) are checked on
what Python really loads, in a fresh interpreter (this test process has loaded everything).
"""
from __future__ import annotations

import json
import subprocess
import sys

import rewardsmith.verifiers

#: module prefixes no verifier may load
FORBIDDEN = ("pluggy", "rewardsmith.core", "rewardsmith.plugins", "rewardsmith.trainer", "rewardsmith.cli")

# Imports every module under rewardsmith.verifiers in turn and prints, for each one that makes a
# forbidden module appear, what appeared (the first importer is named, not the ones after it).
_PROBE = """
import importlib, json, pkgutil, sys
import rewardsmith.verifiers as pkg
forbidden = tuple(sys.argv[1:])
seen, offenders = set(), {}
names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
for name in names:
    importlib.import_module(name)
    new = sorted(m for m in sys.modules if m.startswith(forbidden) and m not in seen)
    seen.update(new)
    if new:
        offenders[name] = new
print(json.dumps({"modules": names, "offenders": offenders}))
"""


def test_no_verifier_loads_the_host():
    out = subprocess.run([sys.executable, "-c", _PROBE, *FORBIDDEN], capture_output=True,
                         text=True, check=True, timeout=300)
    report = json.loads(out.stdout.splitlines()[-1])
    # the walk really covered the verifiers (each kind has its package or module)
    for kind in ("math", "format", "code", "judge", "prm", "boxes", "tags", "blank", "pool"):
        assert f"rewardsmith.verifiers.{kind}" in report["modules"]
    assert report["offenders"] == {}, "these verifier modules load the host: " + json.dumps(
        report["offenders"], indent=1)


def test_verifiers_package_is_importable_alone():
    assert rewardsmith.verifiers.__name__ == "rewardsmith.verifiers"
