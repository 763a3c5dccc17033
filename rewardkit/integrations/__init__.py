"""Adapters for other trainers and engines. Each module imports its peer only when used.

* :mod:`rewardkit.integrations.trl`: ``reward_funcs(spec)`` for TRL's ``GRPOTrainer``.
* :mod:`rewardkit.integrations.verl`: ``compute_score`` for verl's custom reward function.
* :mod:`rewardkit.integrations.failures`: the failure policy of trainers that need a number for
  every sample (verl, the OpenRLHF endpoint): stand-ins, flags, the stop past ``max_error_rate``.
* :mod:`rewardkit.integrations.ray_executor`: the ``ray`` executor (``--executor ray``), registered
  through the ``rewardkit.executors`` entry point.
* OpenRLHF talks to the reward server: ``rewardkit serve`` (:mod:`rewardkit.serve`).
"""
