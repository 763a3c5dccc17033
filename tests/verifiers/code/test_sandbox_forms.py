"""The three test forms run for real in both sandboxes, with per-test statuses and messages."""
from __future__ import annotations

import doctest
import importlib
import time

import pytest

from conftest import ADVERSARIAL_LIMITS, need_backend
from rewardsmith.verifiers.code import CodeTask, verify_many

ADD = "```python\ndef add(a, b):\n    return a + b\n```"


def _run(pools, backend, *tasks, limits=ADVERSARIAL_LIMITS):
    return verify_many(list(tasks), pools.get(backend, limits))


def _statuses(verdict):
    return [t["status"] for t in verdict.details["tests"]]


def test_assert_script_statuses(pools, backend):
    code = ("def f(x):\n"
            "    if x == 0:\n        raise ValueError('zero')\n"
            "    if x == 1:\n        while True: pass\n"
            "    return x * 2\n")
    tests = ["assert f(2) == 4", "assert f(3) == 7", "assert f(0) == 0", "assert f(1) == 2",
             "assert f(5) == 10"]
    v, = _run(pools, backend, CodeTask(code, tests))
    assert _statuses(v) == ["passed", "failed", "error", "timeout", "passed"]  # reloaded after 4
    msgs = [t["message"] for t in v.details["tests"]]
    assert "f(3) returned 6" in msgs[1] and "ValueError: zero" in msgs[2]
    assert v.correct is False and v.score == 2 / 5


def test_humaneval_check_form_and_exceptions_keep_their_type(pools, backend):
    check = ("def check(candidate):\n"
             "    assert candidate('a') == 'A'\n"
             "    try:\n        candidate(None)\n        assert False, 'no error'\n"
             "    except AttributeError:\n        pass\n")
    ok = CodeTask("def up(s):\n    return s.upper()", check, entry_point="up")
    wrong = CodeTask("def up(s):\n    return s", check, entry_point="up")
    v_ok, v_wrong = _run(pools, backend, ok, wrong)
    assert v_ok.correct and _statuses(v_ok) == ["passed", "passed"]
    assert v_wrong.correct is False and _statuses(v_wrong) == ["failed", "failed"]


def test_call_cases_compare_exact_types(pools, backend):
    cases = [{"args": [[3, 1, 2]], "expected": [1, 2, 3]},
             {"args": [[2, 1]], "kwargs": {"reverse": True}, "expected": [2, 1]},
             {"args": [[]], "expected": {"$tuple": []}}]
    good = CodeTask("def srt(xs, reverse=False):\n    return sorted(xs, reverse=reverse)",
                    test_cases=cases, entry_point="srt")
    tup = CodeTask("def srt(xs, reverse=False):\n    return tuple(sorted(xs, reverse=reverse))",
                   test_cases=cases, entry_point="srt")
    v_good, v_tup = _run(pools, backend, good, tup)
    assert _statuses(v_good) == ["passed", "passed", "failed"]  # [] is not ()
    assert _statuses(v_tup) == ["failed", "failed", "passed"]
    assert "expected [1, 2, 3], got (1, 2, 3)" in v_tup.details["tests"][0]["message"]


def test_stdin_stdout_cases(pools, backend):
    cases = [{"input": "1 2\n", "output": "3\n"}, {"input": "10 -4\n", "output": "6"}]
    programs = {
        "right": "a, b = map(int, input().split())\nprint(a + b)",
        "prefix": "a, b = map(int, input().split())\nprint(a + b)\nprint('extra')",
        "crash": "raise SystemExit(3)",
        "slow": "while True: pass",
        "trailing_space": "a, b = map(int, input().split())\nprint(a + b, '')",
    }
    results = _run(pools, backend, *[CodeTask(c, test_cases=cases) for c in programs.values()])
    by_name = dict(zip(programs, results))
    assert by_name["right"].correct and by_name["trailing_space"].correct
    assert _statuses(by_name["prefix"]) == ["failed", "failed"]  # whole output, never a prefix
    assert "line 2: expected None, got 'extra'" in by_name["prefix"].details["tests"][0]["message"]
    assert _statuses(by_name["crash"]) == ["error", "error"]
    assert _statuses(by_name["slow"]) == ["timeout", "timeout"]


def test_candidate_objects_are_usable_but_never_trusted(pools, backend):
    code = ("class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n"
            "    def __eq__(self, other):\n        return True\n"
            "    def total(self):\n        return self.a + self.b\n"
            "def make(a, b):\n    return Pair(a, b)\n")
    tests = ["p = make(1, 2)\nassert p.total() == 3",  # methods and attributes over the pipe
             "p = Pair(1, 2)\np.a = 10\nassert p.total() == 12",  # setup may set attributes
             "assert make(1, 2) == (1, 2)",  # its __eq__ is never consulted
             "assert make(1, 2)"]  # nor its truth value
    v, = _run(pools, backend, CodeTask(code, tests))
    assert _statuses(v) == ["passed", "passed", "failed", "failed"]
    assert "truth value of a candidate object" in v.details["tests"][3]["message"]


def test_load_errors_and_program_time_limit(pools, backend):
    broken = CodeTask("def f(:\n", ["assert f() == 1", "assert f() == 2"])
    slow = CodeTask("import time\ndef f():\n    time.sleep(0.6)\n    return 1",
                    ["assert f() == 1"] * 8)
    empty = CodeTask("```text\nno code here\n```", ["assert f() == 1"])
    v_broken, v_slow, v_empty = _run(pools, backend, broken, slow, empty)
    assert _statuses(v_broken) == ["error", "error"]
    assert "SyntaxError" in v_broken.details["load_error"]
    statuses = _statuses(v_slow)  # 4 s per program, 0.6 s per call: the last ones run out
    assert statuses[:3] == ["passed"] * 3 and statuses[-2:] == ["timeout"] * 2
    assert v_empty.correct is False and v_empty.details["reason"].startswith("no code")


def test_state_is_fresh_for_every_program(pools, backend):
    writer = CodeTask("import builtins\nbuiltins.LEAK = 42\nSTATE = []\n"
                      "def f():\n    STATE.append(1)\n    return len(STATE)",
                      ["assert f() == 1", "assert f() == 2"])  # state persists within a program
    reader = CodeTask("import builtins\ndef f():\n    return getattr(builtins, 'LEAK', 0)",
                      ["assert f() == 0"])
    results = _run(pools, backend, *([writer, reader] * 4))
    assert all(v.correct for v in results)


def test_parallel_programs_use_every_slot(pools, backend):
    pool = pools.get(backend, ADVERSARIAL_LIMITS)
    tasks = [CodeTask("import time\ndef f():\n    time.sleep(0.3)\n    return 1",
                      ["assert f() == 1"])] * 4
    start = time.monotonic()
    results = verify_many(tasks, pool)
    assert all(v.correct for v in results)
    assert time.monotonic() - start < 1.15  # two slots: ~0.6 s, not the serial 1.2 s


@pytest.mark.parametrize("module", ["rewardsmith.verifiers.code.verify", "rewardsmith.verifiers.code.pool",
                                    "rewardsmith.plugins.code"])
def test_docstring_examples_run_in_the_sandbox(module):
    need_backend("bwrap")
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
