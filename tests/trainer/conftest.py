"""Fixtures for trainer tests: a tiny llama built from a config, and the test reward plugins."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import trainer_helpers  # noqa: E402

from rewardsmith.core.plugin_manager import get_plugin_manager, reset_plugin_manager  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from rewardsmith.models.tiny import build_tiny_llama

    return str(build_tiny_llama(tmp_path_factory.mktemp("tiny") / "llama", seed=0))


@pytest.fixture
def test_rewards():
    """The test rewards (char_a, exact_match, flaky, killer) in the process-wide plugin manager."""
    reset_plugin_manager()
    get_plugin_manager().add_plugin(trainer_helpers, "trainer-test-rewards")
    yield
    reset_plugin_manager()


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models on one torch thread (restored afterwards): they gain nothing from more, and on
    a busy machine extra threads make them many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
