"""The host enforces each reward's declared value_range at run time (issue 17, item 15): a value
outside it is a counted failure of that reward, logged with its name, never a number in a sum."""
from __future__ import annotations

import json
import math

import pytest

from rewardsmith.cli import main
from rewardsmith.core.compose import load_reward
from rewardsmith.core.errors import RewardError

WILD = '''
from rewardsmith import hookimpl, reward

@reward("wild", value_range=(0.0, 1.0))
def wild(completion):
    """Returns the number written in the completion (1.5 is out of its declared range)."""
    return float(completion)

@reward("tame", value_range=(-1.0, 0.0))
def tame(completion):
    """Always -0.5."""
    return -0.5

@hookimpl
def rewardsmith_rewards():
    return [wild, tame]
'''


@pytest.fixture
def wild_site(make_dist):
    return make_dist("wild-rewards", {"wildplug": WILD}, {"wildplug": "wildplug"})


def test_out_of_range_values_are_counted_failures_that_never_reach_the_total(wild_site, caplog):
    reward = load_reward("wild:1+tame:1")
    result = reward.score(None, ["0.25", "1.5", "1.0", "-0.0001", "nan", "0"])
    wild = result.components["wild"]
    assert wild[0] == 0.25 and wild[2] == 1.0 and wild[5] == 0.0   # the bounds themselves are fine
    assert all(math.isnan(wild[i]) for i in (1, 3, 4))
    assert all(math.isnan(result.rewards[i]) for i in (1, 3, 4))  # the total is "no score", not 0.75
    assert result.rewards[0] == pytest.approx(-0.25)
    assert "outside its declared value_range [0, 1]" in result.errors["wild"][1]
    assert "1.5" in result.errors["wild"][1]
    assert reward.error_counts == {"wild": 3, "tame": 0}
    assert "'wild' (plugin 'wildplug')" in caplog.text and "3 value(s)" in caplog.text


def test_strict_raises_naming_the_reward_and_the_sample(wild_site):
    reward = load_reward("wild", strict=True)
    with pytest.raises(RewardError, match=r"reward 'wild' \(plugin 'wildplug'\) failed on sample 2: "
                                          r"returned 1.5, outside its declared value_range \[0, 1\]"):
        reward.score(None, ["0.5", "1.5"])


def test_the_trl_shaped_call_of_one_reward_is_checked_too(wild_site):
    from rewardsmith.core.plugin_manager import get_plugin_manager
    wild = get_plugin_manager().registry.create("wild")
    values = wild(prompts=["p", "p"], completions=["0.5", "7"])
    assert values[0] == 0.5 and math.isnan(values[1])


def test_rewardsmith_score_reports_the_failure(wild_site, tmp_path, capsys):
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"completion": "0.5"}\n{"completion": "2"}\n')
    assert main(["score", "--reward", "wild", "--input", str(rows)]) == 0
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert out[0]["reward"] == 0.5 and out[1]["reward"] is None
    assert "value_range" in out[1]["reward_errors"]["wild"]
    assert "1 errors" in captured.err
