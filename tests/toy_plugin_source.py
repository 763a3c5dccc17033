"""Source of a toy third-party plugin module, installed by the make_dist fixture."""

TOY_PLUGIN = '''
from dataclasses import dataclass, field
from rewardsmith import hookimpl, Reward, Score, reward

@dataclass(frozen=True)
class ContainsOptions:
    word: str = field(default="yes", metadata={"help": "the word to look for"})
    bonus: float = field(default=1.0, metadata={"help": "value when found"})

class Contains(Reward):
    """1 when the completion contains the word."""
    name = "toy_contains"
    Options = ContainsOptions
    value_range = (0.0, 10.0)
    def compute(self, completion, options):
        found = options.word in completion
        return Score(options.bonus if found else 0.0, {"found": found})

@reward("toy_exact", value_range=(0.0, 1.0))
def toy_exact(completion, answer):
    """1 when the completion equals the answer; None when there is no answer."""
    if answer is None:
        return None
    return float(completion.strip() == str(answer))

@reward("toy_crash")
def toy_crash(completion):
    """Raises on completions containing 'boom'."""
    if "boom" in completion:
        raise RuntimeError("exploded")
    return 0.5

@hookimpl
def rewardsmith_rewards():
    return [Contains, toy_exact, toy_crash]
'''
