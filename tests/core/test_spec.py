"""Reward spec strings and files."""
from __future__ import annotations

import json

import pytest

from rewardsmith.core.errors import SpecError
from rewardsmith.core.spec import load_spec, parse_spec

KNOWN = ["math", "format", "code", "prm", "length"]


@pytest.mark.parametrize("text, expected", [
    ("math", [("math", {}, 1.0)]),                                    # bare name
    ("math+format", [("math", {}, 1.0), ("format", {}, 1.0)]),         # default weights
    ("math:1.0+format:0.2", [("math", {}, 1.0), ("format", {}, 0.2)]),  # weights
    (" math : 2 + format:.5 ", [("math", {}, 2.0), ("format", {}, 0.5)]),  # whitespace, .5
    ("length:-0.5", [("length", {}, -0.5)]),                          # negative weight
    ("code(timeout=5,partial=true)", [("code", {"timeout": "5", "partial": "true"}, 1.0)]),
    ("code()", [("code", {}, 1.0)]),                                  # empty options
    ("prm(model=/tmp/my prm/v1.2,aggregate=min):0.2",                 # paths with spaces, dots, slashes
     [("prm", {"model": "/tmp/my prm/v1.2", "aggregate": "min"}, 0.2)]),
    ("prm(model='a,b)c')", [("prm", {"model": "a,b)c"}, 1.0)]),       # quoted value with , and )
    ("math:1e-1", [("math", {}, 0.1)]),                               # exponent weight
])
def test_parse(text, expected):
    spec = parse_spec(text, KNOWN)
    assert [(c.name, c.options, c.weight) for c in spec.components] == expected


def test_duplicate_names_get_unique_labels():
    spec = parse_spec("code+code(partial=true):0.5", KNOWN)
    assert spec.labels == ["code", "code[2]"]


@pytest.mark.parametrize("text, fragment, pos", [
    ("math+", "expected a reward name, found end of spec", 5),
    ("math++format", "expected a reward name", 5),
    ("math:abc", "expected a weight", 5),
    ("code(timeout=5", "missing ')'", 13),
    ("code(timeout)", "expected '=' after option 'timeout'", 12),
    ("code(timeout=5,timeout=6)", "given twice", 15),
    ("math format", "unexpected 'f'", 5),
    ("mth+format", "unknown reward 'mth'. Did you mean 'math'?", 0),
    ("math+fromat", "Did you mean 'format'?", 5),
    ("code(a=)", "empty option value", 7),
])
def test_errors_point_at_the_position(text, fragment, pos):
    with pytest.raises(SpecError) as err:
        parse_spec(text, KNOWN)
    msg = str(err.value)
    assert fragment in msg
    assert f"at position {pos}" in msg
    caret_line = msg.splitlines()[-1]
    assert caret_line.index("^") - 2 == pos


def test_empty_spec():
    with pytest.raises(SpecError, match="empty reward spec"):
        parse_spec("  ")


def test_yaml_and_json_files_give_the_same_spec(tmp_path):
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text("aggregate: normalize_then_sum\nrewards:\n"
                         "  - {name: math, weight: 1.0}\n"
                         "  - {name: code, weight: 0.5, options: {timeout: 5, partial: true}}\n")
    json_file = tmp_path / "s.json"
    json_file.write_text(json.dumps({"aggregate": "normalize_then_sum", "rewards": [
        {"name": "math"}, {"name": "code", "weight": 0.5, "options": {"timeout": 5, "partial": True}}]}))
    a, b = load_spec(str(yaml_file), KNOWN), load_spec(str(json_file), KNOWN)
    assert a == b
    assert a.aggregate == "normalize_then_sum"
    assert a.components[1].options == {"timeout": 5, "partial": True}
    assert str(a) == "math:1+code(timeout=5,partial=true):0.5"


@pytest.mark.parametrize("content, fragment", [
    ("rewards: [{weight: 1}]", "needs a 'name'"),
    ("rewards: [{name: mth}]", "Did you mean 'math'"),
    ("rewards: [{name: math, wieght: 2}]", "unknown keys"),
    ("aggregate: average\nrewards: [math]", "unknown aggregate 'average'"),
    ("just text", "expected a mapping"),
    ("rewards: [{name: math, weight: heavy}]", "weight must be a number"),
    ("{unclosed", "cannot parse"),
])
def test_bad_files(tmp_path, content, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    with pytest.raises(SpecError, match=fragment):
        load_spec(str(f), KNOWN)


def test_missing_file():
    with pytest.raises(SpecError, match="not found"):
        load_spec("/nonexistent/spec.yaml")


def test_aggregate_override():
    assert load_spec("math", KNOWN, aggregate="normalize_then_sum").aggregate == "normalize_then_sum"
