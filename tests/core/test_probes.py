"""Reward-hacking probes: the Probe/Expect machinery, the probe CLI, weak rewards caught, and every
built-in probe against the built-in rewards (all ROBUST)."""
from __future__ import annotations

import json
import os
import time

import pytest

from rewardsmith.cli import main
from rewardsmith.core.errors import UsageError
from rewardsmith.core.probe_runner import collect_probes, run_component_probes, run_spec_probes
from rewardsmith.core.probes import ERROR, ROBUST, SKIPPED, VULNERABLE, Expect, Probe
from rewardsmith.core.reward import Reward, Score, reward

# A third-party distribution with deliberately weak rewards and its own probes. Its reward named
# "math" replaces the built-in one (only this plugin is loaded) and it contributes the built-in math
# probes for it, so they run against a grader that pays for the gold anywhere in the text.
WEAK_PLUGIN = '''
from rewardsmith import hookimpl, reward
from rewardsmith.core.probes import Expect, Probe
from rewardsmith.plugins.probes import math as math_probes

@reward("math")
def weak_math(completion, answer):
    """Pays when the gold string appears anywhere in the completion (substring credit)."""
    return float(str(answer) in completion)

@reward("keyword")
def keyword(completion):
    """Pays for the word 'verified' (a gameable reward)."""
    return float("verified" in completion.lower())

@hookimpl
def rewardsmith_rewards():
    return [weak_math, keyword]

@hookimpl
def rewardsmith_probes(reward_name):
    if reward_name == "keyword":
        return [Probe("keyword/stuffing", "keyword", "verified verified verified", Expect.eq(0),
                      description="says the keyword without doing the work")]
    if reward_name == "math":  # the built-in suite, for this plugin's own "math"
        return math_probes.probes()
    if reward_name == "format":  # probes for a reward this plugin does not own
        return [Probe("thirdparty/format-two-answers", "format", "\\\\boxed{1} \\\\boxed{2}",
                      Expect.lt_honest(), honest="\\\\boxed{1}")]
    return []
'''


