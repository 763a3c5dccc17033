"""Sandboxed unit-test execution for code rewards.

The verdict is decided on the host, never inside the sandbox: the untrusted program only answers
"call f with these arguments" over a pipe, its replies are decoded into plain data, and the tests,
expected values and comparisons run here. See ``docs/sandbox.md`` for the threat model.

Public API::

    from rewardsmith.verifiers.code import verify_code, verify_many, CodeTask, SandboxPool, Limits

Backends: ``bwrap`` (default on Linux), ``docker`` (image built locally on first use), ``process``
(rlimits only, explicit opt-in). Importing this package starts nothing.
"""
from rewardsmith.verifiers.code.backends import BACKENDS, SandboxUnavailable, get_backend
from rewardsmith.verifiers.code.extract import extract_code
from rewardsmith.verifiers.code.limits import Limits
from rewardsmith.verifiers.code.oracle import Program, ProgramResult, TestResult, exact_equal
from rewardsmith.verifiers.code.pool import SandboxPool, close_pools, get_pool
from rewardsmith.verifiers.code.testforms import TestSuite, build_suite, normalize_output
from rewardsmith.verifiers.code.verify import CodeTask, to_verdict, verify_code, verify_many

__all__ = ["BACKENDS", "CodeTask", "Limits", "Program", "ProgramResult", "SandboxPool",
           "SandboxUnavailable", "TestResult", "TestSuite", "build_suite", "close_pools",
           "exact_equal", "extract_code", "get_backend", "get_pool", "normalize_output",
           "to_verdict", "verify_code", "verify_many"]
