"""Math-Shepherd style Monte-Carlo step labels: roll out from each step prefix, check the answers.

A step is labelled by what happens after it: from the prompt and steps 1..i, a policy completes
the solution ``n`` times and the ``math`` verifier checks each final answer against the gold.
``hard`` labels are 1 when any rollout is right (Math-Shepherd's HE), ``soft`` labels the share
of right rollouts (SE). The last step's label is the correctness of the solution itself.

A *policy* is any object with ``complete(prompts, prefixes, n) -> list[list[str]]``, returning
``n`` full completions (prefix included) per request: :class:`HFPolicy` samples a transformers
model; :class:`rewardsmith.prm.synthetic.ArithmeticPolicy` continues synthetic chains without one.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from rewardsmith.prm.data import StepExample

__all__ = ["Policy", "HFPolicy", "LabelConfig", "label_rows", "make_policy", "mc_label", "sample_solutions"]

log = logging.getLogger("rewardsmith")


class Policy(Protocol):
    def complete(self, prompts: Sequence[str], prefixes: Sequence[Sequence[str]], n: int) -> list[list[str]]:
        """``n`` full completions (prefix steps included) for each (prompt, prefix)."""


class HFPolicy:
    """Samples continuations from a transformers causal LM (the packaged SmolLM2 by default).

    Args:
        model: a causal LM, or None to load ``name`` with ``load_model_and_tokenizer``.
        tokenizer: its tokenizer.
        name: model name or path when ``model`` is None.
        max_new_tokens: most tokens per continuation.
        temperature: sampling temperature.
        separator: the string between steps.
        seed: sampling seed.
    """

    def __init__(self, model: Any = None, tokenizer: Any = None, *, name: str | None = None,
                 max_new_tokens: int = 256, temperature: float = 0.8, separator: str = "\n\n",
                 seed: int = 0, device: str = "auto") -> None:
        from rewardsmith.models.generation import HFGenerator
        if model is None:
            from rewardsmith.models.loading import load_model_and_tokenizer
            model, tokenizer = load_model_and_tokenizer(name, device=device)
        self.tokenizer, self.separator = tokenizer, separator
        self.max_new_tokens, self.temperature = max_new_tokens, temperature
        self.generator = HFGenerator(model, tokenizer, use_chat_template=False, seed=seed)

    def context(self, prompt: str, prefix: Sequence[str]) -> str:
        """The text the model continues: the chat-formatted prompt, then the prefix steps."""
        if getattr(self.tokenizer, "chat_template", None):
            head = self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                      add_generation_prompt=True)
        else:
            head = prompt + "\n"
        return head + "".join(s + self.separator for s in prefix)

    def complete(self, prompts: Sequence[str], prefixes: Sequence[Sequence[str]], n: int) -> list[list[str]]:
        from rewardsmith.models.generation import GenerationConfig
        cfg = GenerationConfig(max_new_tokens=self.max_new_tokens, num_generations=n,
                               temperature=self.temperature)
        gens = self.generator.generate([self.context(p, pre) for p, pre in zip(prompts, prefixes)], cfg)
        out: list[list[str]] = [[] for _ in prompts]
        for g in gens:
            pre = prefixes[g.prompt_index]
            out[g.prompt_index].append("".join(s + self.separator for s in pre) + g.text)
        return out


def sample_solutions(policy: Policy, prompts: Sequence[str], answers: Sequence[str | None], k: int,
                     separator: str = "\n\n") -> list[StepExample]:
    """``k`` fresh solutions per prompt from ``policy``, split into steps, not yet labelled."""
    from rewardsmith.verifiers.prm.steps import split_steps
    out = []
    for prompt, answer, sols in zip(prompts, answers, policy.complete(prompts, [[] for _ in prompts], k)):
        for text in sols:
            steps = split_steps(text, separator)
            if steps:
                out.append(StepExample(prompt, steps, [None] * len(steps), answer, prompt))
    return out


def _correct(verifier: Any, prompts: list[str], completions: list[str], answers: list[Any]) -> list[float | None]:
    """1.0 / 0.0 per completion from the math reward; None where it could not decide (NaN)."""
    if not completions:
        return []
    result = verifier.score(prompts, completions, {"answer": answers})
    return [None if v is None or math.isnan(v) else float(v >= 1.0) for v in result.rewards]


def mc_label(examples: Sequence[StepExample], policy: Policy, n: int = 8, mode: str = "hard",
             verifier: Any = None, separator: str = "\n\n") -> list[StepExample]:
    """Label every step of ``examples`` by rolling out ``n`` completions from each step prefix.

    Args:
        examples: solutions with a gold ``answer`` (existing labels are replaced).
        policy: completes prefixes (see :class:`Policy`).
        n: rollouts per step.
        mode: ``hard`` (1 when any rollout is right) or ``soft`` (the share of right rollouts).
        verifier: a composed reward taking an ``answer`` column; default ``load_reward("math")``.
        separator: the string between steps when a solution is joined back into text.

    Returns:
        new examples with labels in [0, 1] (None for a step whose rollouts all failed to verify)
        and ``final_correct`` set.
    """
    if mode not in ("hard", "soft"):
        raise ValueError("mode must be 'hard' or 'soft'")
    if verifier is None:
        from rewardsmith import load_reward
        verifier = load_reward("math")
    todo = [e for e in examples if e.answer is not None and e.steps]
    if len(todo) < len(examples):
        log.warning("mc_label: %d example(s) without an answer or steps skipped", len(examples) - len(todo))
    requests = [(j, i) for j, e in enumerate(todo) for i in range(1, len(e.steps))]
    rollouts = policy.complete([todo[j].prompt for j, _ in requests],
                               [todo[j].steps[:i] for j, i in requests], n)
    flat = [(j, i, text) for (j, i), texts in zip(requests, rollouts) for text in texts]
    flat += [(j, len(e.steps), separator.join(e.steps)) for j, e in enumerate(todo)]
    ok = _correct(verifier, [todo[j].prompt for j, _, _ in flat], [t for _, _, t in flat],
                  [todo[j].answer for j, _, _ in flat])
    hits: dict[tuple[int, int], list[float]] = {}
    for (j, i, _), v in zip(flat, ok):
        if v is not None:
            hits.setdefault((j, i), []).append(v)
    out = []
    for j, e in enumerate(todo):
        labels = []
        for i in range(1, len(e.steps) + 1):
            vals = hits.get((j, i))
            labels.append(None if not vals else (max(vals) if mode == "hard" else sum(vals) / len(vals)))
        final = hits.get((j, len(e.steps)))
        out.append(StepExample(e.prompt, list(e.steps), labels, e.answer, e.group,
                               bool(final[0]) if final else None, dict(e.meta)))
    return out


@dataclass(frozen=True)
class LabelConfig:
    """Everything ``rewardsmith prm label`` reads."""

    input: str = field(default="", metadata={
        "help": "JSONL rows with prompt and answer, and steps (a list) or completion (text); rows "
                "with neither get --solutions fresh solutions from the policy"})
    output: str = field(default="", metadata={"help": "labelled JSONL {prompt, steps, labels, answer}"})
    policy: str = field(default="smollm2-135m-instruct", metadata={
        "help": "model that rolls out (name, hub id or folder), or 'arithmetic' for synthetic problems"})
    rollouts: int = field(default=8, metadata={"help": "rollouts per step prefix"})
    mode: str = field(default="hard", metadata={"help": "hard (any rollout right) or soft (share right)"})
    solutions: int = field(default=4, metadata={"help": "solutions sampled per row that has none"})
    separator: str = field(default="\n\n", metadata={"help": "string between steps (\\n escapes understood)"})
    max_new_tokens: int = field(default=256, metadata={"help": "most tokens per rollout"})
    temperature: float = field(default=0.8, metadata={"help": "sampling temperature of the rollouts"})
    seed: int = field(default=0, metadata={"help": "random seed"})

    def __post_init__(self) -> None:
        from rewardsmith.verifiers.prm.steps import decode_escapes
        object.__setattr__(self, "separator", decode_escapes(self.separator))
        if self.mode not in ("hard", "soft"):
            raise ValueError("mode must be hard or soft")
        if self.rollouts < 1 or self.solutions < 1 or self.max_new_tokens < 1:
            raise ValueError("rollouts, solutions and max_new_tokens must be positive")


def make_policy(cfg: LabelConfig) -> Any:
    """The policy ``cfg.policy`` names."""
    if cfg.policy == "arithmetic":
        from rewardsmith.prm.synthetic import ArithmeticPolicy
        return ArithmeticPolicy(seed=cfg.seed)
    return HFPolicy(name=cfg.policy, max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature,
                    separator=cfg.separator, seed=cfg.seed)


def label_rows(rows: Sequence[dict[str, Any]], cfg: LabelConfig, policy: Any = None) -> list[StepExample]:
    """Monte-Carlo labels for JSONL rows (see :class:`LabelConfig`); rows without solutions get some."""
    from rewardsmith.core.errors import UsageError
    from rewardsmith.verifiers.prm.steps import split_steps
    policy = policy or make_policy(cfg)
    have, need = [], []
    for n, row in enumerate(rows, 1):
        if "prompt" not in row or row.get("answer") is None:
            raise UsageError(f"row {n}: needs 'prompt' and 'answer'")
        answer = str(row["answer"])
        if row.get("steps"):
            steps = [str(s) for s in row["steps"]]
        elif row.get("completion"):
            steps = split_steps(str(row["completion"]), cfg.separator)
        else:
            need.append((row["prompt"], answer))
            continue
        have.append(StepExample(row["prompt"], steps, [None] * len(steps), answer, row.get("group")))
    if need:
        have += sample_solutions(policy, [p for p, _ in need], [a for _, a in need], cfg.solutions, cfg.separator)
    return mc_label(have, policy, cfg.rollouts, cfg.mode, separator=cfg.separator)