@pytest.fixture
def weak_only(make_dist, monkeypatch):
    """Only the weak plugin is loaded."""
    make_dist("weak-rewards", {"weakplug": WEAK_PLUGIN}, {"weak": "weakplug"})
    monkeypatch.setenv("REWARDSMITH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("REWARDSMITH_PLUGINS", "weak")


# --- Expect ------------------------------------------------------------------------------------
@pytest.mark.parametrize("expect, got, honest, ok", [
    (Expect.eq(0), 0.0, None, True),
    (Expect.eq(0), 1e-3, None, False),
    (Expect.eq(0), None, None, False),            # None is not 0 for "= 0"
    (Expect.le(0.2), 0.2, None, True),
    (Expect.le(0.2), 0.21, None, False),
    (Expect.lt(0.5), 0.5, None, False),
    (Expect.lt_honest(), 0.9, 1.0, True),
    (Expect.lt_honest(), 1.0, 1.0, False),        # equal to honest is not less
    (Expect.lt_honest(0.5), 0.6, 1.0, False),     # must be below honest by the margin
    (Expect.le_honest(), 1.0, 1.0, True),
    (Expect.le_honest(1e-4), 1.00005, 1.0, True),  # within the tolerance
    (Expect.le_honest(), 1.1, 1.0, False),
    (Expect.none_or_zero(), None, None, True),
    (Expect.none_or_zero(), 0.0, None, True),
    (Expect.none_or_zero(), -0.5, None, False),   # a penalty is not "no reward" either
    (Expect.none_or_le(0.1), 0.1, None, True),
    (Expect.none_or_le(0.1), 0.3, None, False),
])
def test_expectations(expect, got, honest, ok):
    assert expect.check(got, honest) is ok


def test_honest_expectations_need_an_honest_reference():
    with pytest.raises(ValueError, match="honest"):
        Probe("p", "math", "x", Expect.lt_honest())
    with pytest.raises(ValueError, match="unknown expectation"):
        Expect("approximately")
    assert str(Expect.lt_honest(0.1)) == "< honest - 0.1" and str(Expect.none_or_zero()) == "None or 0"


# --- running probes against one reward ---------------------------------------------------------
@reward("counting")
def counting(completion, answer):
    """1 when the completion equals the answer; counts its batch calls in a class attribute."""
    return float(completion.strip() == answer)


class CountingBatches(counting):  # type: ignore[misc, valid-type]
    calls = 0

    def score_batch(self, *args, **kwargs):
        type(self).calls += 1
        return super().score_batch(*args, **kwargs)


def _probe(name, completion, expect, **kw):
    kw.setdefault("columns", {"answer": "4"})
    return ("test", Probe(name, "counting", completion, expect, **kw))


def test_probes_are_batched_with_deduplicated_honest_references():
    CountingBatches.calls = 0
    probes = [_probe(f"p{i}", f"{i} or 4", Expect.eq(0), honest="4") for i in range(5)]
    probes.append(_probe("other-columns", "4", Expect.eq(1), columns={"answer": "4", "extra": 1}))
    results = run_component_probes(CountingBatches(), probes)
    assert [r.status for r in results] == [ROBUST] * 6
    assert CountingBatches.calls == 2  # one batch per set of column names, not one per probe
    assert all(r.honest == 1.0 for r in results[:5])


def test_statuses_vulnerable_error_skipped():
    @reward("crashy")
    def crashy(completion, answer):
        if "boom" in completion:
            raise RuntimeError("exploded")
        return 1.0 if "4" in completion else 0.0

    probes = [
        ("t", Probe("substring", "crashy", "14", Expect.eq(0), columns={"answer": "4"})),
        ("t", Probe("crash", "crashy", "boom", Expect.eq(0), columns={"answer": "4"})),
        ("t", Probe("crash-allowed", "crashy", "boom", Expect.eq(0), columns={"answer": "4"},
                    allow_error=True)),
        ("t", Probe("honest-crashes", "crashy", "5", Expect.lt_honest(), honest="boom",
                    columns={"answer": "4"})),
        ("t", Probe("no-column", "crashy", "5", Expect.eq(0))),
        ("t", Probe("needs-option", "crashy", "5", Expect.eq(0), columns={"answer": "4"},
                    applies={"partial": True})),
    ]
    res = {r.probe.name: r for r in run_component_probes(crashy(), probes)}
    assert res["substring"].status == VULNERABLE and res["substring"].got == 1.0
    assert res["crash"].status == ERROR and "exploded" in res["crash"].reason
    assert res["crash-allowed"].status == ROBUST
    assert res["honest-crashes"].status == ERROR and "honest" in res["honest-crashes"].reason
    assert res["no-column"].status == SKIPPED and "'answer'" in res["no-column"].reason
    assert res["needs-option"].status == SKIPPED and "partial" in res["needs-option"].reason


def test_a_reward_that_pays_nothing_does_not_pass_probes_vacuously():
    @reward("zero")
    def zero(completion):
        return 0.0

    probe = Probe("z", "zero", "\\boxed{1} \\boxed{2}", Expect.eq(0), honest="\\boxed{2}")
    (res,) = run_component_probes(zero(), [("t", probe)])
    assert res.status == ERROR and "proves nothing" in res.reason


def test_resource_attack_past_its_time_limit_is_vulnerable():
    @reward("slow")
    def slow(completion):
        time.sleep(1.0 if "tower" in completion else 0.0)
        return 0.0

    fast = Probe("fast", "slow", "fine", Expect.eq(0), max_seconds=0.5)
    tower = Probe("tower", "slow", "tower", Expect.eq(0), max_seconds=0.2)
    res = run_component_probes(slow(), [("t", fast), ("t", tower)])
    assert [r.status for r in res] == [ROBUST, VULNERABLE]
    assert "resource attack" in res[1].reason


def test_options_applicability_accepts_several_values():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Opts:
        mode: str = field(default="a", metadata={"help": "mode"})

    class WithOpts(Reward):
        name = "withopts"
        Options = Opts

        def compute(self, completion):
            return Score(0.0)

    probe = Probe("p", "withopts", "x", Expect.eq(0), applies={"mode": ("a", "b")})
    assert run_component_probes(WithOpts(), [("t", probe)])[0].status == ROBUST
    skipped = run_component_probes(WithOpts(mode="c"), [("t", probe)])[0]
    assert skipped.status == SKIPPED and "mode='a' or mode='b'" in skipped.reason


def test_run_probes_on_a_composed_reward_probes_each_component_with_its_options():
    from rewardsmith.core.compose import load_reward
    from rewardsmith.core.probe_runner import run_probes
    composed = load_reward("format+format(answer=tag):0.5")
    results = run_probes(composed, select="empty-think")
    assert [(r.probe.name, r.component) for r in results] == [
        ("format/empty-think", "format"), ("format/empty-think", "format[2]")]
    assert results[0].status == ROBUST
    # answer=tag is not among the rules the format probes are written for
    assert results[1].status == SKIPPED and "answer='tag'" in results[1].reason


# --- a deliberately weak third-party plugin ----------------------------------------------------
def test_weak_math_reward_is_flagged_by_the_builtin_probes(weak_only):
    results = run_spec_probes("math")
    status = {r.probe.name: r.status for r in results}
    assert len(status) >= 20
    # substring credit is exactly what the probes target
    for name in ("math/boxed-several-gold-middle", "math/gold-in-prose", "math/substring-superset",
                 "math/hedge-pm", "math/megabyte-prose-then-gold"):
        assert status[name] == VULNERABLE, name
    # the gold string is not in the echoed expression, so even this grader gives it 0
    assert status["math/echo-expression"] == ROBUST


def test_third_party_probes_run_through_the_cli(weak_only, tmp_path, capsys):
    out = tmp_path / "probes.json"
    code = main(["probe", "--reward", "keyword+math:0.5", "--json", str(out)])
    assert code == 1
    printed = capsys.readouterr().out
    assert "keyword/stuffing" in printed and "VULNERABLE" in printed
    data = json.loads(out.read_text())
    rows = {r["probe"]: r for r in data["results"]}
    assert rows["keyword/stuffing"]["status"] == VULNERABLE and rows["keyword/stuffing"]["got"] == 1.0
    assert rows["keyword/stuffing"]["plugin"] == "weak"
    assert rows["math/gold-in-prose"]["component"] == "math"
    assert data["counts"][VULNERABLE] >= 5


def test_plugin_contributes_probes_for_a_reward_it_does_not_own(make_dist):
    make_dist("weak-rewards", {"weakplug": WEAK_PLUGIN.replace('@reward("math")', '@reward("math_weak")')},
              {"weak": "weakplug"})
    names = [p.name for _, p in collect_probes("format")]
    assert "thirdparty/format-two-answers" in names and "format/empty-think" in names
    results = {r.probe.name: r for r in run_spec_probes("format")}
    assert results["thirdparty/format-two-answers"].status == ROBUST
    assert results["thirdparty/format-two-answers"].plugin == "weak"


UNAVAILABLE_PLUGIN = '''
from rewardsmith import hookimpl, Reward
from rewardsmith.core.probes import Expect, Probe

class Needy(Reward):
    """Needs a module that is not installed."""
    name = "needy"
    requires = ("not_a_module_xyz",)
    extra = "needy"
    def compute(self, completion):
        return 0.0

@hookimpl
def rewardsmith_rewards():
    return [Needy]

@hookimpl
def rewardsmith_probes(reward_name):
    return [Probe("needy/p", "needy", "x", Expect.eq(0))] if reward_name == "needy" else []
'''


def test_probes_of_an_unavailable_reward_are_skipped_with_the_reason(make_dist, tmp_path, capsys):
    make_dist("needy-rewards", {"needyplug": UNAVAILABLE_PLUGIN}, {"needy": "needyplug"})
    out = tmp_path / "r.json"
    assert main(["probe", "--reward", "needy", "--json", str(out)]) == 0
    assert "1 SKIPPED" in capsys.readouterr().out
    (row,) = json.loads(out.read_text())["results"]
    assert row["status"] == SKIPPED and "not_a_module_xyz" in row["reason"]
    assert "pip install 'rewardsmith[needy]'" in row["reason"]


@pytest.mark.parametrize("argv, message", [
    (["probe", "--reward", "mth"], "Did you mean 'math'"),
    (["probe", "--reward", "format(answr=tag)"], "no option 'answr'"),
    (["probe", "--reward", "format", "--json", "/no/such/dir/out.json"], "folder does not exist"),
])
def test_user_errors_exit_2_without_a_traceback(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err.splitlines()[0], err


# --- every built-in probe against the built-in rewards -----------------------------------------
def test_at_least_40_builtin_probes_cover_the_builtin_rewards():
    builtin = ("math", "format", "length", "repetition", "code", "code_hidden", "prm", "judge")
    counts = {name: len(collect_probes(name)) for name in builtin}
    assert all(counts.values()), counts
    assert sum(counts.values()) >= 40, counts


@pytest.mark.parametrize("spec", ["format", "length", "repetition"])
def test_builtin_probes_are_robust_against_builtin_rewards(spec):
    results = run_spec_probes(spec)
    assert results
    bad = [f"{r.probe.name}: {r.status} got={r.got_text()} honest={r.honest} {r.reason}"
           for r in results if r.status != ROBUST]
    assert not bad, "\n".join(bad)


def test_code_probes_run_in_real_sandboxes_and_are_robust():
    from rewardsmith.verifiers.code import SandboxUnavailable, get_backend
    try:
        get_backend("auto")
    except SandboxUnavailable as exc:  # CI installs bubblewrap: there this is a failure
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"the code sandbox must work in CI: {exc}")
        pytest.skip(str(exc))
    # timeout=2 instead of 5: the exponent-tower probe waits out the timeout; same code path
    results = run_spec_probes("code(timeout=2)+code_hidden(timeout=2)")
    assert {r.component for r in results} == {"code", "code_hidden"} and len(results) >= 18
    bad = [f"{r.probe.name}: {r.status} got={r.got_text()} {r.reason}" for r in results
           if r.status != ROBUST]
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="module")
def tiny_prms(tmp_path_factory):
    from rewardsmith.prm.tiny import save_tiny_prm
    root = tmp_path_factory.mktemp("prms")
    return {c: save_tiny_prm(c, str(root / c), seed=1)
            for c in ("value_head", "token_classifier", "step_tag")}


