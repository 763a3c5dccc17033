"""Math answer verification: extraction, an exact-number fast path, math-verify for the rest.

>>> from rewardsmith.verifiers.math import verify_math
>>> verify_math("1,000", "The final answer is $1{,}000$ dollars.").ok
True

Importing this package loads neither sympy nor math-verify; they load in worker processes the
first time a comparison needs them.
"""
from rewardsmith.verifiers.math.config import MathConfig
from rewardsmith.verifiers.math.extract import Extraction, extract_answer
from rewardsmith.verifiers.math.normalize import prepare_gold
from rewardsmith.verifiers.math.verify import shared_pool, verify_math, verify_math_batch

__all__ = ["MathConfig", "Extraction", "extract_answer", "prepare_gold", "shared_pool",
           "verify_math", "verify_math_batch"]
