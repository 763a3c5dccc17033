"""The three PRM conventions: how the scoring input is written and how a step score is read.

* ``token_classifier`` (Qwen2.5-Math-PRM): a separator token after each step; a two-label token
  classifier; the step score is P(label 1 = positive) at the separator.
* ``step_tag`` (Math-Shepherd): a tag token after each step; the language-model head at the tag
  predicts the next token; the step score is P("+") / (P("+") + P("-")).
* ``value_head`` (rewardsmith's own, made by ``rewardsmith prm train``): a causal decoder with a one-output
  per-token head (saved as ``*ForTokenClassification`` with ``num_labels=1``); the step score is
  sigmoid(value) at the step token. The model's ``config.json`` carries a ``rewardsmith_prm`` block
  naming the convention and the step token, so ``convention=auto`` finds it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from rewardsmith.basics import UsageError

__all__ = ["Convention", "CONVENTIONS", "detect_convention", "format_input", "QWEN_SYSTEM_PROMPT"]

CONVENTIONS = ("token_classifier", "step_tag", "value_head")
QWEN_SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."
#: the config.json key of rewardsmith's own PRMs
CONFIG_KEY = "rewardsmith_prm"


@dataclass(frozen=True)
class Convention:
    """How one PRM family reads steps.

    Attributes:
        name: one of :data:`CONVENTIONS`.
        marker: the string written after every step (separator token, step tag or step token).
        positive: ``step_tag`` only: the token meaning "this step is right".
        negative: ``step_tag`` only: the token meaning "this step is wrong".
        system_prompt: ``token_classifier`` with a chat template: the system message.
    """

    name: str
    marker: str
    positive: str = "+"
    negative: str = "-"
    system_prompt: str | None = None


DEFAULTS = {
    "token_classifier": Convention("token_classifier", "<extra_0>", system_prompt=QWEN_SYSTEM_PROMPT),
    "step_tag": Convention("step_tag", "ки"),
    "value_head": Convention("value_head", "<|step|>"),
}


def detect_convention(config: Any, wanted: str = "auto", marker: str | None = None) -> Convention:
    """The convention of a model, from its config (or ``wanted`` when it is not ``auto``).

    Args:
        config: a transformers ``PretrainedConfig``.
        wanted: ``auto`` or one of :data:`CONVENTIONS`.
        marker: overrides the convention's default marker string.

    Returns:
        the :class:`Convention` to use.
    """
    own = getattr(config, CONFIG_KEY, None) or {}
    name = wanted
    if name == "auto":
        name = own.get("convention") or _from_architecture(config)
    if name not in CONVENTIONS:
        raise UsageError(f"unknown PRM convention {name!r}; choose auto or one of {', '.join(CONVENTIONS)}")
    conv = DEFAULTS[name]
    if own.get("marker") and own.get("convention", name) == name:
        conv = replace(conv, marker=own["marker"])
    return replace(conv, marker=marker) if marker else conv


def _from_architecture(config: Any) -> str:
    archs = list(getattr(config, "architectures", None) or [])
    if any(a.endswith(("ForTokenClassification", "ForProcessRewardModel")) for a in archs):
        return "value_head" if getattr(config, "num_labels", 2) == 1 else "token_classifier"
    if any(a.endswith("ForCausalLM") for a in archs):
        return "step_tag"
    raise UsageError(f"cannot tell the PRM convention of a model with architectures {archs or 'unknown'}; "
                     f"pass convention=token_classifier, step_tag or value_head")


def format_input(conv: Convention, prompt: str, steps: Sequence[str], tokenizer: Any = None) -> str:
    """The text a PRM of convention ``conv`` scores: the prompt, then each step and its marker.

    Steps and prompt must already be free of the marker (see ``strip_markers``).

    Args:
        conv: the convention.
        prompt: the problem text.
        steps: the steps.
        tokenizer: used for its chat template by ``token_classifier`` models that have one.

    Returns:
        the input text; the i-th occurrence of ``conv.marker`` ends step i.

    >>> format_input(DEFAULTS["step_tag"], "1+1?", ["1 + 1 = 2", "Answer: 2"])
    '1+1? Step 1: 1 + 1 = 2 ки\\nStep 2: Answer: 2 ки'
    >>> format_input(DEFAULTS["value_head"], "1+1?", ["1 + 1 = 2"])
    '1+1?\\n1 + 1 = 2<|step|>'
    """
    if conv.name == "step_tag":
        body = "\n".join(f"Step {i}: {s} {conv.marker}" for i, s in enumerate(steps, 1))
        return f"{prompt} {body}"
    answer = conv.marker.join(steps) + conv.marker
    template = getattr(tokenizer, "chat_template", None) if conv.name == "token_classifier" else None
    if template:
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
        if conv.system_prompt:
            messages.insert(0, {"role": "system", "content": conv.system_prompt})
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    return f"{prompt}\n{answer}"