@pytest.mark.parametrize("convention", ["value_head", "token_classifier", "step_tag"])
def test_prm_probes_are_robust_with_min_aggregation(tiny_prms, convention):
    results = run_spec_probes(f"prm(model={tiny_prms[convention]})")
    assert len(results) >= 4
    bad = [f"{r.probe.name}: {r.status} got={r.got_text()} honest={r.honest} {r.reason}"
           for r in results if r.status != ROBUST]
    assert not bad, "\n".join(bad)


def test_prm_mean_aggregation_is_farmed_by_trivial_steps(farmable_prm):
    # mean lets easy steps dilute the rest: with a PRM that likes them, the farming probe pays ...
    results = {r.probe.name: r for r in run_spec_probes(f"prm(model={farmable_prm},aggregate=mean)")}
    farm = results["prm/farm-trivial-steps"]
    assert farm.status == VULNERABLE and farm.got > farm.honest
    # ... and min, on the same model, does not let it
    results = {r.probe.name: r for r in run_spec_probes(f"prm(model={farmable_prm})")}
    assert results["prm/farm-trivial-steps"].status == ROBUST


def test_probe_math_plus_format_prints_every_probe_robust_and_exits_0(tmp_path, capsys):
    # the "done when": also the all-ROBUST check of the math suite (run once, it is the slowest)
    out = tmp_path / "r.json"
    code = main(["probe", "--reward", "math+format", "--json", str(out)])
    rows = json.loads(out.read_text())["results"]
    bad = [f"{r['probe']}: {r['status']} got={r['got']} honest={r['honest']} {r['reason']}"
           for r in rows if r["status"] != ROBUST]
    assert code == 0 and not bad, "\n".join(bad)
    printed = capsys.readouterr().out
    assert {r["component"] for r in rows} == {"math", "format"} and len(rows) >= 45
    assert "math/boxed-several-gold-middle" in printed and f"{len(rows)} ROBUST" in printed


def test_usage_error_from_scoring_is_raised_not_reported_as_probe_error():
    class Misconfigured(Reward):
        name = "misconfigured"

        def score_batch(self, prompts, completions, columns=None, *, strict=False):
            raise UsageError("model path 'runs/nope' does not exist")

    with pytest.raises(UsageError, match="runs/nope"):
        run_component_probes(Misconfigured(), [("t", Probe("p", "misconfigured", "x", Expect.eq(0)))])
