"""Procedural multi-step arithmetic chains with injected errors and exact step labels.

A problem is a start value and a list of operations; a solution writes one equation a step and
ends with the boxed answer::

    Start with 7. Add 5. Multiply by 3. What is the result?
    7 + 5 = 12 | 12 * 3 = 36 | The answer is \\boxed{36}.

An injected error is ``arithmetic`` (a wrong result), ``carry`` (the step starts from a number
other than the previous result) or ``operation`` (the step writes one operation but computes
another: ``12 + 3 = 9``). Later steps compute correctly from the wrong value, so
the error propagates to the answer. Labels follow PRM800K's reading: the steps before the error are
right (1); the erroneous step and every step after it are wrong (0).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Sequence

from rewardsmith.prm.data import StepExample

__all__ = ["ERROR_KINDS", "ChainConfig", "make_problem", "solve", "equations", "synthetic_examples", "vocabulary",
           "ArithmeticPolicy"]

ERROR_KINDS = ("arithmetic", "carry", "operation")
_SWAP = {"add": "sub", "sub": "add", "mul": "add"}
_OPS = {"add": ("Add {}", "+"), "sub": ("Subtract {}", "-"), "mul": ("Multiply by {}", "*")}
_LEADS = ("", "So ", "Then ", "Now ")  # how a step may open; the equation always ends it
_ANSWERS = ("The answer is \\boxed{{{}}}.", "So the answer is \\boxed{{{}}}.", "Final answer: \\boxed{{{}}}.")
_EQ_RE = re.compile(r"(-?\d+) ([+\-*]) (\d+) = (-?\d+)$")


@dataclass(frozen=True)
class ChainConfig:
    """Shape of the synthetic problems."""

    min_ops: int = field(default=2, metadata={"help": "fewest operations a problem has"})
    max_ops: int = field(default=5, metadata={"help": "most operations a problem has"})
    max_value: int = field(default=20, metadata={
        "help": "largest start value and intermediate (the tiny backbone does not learn to check steps "
                "with numbers up to 50 in its default 300 steps; see issue 17 item 7)"})
    error_rate: float = field(default=0.5, metadata={"help": "probability that a solution has an error"})
    error_kinds: tuple[str, ...] = field(default=("arithmetic", "carry", "operation"), metadata={
        "help": "kinds of injected error: arithmetic (wrong result), carry (wrong starting number), "
                "operation (computes another operation than it writes)"})

    def __post_init__(self) -> None:
        if not 1 <= self.min_ops <= self.max_ops:
            raise ValueError("need 1 <= min_ops <= max_ops")
        if self.max_value < 10:
            raise ValueError("max_value must be at least 10")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be in [0, 1]")
        if isinstance(self.error_kinds, str):
            object.__setattr__(self, "error_kinds", tuple(k.strip() for k in self.error_kinds.split(",")))
        if not self.error_kinds or set(self.error_kinds) - set(ERROR_KINDS):
            raise ValueError(f"error_kinds: choose from {', '.join(ERROR_KINDS)}")


def _apply(op: str, x: int, b: int) -> int:
    return x + b if op == "add" else x - b if op == "sub" else x * b


def make_problem(rng: random.Random, cfg: ChainConfig) -> tuple[int, list[tuple[str, int]]]:
    """A start value and operations whose correct intermediates stay in [0, max_value]."""
    x = rng.randint(1, cfg.max_value)
    start, ops = x, []
    for _ in range(rng.randint(cfg.min_ops, cfg.max_ops)):
        choices = []  # never empty: x >= 1 allows a subtraction, x == 0 an addition
        if x < cfg.max_value:
            choices.append(("add", rng.randint(1, min(9, cfg.max_value - x))))
        if x >= 1:
            choices.append(("sub", rng.randint(1, min(9, x))))
        factors = [k for k in (2, 3) if 1 <= x and x * k <= cfg.max_value]
        if factors:
            choices.append(("mul", rng.choice(factors)))
        op, b = rng.choice(choices)
        ops.append((op, b))
        x = _apply(op, x, b)
    return start, ops


def problem_text(start: int, ops: Sequence[tuple[str, int]]) -> str:
    """The problem statement.

    >>> problem_text(7, [("add", 5), ("mul", 3)])
    'Start with 7. Add 5. Multiply by 3. What is the result?'
    """
    words = " ".join(_OPS[op][0].format(b) + "." for op, b in ops)
    return f"Start with {start}. {words} What is the result?"


def solve(x: int, ops: Sequence[tuple[str, int]], error_at: int | None = None, kind: str = "arithmetic",
          delta: int = 1, rng: random.Random | None = None) -> tuple[list[str], int]:
    """Write the steps from value ``x`` through ``ops``, with an optional error at step ``error_at``.

    With ``rng``, each step may open with a lead word ("So", "Then", "Now") and the answer line
    takes one of several phrasings, so that two right solutions of a problem are rarely the same
    text (as sampled solutions are not); the equations are the same either way.

    >>> solve(7, [("add", 5), ("mul", 3)])
    (['7 + 5 = 12', '12 * 3 = 36', 'The answer is \\\\boxed{36}.'], 36)
    >>> solve(7, [("add", 5), ("mul", 3)], error_at=0, delta=2)[0][:2]
    ['7 + 5 = 14', '14 * 3 = 42']
    >>> solve(7, [("add", 5), ("mul", 3)], error_at=1, kind="operation")[0][1]
    '12 * 3 = 15'
    """
    steps = []
    for i, (op, b) in enumerate(ops):
        here = i == error_at
        left = x + delta if (here and kind == "carry") else x
        y = _apply(_SWAP[op] if here and kind == "operation" else op, left, b)
        y += delta if here and kind == "arithmetic" else 0
        steps.append(f"{rng.choice(_LEADS) if rng else ''}{left} {_OPS[op][1]} {b} = {y}")
        x = y
    steps.append((rng.choice(_ANSWERS) if rng else _ANSWERS[0]).format(x))
    return steps, x


def equations(steps: Sequence[str]) -> list[tuple[int, str, int, int]]:
    """``(left, op, right, result)`` of each equation step (the answer line has none).

    >>> equations(["So 7 + 5 = 12", "The answer is \\\\boxed{12}."])
    [(7, '+', 5, 12)]
    """
    return [(int(a), op, int(b), int(c)) for a, op, b, c in (m.groups() for m in map(_EQ_RE.search, steps) if m)]


def _one_solution(rng: random.Random, cfg: ChainConfig, start: int, ops: list[tuple[str, int]],
                  answer: int) -> tuple[list[str], list[float], bool, dict]:
    """One solution; an injected error keeps every number in [0, max_value] (no range shortcut)."""
    if rng.random() < cfg.error_rate:
        for _ in range(50):
            at, kind = rng.randrange(len(ops)), rng.choice(cfg.error_kinds)
            delta = rng.choice((-10, -3, -2, -1, 1, 2, 3, 10))
            steps, final = solve(start, ops, at, kind, delta, rng)
            numbers = [n for a, _, _, c in equations(steps) for n in (a, c)]
            if final != answer and 0 <= min(numbers) and max(numbers) <= cfg.max_value:
                return steps, [1.0] * at + [0.0] * (len(steps) - at), False, {"error": kind, "error_at": at}
    steps, _ = solve(start, ops, rng=rng)
    return steps, [1.0] * len(steps), True, {}


def synthetic_examples(n_problems: int, per_problem: int = 1, cfg: ChainConfig | None = None,
                       seed: int = 0) -> list[StepExample]:
    """``per_problem`` independently drawn solutions for each of ``n_problems`` problems.

    Args:
        n_problems: how many problems.
        per_problem: solutions per problem (best-of-N candidates share the problem's group).
        cfg: problem shape and error rate.
        seed: the random seed (the same seed gives the same data).

    Returns:
        examples with exact labels, ``answer`` and ``final_correct``.
    """
    cfg = cfg or ChainConfig()
    rng = random.Random(seed)
    out = []
    for p in range(n_problems):
        start, ops = make_problem(rng, cfg)
        prompt, (_, answer) = problem_text(start, ops), solve(start, ops)
        for _ in range(per_problem):
            steps, labels, ok, meta = _one_solution(rng, cfg, start, ops, answer)
            out.append(StepExample(prompt, steps, labels, str(answer), f"{seed}-{p}", ok, meta))
    return out


def vocabulary(max_number: int = 999) -> list[str]:
    """Every word the synthetic texts use (numbers 0..max_number included), for word tokenizers."""
    words = "Start with Add Subtract Multiply by What is the result The answer So Then Now Final Step".split()
    return words + list(". ? + - * = \\ { } }. boxed :".split()) + [str(i) for i in range(max_number + 1)]


_OP_RE = re.compile(r"(Add|Subtract|Multiply by) (\d+)\.")
_START_RE = re.compile(r"Start with (\d+)\.")


class ArithmeticPolicy:
    """A programmatic policy for synthetic problems: continues a partial solution, erring per step.

    Used for Monte-Carlo step labels without a language model: it reads the operations back from
    the problem text and the current value from the last written step.
    """

    def __init__(self, step_error: float = 0.1, seed: int = 0) -> None:
        self.step_error, self.rng = step_error, random.Random(seed)

    def continue_solution(self, prompt: str, prefix: Sequence[str]) -> list[str]:
        """The remaining steps after ``prefix`` (empty when the prefix already answers)."""
        start = _START_RE.search(prompt)
        ops = [({"Add": "add", "Subtract": "sub", "Multiply by": "mul"}[w], int(b))
               for w, b in _OP_RE.findall(prompt)]
        if start is None or not ops:
            raise ValueError("not a synthetic arithmetic problem")
        if prefix and "answer" in prefix[-1]:
            return []
        done = len(prefix)
        x = int(prefix[-1].rsplit("=", 1)[-1]) if prefix else int(start.group(1))
        out = []
        for op, b in ops[done:]:
            y = _apply(op, x, b)
            if self.rng.random() < self.step_error:
                y += self.rng.choice((-2, -1, 1, 2))
            out.append(f"{x} {_OPS[op][1]} {b} = {y}")
            x = y
        return out + [f"The answer is \\boxed{{{x}}}."]

    def complete(self, prompts: Sequence[str], prefixes: Sequence[Sequence[str]], n: int) -> list[list[str]]:
        """For each (prompt, prefix): ``n`` full completions, steps joined by blank lines."""
        return [["\n\n".join([*pre, *self.continue_solution(p, pre)]) for _ in range(n)]
                for p, pre in zip(prompts, prefixes)]
