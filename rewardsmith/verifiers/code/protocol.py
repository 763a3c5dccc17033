"""The host side of the wire format: encode trusted arguments, decode untrusted replies strictly.

Every reply from the jail is untrusted. :func:`decode` turns it into builtin plain data only
(None, bool, int, float, str, bytes, list, tuple, dict, set, frozenset, complex, range, Fraction,
Decimal, a list iterator) or a :class:`RemoteRef` handle, within size limits (the reply's size,
ints of at most 80,000 bits, ranges of at most MAX_ITEMS items, decimal exponents within
MAX_DECIMAL_EXPONENT, nesting within MAX_DEPTH); nothing else can come out of it, so no
object the candidate built ever runs code on the host (no ``__eq__`` that is always true, no
pickle). Tags are single-key JSON objects such as ``{"$tuple": [...]}``; a plain JSON object is
never valid, which keeps the format unambiguous.

>>> decode(encode((1, {"a": {2, 3}})))
(1, {'a': {2, 3}})
>>> decode({"$set": [[1]]})
Traceback (most recent call last):
...
rewardsmith.verifiers.code.protocol.ProtocolError: bad $set: unhashable type: 'list'
"""
from __future__ import annotations

import decimal
import fractions
import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["ProtocolError", "RemoteRef", "encode", "decode", "loads", "from_json", "MAX_DEPTH"]

MAX_DEPTH = 200
#: the most elements a decoded lazy value may stand for (a range, like the jail's iterators):
#: ``set(range(10**18))`` must not reach a test
MAX_ITEMS = 1_000_000
#: the largest decimal exponent a reply may carry: ``int(Decimal('1e999999999'))`` would
#: compute a billion-digit integer on the host
MAX_DECIMAL_EXPONENT = 20_000
_BIG = 10 ** 4000  # larger ints travel as hex: JSON ints stop at Python's 4300-digit limit


class ProtocolError(ValueError):
    """A reply that is not valid plain data in the wire format."""


@dataclass(frozen=True)
class RemoteRef:
    """A handle to an object that lives in the jail (the host never sees the object itself)."""

    id: int
    type_name: str


def encode(value: Any, depth: int = 0) -> Any:
    """Tagged JSON for a trusted value; TypeError for anything that cannot cross the wire.

    >>> encode([(1, 2), b"x"])
    [{'$tuple': [1, 2]}, {'$bytes': '78'}]
    """
    if depth > MAX_DEPTH:
        raise TypeError("value nested too deeply to send")
    t = type(value)
    if value is None or t in (bool, str):
        return value
    if t is int:
        return value if -_BIG < value < _BIG else {"$int": hex(value)}
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if t is list:
        return [encode(v, depth + 1) for v in value]
    if t in (tuple, set, frozenset):
        return {"$" + t.__name__: [encode(v, depth + 1) for v in value]}
    if t is dict:
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if t in (bytes, bytearray):
        return {"$" + t.__name__: bytes(value).hex()}
    if t is complex:
        return {"$complex": [encode(value.real), encode(value.imag)]}
    if t is range:
        return {"$range": [value.start, value.stop, value.step]}
    if t is fractions.Fraction:
        return {"$fraction": [value.numerator, value.denominator]}
    if t is decimal.Decimal:
        return {"$decimal": str(value)}
    ref = getattr(value, "_rk_ref", None)
    if isinstance(ref, RemoteRef):
        return {"$ref": ref.id}
    raise TypeError(f"cannot send a {t.__name__} to the candidate (plain data only)")


def loads(line: bytes) -> dict:
    """Parse one reply line into a JSON object (ProtocolError otherwise)."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"reply is not JSON: {str(exc)[:200]}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("reply is not a JSON object")
    return obj


def decode(value: Any, depth: int = 0) -> Any:
    """Plain data (or RemoteRef) from tagged JSON; ProtocolError for anything else."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    t = type(value)
    if value is None or t in (bool, str, int, float):
        return value
    if t is list:
        return [decode(v, depth + 1) for v in value]
    if t is not dict or len(value) != 1 and "$ref" not in value:
        raise ProtocolError(f"unexpected {t.__name__} in reply")
    if "$ref" in value:
        return _decode_ref(value)
    (tag, body), = value.items()
    decoder = _TAGS.get(tag)
    if decoder is None:
        raise ProtocolError(f"unknown tag {tag!r}")
    try:
        return decoder(body, depth)
    except ProtocolError:
        raise
    except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise ProtocolError(f"bad {tag}: {exc}") from None


