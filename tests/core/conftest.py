"""Plugin-host tests: each starts from a new plugin manager."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_plugin_manager(fresh_plugin_manager):
    """Every test here starts and ends with a new plugin manager (``make_dist`` is in tests/conftest.py)."""
