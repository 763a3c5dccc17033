"""The trusted oracle: runs a suite's tests on the host against a program living in a jail.

Test code, expected values and comparisons never enter the jail. Assert steps are executed here,
in a fresh namespace where the candidate's functions are :class:`RemoteObject` proxies; asserts
are rewritten to ``if not ...: raise AssertionError`` so ``python -O`` cannot strip them. Function
I/O cases are compared with exact types; stdin/stdout cases by full normalised output.
"""
from __future__ import annotations

import ast
import builtins
import functools
import importlib
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

from rewardkit.verifiers.code.backends.base import Jail
from rewardkit.verifiers.code.limits import Limits
from rewardkit.verifiers.code.session import (CandidateDied, CandidateError, Session,
                                              TestTimeout, UntrustedOperation)
from rewardkit.verifiers.code.testforms import CallCase, IOCase, Step, TestSuite, normalize_output

__all__ = ["Program", "TestResult", "ProgramResult", "run_program", "exact_equal"]

Status = Literal["passed", "failed", "error", "timeout"]

#: modules a test may use without importing them (MBPP tests lean on the candidate's imports)
SAFE_MODULES = frozenset({"math", "cmath", "re", "collections", "itertools", "functools", "heapq",
                          "bisect", "string", "operator", "statistics", "fractions", "decimal",
                          "copy", "random"})


#: exit values (minus the signal number) of a child the kernel stopped at its CPU-time rlimit:
#: SIGXCPU at the soft limit, SIGKILL at the hard one. Such a program ran out of time.
_CPU_LIMIT_EXITS = (-24, -9)


@dataclass(frozen=True)
class Program:
    """A candidate program and the tests to run it against."""

    code: str
    suite: TestSuite


@dataclass(frozen=True)
class TestResult:
    name: str
    status: Status
    message: str = ""
    elapsed: float = 0.0


