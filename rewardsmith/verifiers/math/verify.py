"""``verify_math``: is the final answer of a completion equal to the gold answer?

Per completion: extract the final answer(s) (:mod:`.extract`); refuse hedges and resource attacks
(:mod:`.guards`); decide exact numbers, choice letters, words and identical strings on the host
(:mod:`.numbers`, :mod:`.normalize`), never touching sympy; send only the rest to math-verify in
a :class:`~rewardsmith.verifiers.pool.TimeoutPool` of worker processes, one batched round trip per
call of :func:`verify_math_batch`, each comparison with its own wall-clock timeout.

Gold first, prediction second. The gold is trusted: it is cleaned but never checked for hedging,
and its kind (:mod:`.kinds`: number, letter, word, expression, tuple, solutions, labelled values,
set of reals, function, equation, base, ...) decides the comparison; an equation gold ``x=5``
accepts ``5`` while a number gold ``5`` also accepts ``x=5``. The prediction must give a single
final answer when the gold is a single value; for a gold with several values the boxes of an
answer together are one answer. See docs/math.md.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from rewardsmith.basics import prompt_text
from rewardsmith.verifiers.math.config import MathConfig
from rewardsmith.verifiers.math.extract import Extraction, extract_answer
from rewardsmith.verifiers.math.guards import echo_reason, hedge_reason, resource_reason
from rewardsmith.verifiers.math.evaluate import compare, evaluate
from rewardsmith.verifiers.math.kinds import (Decision, angle_decision, compare_kind,
                                            rounded_gold_decision)
from rewardsmith.verifiers.math.normalize import (Gold, as_column, canonical, decimal_comma,
                                                has_degrees, latex_clean, plain, prepare_gold,
                                                read_letter, read_number, read_word)
from rewardsmith.verifiers.math.numbers import numbers_equal, parse_number
from rewardsmith.verifiers.pool import Outcome, TimeoutPool
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["verify_math", "verify_math_batch", "shared_pool"]

_MAX_DISTINCT = 8  # more different final answers than this is hedging, whatever they are
_pools: dict[tuple[int, int], TimeoutPool] = {}
_pools_lock = threading.Lock()


def shared_pool(config: MathConfig) -> TimeoutPool:
    """The process-wide worker pool for ``config.workers`` and ``config.memory_mb`` (lazy)."""
    from rewardsmith.verifiers.math import equivalence
    key = (config.workers, config.memory_mb)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or pool.owner_pid != os.getpid():  # a forked child needs its own workers
            if not _pools:
                atexit.register(_close_pools)
            pool = TimeoutPool(config.workers, memory_limit_mb=config.memory_mb or None,
                               initializer=equivalence.warm_up)
            _pools[key] = pool
        return pool


def _close_pools() -> None:
    for pool in _pools.values():
        if pool.owner_pid == os.getpid():
            pool.close()
    _pools.clear()


@dataclass
class _Check:
    """The judgement of one extracted answer: decided here, or waiting for pool jobs (gold
    first, prediction second) that must all say "equal"."""

    correct: bool | None = None
    reason: str = ""
    path: str = ""
    jobs: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    answer: str = ""  # the answer as compared (after normalisation)


@dataclass
class _Case:
    gold: Gold
    extraction: Extraction
    checks: list[_Check] = field(default_factory=list)
    elapsed: float = 0.0


def _decided(decision: Decision, path: str, answer: str) -> _Check:
    if decision.correct is not None:
        return _Check(decision.correct, decision.reason, path, answer=answer)
    return _Check(None, decision.reason, f"{path}>sympy", jobs=decision.jobs, answer=answer)


def _judge(gold: Gold, answer: str, config: MathConfig, question: str | None) -> _Check:
    """Decide one extracted answer without sympy when possible; else say which jobs decide it.
    The steps: normalise the answer, refuse hedges and attacks, then compare by the gold's
    kind (path ``<kind>``, or ``<kind>>sympy`` when sympy must decide)."""
    if len(answer) > config.max_answer_chars:
        return _Check(False, f"answer too long ({len(answer)} chars)", "guard")
    if gold.number is not None and _PLAIN_NUMBER.fullmatch(answer):  # the common case, fast
        return _Check(numbers_equal(gold.number, parse_number(answer), config.decimal_digits),
                      "", "number", answer=answer)
    text = latex_clean(answer)
    p = plain(text, cleaned=True)
    if gold.kind in _VALUE_KINDS and _CHAIN.search(p) and not _LIST.search(p):
        text = p = final_value(p)
    if text == gold.text or p == gold.plain or canonical(text, cleaned=True) == gold.canon:
        return _Check(True, "", "string", answer=p)
    if gold.number is not None and (number := decimal_comma(p)) is not None:
        return _Check(numbers_equal(gold.number, number, config.decimal_digits), "",
                      "number>decimal-comma", answer=p)
    if gold.single and (why := hedge_reason(p)):
        return _Check(False, why, "guard", answer=p)
    if question and (_echoes(text, gold, question) or echo_reason(text, gold.text, question)):
        return _Check(False, "restates an expression from the question", "guard", answer=p)
    if gold.letter:
        letter = read_letter(p)
        return _Check(letter == gold.letter, "" if letter else "not a choice letter",
                      "letter", answer=p)
    degrees = has_degrees(answer)
    if gold.kind in ("number", "expression") and (gold.degrees or degrees):
        decision = angle_decision(gold.text, gold.degrees, text, degrees,
                                  bool(question) and "angle" in question.lower())
        if decision is not None and (decision.correct is not None or decision.jobs):
            return _decided(decision, "angle", p)
    if gold.number is not None:
        number = read_number(p)
        if number is not None and numbers_equal(gold.number, number, config.decimal_digits):
            return _Check(True, "", "number", answer=p)
        if gold.number.places and not degrees:  # a rounded gold accepts an exact answer
            decision = rounded_gold_decision(gold.number.places, gold.number.value, text)
            if decision is not None:
                return _decided(decision, "number>rounded", p)
        if number is not None:
            return _Check(False, "", "number", answer=p)
        if not any(ch.isdigit() for ch in p):
            return _Check(False, "no number in the answer", "number", answer=p)
    if gold.word is not None:
        return _Check(read_word(p) == gold.word, "", "word", answer=p)
    if why := resource_reason(text, gold.text):
        return _Check(False, why, "guard", answer=p)
    if gold.kind in _STRUCTURED:
        return _decided(compare_kind(gold.kind, gold.plain, p, config.decimal_digits),
                        gold.kind, p)
    if gold.value is not None and not degrees:
        decided = compare(gold.value, evaluate(text))
        if decided is not None:
            return _Check(decided, "", "evaluate", answer=p)
    return _Check(None, "", "sympy", jobs=[(gold.text, as_column(text, gold.text))], answer=p)


_PLAIN_NUMBER = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_OPERATION = re.compile(r"[-+*/^!]|\\(?:frac|sqrt|cdot|times|div|binom)(?![a-zA-Z])")
_STRUCTURED = frozenset({"tuple", "solutions", "labelled", "real_set", "function", "equation",
                         "base"})
_VALUE_KINDS = frozenset({"number", "expression"})
_CHAIN = re.compile(r"(?<![<>\\!])=|\\approx(?![a-zA-Z])")
_LIST = re.compile(r"[,;]|\bor\b|\band\b|\\pm|\\mp")
_LABEL = re.compile(r"[A-Za-z](?:_\{?\w+\}?)?|[A-Za-z]\s*\([^()]*\)")


def final_value(p: str) -> str:
    r"""The value an equality chain ends in: ``x = 5+5+1 = 11`` -> ``11``; with ``\approx``, the
    exact value before it: ``x = \frac{1}{3} \approx 0.33`` -> ``\frac{1}{3}``.

    >>> final_value(r"x \approx 11"), final_value(r"x=\frac13\approx 0.3")
    ('11', '\\frac13')
    """
    parts, ops, last = [], [], 0
    for m in _CHAIN.finditer(p):
        parts.append(p[last:m.start()].strip())
        ops.append("~" if m.group().startswith("\\") else "=")
        last = m.end()
    parts.append(p[last:].strip())
    if parts and _LABEL.fullmatch(parts[0]):
        parts, ops = parts[1:], ops[1:]
    if not parts or not all(parts):
        return p
    return parts[ops.index("~")] if "~" in ops else parts[-1]


def _echoes(text: str, gold: Gold, question: str) -> bool:
    """The answer is an expression copied from the question, not the gold's own spelling
    (``Factor ab+5b+2a+10`` answered by ``ab+5b+2a+10``): no work was done."""
    if len(text) < 6 or not _OPERATION.search(text.lstrip("-")):
        return False
    canon = canonical(text, cleaned=True)
    return len(canon) >= 6 and canon != gold.canon and canon in _question(question)


@functools.lru_cache(maxsize=4096)
def _question(prompt: str) -> str:
    return canonical(prompt)


def _plan(gold: Any, completion: str, config: MathConfig, prompt: Any = None) -> _Case:
    if gold is None:
        raise ValueError("the gold answer is None (a reward scores such rows as not applicable)")
    started = time.perf_counter()
    case = _Case(prepare_gold(str(gold)), extract_answer(completion, config.last_number_fallback,
                                                         config.opened(prompt)))
    answers = case.extraction.answers
    if len(answers) > 1 and not case.gold.single and len(answers) <= _MAX_DISTINCT:
        answers = (", ".join(answers),)  # several boxes for several values: one answer
    if len(answers) > _MAX_DISTINCT:
        count = f"{len(answers)}" if len(answers) <= 64 else "over 64"
        case.checks = [_Check(False, f"hedged: {count} different final answers", "guard")]
    else:
        question = prompt_text(prompt) if prompt is not None else None
        case.checks = [_judge(case.gold, a, config, question) for a in answers]
    case.elapsed = time.perf_counter() - started
    return case


def _verdict(case: _Case, config: MathConfig) -> Verdict:
    checks, ex = case.checks, case.extraction
    details: dict[str, Any] = {"extracted": ex.answer[:200] if ex.answer else None,
                               "method": ex.method, "gold": case.gold.text[:200],
                               "kind": case.gold.kind}
    if not checks:
        return Verdict(None, details={**details, "reason": "no final answer found",
                                      "path": "extract"}, elapsed=case.elapsed)
    details["path"] = checks[-1].path
    wrong = [c for c in checks if c.correct is False]
    failed = [c for c in checks if c.error is not None]
    if wrong:
        hedge = len(checks) > 1 and any(c.correct for c in checks)
        reason = ("hedged: several different final answers" if hedge else
                  wrong[-1].reason or "wrong answer")
        return Verdict(False, details={**details, "reason": reason}, elapsed=case.elapsed)
    if failed:
        first = failed[0]
        if first.timed_out and config.on_timeout == "wrong":
            return Verdict(False, details={**details, "reason": f"no credit: {first.error}"},
                           elapsed=case.elapsed)
        return Verdict(None, details={**details, "reason": first.error}, elapsed=case.elapsed,
                       error=first.error)
    reason = checks[-1].reason if checks[-1].reason.startswith("correct") else "correct"
    return Verdict(True, details={**details, "reason": reason}, elapsed=case.elapsed)


def _resolve(outcomes: list[Outcome], check: _Check) -> None:
    """All of a check's jobs must say "equal"; the first failure is its error."""
    for outcome in outcomes:
        if not outcome.ok:
            check.error, check.timed_out = outcome.error, outcome.timed_out
            return
    check.correct = all(bool(o.value) for o in outcomes)
    if not check.reason:
        check.reason = "correct: sympy" if check.correct else "wrong: sympy says different"


