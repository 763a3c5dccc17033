"""Built-in reward-hacking probe suites, one module per built-in reward.

Each module exposes ``probes() -> list[Probe]``; the reward's plugin in :mod:`rewardsmith.plugins`
contributes them through its ``rewardsmith_probes`` hook, exactly the way a third-party plugin
contributes its own.
Run them with ``rewardsmith probe --reward SPEC``.
"""
