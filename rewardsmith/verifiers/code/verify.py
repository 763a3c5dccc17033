"""The code verifier: completion + tests -> :class:`~rewardsmith.verifiers.verdict.Verdict`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rewardsmith.basics import UsageError
from rewardsmith.verifiers.code.extract import extract_code
from rewardsmith.verifiers.code.limits import Limits
from rewardsmith.verifiers.code.oracle import Program, ProgramResult
from rewardsmith.verifiers.code.pool import SandboxPool, get_pool
from rewardsmith.verifiers.code.testforms import build_suite
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["CodeTask", "verify_code", "verify_many", "to_verdict"]


@dataclass(frozen=True)
class CodeTask:
    """One completion and its tests, in any of the forms :func:`build_suite` accepts."""

    completion: str
    tests: Any = None
    test_cases: Any = None
    entry_point: str | None = None
    setup_code: str = ""


def to_verdict(result: ProgramResult, elapsed: float | None = None) -> Verdict:
    """Correct when every test passed; ``score`` is the passed fraction; details list each test."""
    details: dict[str, Any] = {
        "passed": result.passed, "total": result.total, "backend": result.backend,
        "tests": [{"name": t.name, "status": t.status, "message": t.message[:300]}
                  for t in result.tests]}
    if result.load_error:
        details["load_error"] = result.load_error[:500]
    spent = result.elapsed if elapsed is None else elapsed
    if result.infra_error:
        return Verdict(None, None, details, spent, error=f"sandbox: {result.infra_error}")
    score = result.passed / result.total if result.total else 0.0
    return Verdict(result.all_passed, score, details, spent)


def _program(task: CodeTask) -> Program | Verdict:
    try:
        suite = build_suite(task.tests, task.test_cases, task.entry_point, task.setup_code)
    except UsageError as exc:
        return Verdict(None, error=f"bad tests: {exc}")
    code = extract_code(task.completion, suite.entry_point)
    if not code.strip():
        return Verdict(False, 0.0, {"reason": "no code found in the completion",
                                    "passed": 0, "total": suite.count})
    return Program(code, suite)


def verify_many(tasks: Sequence[CodeTask], pool: SandboxPool,
                progress: Callable[[int], None] | None = None) -> list[Verdict]:
    """Verify many completions in parallel on ``pool``; one Verdict per task, in order."""
    prepared = [_program(t) for t in tasks]
    programs = [p for p in prepared if isinstance(p, Program)]
    results = iter(pool.run(programs, progress))
    out = []
    for p in prepared:
        if isinstance(p, Program):
            out.append(to_verdict(next(results)))
        else:
            out.append(p)
            if progress is not None:
                progress(1)
    return out


def verify_code(completion: str, tests: Any = None, *, test_cases: Any = None,
                entry_point: str | None = None, setup_code: str = "", backend: str = "auto",
                limits: Limits | None = None, pool: SandboxPool | None = None) -> Verdict:
    """Run the program in ``completion`` against its tests in a sandbox.

    The verdict is decided on the host: the sandboxed program only answers calls, and its
    replies are decoded into plain data and compared here (see docs/sandbox.md).

    Args:
        completion: model output; the fenced Python block is used, or the raw text.
        tests: assert script (MBPP ``test_list`` or HumanEval ``check``), or a list of cases.
        test_cases: function I/O or stdin/stdout cases (see :mod:`.testforms`).
        entry_point: the function the tests call as ``candidate`` or by case.
        setup_code: trusted code run on the host before the tests.
        backend: ``auto`` (bwrap, else docker), ``bwrap``, ``docker`` or ``process``.
        limits: resource limits (defaults: 5 s per test, 30 s per program, 1 GiB, 32 processes).
        pool: a pool to run on; by default a shared one for (backend, limits).

    Returns:
        Verdict(correct, score=passed fraction, details with per-test statuses and messages).

    >>> v = verify_code("```python\\ndef add(a, b):\\n    return a + b\\n```",
    ...                 ["assert add(1, 2) == 3"])
    >>> v.correct, v.details["tests"][0]["status"]
    (True, 'passed')
    """
    pool = pool or get_pool(backend, 0, limits)
    task = CodeTask(completion, tests, test_cases, entry_point, setup_code)
    return verify_many([task], pool)[0]
