"""The plugin host: entry-point loading, isolation of broken plugins, conflicts, availability."""
from __future__ import annotations

import pytest

from rewardsmith.core.errors import PluginError, UsageError
from rewardsmith.core.plugin_manager import get_plugin_manager


def test_third_party_distribution_is_loaded_through_entry_points(toy_dist):
    toy_dist(version="2.3")
    pm = get_plugin_manager()
    pm.registry  # building the registry collects each plugin's rewards
    rec = pm.records["toy"]
    assert (rec.dist, rec.version, rec.status) == ("toy-rewards", "2.3", "ok")
    assert set(rec.rewards) == {"toy_contains", "toy_exact", "toy_number", "toy_distinct", "toy_char_a",
                                "toy_slow", "toy_crash", "toy_flaky", "toy_fails_when", "toy_killer"}
    assert pm.registry.get("toy_exact").plugin == "toy"


def test_builtin_plugins_take_the_same_entry_point_path():
    pm = get_plugin_manager()
    builtin = {n for n, r in pm.records.items() if r.dist == "rewardsmith"}
    assert {"math", "format", "length", "repetition"} <= builtin


def test_import_error_is_recorded_and_others_still_load(make_dist, toy_dist):
    make_dist("broken-imports", {"brokenplug": "import not_a_module_xyz\n"}, {"broken": "brokenplug"})
    toy_dist()
    pm = get_plugin_manager()
    assert pm.records["broken"].status == "error"
    assert "not_a_module_xyz" in pm.records["broken"].reason
    assert pm.records["broken"].dist == "broken-imports"
    assert "toy_exact" in pm.registry.names()


def test_bad_hook_signature_is_rejected_with_the_plugin_name(make_dist):
    src = "from rewardsmith import hookimpl\n@hookimpl\ndef rewardsmith_rewards(registry):\n    return []\n"
    make_dist("bad-sig", {"badsig": src}, {"badsig": "badsig"})
    pm = get_plugin_manager()
    rec = pm.records["badsig"]
    assert rec.status == "error" and "registry" in rec.reason


def test_unknown_hook_name_suggests_the_right_one(make_dist):
    src = "from rewardsmith import hookimpl\n@hookimpl\ndef rewardsmith_reward():\n    return []\n"
    make_dist("typo-hook", {"typohook": src}, {"typo": "typohook"})
    rec = get_plugin_manager().records["typo"]
    assert rec.status == "error" and "rewardsmith_rewards" in rec.reason


def test_hook_that_raises_marks_the_plugin_and_spares_the_others(make_dist, toy_dist):
    src = "from rewardsmith import hookimpl\n@hookimpl\ndef rewardsmith_rewards():\n    raise ValueError('nope')\n"
    make_dist("raiser", {"raiser": src}, {"raiser": "raiser"})
    toy_dist()
    pm = get_plugin_manager()
    assert "toy_exact" in pm.registry.names()
    assert pm.records["raiser"].status == "error" and "nope" in pm.records["raiser"].reason


def test_two_plugins_claiming_one_name_is_an_error_naming_both(make_dist, toy_dist):
    toy_dist()
    dup = ("from rewardsmith import hookimpl, reward\n"
           "@reward('toy_exact')\ndef other_exact(completion):\n    return 1.0\n"
           "@hookimpl\ndef rewardsmith_rewards():\n    return [other_exact]\n")
    make_dist("toy-clone", {"toyclone": dup}, {"clone": "toyclone"})
    reg = get_plugin_manager().registry
    with pytest.raises(PluginError) as err:
        reg.get("toy_exact")
    assert "'toy'" in str(err.value) and "'clone'" in str(err.value)
    assert "toy-clone" in str(err.value)
    assert reg.get("toy_contains")  # the rest is unaffected


def test_missing_optional_dependency_registers_as_unavailable(make_dist):
    src = ("from rewardsmith import hookimpl, Reward\n"
           "class Needy(Reward):\n    name='needy'\n    requires=('surely_missing_mod',)\n    extra='code'\n"
           "    def compute(self, completion):\n        return 1.0\n"
           "@hookimpl\ndef rewardsmith_rewards():\n    return [Needy]\n")
    make_dist("needy", {"needyplug": src}, {"needy": "needyplug"})
    reg = get_plugin_manager().registry
    assert "needy" not in reg.names(available_only=True)
    with pytest.raises(UsageError, match=r"surely_missing_mod.*pip install 'rewardsmith\[code\]'"):
        reg.get("needy")


def test_autoload_can_be_turned_off(toy_dist, monkeypatch):
    toy_dist()
    monkeypatch.setenv("REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert get_plugin_manager().records == {}


def test_autoload_off_with_an_explicit_list(toy_dist, monkeypatch):
    toy_dist()
    monkeypatch.setenv("REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("REWARDSMITH_PLUGINS", "toy")
    assert list(get_plugin_manager().records) == ["toy"]


def test_unknown_reward_suggests_a_name(toy_dist):
    toy_dist()
    with pytest.raises(UsageError, match="Did you mean 'toy_exact'"):
        get_plugin_manager().registry.get("toy_exakt")


def test_unknown_option_lists_the_options(toy_dist):
    toy_dist()
    reg = get_plugin_manager().registry
    with pytest.raises(UsageError, match=r"no option 'wrd'.*Did you mean 'word'.*Options: word, bonus"):
        reg.create("toy_contains", {"wrd": "x"})
    with pytest.raises(UsageError, match="bad value 'lots' for option 'bonus'"):
        reg.create("toy_contains", {"bonus": "lots"})


def test_collect_yields_in_registration_order():
    from rewardsmith.core.plugin_manager import RewardsmithPluginManager
    from rewardsmith import hookimpl

    class First:
        @hookimpl
        def rewardsmith_rewards(self):
            return ["a"]

    class Second:
        @hookimpl
        def rewardsmith_rewards(self):
            return ["b"]

    pm = RewardsmithPluginManager()
    pm.add_plugin(First(), "first")
    pm.add_plugin(Second(), "second")
    assert list(pm.collect("rewardsmith_rewards")) == [("first", "a"), ("second", "b")]
