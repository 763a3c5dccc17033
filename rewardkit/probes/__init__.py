"""Built-in reward-hacking probe suites, one module per built-in reward.

Each module exposes ``probes() -> list[Probe]``; :mod:`rewardkit.probes.plugin` contributes them
through the ``rewardkit_probes`` hook, exactly the way a third-party plugin contributes its own.
Run them with ``rewardkit probe --reward SPEC``.
"""
