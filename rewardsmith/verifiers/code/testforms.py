"""The three test forms, parsed into one :class:`TestSuite` the trusted side can run.

* **assert script**: a string of Python (MBPP's asserts, HumanEval's ``def check(candidate)``) or
  a list of such strings. It is split with :mod:`ast` into steps; a step holding an ``assert`` is a
  test, other steps (imports, helper assignments) run in order without counting. HumanEval's
  ``check`` body is flattened, with ``candidate`` bound to the entry point.
* **function I/O cases**: ``[{"args": [...], "kwargs": {...}, "expected": ..., "fn": optional}]``.
  Values use the wire format's tags for non-JSON types (``{"$tuple": [1, 2]}``); ``expected`` is
  compared with exact types (``1 != 1.0 != True``), floats within ``atol`` when a case gives one.
* **stdin/stdout cases**: ``[{"input": "...", "output": "..."}]``; the whole normalised output
  (trailing spaces and trailing blank lines ignored, line endings unified) must match.
"""
from __future__ import annotations

import ast
import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from rewardsmith.basics import UsageError
from rewardsmith.verifiers.code.protocol import ProtocolError, from_json

__all__ = ["Step", "CallCase", "IOCase", "TestSuite", "build_suite", "normalize_output"]


@dataclass(frozen=True)
class Step:
    """One statement group of an assert script; ``is_test`` when it holds an assert."""

    source: str
    is_test: bool
    name: str


@dataclass(frozen=True)
class CallCase:
    """Call ``fn(*args, **kwargs)`` in the candidate and compare with ``expected`` exactly."""

    fn: str
    args: tuple
    kwargs: dict
    expected: Any
    atol: float | None = None
    name: str = ""


@dataclass(frozen=True)
class IOCase:
    """Run the program with ``stdin``; its normalised stdout must equal ``stdout``."""

    stdin: str
    stdout: str
    name: str = ""


@dataclass(frozen=True)
class TestSuite:
    """Tests of one program. ``setup`` is trusted code (dataset helpers) run on the host first."""

    kind: Literal["assert", "call", "stdio"]
    items: tuple = ()
    setup: str = ""
    entry_point: str | None = None
    names: frozenset = field(default_factory=frozenset)  # names the steps read
    aliases: tuple = ()  # (alias, candidate name) bound after setup: HumanEval's candidate
    callees: frozenset = field(default_factory=frozenset)  # functions every test step calls
    #: callees that some test calls on another callee's result (``abs(f(x) - y)``): checkers,
    #: never the function under test
    wrappers: frozenset = field(default_factory=frozenset)

    @property
    def count(self) -> int:
        """How many tests (steps that are not tests do not count)."""
        return sum(1 for s in self.items if not isinstance(s, Step) or s.is_test)


