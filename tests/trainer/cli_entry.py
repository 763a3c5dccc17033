"""``grpo-train`` with the toy rewards (tests/toy_rewards.py) registered: run as a script
(subprocess, torchrun); ``TINY_FLAGS`` are the flags every tiny run of the trainer tests passes."""
from __future__ import annotations

import os
import sys

# a script's own folder is on sys.path, the tests folder above it is not
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import toy_rewards  # noqa: E402

from rewardsmith.core.plugin_manager import get_plugin_manager  # noqa: E402
from rewardsmith.cli.grpo_train import main  # noqa: E402

#: flags every tiny run shares: small, fast, no system prompt (the char tokenizer is tiny), one
#: torch thread (a tiny model gains nothing from two, and a busy machine punishes them)
TINY_FLAGS = ["--system-prompt", "", "--max-new-tokens", "8", "--no-progress", "--held-out-size", "8",
              "--micro-batch-size", "0", "--num-threads", "1"]

if __name__ == "__main__":
    get_plugin_manager().add_plugin(toy_rewards, "toy")
    sys.exit(main(sys.argv[1:]))