def verify_math_batch(golds: Sequence[Any], completions: Sequence[str],
                      config: MathConfig | None = None, *, prompts: Sequence[Any] | None = None,
                      pool: TimeoutPool | None = None, **options: Any) -> list[Verdict]:
    """Verify many completions; the comparisons that need sympy share one pool round trip.

    Args:
        golds: gold answers (strings or numbers; GSM8K ``#### N`` answers work as they are).
        completions: completion texts, one per gold.
        config: a :class:`MathConfig`; keyword ``options`` override its fields.
        prompts: the questions (strings or chat messages), optional; with them an answer that
            merely copies an expression from its question gets no credit.
        pool: the worker pool (default: the shared one for ``config.workers``).

    Returns:
        One :class:`Verdict` per completion, in order. ``correct`` is None when no final answer
        was found; ``error`` is set when a comparison failed (a crash, or a timeout with
        ``on_timeout="error"``).
    """
    if len(golds) != len(completions):
        raise ValueError(f"{len(golds)} golds for {len(completions)} completions")
    config = replace(config or MathConfig(), **options) if options else (config or MathConfig())
    prompts = [None] * len(golds) if prompts is None else prompts
    if len(prompts) != len(golds):
        raise ValueError(f"{len(prompts)} prompts for {len(golds)} golds")
    cases = [_plan(g, c, config, q) for g, c, q in zip(golds, completions, prompts)]
    pending = [ch for case in cases for ch in case.checks if ch.jobs]
    if pending:
        jobs = list(dict.fromkeys(job for ch in pending for job in ch.jobs))  # once each
        pool = pool or shared_pool(config)
        from rewardsmith.verifiers.math.equivalence import equivalent
        outcomes = dict(zip(jobs, pool.map(equivalent, jobs, timeout=config.timeout)))
        for ch in pending:
            _resolve([outcomes[job] for job in ch.jobs], ch)
        for case in cases:
            case.elapsed += sum(outcomes[job].elapsed for ch in case.checks for job in ch.jobs)
    return [_verdict(case, config) for case in cases]


