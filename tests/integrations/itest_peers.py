"""Importing the peers' own code (verl, OpenRLHF) in the integration tests.

scripts/setup.sh installs them; in CI (``CI=true``) a peer that cannot be imported fails the tests,
elsewhere (a plain clone without them) the tests that need it are skipped with the reason.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def import_peer(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        message = f"cannot import {name} ({exc}); scripts/setup.sh installs verl and OpenRLHF"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
