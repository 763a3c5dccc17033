"""Each loss piece against values computed by hand.

The running example: two completions, the second one token shorter.
    mask = [[1, 1], [1, 0]]       advantages = [1, -3]
With old = current policy (ratio 1) the per-token loss is -A: [[-1, -1], [3, (3)]], masked sum 1.
"""
from __future__ import annotations

import math

import pytest
import torch

from rewardsmith.trainer.loss import (LossConfig, Totals, aggregate, clipped_surrogate, grpo_loss,
                                    importance_log_weights, kl_penalty)

MASK = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
ADV = torch.tensor([1.0, -3.0])
LOGPS = torch.tensor([[-1.0, -2.0], [-0.5, -0.7]])


@pytest.mark.parametrize("loss_type, totals, expected", [
    ("grpo", Totals(2, 3.0), (-2 / 2 + 3 / 1) / 2),   # mean per sequence, then over sequences
    ("bnpo", Totals(2, 3.0), 1 / 3),                   # token mean of the micro-batch
    ("bnpo", Totals(2, 3.0, micro_batches=2), 1 / 6),  # ... averaged over 2 micro-batches
    ("dr_grpo", Totals(2, 3.0), 1 / (2 * 4)),          # sum / (sequences * max_len=4)
    ("dapo", Totals(2, 3.0), 1 / 3),                   # sum / tokens of the step
    ("dapo", Totals(4, 6.0), 1 / 6),                   # step has 6 tokens over 2 micro-batches
    ("dapo", Totals(4, 6.0, world_size=2), 2 / 6),     # DDP averages: scaled back by world size
])
def test_aggregation_by_hand(loss_type, totals, expected):
    per_token = -ADV.unsqueeze(1).expand(2, 2)
    got = aggregate(per_token, MASK, loss_type, totals, max_completion_length=4)
    assert float(got) == pytest.approx(expected)


def test_ratio_one_gradient_is_the_policy_gradient():
    logps = LOGPS.clone().requires_grad_(True)
    loss, _ = grpo_loss(logps, None, None, ADV, MASK, LossConfig(loss_type="grpo"))
    loss.backward()
    # d/dlogp of -A * exp(logp - sg(logp)) / len / B  =  -A / len / B on unmasked tokens
    expected = torch.tensor([[-1 / 2 / 2, -1 / 2 / 2], [3 / 1 / 2, 0.0]])
    assert torch.allclose(logps.grad, expected)
    assert float(loss.detach()) == pytest.approx(1.0)


def test_clipping_low_high_and_clip_higher():
    # token (0,0): ratio 1.5 with A=+1 -> clipped at 1 + eps_high
    # token (1,0): ratio 0.5 with A=-3 -> clipped at 1 - eps: -min(-1.5, -2.4) = 2.4
    old = LOGPS.clone()
    old[0, 0] -= math.log(1.5)
    old[1, 0] -= math.log(0.5)
    log_w = importance_log_weights(LOGPS, old, MASK, "token")
    loss, low, high = clipped_surrogate(log_w, ADV, 0.2, 0.2)
    assert float(loss[0, 0]) == pytest.approx(-1.2)
    assert float(loss[1, 0]) == pytest.approx(2.4)
    assert float(loss[0, 1]) == pytest.approx(-1.0)  # ratio 1: unclipped
    assert low.tolist() == [[False, False], [True, False]]
    assert high.tolist() == [[True, False], [False, False]]
    loss_hi, _, high_hi = clipped_surrogate(log_w, ADV, 0.2, 0.28)  # DAPO clip-higher
    assert float(loss_hi[0, 0]) == pytest.approx(-1.28)
    assert bool(high_hi[0, 0])
    _, stats = grpo_loss(LOGPS, old, None, ADV, MASK, LossConfig(epsilon=0.2, epsilon_high=0.2))
    assert stats["clip_low_sum"] == 1 and stats["clip_high_sum"] == 1 and stats["tokens"] == 3


def test_clipping_only_where_it_lowers_the_objective():
    # ratio 0.5 with a POSITIVE advantage is not clipped: min(0.5 * 1, 0.8 * 1) = 0.5
    loss, low, high = clipped_surrogate(torch.tensor([[math.log(0.5)]]), torch.tensor([1.0]), 0.2, 0.2)
    assert float(loss) == pytest.approx(-0.5) and not bool(low) and not bool(high)


def test_sequence_level_weights_gspo():
    old = LOGPS - torch.tensor([[0.2, 0.4], [0.1, 5.0]])  # the masked token's 5.0 must not count
    w = importance_log_weights(LOGPS, old, MASK, "sequence")
    assert w.shape == (2, 1)
    assert w[:, 0].tolist() == pytest.approx([0.3, 0.1])
    loss, _, _ = clipped_surrogate(w, ADV, 0.2, 0.2)
    # seq 0: ratio e^0.3 = 1.35 > 1.2 with A=+1 -> -1.2 ; seq 1: e^0.1 = 1.105, A=-3 -> 3.3155
    assert loss[:, 0].tolist() == pytest.approx([-1.2, 3 * math.exp(0.1)], rel=1e-5)


def test_kl_estimators():
    logps, ref = torch.tensor([[-1.0]]), torch.tensor([[-2.0]])
    assert float(kl_penalty(logps, ref, "k1")) == pytest.approx(1.0)
    assert float(kl_penalty(logps, ref, "k3")) == pytest.approx(math.exp(-1) + 1 - 1)
    assert float(kl_penalty(logps, logps, "k3")) == 0.0
    with pytest.raises(ValueError):
        kl_penalty(logps, ref, "k2")


def test_beta_adds_kl_and_needs_reference():
    ref = LOGPS - 1.0  # k3 per token: e^-1 + 1 - 1 = e^-1
    cfg = LossConfig(loss_type="dapo", beta=0.5)
    loss, stats = grpo_loss(LOGPS, None, ref, ADV, MASK, cfg)
    assert float(loss) == pytest.approx(1 / 3 + 0.5 * math.exp(-1))
    assert stats["kl_sum"] == pytest.approx(3 * math.exp(-1))
    with pytest.raises(ValueError, match="reference"):
        grpo_loss(LOGPS, None, None, ADV, MASK, cfg)


def test_micro_batches_sum_to_the_whole_batch():
    """dapo and grpo: the sum of micro-batch losses equals the loss of the whole batch."""
    torch.manual_seed(0)
    logps, adv = torch.randn(6, 5), torch.randn(6)
    mask = (torch.rand(6, 5) > 0.3).float()
    for loss_type in ("dapo", "grpo", "dr_grpo"):
        cfg = LossConfig(loss_type=loss_type, max_completion_length=5)
        whole, _ = grpo_loss(logps, None, None, adv, mask, cfg)
        totals = Totals(sequences=6, tokens=float(mask.sum()), micro_batches=2)
        parts = [grpo_loss(logps[s], None, None, adv[s], mask[s], cfg, totals)[0]
                 for s in (slice(0, 3), slice(3, 6))]
        assert float(sum(parts)) == pytest.approx(float(whole), abs=1e-6), loss_type
