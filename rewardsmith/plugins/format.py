"""The ``format`` reward: 1.0 for "optional reasoning, then exactly one final answer", else 0.0.

The default (``think=optional, answer=boxed``) rewards what ``grpo-train``'s default prompt asks a
small instruct model for ("think step by step and put the final answer in \\boxed{}"): exactly one
``\\boxed{...}``, and a ``<think>`` block only if it is well-formed. Other styles:

* ``format(think=required)``: reasoning models: ``<think>...</think>`` then one boxed answer.
* ``format(think=required,answer=tag)``: DeepSeek-R1 style ``<think>..</think><answer>..</answer>``.
* ``think_opened=yes`` when the chat template already emitted ``<think>`` (``auto`` detects it
  from a string prompt).
"""
from __future__ import annotations

from typing import Sequence

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.probes import Probe
from rewardsmith.verifiers.format import FormatRules, verify_format

__all__ = ["Format"]


class Format(Reward):
    """1.0 when the completion is well-formed (see the options), else 0.0; details give the reason.

    >>> Format()(completions=["<think>2+2=4</think> so \\\\boxed{4}", "\\\\boxed{4} or \\\\boxed{5}"])
    [1.0, 0.0]
    >>> Format(think="required", answer="tag")(prompts=["Q <think>"],
    ...        completions=["add them</think><answer>4</answer>"])
    [1.0]
    """

    name = "format"
    Options = FormatRules
    value_range = (0.0, 1.0)

    def compute(self, completion: str, prompt: object = None) -> Score:
        verdict = verify_format(completion, self.options, prompt=prompt)
        return Score(1.0 if verdict.ok else 0.0, details=dict(verdict.details))


@hookimpl
def rewardsmith_rewards():
    return [Format]


@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Format probes (tags without content, tags twice, out of order) for ``format``."""
    if reward_name != Format.name:
        return []
    from rewardsmith.plugins.probes.format import probes
    return probes()
