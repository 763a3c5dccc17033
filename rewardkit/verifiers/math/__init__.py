"""Math answer verification: extraction, an exact-number fast path, math-verify for the rest.

>>> from rewardkit.verifiers.math import verify_math
>>> verify_math("1,000", "The final answer is $1{,}000$ dollars.").ok
True

Importing this package loads neither sympy nor math-verify; they load in worker processes the
first time a comparison needs them.
"""
from rewardkit.verifiers.math.config import MathConfig
from rewardkit.verifiers.math.extract import Extraction, extract_answer
from rewardkit.verifiers.math.normalize import prepare_gold
from rewardkit.verifiers.math.verify import shared_pool, verify_math, verify_math_batch

__all__ = ["MathConfig", "Extraction", "extract_answer", "prepare_gold", "shared_pool",
           "verify_math", "verify_math_batch"]
