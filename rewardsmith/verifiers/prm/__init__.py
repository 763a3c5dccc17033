"""Process reward model scoring: split a solution into steps, score each step, aggregate.

Light to import: torch and transformers are imported only when a model is loaded.
"""
from rewardsmith.verifiers.prm.aggregation import AGGREGATIONS, SHAPINGS, aggregate, shape, value_range
from rewardsmith.verifiers.prm.conventions import CONVENTIONS, Convention, detect_convention, format_input
from rewardsmith.verifiers.prm.scorer import Encoded, PRMScorer, load_scorer
from rewardsmith.verifiers.prm.steps import decode_escapes, split_steps, strip_markers
from rewardsmith.verifiers.prm.verify import verify_steps

__all__ = ["AGGREGATIONS", "SHAPINGS", "CONVENTIONS", "Convention", "Encoded", "PRMScorer", "aggregate",
           "decode_escapes", "detect_convention", "format_input", "load_scorer", "shape", "split_steps",
           "strip_markers", "value_range", "verify_steps"]
