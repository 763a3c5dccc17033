"""The ``code`` reward: run the completion's program against unit tests in a sandbox.

Columns (per row): ``tests`` (an assert script, a list of assert strings, or a list of case
objects), or ``test_cases`` (function I/O or stdin/stdout cases); ``entry_point`` (the function
HumanEval's ``check(candidate)`` and I/O cases call); ``test_setup_code`` (trusted code run on the
host first, MBPP's column of that name). Options: the sandbox :class:`Limits` plus ``backend``,
``partial``, ``workers``, ``tests_column`` and ``include_prompt``.

Values: 1.0 when every test passes, else 0.0 (``partial=true``: the passed fraction); None when the
row has no tests; NaN ("no score", counted and logged by the host) when the sandbox itself failed.

Hidden tests: ``code_hidden`` is the same reward reading the ``hidden_tests`` column (any test
form). Train on ``code`` and log ``code_hidden`` (weight 0, or a separate spec) to see how much
of the reward comes from special-casing the visible tests; ``code(tests_column=NAME)`` reads any
other column. See docs/sandbox.md.
"""
from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Mapping, Sequence

from rewardsmith import Reward, Score, hookimpl
from rewardsmith.core.errors import UsageError
from rewardsmith.core.probes import Probe
from rewardsmith.core.reward import completion_text, prompt_text
from rewardsmith.verifiers.code import CodeTask, Limits, get_backend, get_pool, verify_many
from rewardsmith.verifiers.verdict import Verdict

__all__ = ["CodeOptions", "CodeReward", "HiddenCodeReward"]


@dataclass(frozen=True)
class CodeOptions(Limits):
    """Options of the ``code`` reward: the sandbox limits plus how to score."""

    backend: Literal["auto", "bwrap", "docker", "process"] = field(default="auto", metadata={
        "help": "sandbox: auto (bwrap, else docker), bwrap, docker, or process (rlimits only, "
                "NOT isolation)"})
    partial: bool = field(default=False, metadata={
        "help": "reward the fraction of tests passed instead of all-or-nothing"})
    workers: int = field(default=0, metadata={
        "help": "programs run in parallel, one warm jail each (0: one per CPU core)"})
    tests_column: str = field(default="tests", metadata={
        "help": "column holding the tests (code_hidden reads hidden_tests); when it is empty, "
                "the test_cases column is used"})
    include_prompt: bool = field(default=False, metadata={
        "help": "prepend the prompt to the completion (HumanEval-style completions that "
                "continue the prompt's function)"})

    def limits(self) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) for f in fields(Limits)})


class SandboxFailure(RuntimeError):
    """The sandbox could not run a program (not the program's fault): no score."""


