"""rewardkit-countdown: a rewardkit plugin providing the 'countdown' reward."""
from rewardkit_countdown.reward import Countdown, CountdownOptions

__all__ = ["Countdown", "CountdownOptions"]
__version__ = "0.1.0"
