"""Executors register themselves (entry points or ``register_executor``); the host names none."""
from __future__ import annotations

import subprocess
import sys

import pytest

from rewardsmith.core import execution
from rewardsmith.core.errors import UsageError
from rewardsmith.core.execution import (EXECUTOR_GROUP, Executor, LocalExecutor, get_executor,
                                      known_executors, register_executor)

FAKE_EXECUTOR = '''
from rewardsmith.core.execution import Executor

class FakeExecutor(Executor):
    name = "fake"

    def __init__(self, spec, **options):
        self.spec, self.options = spec, options

def from_spec(spec, **options):
    return FakeExecutor(spec, **options)
'''


@pytest.fixture(autouse=True)
def _no_loaded_factories(monkeypatch):
    monkeypatch.setattr(execution, "_FACTORIES", {})


def test_an_installed_executor_is_found_by_its_entry_point_and_imported_only_when_named(make_dist):
    make_dist("fake-exec", {"fake_exec_mod": FAKE_EXECUTOR}, {"fake": "fake_exec_mod:from_spec"},
              group=EXECUTOR_GROUP)
    assert "fake" in known_executors() and "fake_exec_mod" not in sys.modules  # listed, not imported
    executor = get_executor("fake:host:1234", chunk_size=3)  # the factory gets the whole spec
    assert (executor.name, executor.spec, executor.options) == ("fake", "fake:host:1234", {"chunk_size": 3})
    assert "fake_exec_mod" in sys.modules


def test_register_executor_by_hand():
    class Mine(Executor):
        name = "mine"

    register_executor("mine", lambda spec, **options: Mine())
    assert get_executor("mine").name == "mine" and "mine" in known_executors()
    for bad in ("", "a:b", "local"):
        with pytest.raises(ValueError):
            register_executor(bad, lambda spec: Mine())


@pytest.mark.parametrize("spec, words", [
    ("spark", r"unknown executor 'spark'\. Known executors: local, ray "),  # the list, from metadata
    ("rya", r"Did you mean 'ray'\?"),                                     # a typo gets a suggestion
    ("local:host", "the local executor takes no address"),
])
def test_unknown_or_malformed_executors_say_what_exists(spec, words):
    with pytest.raises(UsageError, match=words):
        get_executor(spec)


def test_local_is_built_in_and_takes_no_options():
    assert isinstance(get_executor(None), LocalExecutor) and isinstance(get_executor(" local "), LocalExecutor)
    with pytest.raises(UsageError, match="takes no options"):
        get_executor("local", chunk_size=2)


def test_core_imports_no_executor_module():
    code = ("import sys, rewardsmith.core.execution as e; e.known_executors(); "
            "print(sorted(m for m in sys.modules if m.startswith('rewardsmith.integrations')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
