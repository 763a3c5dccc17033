"""Options of the math verifier (also the options of the ``math`` reward: one source of truth)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rewardsmith.verifiers.tags import prompt_opens_think

__all__ = ["MathConfig"]


@dataclass(frozen=True)
class MathConfig:
    """How :func:`rewardsmith.verifiers.math.verify_math` extracts and compares answers."""

    last_number_fallback: bool = field(default=False, metadata={
        "help": "when the completion has no \\boxed{}, '####' or 'final answer is', take its last "
                "number as the answer (off: such a completion has no answer)"})
    timeout: float = field(default=3.0, metadata={
        "help": "wall-clock seconds for each sympy/math-verify comparison (run in a worker "
                "process that is killed when it overruns)"})
    on_timeout: Literal["wrong", "error"] = field(default="wrong", metadata={
        "help": "a comparison that times out is a wrong answer (a resource attack earns nothing) "
                "or an error (the reward is NaN, 'no score')"})
    decimal_digits: int = field(default=6, metadata={
        "help": "a decimal answer for a gold with no short decimal form (1/3) is accepted when it "
                "is the gold correctly rounded to at least this many significant digits; 0: only "
                "exact values"})
    max_answer_chars: int = field(default=1000, metadata={
        "help": "longer extracted answers get no credit without being parsed"})
    workers: int = field(default=1, metadata={
        "help": "worker processes for the sympy/math-verify comparisons"})
    memory_mb: int = field(default=2048, metadata={
        "help": "address-space limit of each worker process in MiB (0: no limit)"})
    think_opened: Literal["auto", "yes", "no"] = field(default="auto", metadata={
        "help": "did the chat template already emit <think> (then everything before the "
                "completion's </think> is thinking, and a completion that never closes it has no "
                "answer)? 'auto': yes when the prompt string ends inside <think>; for chat-message "
                "prompts the template is unseen, so say 'yes' for Qwen3/DeepSeek-R1-style templates"})

    def opened(self, prompt: object) -> bool | None:
        """Whether ``prompt`` left a think block open (None: unknown, the completion decides)."""
        return {"yes": True, "no": False}.get(self.think_opened, prompt_opens_think(prompt))

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.on_timeout not in ("wrong", "error"):
            raise ValueError(f"on_timeout must be 'wrong' or 'error', got {self.on_timeout!r}")
        if self.decimal_digits < 0:
            raise ValueError("decimal_digits must be >= 0 (0 accepts only exact values)")
        if self.max_answer_chars < 1:
            raise ValueError("max_answer_chars must be >= 1")
        if self.think_opened not in ("auto", "yes", "no"):
            raise ValueError(f"think_opened must be 'auto', 'yes' or 'no', got {self.think_opened!r}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.memory_mb != 0 and self.memory_mb < 512:
            raise ValueError("memory_mb must be 0 (no limit) or >= 512: sympy needs room to import")