@dataclass(frozen=True)
class ProgramResult:
    """Per-test verdicts of one program. ``infra_error``: the sandbox itself failed (no verdict)."""

    tests: tuple[TestResult, ...] = ()
    load_error: str | None = None
    elapsed: float = 0.0
    backend: str = ""
    infra_error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(t.status == "passed" for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total and self.infra_error is None


class _NoAssertTransformer(ast.NodeTransformer):
    """``assert t, m`` -> ``if not t: raise AssertionError(m)``: immune to ``python -O``."""

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        args = [node.msg] if node.msg is not None else []
        exc = ast.Call(ast.Name("AssertionError", ast.Load()), args, [])
        new = ast.If(ast.UnaryOp(ast.Not(), node.test), [ast.Raise(exc, None)], [])
        return ast.copy_location(new, node)


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in dataset strings
        tree = _NoAssertTransformer().visit(ast.parse(source))
        return compile(ast.fix_missing_locations(tree), "<test>", "exec")


def exact_equal(got: Any, want: Any, atol: float | None = None) -> bool:
    """Equality with exact types at every level (``1 != 1.0 != True``; NaN equals NaN).

    >>> exact_equal([1, (2.0, "a")], [1, (2.0, "a")]), exact_equal(1, 1.0), exact_equal(True, 1)
    (True, False, False)
    >>> exact_equal(0.1 + 0.2, 0.3, atol=1e-9)
    True
    """
    if type(got) is not type(want):
        return False
    if type(got) is float:
        if math.isnan(got) or math.isnan(want):
            return math.isnan(got) and math.isnan(want)
        return got == want or (atol is not None and abs(got - want) <= atol)
    if type(got) in (list, tuple):
        return len(got) == len(want) and all(exact_equal(a, b, atol) for a, b in zip(got, want))
    if type(got) is dict:
        keyed = {_key(k): v for k, v in want.items()}
        return len(got) == len(want) and all(
            _key(k) in keyed and exact_equal(v, keyed[_key(k)], atol) for k, v in got.items())
    if type(got) in (set, frozenset):
        return {_key(v) for v in got} == {_key(v) for v in want}
    return got == want


def _key(value: Any) -> Any:
    """A hashable, type-exact stand-in for a plain value (so that 1 and True stay apart)."""
    if type(value) in (tuple, frozenset):
        items = [_key(v) for v in value]
        return (type(value).__name__, tuple(sorted(items, key=repr)) if type(value) is frozenset
                else tuple(items))
    return (type(value).__name__, value)


def _classify(exc: BaseException) -> tuple[Status, str]:
    if isinstance(exc, TestTimeout):
        return "timeout", str(exc)
    if isinstance(exc, AssertionError) and not getattr(exc, "_rk_from_candidate", False):
        return "failed", str(exc)
    if isinstance(exc, CandidateDied):
        return "error", str(exc)
    return "error", f"{type(exc).__name__}: {exc}"[:1000]


class _Runner:
    """Runs one program's suite; the Session is reloaded after a timeout or a crash."""

    def __init__(self, jail: Jail, program: Program, limits: Limits) -> None:
        self.limits = limits
        self.suite = program.suite
        self.session = Session(jail, program.code, time.monotonic() + limits.program_timeout)
        self.results: list[TestResult] = []

    def _test(self, name: str, body: Any) -> None:
        start = time.monotonic()
        self.session.test_deadline = start + self.limits.timeout
        self.session.last_call = ""
        try:
            if start >= self.session.program_deadline:
                raise TestTimeout("the program's time limit was reached before this test")
            status, message = body()
        except UntrustedOperation as exc:
            status, message = "failed", str(exc)
        except (Exception, TestTimeout, CandidateDied) as exc:  # noqa: BLE001 - any test error
            status, message = _classify(exc)
        if status != "passed" and self.session.last_call and status != "timeout":
            message = f"{message}; last call: {self.session.last_call}".lstrip("; ")
        self.results.append(TestResult(name, status, message[:1000],
                                       round(time.monotonic() - start, 4)))

    def _ensure_loaded(self) -> str | None:
        if self.session.loaded:
            return None
        self.session.test_deadline = time.monotonic() + self.limits.timeout
        try:
            return self.session.load()
        except (CandidateDied, CandidateError) as exc:
            return str(exc)

    # --- the three forms --------------------------------------------------------------------------
    def run(self) -> str | None:
        if self.suite.kind == "stdio":
            for case in self.suite.items:
                self._test(case.name, lambda c=case: self._stdio(c))
            return None
        try:
            load_error = self._ensure_loaded()
        except TestTimeout:
            load_error = "timeout while loading the program"
        if load_error is not None:
            return load_error
        if self.suite.kind == "call":
            for case in self.suite.items:
                self._test(case.name, lambda c=case: self._call(c))
        else:
            self._asserts()
        return None

    def _call(self, case: CallCase) -> tuple[Status, str]:
        error = self._ensure_loaded()
        if error:
            return "error", error
        got = self.session.get(case.fn)(*case.args, **case.kwargs)
        if exact_equal(got, case.expected, case.atol):
            return "passed", ""
        return "failed", f"expected {case.expected!r}, got {got!r}"[:1000]

    def _stdio(self, case: IOCase) -> tuple[Status, str]:
        reply = self.session.request({"op": "stdio", "code": self.session.code, "stdin": case.stdin,
                                      "cpu": max(1.0, self.limits.timeout)})
        out = reply.get("stdout")
        if reply.get("truncated"):
            return "failed", "output exceeds the output cap"
        if not isinstance(out, str):
            return "error", "malformed reply"
        if reply.get("exit") in _CPU_LIMIT_EXITS:
            return "timeout", "CPU time limit reached"
        if reply.get("exit") != 0:
            tail = str(reply.get("stderr", ""))[-500:]
            return "error", f"exit status {reply.get('exit')}: {tail}"
        got, want = normalize_output(out), normalize_output(case.stdout)
        if got == want:
            return "passed", ""
        for i, (g, w) in enumerate(zip(got + [None] * len(want), want + [None] * len(got))):
            if g != w:
                return "failed", f"line {i + 1}: expected {w!r}, got {g!r}"
        return "failed", "output differs"  # pragma: no cover - the loop always finds a line

    def _asserts(self) -> None:
        ns = self._namespace()
        for i, step in enumerate(self.suite.items):
            if step.is_test:
                self._test(step.name, lambda s=step: self._step(s, ns))
            else:
                try:
                    self._run_step(step, ns)
                except (Exception, TestTimeout, CandidateDied):  # noqa: BLE001
                    pass  # a failing helper step shows up in the tests that need it

    def _run_step(self, step: Step, ns: dict) -> None:
        if not self.session.loaded:
            error = self._ensure_loaded()
            if error:
                raise CandidateDied(error)
            self._rebind(ns)
        exec(_compile(step.source), ns)  # noqa: S102 - trusted test code, on the host

    def _step(self, step: Step, ns: dict) -> tuple[Status, str]:
        self._run_step(step, ns)
        return "passed", ""

    def _namespace(self) -> dict:
        """Builtins and safe modules, then candidate proxies, then trusted setup, then aliases."""
        ns: dict = {"__builtins__": builtins, "__name__": "__rewardkit_test__"}
        for name in self.suite.names:
            if name in SAFE_MODULES:
                ns[name] = importlib.import_module(name)
        self._rebind(ns)
        if self.suite.setup:
            self.session.test_deadline = time.monotonic() + self.limits.timeout
            try:
                exec(_compile(self.suite.setup), ns)  # noqa: S102 - trusted dataset code
            except (Exception, TestTimeout, CandidateDied):  # noqa: BLE001
                pass
            self._rebind(ns, only_entry=True)
        return ns

    def _rebind(self, ns: dict, only_entry: bool = False) -> None:
        """(Re)bind the candidate names the tests read to proxies of the current run.

        A candidate name never shadows a builtin or a safe module the tests use: a program
        defining ``abs = lambda x: 0`` must not decide ``assert abs(f(x) - y) < 1e-6``.
        """
        s = self.session
        entry = self.suite.entry_point
        wanted = [entry] if only_entry else sorted(self.suite.names)
        may_shadow = self._may_shadow()
        for name in wanted:
            if not name or name not in s.names:
                continue
            if _reserved(name) and name not in may_shadow:
                continue
            try:
                ns[name] = s.get(name)
            except Exception:  # noqa: BLE001 - a data attribute that fails to encode
                continue
        for alias, target in self.suite.aliases:
            if target in s.names:
                ns[alias] = s.get(target)


    def _may_shadow(self) -> set[str]:
        """Reserved names the candidate may still provide: the function under test itself
        (MBPP 126 tests a function called ``sum``). Without an entry point, that is a function
        every test calls, and only when no such function has an ordinary name."""
        if self.suite.entry_point:
            return {self.suite.entry_point}
        called = {n for n in self.suite.callees if n in self.session.names}
        return set() if any(not _reserved(n) for n in called) else called


def _reserved(name: str) -> bool:
    return hasattr(builtins, name) or name in SAFE_MODULES or name.startswith("__")


def run_program(jail: Jail, program: Program, limits: Limits) -> ProgramResult:
    """Run ``program``'s tests in ``jail`` (which must be warm); the jail is reset afterwards.

    Raises JailBroken when the jail itself fails; the caller replaces it.
    """
    start = time.monotonic()
    runner = _Runner(jail, program, limits)
    load_error = runner.run()
    if load_error is not None:
        results = tuple(TestResult(_name(item), "error", f"program failed to load: {load_error}")
                        for item in program.suite.items if not isinstance(item, Step) or item.is_test)
    else:
        results = tuple(runner.results)
    jail.request({"op": "reset"}, 10.0)
    return ProgramResult(results, load_error, round(time.monotonic() - start, 4), jail.backend)


def _name(item: Any) -> str:
    return getattr(item, "name", "") or "test"
