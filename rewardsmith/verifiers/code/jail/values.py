"""Plain values over the pipe, jail side: a lenient encoder and decoder (the host is strict).

Anything that is not plain data becomes a reference ``{"$ref": n, "type": name}`` into ``refs``,
the child's table of objects the host may call or read through. Runs inside the jail: stdlib only.
"""
import decimal
import fractions

MAX_ITEMS = 1000000


def encode(value, refs, depth=0):
    """Tagged JSON of a plain value; any other object becomes a reference kept in ``refs``."""
    if depth > 200:
        raise ValueError("value nested too deeply")
    t = type(value)
    if value is None or t in (bool, str):
        return value
    if t is int:
        return value if -(10 ** 4000) < value < 10 ** 4000 else {"$int": hex(value)}
    if t is float:
        return value if value == value and value not in (float("inf"), float("-inf")) \
            else {"$float": repr(value)}
    if t is list:
        return [encode(v, refs, depth + 1) for v in value]
    if t is tuple:
        return {"$tuple": [encode(v, refs, depth + 1) for v in value]}
    if t is dict:
        return {"$dict": [[encode(k, refs, depth + 1), encode(v, refs, depth + 1)]
                          for k, v in value.items()]}
    if t in (set, frozenset):
        return {"$" + t.__name__: [encode(v, refs, depth + 1) for v in value]}
    if t in (bytes, bytearray):
        return {"$" + t.__name__: value.hex()}
    if t is complex:
        return {"$complex": [encode(value.real, refs), encode(value.imag, refs)]}
    if t is range:
        return {"$range": [value.start, value.stop, value.step]}
    return _encode_other(value, refs, depth)


def _encode_other(value, refs, depth):
    if isinstance(value, fractions.Fraction):
        return {"$fraction": [value.numerator, value.denominator]}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if hasattr(value, "__next__") and hasattr(value, "__iter__"):  # generators, map, zip, ...
        items = []
        for item in value:
            if len(items) >= MAX_ITEMS:
                raise ValueError("iterator yields more than %d items" % MAX_ITEMS)
            items.append(encode(item, refs, depth + 1))
        return {"$iter": items}
    for base in (int, str, float, list, tuple, dict):  # subclasses travel as their base type
        if isinstance(value, base):
            return encode(base(value), refs, depth)
    refs.append(value)
    return {"$ref": len(refs) - 1, "type": type(value).__name__}


def decode(value, refs):
    """Inverse of the host's encoder (the host is trusted: lenient)."""
    if isinstance(value, list):
        return [decode(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        return refs[value["$ref"]]
    (tag, body), = value.items()
    if tag in ("$bytes", "$bytearray"):
        return (bytes if tag == "$bytes" else bytearray).fromhex(body)
    if tag == "$float":
        return float(body)
    if tag == "$int":
        return int(body, 16)
    if tag == "$decimal":
        return decimal.Decimal(body)
    items = [decode(v, refs) for v in body]
    if tag == "$dict":
        return {k: v for k, v in items}
    simple = {"$tuple": tuple, "$set": set, "$frozenset": frozenset, "$iter": iter}
    if tag in simple:
        return simple[tag](items)
    if tag == "$complex":
        return complex(*items)
    if tag == "$range":
        return range(*items)
    if tag == "$fraction":
        return fractions.Fraction(*items)
    raise ValueError("unknown tag %r" % tag)
