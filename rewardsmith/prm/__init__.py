"""Training process reward models: data (PRM800K, JSONL, synthetic chains, Monte-Carlo labels),
the value-head model, the training loop and held-out evaluation (``rewardsmith prm train``).

Heavy dependencies (torch, transformers) are imported inside the functions that need them.
"""
from rewardsmith.prm.data import StepExample, read_examples, split_by_group, write_examples
from rewardsmith.prm.evaluate import auroc, best_of_n, evaluate
from rewardsmith.prm.synthetic import ArithmeticPolicy, ChainConfig, synthetic_examples

__all__ = ["StepExample", "read_examples", "write_examples", "split_by_group", "auroc", "best_of_n",
           "evaluate", "ChainConfig", "synthetic_examples", "ArithmeticPolicy"]
