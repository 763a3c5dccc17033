"""rewardsmith-countdown: a rewardsmith plugin providing the 'countdown' reward."""
from rewardsmith_countdown.reward import Countdown, CountdownOptions

__all__ = ["Countdown", "CountdownOptions"]
__version__ = "0.1.0"
