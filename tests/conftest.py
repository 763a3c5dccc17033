"""Fixtures every test folder shares: the benchmark data.

``data_dir`` is the few rows shipped under ``tests/data`` (with their licences and sources), so the
README's test command passes on a plain clone. Tests that need whole datasets are marked
``full_data`` and take ``full_data_dir``: they run when ``REWARDKIT_FULL_DATA`` names a folder laid
out like ``tests/data`` (CI's second step sets it to ``../shared/data``) and skip elsewhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SAMPLE_DATA = Path(__file__).resolve().parent / "data"
FULL_DATA_ENV = "REWARDKIT_FULL_DATA"
_SKIP_REASON = f"needs the full datasets: set {FULL_DATA_ENV}=../shared/data (CI's second step does)"


def _full_data_path() -> Path | None:
    value = os.environ.get(FULL_DATA_ENV, "").strip()
    return Path(value).resolve() if value else None


def pytest_collection_modifyitems(config, items):
    if _full_data_path() is not None:
        return
    skip = pytest.mark.skip(reason=_SKIP_REASON)
    for item in items:
        if "full_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shipped sample: first rows of GSM8K, MATH-500, MBPP and two PRM800K records."""
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def full_data_dir() -> Path:
    """The whole datasets (only for tests marked ``full_data``)."""
    path = _full_data_path()
    if path is None:
        pytest.skip(_SKIP_REASON)
    if not (path / "gsm8k" / "test.jsonl").is_file():
        pytest.fail(f"{FULL_DATA_ENV}={path} does not hold gsm8k/test.jsonl (see tests/data/README.md)")
    return path