class CodeReward(Reward):
    """1.0 when the program passes every unit test in the sandbox (``partial``: the fraction).

    >>> r = CodeReward(backend="bwrap")
    >>> r(completions=["```python\\ndef add(a, b):\\n    return a + b\\n```",
    ...                "def add(a, b):\\n    return a - b"],
    ...   tests=[["assert add(1, 2) == 3"], ["assert add(1, 2) == 3"]])
    [1.0, 0.0]
    """

    name = "code"
    Options = CodeOptions
    value_range = (0.0, 1.0)
    extra = "code"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if shutil.which("bwrap") or importlib.util.find_spec("docker") is not None:
            return None
        return ("no sandbox backend: apt-get install bubblewrap, or pip install "
                "'rewardsmith[code]' and run a Docker daemon")

    def __init__(self, options: Any = None, **option_values: Any) -> None:
        super().__init__(options, **option_values)
        get_backend(self.options.backend)  # fail now, with the fix, when the sandbox can't run

    def compute(self, completion: str, tests: Any = None, test_cases: Any = None,
                entry_point: str | None = None, test_setup_code: str | None = None,
                prompt: Any = None, **context: Any) -> Score | None:
        row = {"tests": tests, "test_cases": test_cases, "entry_point": entry_point,
               "test_setup_code": test_setup_code, **context}
        return self.score_batch([prompt], [completion], {k: [v] for k, v in row.items()},
                                strict=True)[0]

    def check_columns(self, columns: Mapping[str, Sequence[Any]], n: int) -> None:
        super().check_columns(columns, n)
        wanted = self.options.tests_column
        if wanted not in columns and (wanted != "tests" or "test_cases" not in columns):
            extra = " or 'test_cases'" if wanted == "tests" else ""
            raise UsageError(f"reward {self.name!r} needs the column {wanted!r}{extra} "
                             f"(available: {', '.join(sorted(columns)) or 'none'})")

    def _task(self, prompt: Any, completion: Any, row: Mapping[str, Any]) -> CodeTask | None:
        tests = row.get(self.options.tests_column)
        cases = row.get("test_cases") if self.options.tests_column == "tests" else None
        if _empty(tests) and _empty(cases):
            return None
        text = completion_text(completion)
        if self.options.include_prompt:
            text = prompt_text(prompt) + text
        return CodeTask(text, None if _empty(tests) else tests, None if _empty(cases) else cases,
                        row.get("entry_point") or None, row.get("test_setup_code") or "")

    def score_batch(self, prompts: Sequence[Any] | None, completions: Sequence[Any],
                    columns: Mapping[str, Sequence[Any]] | None = None, *,
                    strict: bool = False) -> list[Score]:
        """All programs of the batch run in parallel on the shared pool of warm jails."""
        columns = dict(columns or {})
        n = len(completions)
        self.check_columns(columns, n)
        prompts = list(prompts) if prompts is not None else [None] * n
        tasks = [self._task(prompts[i], completions[i], {k: v[i] for k, v in columns.items()})
                 for i in range(n)]
        todo = [i for i, t in enumerate(tasks) if t is not None]
        pool = get_pool(self.options.backend, self.options.workers, self.options.limits())
        verdicts = verify_many([tasks[i] for i in todo], pool)
        out = [Score(None) for _ in range(n)]
        for i, verdict in zip(todo, verdicts):
            out[i] = self._safe(lambda v=verdict: self._to_score(v), i, strict)
        return out

    def _to_score(self, verdict: Verdict) -> Score:
        if verdict.error is not None:
            raise SandboxFailure(verdict.error)
        if verdict.correct is None:
            return Score(None, details=dict(verdict.details))
        details = {k: verdict.details[k] for k in ("passed", "total", "backend", "reason",
                                                   "load_error") if k in verdict.details}
        tests = verdict.details.get("tests", [])
        details["statuses"] = [t["status"] for t in tests]
        failed = next((t for t in tests if t["status"] != "passed"), None)
        if failed is not None:
            details["first_failure"] = f"{failed['name']}: {failed['status']}: {failed['message']}"
        value = (verdict.score or 0.0) if self.options.partial else float(bool(verdict.correct))
        return Score(value, details=details)


@dataclass(frozen=True)
class HiddenCodeOptions(CodeOptions):
    """Options of ``code_hidden``: the ``code`` options, reading ``hidden_tests``."""

    tests_column: str = field(default="hidden_tests", metadata={
        "help": "column holding the held-out tests"})


class HiddenCodeReward(CodeReward):
    """The ``code`` reward on held-out tests (column ``hidden_tests``): log it, don't train on it.

    >>> r = HiddenCodeReward(backend="bwrap")
    >>> r(completions=["def sq(x):\\n    return {2: 4}.get(x)"], tests=[["assert sq(2) == 4"]],
    ...   hidden_tests=[["assert sq(3) == 9"]])
    [0.0]
    """

    name = "code_hidden"
    Options = HiddenCodeOptions


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple)) and len(value) == 0)


@hookimpl
def rewardsmith_rewards():
    return [CodeReward, HiddenCodeReward]



@hookimpl
def rewardsmith_probes(reward_name: str) -> Sequence[Probe]:
    """Code probes (programs that try to fool the test harness) for ``code`` and ``code_hidden``."""
    if reward_name not in (CodeReward.name, HiddenCodeReward.name):
        return []
    from rewardsmith.plugins.probes import code
    return code.probes() if reward_name == CodeReward.name else code.hidden_probes()
