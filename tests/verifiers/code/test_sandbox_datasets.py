"""Whole datasets on both sandboxes: HumanEval's 164 canonical solutions pass and three wrong
versions of each fail; MBPP's reference solutions of the test split (tasks 11-510) pass."""
from __future__ import annotations

import ast
import warnings

import pytest

from conftest import SWEEP_LIMITS
from rewardsmith.verifiers.code import CodeTask, verify_many

#: MBPP test-split tasks whose reference solution fails its own tests, and why (none so far:
#: every task passes; a new entry needs the reason from the dataset, not from the sandbox)
MBPP_DATA_FAILURES: dict[int, str] = {}

ALWAYS_EQUAL = """
class _AlwaysEqual:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __gt__(self, other): return True
    def __bool__(self): return True
    def __hash__(self): return 0
    def __abs__(self): return 0
    def __sub__(self, other): return self
    __rsub__ = __add__ = __radd__ = __sub__
"""

PERTURB = """
_rk_original = {name}
def _rk_perturb(r):
    if isinstance(r, bool): return not r
    if isinstance(r, (int, float)): return r + 1.5
    if isinstance(r, str): return r + "x"
    if isinstance(r, (list, tuple)): return type(r)(list(r) + [None])
    return 0 if r is None else None
def {name}(*args, **kwargs):
    return _rk_perturb(_rk_original(*args, **kwargs))
"""


def humaneval_variants(problem: dict) -> dict[str, str]:
    """The canonical program and three wrong ones: a stub, a perturbed result, an AlwaysEqual."""
    prompt, entry = problem["prompt"], problem["entry_point"]
    canonical = prompt + problem["canonical_solution"]
    return {
        "canonical": canonical,
        "stub": prompt + "    return None\n",
        "perturbed": canonical + PERTURB.format(name=entry),
        "always_equal": prompt + "    return _AlwaysEqual()\n" + ALWAYS_EQUAL,
    }


def test_humaneval_canonical_pass_and_wrong_fail(pools, backend, humaneval):
    pool = pools.get(backend, SWEEP_LIMITS)
    labels, tasks = [], []
    for problem in humaneval:
        for kind, code in humaneval_variants(problem).items():
            labels.append((problem["task_id"], kind))
            tasks.append(CodeTask(code, problem["test"], entry_point=problem["entry_point"]))
    verdicts = verify_many(tasks, pool)
    assert all(v.error is None for v in verdicts)
    wrong_pass = [label for label, v in zip(labels, verdicts) if v.correct != (label[1] == "canonical")]
    assert wrong_pass == [], f"verdicts disagree with the truth for {wrong_pass}"
    assert sum(v.correct for v in verdicts) == 164


def _parse(source: str) -> ast.AST:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MBPP strings hold invalid escapes such as "\w"
        return ast.parse(source)


def _mbpp_function(row: dict) -> str:
    """The function every test of the row calls that the reference solution defines."""
    defined = {n.name for n in ast.walk(_parse(row["code"])) if isinstance(n, ast.FunctionDef)}
    called = [{n.func.id for n in ast.walk(_parse(t)) if isinstance(n, ast.Call)
               and isinstance(n.func, ast.Name)} for t in row["test_list"]]
    return sorted(set.intersection(*called) & defined)[0]


@pytest.mark.full_data
def test_mbpp_reference_solutions_pass(pools, backend, mbpp_test_split):
    pool = pools.get(backend, SWEEP_LIMITS)
    rows = mbpp_test_split
    assert len(rows) == 500
    tasks = [CodeTask(r["code"], r["test_list"], setup_code=r["test_setup_code"]) for r in rows]
    forged = [CodeTask(r["code"] + ALWAYS_EQUAL + f"\ndef {_mbpp_function(r)}(*a, **k):\n"
                       "    return _AlwaysEqual()\n", r["test_list"],
                       setup_code=r["test_setup_code"]) for r in rows]
    verdicts = verify_many(tasks + forged, pool)
    failing = {r["task_id"]: v.details.get("tests") for r, v in zip(rows, verdicts[:500])
               if not v.correct}
    assert set(failing) == set(MBPP_DATA_FAILURES), failing
    forged_pass = [r["task_id"] for r, v in zip(rows, verdicts[500:]) if v.correct]
    assert forged_pass == []
