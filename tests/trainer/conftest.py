"""Fixtures for trainer tests: a tiny llama built from a config (the toy rewards are the
``toy_plugin`` fixture of tests/conftest.py; the flags of tiny runs are in cli_entry.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from rewardsmith.models.tiny import build_tiny_llama

    return str(build_tiny_llama(tmp_path_factory.mktemp("tiny") / "llama", seed=0))


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models on one torch thread (restored afterwards): they gain nothing from more, and on
    a busy machine extra threads make them many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
