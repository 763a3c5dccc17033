"""Fill an options dataclass from loosely typed values (spec strings, YAML, CLI)."""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Mapping, Union

from rewardsmith.core.errors import UsageError, did_you_mean

__all__ = ["build_options", "coerce"]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def build_options(cls: type, raw: Mapping[str, Any], owner: str = "options") -> Any:
    """Instantiate dataclass ``cls`` from ``raw``, coercing each value to the field's type.

    Unknown names and bad values raise UsageError saying what is accepted. ``__post_init__``
    checks that raise ValueError are turned into UsageError too.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class O:
    ...     timeout: float = 5.0
    ...     partial: bool = False
    >>> build_options(O, {"timeout": "2", "partial": "true"})
    O(timeout=2.0, partial=True)
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    values = {}
    for key, value in raw.items():
        if key not in known:
            listing = ", ".join(known) or "none"
            raise UsageError(f"{owner} has no option {key!r}.{did_you_mean(key, known)} "
                             f"Options: {listing}")
        try:
            values[key] = coerce(value, hints.get(key, Any))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{owner}: bad value {value!r} for option {key!r}: {exc}") from None
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{owner}: {exc}") from None


def coerce(value: Any, tp: Any) -> Any:
    """Convert ``value`` (often a string) to type ``tp``; raise ValueError when it cannot."""
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return coerce(value, arg)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    if origin is Literal:
        choices = typing.get_args(tp)
        for c in choices:
            if value == c or (isinstance(value, str) and str(c) == value):
                return c
        raise ValueError(f"expected one of {', '.join(map(str, choices))}")
    if origin in (list, tuple):
        items = value.split("|") if isinstance(value, str) else list(value)
        inner = typing.get_args(tp)
        item_tp = inner[0] if inner else Any
        out = [coerce(v, item_tp) for v in items]
        return tuple(out) if origin is tuple else out
    if tp is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE:
            return True
        if str(value).lower() in _FALSE:
            return False
        raise ValueError("expected true or false")
    if tp is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("expected an integer")
        return int(value)
    if tp is float:
        if isinstance(value, bool):
            raise ValueError("expected a number")
        return float(value)
    if tp is str:
        return str(value)
    return value
