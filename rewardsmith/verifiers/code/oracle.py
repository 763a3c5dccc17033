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
from typing import Any, Callable, Literal

from rewardsmith.verifiers.code.backends.base import Jail
from rewardsmith.verifiers.code.limits import Limits
from rewardsmith.verifiers.code.session import (CandidateDied, CandidateError, Session,
                                              TestTimeout, UntrustedOperation)
from rewardsmith.verifiers.code.testforms import CallCase, IOCase, Step, TestSuite, normalize_output

__all__ = ["Program", "TestResult", "ProgramResult", "Watch", "run_program", "exact_equal",
           "test_names", "all_tests"]

Status = Literal["passed", "failed", "error", "timeout"]

#: modules a test may use without importing them (MBPP tests lean on the candidate's imports)
SAFE_MODULES = frozenset({"math", "cmath", "re", "collections", "itertools", "functools", "heapq",
                          "bisect", "string", "operator", "statistics", "fractions", "decimal",
                          "copy", "random"})


#: exit values (minus the signal number) of a child the kernel stopped at its CPU-time rlimit:
#: SIGXCPU at the soft limit, SIGKILL at the hard one. Such a program ran out of time.
_CPU_LIMIT_EXITS = (-24, -9)
#: seconds the jail may take to kill and wipe after a program
RESET_TIMEOUT = 10.0


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

    def __init__(self, jail: Jail, program: Program, limits: Limits,
                 watch: Watch | None = None) -> None:
        self.limits = limits
        self.suite = program.suite
        self.session = Session(jail, program.code, time.monotonic() + limits.program_timeout)
        self.results: list[TestResult] = []
        #: names bound to the candidate's objects: name -> (object, candidate name). After a
        #: reload, only a name still holding that object is rebound (never one trusted code
        #: replaced); ``pending``: names not bound yet because the program was gone at the time
        self.bound: dict[str, tuple[Any, str]] = {}
        self.pending: dict[str, tuple[str, bool]] = {}
        self.watch = watch or Watch()

    def _test(self, name: str, body: Any) -> None:
        start = time.monotonic()
        self.session.test_deadline = start + self.limits.timeout
        self.session.last_call = ""
        self.watch.phase(name, self.limits.timeout)
        try:
            if start >= self.session.program_deadline:
                raise TestTimeout("the program's time limit was reached before this test")
            status, message = body()
        except UntrustedOperation as exc:
            status, message = "failed", str(exc)
        except (Exception, TestTimeout, CandidateDied) as exc:  # noqa: BLE001 - any test error
            status, message = _classify(exc)
        result = self._result(name, status, message, start)
        self.results.append(result)
        self.watch.finished(result)

    def _result(self, name: str, status: Status, message: str, start: float) -> TestResult:
        if status != "passed" and self.session.last_call and status != "timeout":
            message = f"{message}; last call: {self.session.last_call}".lstrip("; ")
        return TestResult(name, status, message[:1000], round(time.monotonic() - start, 4))

    def _ensure_loaded(self) -> str | None:
        if self.session.loaded:
            return None
        self.session.test_deadline = time.monotonic() + self.limits.timeout
        self.watch.phase("load", self.limits.timeout)
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
            self._reload_bindings(ns)
        exec(_compile(step.source), ns)  # noqa: S102 - trusted test code, on the host

    def _step(self, step: Step, ns: dict) -> tuple[Status, str]:
        self._run_step(step, ns)
        return "passed", ""

    def _namespace(self) -> dict:
        """Builtins and safe modules, then candidate proxies, then trusted setup, then aliases."""
        ns: dict = {"__builtins__": builtins, "__name__": "__rewardsmith_test__"}
        for name in self.suite.names:
            if name in SAFE_MODULES:
                ns[name] = importlib.import_module(name)
        entry = self.suite.entry_point
        may_shadow = self._may_shadow()
        self._bind(ns, [(n, n) for n in sorted(self.suite.names)
                        if not _reserved(n) or n in may_shadow])
        if self.suite.setup:
            self.session.test_deadline = time.monotonic() + self.limits.timeout
            self.watch.phase("setup", self.limits.timeout)
            try:
                exec(_compile(self.suite.setup), ns)  # noqa: S102 - trusted dataset code
            except (Exception, TestTimeout, CandidateDied):  # noqa: BLE001
                pass
            if entry and (not _reserved(entry) or entry in may_shadow):
                # the setup may hold a stub of the function under test: the candidate's wins
                self._bind(ns, [(entry, entry)], force=True)
        self._bind(ns, list(self.suite.aliases), force=True)
        return ns

    def _bind(self, ns: dict, pairs: list[tuple[str, str]], force: bool = False) -> None:
        """Bind each ``name`` of ``(name, candidate name)`` to the candidate's current object.

        Each name is bound on its own: a candidate value that cannot be fetched (too large,
        never-ending, kills the program) leaves that one name unbound, and the tests that read
        it fail; it never stops the other names or the other tests. ``force``: bind it after a
        reload even if trusted code defined the name (the entry point and its aliases).
        """
        s = self.session
        for name, target in pairs:
            if not name or (s.loaded and target not in s.names):
                continue
            if not s.loaded:
                self.pending[name] = (target, force)
                continue
            try:
                obj = s.get(target)
            except (Exception, TestTimeout, CandidateDied):  # noqa: BLE001 - that name only
                self.bound.pop(name, None)
                ns.pop(name, None)
                continue
            ns[name], self.bound[name] = obj, (obj, target)

    def _reload_bindings(self, ns: dict) -> None:
        """After a reload: rebind the names bound to the candidate before, except any that
        trusted code (the setup, a helper step) has replaced since, and bind those that were
        pending; a name that only the new load defines is never bound."""
        again = [(n, t) for n, (obj, t) in self.bound.items() if ns.get(n) is obj]
        again += [(n, t) for n, (t, force) in self.pending.items() if force or n not in ns]
        self.bound.clear()
        self.pending.clear()
        self._bind(ns, again)

    def _may_shadow(self) -> set[str]:
        """The one reserved name the candidate may still provide: the function under test
        (MBPP 126 tests a function called ``sum``). That is the entry point; without one, the
        only function that every test calls, that the candidate defines, that has a builtin's
        name, and that no test uses to check another one's result (in ``abs(sum(xs) - 4.0)``,
        ``abs`` is a checker). Never more than one, and none when any such function has an
        ordinary name."""
        if self.suite.entry_point:
            return {self.suite.entry_point}
        called = {n for n in self.suite.callees if self.session.names.get(n)}
        if any(not _reserved(n) for n in called):
            return set()
        under_test = called - self.suite.wrappers
        return under_test if len(under_test) == 1 else set()


