"""Tiny-model tests run on one torch thread (restored afterwards): a tiny model gains nothing from
more, and on a busy machine extra threads make it many times slower."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