def verify_math(gold: Any, completion: str, config: MathConfig | None = None, *,
                prompt: Any = None, pool: TimeoutPool | None = None, **options: Any) -> Verdict:
    """Is the completion's final answer equal to the gold answer? Gold first, prediction second.

    Args:
        gold: the gold answer: LaTeX (``\\frac{1}{2}``), a number, a choice letter, or a GSM8K
            answer (the text after ``####``, commas removed).
        completion: the completion text (its final answer is extracted).
        config: a :class:`MathConfig`; keyword ``options`` override its fields.
        prompt: the question, optional: an answer copied from it (an unsimplified expression
            equal to the gold) gets no credit.
        pool: the worker pool for the sympy comparisons (default: a shared one).

    Returns:
        A :class:`Verdict`; ``details`` holds ``extracted``, ``method``, ``kind`` (the gold's),
        ``reason`` and ``path``: the step that decided (``extract``, ``guard``, ``number``,
        ``letter``, ``word``, ``string``, ``evaluate``, ``angle``, a structured kind such as
        ``real_set`` or ``tuple``, with ``>sympy`` when a worker decided, or ``sympy``).

    >>> verify_math("72", "She sold 48 + 24 = 72 clips.\\n#### 72").correct
    True
    >>> verify_math(r"\\frac{1}{2}", r"So the answer is $\\boxed{0.5}$.").correct
    True
    >>> v = verify_math("72", "The answer is 72 or 73.")
    >>> v.correct, v.details["reason"]
    (False, 'hedged: several values for a single answer')
    >>> verify_math("3", r"\\boxed{3} ... no, \\boxed{5}").details["reason"]
    'hedged: several different final answers'
    >>> verify_math("72", "I think it is 72").correct is None  # no final answer marker
    True
    >>> verify_math("21", r"\\boxed{(2+3)^2-4}", prompt="What is $(2 + 3)^2 - 4$?").details["reason"]
    'restates an expression from the question'
    """
    prompts = None if prompt is None else [prompt]
    return verify_math_batch([gold], [completion], config, prompts=prompts, pool=pool,
                             **options)[0]