def _reserved(name: str) -> bool:
    return hasattr(builtins, name) or name in SAFE_MODULES or name.startswith("__")


class Watch:
    """Told when each phase of a program's evaluation starts and each test ends.

    The evaluator's worker process reports these to the pool, which kills the worker when a
    phase runs past its time (a test whose evaluation on the host never ends)."""

    def phase(self, name: str, seconds: float) -> None:
        """A phase (``load``, ``setup``, a test's name, ``reset``) starts and may take ``seconds``
        of the jail's time (the host adds its grace)."""

    def finished(self, result: TestResult) -> None:
        """A test ended with ``result``."""


def run_program(jail: Jail, program: Program, limits: Limits,
                watch: Watch | None = None) -> ProgramResult:
    """Run ``program``'s tests in ``jail`` (which must be warm); the jail is reset afterwards.

    Whatever the candidate does, the result is its own verdict (errors, timeouts); raises
    JailBroken only when the jail itself fails (the caller replaces it).
    """
    start = time.monotonic()
    runner = _Runner(jail, program, limits, watch)
    try:
        load_error = runner.run()
    except (CandidateError, CandidateDied, TestTimeout) as exc:  # a last line: never the batch's
        load_error = f"{type(exc).__name__}: {exc}"
    if load_error is not None:
        results = all_tests(program, "error", f"program failed to load: {load_error}").tests
    else:
        results = tuple(runner.results)
    runner.watch.phase("reset", RESET_TIMEOUT)
    jail.request({"op": "reset"}, RESET_TIMEOUT)
    return ProgramResult(results, load_error, round(time.monotonic() - start, 4), jail.backend)


def test_names(program: Program) -> list[str]:
    """The names of the program's tests, in order (steps that are not tests left out)."""
    return [getattr(item, "name", "") or "test" for item in program.suite.items
            if not isinstance(item, Step) or item.is_test]


def all_tests(program: Program, status: Status, message: str, backend: str = "") -> ProgramResult:
    """A result giving every test of ``program`` the same status and message."""
    return ProgramResult(tuple(TestResult(n, status, message) for n in test_names(program)),
                         backend=backend)