def from_json(value: Any, depth: int = 0) -> Any:
    """Trusted test data from JSON: tags as in the wire format, plain objects become dicts.

    >>> from_json({"a": {"$tuple": [1, 2]}})
    {'a': (1, 2)}
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if isinstance(value, list):
        return [from_json(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        (tag, body), = value.items()
        if tag == "$dict":
            return {_plain(k): v for k, v in (from_json(p, depth + 1) for p in body)}
        return decode({tag: encode_items(from_json(body, depth + 1))}, depth)
    return {k: from_json(v, depth + 1) for k, v in value.items()}


def encode_items(body: Any) -> Any:
    """Re-encode already-decoded tag bodies so :func:`decode` can build the tagged value."""
    return [encode(v) for v in body] if isinstance(body, list) else body


def _decode_ref(value: dict) -> RemoteRef:
    ref, name = value.get("$ref"), value.get("type", "object")
    if type(ref) is not int or type(name) is not str or set(value) - {"$ref", "type"}:
        raise ProtocolError("bad $ref")
    return RemoteRef(ref, name[:100])


def _items(body: Any, depth: int) -> list:
    if type(body) is not list:
        raise ProtocolError("tag body must be a list")
    return [decode(v, depth + 1) for v in body]


def _plain(value: Any) -> Any:
    if isinstance(value, RemoteRef):
        raise TypeError("a candidate object cannot be a key or set element")
    return value


def _dict(body: Any, depth: int) -> dict:
    out = {}
    for pair in _items(body, depth):
        if type(pair) is not list or len(pair) != 2:
            raise ProtocolError("bad $dict item")
        out[_plain(pair[0])] = pair[1]
    return out


def _hex(kind: type) -> Any:
    def convert(body: Any, depth: int) -> Any:
        if type(body) is not str:
            raise TypeError("expected a hex string")
        return kind.fromhex(body)
    return convert


def _float(body: Any, depth: int) -> float:
    if body not in ("nan", "inf", "-inf"):
        raise ValueError("only nan/inf/-inf are tagged")
    return float(body)


def _int(body: Any, depth: int) -> int:
    if type(body) is not str or len(body) > 20000:
        raise ValueError("expected a hex string of at most 20000 digits")
    return int(body, 16)


def _numbers(count: int, kinds: tuple[type, ...]) -> Any:
    def check(body: Any, depth: int) -> list:
        items = _items(body, depth)
        if len(items) != count or any(type(v) not in kinds for v in items):
            raise ValueError(f"expected {count} numbers")
        return items
    return check


def _decimal(body: Any, depth: int) -> decimal.Decimal:
    if type(body) is not str or len(body) > 5000:
        raise ValueError("expected a short string")
    value = decimal.Decimal(body)
    if value.is_finite() and abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise ValueError(f"exponent beyond +-{MAX_DECIMAL_EXPONENT}")
    return value


def _range(body: Any, depth: int) -> range:
    value = range(*_numbers(3, (int,))(body, depth))
    try:
        size = len(value)
    except OverflowError:  # more items than a C ssize_t holds
        size = MAX_ITEMS + 1
    if size > MAX_ITEMS:
        raise ValueError(f"a range of more than {MAX_ITEMS} items")
    return value


_TAGS = {
    "$tuple": lambda b, d: tuple(_items(b, d)),
    "$set": lambda b, d: {_plain(v) for v in _items(b, d)},
    "$frozenset": lambda b, d: frozenset(_plain(v) for v in _items(b, d)),
    "$dict": _dict,
    "$bytes": _hex(bytes),
    "$bytearray": _hex(bytearray),
    "$float": _float,
    "$int": _int,
    "$complex": lambda b, d: complex(*_numbers(2, (int, float))(b, d)),
    "$range": _range,
    "$fraction": lambda b, d: fractions.Fraction(*_numbers(2, (int,))(b, d)),
    "$decimal": _decimal,
    "$iter": lambda b, d: iter(_items(b, d)),
}
