"""Group-relative advantages, reward failures, and the dynamic-sampling filter."""
from __future__ import annotations

import math

import pytest
import torch

from rewardsmith.trainer.advantages import group_advantages, reward_tensor, zero_variance_groups

NAN = float("nan")


def test_group_scaling_by_hand():
    r, ok = reward_tensor([1.0, 0.0, 0.0, 0.0,   # mean 0.25, sample std sqrt(0.25) = 0.5
                           2.0, 2.0, 2.0, 2.0], 4)  # no variance: all zero
    adv = group_advantages(r, ok, "group", eps=0.0)
    assert adv[0].tolist() == pytest.approx([1.5, -0.5, -0.5, -0.5])
    assert adv[1].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_none_and_batch_scaling():
    r, ok = reward_tensor([1.0, 0.0, 3.0, 1.0], 2)
    assert group_advantages(r, ok, "none").tolist() == [[0.5, -0.5], [1.0, -1.0]]
    batch_std = torch.tensor([1.0, 0.0, 3.0, 1.0]).std().item()  # the whole batch's std
    adv = group_advantages(r, ok, "batch", eps=0.0)
    assert adv.view(-1).tolist() == pytest.approx([0.5 / batch_std, -0.5 / batch_std,
                                                   1 / batch_std, -1 / batch_std])
    # across processes the trainer passes the global std
    assert group_advantages(r, ok, "batch", eps=0.0, batch_std=2.0)[1].tolist() == [0.5, -0.5]


def test_failed_and_not_applicable_rewards_are_left_out():
    # NaN (failed) and None (not applicable) do not enter the mean and get advantage 0
    r, ok = reward_tensor([1.0, NAN, 0.0, None, 5.0, NAN], 3)
    assert ok.tolist() == [[True, False, True], [False, True, False]]
    adv = group_advantages(r, ok, "none")
    assert adv[0].tolist() == [0.5, 0.0, -0.5]
    assert adv[1].tolist() == [0.0, 0.0, 0.0]  # one valid sample: nothing to compare with
    assert not any(math.isnan(v) for v in adv.view(-1).tolist())


def test_zero_variance_groups():
    r, ok = reward_tensor([0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.7, NAN], 2)
    assert zero_variance_groups(r, ok).tolist() == [True, False, True, True]


def test_unknown_scale():
    r, ok = reward_tensor([1.0, 0.0], 2)
    with pytest.raises(ValueError):
        group_advantages(r, ok, "global")