def normalize_output(text: str) -> list[str]:
    """Lines with line endings unified, trailing whitespace and trailing blank lines dropped.

    >>> normalize_output("1 2 \\r\\n3\\n\\n")
    ['1 2', '3']
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _label(source: str) -> str:
    first = " ".join(source.strip().split())
    return first if len(first) <= 90 else first[:87] + "..."


def _is_test(node: ast.AST) -> bool:
    """Holds an assert that can fail (``assert True, "msg"`` checks nothing)."""
    return any(isinstance(n, ast.Assert)
               and not (isinstance(n.test, ast.Constant) and n.test.value)
               for n in ast.walk(node))


def _steps_of(nodes: Sequence[ast.stmt], source: str) -> list[Step]:
    steps = []
    for node in nodes:
        text = ast.unparse(node)
        steps.append(Step(text, _is_test(node), _label(text)))
    return steps


def _parse(source: str, what: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dataset strings with invalid escapes ("\\w")
            return ast.parse(source)
    except SyntaxError as exc:
        raise UsageError(f"{what} is not valid Python: {exc.msg} (line {exc.lineno})") from None


def _assert_suite(tests: str | Sequence[str], setup: str, entry_point: str | None) -> TestSuite:
    aliases: tuple = ()
    if isinstance(tests, str):
        module = _parse(tests, "tests")
        check = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check"
                      and len(n.args.args) == 1), None)
        if check is not None:
            if not entry_point:
                raise UsageError("the tests define check(candidate) but no entry_point was given "
                                 "(add an 'entry_point' column)")
            rest = [n for n in module.body if n is not check and not _calls_check(n)]
            setup = "\n".join(filter(None, [setup, *(ast.unparse(n) for n in rest)]))
            aliases = ((check.args.args[0].arg, entry_point),)
            steps = _steps_of(check.body, tests)
        else:
            steps = _steps_of(module.body, tests)
    else:
        steps = []
        for i, text in enumerate(tests):
            module = _parse(text, f"test {i}")
            steps.append(Step(ast.unparse(module), _is_test(module), _label(text)))
    names = set()
    for source in [setup] + [s.source for s in steps]:
        names.update(n.id for n in ast.walk(_parse(source, "setup")) if isinstance(n, ast.Name))
    names.update(name for _, name in aliases)
    trees = [_parse(s.source, "test") for s in steps if s.is_test]
    called = [{n.func.id for n in _calls(tree)} for tree in trees]
    callees = frozenset(set.intersection(*called)) if called else frozenset()
    wrappers = frozenset(n.func.id for tree in trees for n in _calls(tree)
                         if n.func.id in callees and any(
                             c.func.id in callees and c.func.id != n.func.id
                             for arg in (*n.args, *(k.value for k in n.keywords))
                             for c in _calls(arg)))
    return TestSuite("assert", tuple(steps), setup, entry_point, frozenset(names), aliases,
                     callees, wrappers)


def _calls(node: ast.AST) -> list[ast.Call]:
    """Calls of plain names (``f(x)``, not ``m.f(x)``) anywhere in ``node``."""
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def _calls_check(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "check")


def _call_case(case: dict, i: int, entry_point: str | None) -> CallCase:
    fn = case.get("fn") or entry_point
    if not fn:
        raise UsageError(f"test case {i} has no 'fn' and no entry_point was given")
    try:
        args = tuple(from_json(case.get("args", [])))
        kwargs = from_json(case.get("kwargs", {}))
        expected = from_json(case.get("expected"))
    except ProtocolError as exc:
        raise UsageError(f"test case {i}: {exc}") from None
    if not isinstance(kwargs, dict):
        raise UsageError(f"test case {i}: kwargs must be an object")
    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    atol = case.get("atol")
    return CallCase(fn, args, kwargs, expected, None if atol is None else float(atol),
                    _label(f"{fn}({shown}) == {expected!r}"))


def _io_case(case: dict, i: int) -> IOCase:
    stdin = case.get("input", case.get("stdin", ""))
    out = case.get("output", case.get("stdout", case.get("expected_output")))
    if not isinstance(stdin, str) or not isinstance(out, str):
        raise UsageError(f"stdin/stdout case {i} needs string 'input' and 'output'")
    return IOCase(stdin, out, f"stdin/stdout case {i}")


def _cases_suite(cases: Sequence[dict], entry_point: str | None) -> TestSuite:
    if all(any(k in c for k in ("output", "stdout", "expected_output")) for c in cases):
        return TestSuite("stdio", tuple(_io_case(c, i) for i, c in enumerate(cases)))
    return TestSuite("call", tuple(_call_case(c, i, entry_point) for i, c in enumerate(cases)),
                     entry_point=entry_point)


def build_suite(tests: Any = None, test_cases: Any = None, entry_point: str | None = None,
                setup_code: str = "") -> TestSuite:
    """Parse whichever test form a dataset row carries.

    Args:
        tests: an assert script (str), a list of assert strings, a list of case dicts, or a JSON
            string of either list.
        test_cases: a list of function I/O or stdin/stdout case dicts (or its JSON string).
        entry_point: the candidate's function name (HumanEval's ``check(candidate)``, I/O cases).
        setup_code: trusted code run on the host before the tests (MBPP's ``test_setup_code``,
            HumanEval's prompt to make its helpers trusted).

    Returns:
        The suite; UsageError when the tests cannot be understood.

    >>> s = build_suite(["assert f(1) == 2", "assert f(2) == 4"])
    >>> s.kind, s.count
    ('assert', 2)
    >>> build_suite(test_cases=[{"input": "1", "output": "2"}]).kind
    'stdio'
    """
    value = test_cases if test_cases is not None else tests
    if isinstance(value, str) and value.lstrip()[:1] == "[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if value is None or (isinstance(value, (list, tuple)) and not value):
        raise UsageError("no tests given (column 'tests' or 'test_cases')")
    if isinstance(value, str) or all(isinstance(v, str) for v in value):
        return _assert_suite(value, setup_code or "", entry_point)
    if all(isinstance(v, dict) for v in value):
        return _cases_suite(value, entry_point)
    raise UsageError("tests must be an assert script, a list of assert strings, or a list of "
                     "case objects")
