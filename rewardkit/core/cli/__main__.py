"""python -m rewardkit.core.cli"""
import sys

from rewardkit.core.cli import main

sys.exit(main())
