"""Host-only pieces of the code verifier: extraction, test forms, the wire format, comparisons."""
from __future__ import annotations

import doctest
import math

import pytest

from rewardsmith.core.errors import UsageError
from rewardsmith.verifiers.code import build_suite, exact_equal, extract_code, normalize_output
from rewardsmith.verifiers.code import protocol
from rewardsmith.verifiers.code.protocol import ProtocolError, RemoteRef, decode, encode

FENCED = "Sure:\n```python\ndef f(x):\n    return x\n```\nHope it helps."


@pytest.mark.parametrize("completion, entry_point, expected", [
    (FENCED, None, "def f(x):\n    return x\n"),  # the python block, prose dropped
    ("def g():\n    return 1", None, "def g():\n    return 1"),  # no fence: raw code
    ("```\ndef h(): pass\n```", None, "def h(): pass\n"),  # untagged fence
    ("```py\nA\n```\n```python\nB\n```", None, "A\n"),  # first python-tagged block
    ("```python\nprint(f(1))\n```\n```python\ndef f(x):\n    return x\n```", "f",
     "def f(x):\n    return x\n"),  # the block defining the entry point beats usage examples
    ("```text\nnot code\n```", None, ""),  # fences, but none holds python
    ("```python\ndef cut(x):\n    return", None, "def cut(x):\n    return"),  # truncated block
    ("```python\r\ndef w():\r\n    return 1\r\n```", None, "def w():\n    return 1\n"),  # CRLF
    ("~~~python\ndef t(): pass\n~~~", None, "def t(): pass\n"),  # tilde fences
])
def test_extract_code(completion, entry_point, expected):
    assert extract_code(completion, entry_point) == expected


def test_assert_script_forms():
    mbpp = build_suite(["assert f(1) == 2", "import math\nassert math.isclose(f(2), 4)"])
    assert mbpp.kind == "assert" and mbpp.count == 2 and {"f", "math"} <= mbpp.names
    script = build_suite("import math\nx = 3\nassert f(x) == 6\nassert True\n")
    # imports and assignments are steps, `assert True` checks nothing: one real test
    assert [s.is_test for s in script.items] == [False, False, True, False]
    humaneval = build_suite("METADATA = {}\n\ndef check(candidate):\n    assert candidate(1) == 2\n"
                            "    assert True, 'nothing'\n    for i in range(3):\n"
                            "        assert candidate(i) == 2 * i\n", entry_point="double")
    assert humaneval.count == 2 and humaneval.aliases == (("candidate", "double"),)
    assert "METADATA = {}" in humaneval.setup and "double" in humaneval.names


def test_case_forms_and_errors():
    calls = build_suite(test_cases='[{"args": [[1, 2]], "expected": {"$tuple": [1, 2]}}]',
                        entry_point="f")
    assert calls.kind == "call" and calls.items[0].expected == (1, 2)
    assert calls.items[0].args == ([1, 2],)
    io = build_suite([{"input": "1 2\n", "output": "3\n"}])
    assert io.kind == "stdio" and io.items[0].stdin == "1 2\n"
    with pytest.raises(UsageError, match="entry_point"):
        build_suite("def check(candidate):\n    assert candidate(1)\n")
    with pytest.raises(UsageError, match="no 'fn'"):
        build_suite(test_cases=[{"args": [1], "expected": 1}])
    with pytest.raises(UsageError, match="not valid Python"):
        build_suite(["assert f(1) =="])
    with pytest.raises(UsageError, match="no tests"):
        build_suite([])


def test_normalize_output_compares_whole_output():
    assert normalize_output("a \r\nb\n\n\n") == ["a", "b"]
    assert normalize_output("a\nb") != normalize_output("a")  # never a prefix match
    assert normalize_output("  x") == ["  x"]  # leading spaces matter


@pytest.mark.parametrize("got, want, atol, equal", [
    (1, 1, None, True),
    (1, 1.0, None, False),  # int is not float
    (True, 1, None, False),  # bool is not int
    ([1, 2], (1, 2), None, False),  # list is not tuple
    ({1: "a"}, {True: "a"}, None, False),  # keys keep their types
    ({frozenset({1}), 2}, {2, frozenset({1})}, None, True),
    (float("nan"), float("nan"), None, True),
    (0.1 + 0.2, 0.3, None, False),
    (0.1 + 0.2, 0.3, 1e-9, True),
    ([0.1 + 0.2], [0.3], 1e-9, True),  # tolerance reaches nested floats
    ("a", "a ", None, False),
])
def test_exact_equal(got, want, atol, equal):
    assert exact_equal(got, want, atol) is equal


@pytest.mark.parametrize("value", [
    None, True, -7, 10 ** 5000, 2.5, float("inf"), "é\n", b"\x00\xff", [1, [2]], (1, (2,)),
    {"a": 1, 2: (3,)}, {1, 2}, frozenset({"x"}), 1 + 2j, range(1, 9, 2),
], ids=lambda v: type(v).__name__)
def test_wire_round_trip(value):
    assert decode(encode(value)) == value
    assert type(decode(encode(value))) is type(value)


@pytest.mark.parametrize("reply, why", [
    ({"a": 1, "b": 2}, "unexpected dict"),  # a plain object is never data
    ({"a": 1}, "unknown tag"),
    ({"$eval": "os.system('x')"}, "unknown tag"),
    ({"$set": [[1]]}, "unhashable"),
    ({"$dict": [[[1], 2]]}, "unhashable"),
    ({"$float": "1e999999"}, "only nan"),
    ({"$range": [1, 2, 0]}, "bad \\$range"),
    ({"$fraction": [1, 0]}, "bad \\$fraction"),
    ({"$int": "zz"}, "bad \\$int"),
    ({"$ref": "1"}, "bad \\$ref"),
    ({"$set": [{"$ref": 1, "type": "X"}]}, "candidate object"),
])
def test_decoder_rejects_everything_but_plain_data(reply, why):
    with pytest.raises(ProtocolError, match=why):
        decode(reply)


def test_decoder_limits_depth_and_loads_errors():
    deep = []
    for _ in range(protocol.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ProtocolError, match="deeply"):
        decode(deep)
    with pytest.raises(ProtocolError):
        protocol.loads(b"[" * 100000 + b"]" * 100000)
    with pytest.raises(ProtocolError):
        protocol.loads(b"1" * 5000)  # a JSON int past Python's digit limit, and not an object
    assert decode({"$ref": 3, "type": "Node"}) == RemoteRef(3, "Node")


def test_encoder_refuses_host_objects():
    with pytest.raises(TypeError, match="plain data only"):
        encode([lambda x: x])
    assert math.isnan(decode(encode(float("nan"))))


@pytest.mark.parametrize("module", ["extract", "protocol", "testforms", "oracle", "limits"])
def test_docstring_examples(module):
    import importlib
    mod = importlib.import_module(f"rewardsmith.verifiers.code.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
