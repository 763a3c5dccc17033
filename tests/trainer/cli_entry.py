"""``grpo-train`` with the test rewards registered: run as a script (subprocess, torchrun)."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import trainer_helpers  # noqa: E402

from rewardsmith.core.plugin_manager import get_plugin_manager  # noqa: E402
from rewardsmith.cli.grpo_train import main  # noqa: E402

if __name__ == "__main__":
    get_plugin_manager().add_plugin(trainer_helpers, "trainer-test-rewards")
    sys.exit(main(sys.argv[1:]))
