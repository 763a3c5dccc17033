"""Adapters for other trainers and engines. Each module imports its peer only when used.

* :mod:`rewardsmith.integrations.trl`: ``reward_funcs(spec)`` for TRL's ``GRPOTrainer``.
* :mod:`rewardsmith.integrations.verl`: ``compute_score`` for verl's custom reward function.
* :mod:`rewardsmith.integrations.failures`: the failure policy of trainers that need a number for
  every sample (verl, the OpenRLHF endpoint): stand-ins, flags, the stop past ``max_error_rate``.
* :mod:`rewardsmith.integrations.ray_executor`: the ``ray`` executor (``--executor ray``), registered
  through the ``rewardsmith.executors`` entry point.
* OpenRLHF talks to the reward server: ``rewardsmith serve`` (:mod:`rewardsmith.integrations.serve`).
"""
