"""From per-step PRM scores to one value: aggregation and bounded shaping against step farming.

A policy can farm a PRM by writing many trivially true steps. With a causal PRM, appending steps
leaves the earlier steps' scores unchanged, so ``min`` (and ``prod``) can never be raised that way;
``mean`` can (easy steps dilute a bad one) and so can ``last`` (the appended step is the last);
``prod`` also punishes long solutions. Shaping maps each step score before aggregation:

* ``clip``: ``min(r - eta, 0)`` (PURE's clip mechanism). A step at or above ``eta`` earns nothing,
  a step below it costs; values lie in ``[-eta, 0]``, so no step is worth farming for its own
  sake. Pair it with ``min``: with ``last`` or ``mean`` appended steps still hide a bad one.
* ``delta``: the change a step makes, ``r_1`` for the first step and ``r_i - r_(i-1)`` after it;
  values in ``[-1, 1]``. A trivially true step leaves the PRM's estimate unchanged and earns 0.
"""
from __future__ import annotations

import math
from typing import Sequence

__all__ = ["AGGREGATIONS", "SHAPINGS", "aggregate", "shape", "value_range"]

AGGREGATIONS = ("min", "prod", "last", "mean")
SHAPINGS = ("none", "clip", "delta")


def shape(scores: Sequence[float], shaping: str = "none", eta: float = 0.5) -> list[float]:
    """Per-step values after shaping.

    Args:
        scores: per-step PRM scores in [0, 1], in step order.
        shaping: ``none``, ``clip`` or ``delta`` (see the module docstring).
        eta: the clip threshold.

    Returns:
        one value per step.

    >>> shape([0.9, 0.2], "clip", eta=0.5)
    [0.0, -0.3]
    >>> [round(v, 2) for v in shape([0.9, 0.7, 0.8], "delta")]
    [0.9, -0.2, 0.1]
    """
    if shaping == "none":
        return [float(s) for s in scores]
    if shaping == "clip":
        return [min(float(s) - eta, 0.0) for s in scores]
    if shaping == "delta":
        return [float(s) - (float(scores[i - 1]) if i else 0.0) for i, s in enumerate(scores)]
    raise ValueError(f"unknown shaping {shaping!r}; choose one of {', '.join(SHAPINGS)}")


def aggregate(values: Sequence[float], how: str = "min") -> float:
    """One value from per-step values.

    Args:
        values: per-step values (at least one).
        how: ``min`` (the weakest step), ``prod``, ``last`` or ``mean``.

    Returns:
        the aggregate.

    >>> aggregate([0.9, 0.5, 0.8], "min"), aggregate([0.5, 0.5], "prod"), aggregate([0.2, 0.7], "last")
    (0.5, 0.25, 0.7)
    """
    if not values:
        raise ValueError("no steps to aggregate")
    if how == "min":
        return float(min(values))
    if how == "prod":
        return float(math.prod(values))
    if how == "last":
        return float(values[-1])
    if how == "mean":
        return float(sum(values) / len(values))
    raise ValueError(f"unknown aggregation {how!r}; choose one of {', '.join(AGGREGATIONS)}")


def value_range(shaping: str, how: str, eta: float) -> tuple[float, float]:
    """The (low, high) of the aggregated value for a shaping/aggregation pair.

    >>> value_range("none", "min", 0.5), value_range("clip", "min", 0.3)
    ((0.0, 1.0), (-0.3, 0.0))
    """
    if shaping == "none":
        return (0.0, 1.0)
    if how == "prod":
        raise ValueError(f"aggregate=prod multiplies probabilities; it has no meaning with "
                         f"shaping={shaping} (values can be negative). Use min, last or mean.")
    return (-eta, 0.0) if shaping == "clip" else (-1.0, 1.0)
