"""The trusted side's handle on one loaded program: remote calls and proxies of candidate objects.

A :class:`Session` sends requests to the jail and turns replies into plain data. Objects that are
not plain data stay in the jail and appear on the host as :class:`RemoteObject` proxies: they can
be called and their attributes read or set (over the pipe), but they refuse everything that would
let the candidate decide a test: equality and hashing are by identity, and truth value, ordering,
length, iteration, indexing and arithmetic raise :class:`UntrustedOperation`. An object whose
``__eq__`` is always true therefore never equals an expected value.
"""
from __future__ import annotations

import builtins
import time
from typing import Any

from rewardsmith.verifiers.code import protocol
from rewardsmith.verifiers.code.backends.base import Jail
from rewardsmith.verifiers.code.protocol import RemoteRef

__all__ = ["Session", "RemoteObject", "CandidateError", "UntrustedOperation", "TestTimeout",
           "CandidateDied"]


class CandidateError(Exception):
    """The candidate raised an exception that is not a builtin one (or a failure of its own)."""


class UntrustedOperation(TypeError):
    """A test asked a candidate object to decide something (truth, order, length, ...)."""


class TestTimeout(BaseException):
    """The test's (or the program's) time ran out. BaseException: test code cannot swallow it."""


class CandidateDied(BaseException):
    """The candidate's process exited or was killed while answering."""


#: builtin exceptions that builtin protocols act on rather than pass up: a candidate's
#: ``StopIteration`` re-raised inside ``all(map(f, xs))`` would end ``map`` early and pass the
#: test. These reach the test as a CandidateError, which nothing interprets.
PROTOCOL_EXCEPTIONS = (StopIteration, StopAsyncIteration)


def _raised(name: str | None, message: str) -> Exception:
    """The host-side exception for one the candidate raised: same builtin type when there is one
    that no builtin protocol interprets (see PROTOCOL_EXCEPTIONS), else CandidateError."""
    cls = getattr(builtins, name, None) if isinstance(name, str) else None
    if name is None:
        exc: Exception = CandidateError(message)
    elif (isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == "builtins"
          and not issubclass(cls, PROTOCOL_EXCEPTIONS)):
        try:
            exc = cls(message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
            exc = CandidateError(f"{name}: {message}")
    else:
        exc = CandidateError(f"{name}: {message}")
    exc._rk_from_candidate = True  # type: ignore[attr-defined]
    return exc


class Session:
    """Requests for one program in one jail, under the current test's deadline."""

    def __init__(self, jail: Jail, code: str, program_deadline: float) -> None:
        self.jail = jail
        self.code = code
        self.program_deadline = program_deadline
        self.test_deadline = program_deadline
        self.generation = 0
        self.loaded = False
        self.names: dict[str, bool] = {}
        self.last_call = ""

    # --- requests ----------------------------------------------------------------------------
    def _timeout(self) -> float:
        left = min(self.test_deadline, self.program_deadline) - time.monotonic()
        if left <= 0:
            raise TestTimeout("time limit reached")
        return left

    def request(self, msg: dict) -> dict:
        reply = self.jail.request(msg, self._timeout())
        if reply.get("timeout"):
            self.loaded = False
            raise TestTimeout("time limit reached")
        if "died" in reply:
            self.loaded = False
            raise CandidateDied(f"the program's process ended: {str(reply['died'])[:200]}")
        if "too_large" in reply:
            self.loaded = False
            raise _raised(None, "reply larger than the output cap")
        if "invalid" in reply:
            self.loaded = False
            raise _raised(None, f"invalid reply: {str(reply['invalid'])[:200]}")
        return reply

    def load(self) -> str | None:
        """Start the program in a fresh child; the load error message, or None."""
        self.generation += 1
        self.loaded = False
        reply = self.request({"op": "load", "code": self.code,
                              "cpu": max(1.0, self.program_deadline - time.monotonic())})
        if "raised" in reply:
            return f"{reply.get('raised')}: {str(reply.get('message'))[:500]}"
        names = reply.get("names")
        if not isinstance(names, dict):
            return "malformed load reply"
        self.names = {str(k): bool(v) for k, v in names.items()}
        self.loaded = True
        return None

    def _value(self, reply: dict) -> Any:
        if "raised" in reply:
            raise _raised(reply.get("raised"), str(reply.get("message", ""))[:2000])
        if "value" not in reply:
            raise _raised(None, "malformed reply")
        try:
            value = protocol.decode(reply["value"])
        except protocol.ProtocolError as exc:
            raise _raised(None, f"invalid reply: {exc}") from None
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        """Replace RemoteRefs inside decoded data by proxies."""
        if isinstance(value, RemoteRef):
            return RemoteObject(self, value, None)
        if type(value) is list:
            return [self._wrap(v) for v in value]
        if type(value) is tuple:
            return tuple(self._wrap(v) for v in value)
        if type(value) is dict:
            return {k: self._wrap(v) for k, v in value.items()}
        return value

    def _target(self, obj: RemoteObject) -> dict:
        if obj._rk_generation != self.generation or not self.loaded:
            raise _raised(None, "object from an earlier run of the program")
        return {"ref": obj._rk_ref.id} if obj._rk_ref is not None else {"name": obj._rk_name}

    def call(self, obj: RemoteObject, args: tuple, kwargs: dict) -> Any:
        try:
            payload = {"args": protocol.encode(list(args)),
                       "kwargs": protocol.encode(dict(kwargs))}
        except TypeError as exc:
            raise CandidateError(str(exc)) from None
        self.last_call = f"{obj!r}({_short_args(args, kwargs)})"
        result = self._value(self.request({"op": "call", **self._target(obj), **payload}))
        self.last_call += f" returned {_short(result)}"
        return result

    def getattr(self, obj: RemoteObject, attr: str) -> Any:
        return self._value(self.request({"op": "getattr", **self._target(obj), "attr": attr}))

    def setattr(self, obj: RemoteObject, attr: str, value: Any) -> None:
        """Set an attribute of a candidate object (test setup code building candidate data)."""
        try:
            payload = protocol.encode(value)
        except TypeError as exc:
            raise CandidateError(str(exc)) from None
        self._value(self.request({"op": "setattr", **self._target(obj), "attr": attr,
                                  "value": payload}))

    def get(self, name: str) -> Any:
        """The candidate's top-level ``name``: a proxy for callables, plain data otherwise."""
        if self.names.get(name):
            return RemoteObject(self, None, name)
        return self._value(self.request({"op": "get", "name": name}))


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _short_args(args: tuple, kwargs: dict) -> str:
    parts = [_short(a, 60) for a in args] + [f"{k}={_short(v, 60)}" for k, v in kwargs.items()]
    text = ", ".join(parts)
    return text if len(text) <= 160 else text[:157] + "..."


def _refuse(what: str):
    def method(self, *args: Any) -> Any:
        raise UntrustedOperation(f"{what} of a candidate object ({self!r}) is not trusted; "
                                 "tests may only compare plain data returned by the program")
    return method


class RemoteObject:
    """A candidate object seen from the host: callable, attributes readable, never trusted."""

    __slots__ = ("_rk_session", "_rk_ref", "_rk_name", "_rk_generation")

    def __init__(self, session: Session, ref: RemoteRef | None, name: str | None) -> None:
        object.__setattr__(self, "_rk_session", session)
        object.__setattr__(self, "_rk_ref", ref)
        object.__setattr__(self, "_rk_name", name)
        object.__setattr__(self, "_rk_generation", session.generation)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._rk_session.call(self, args, kwargs)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr.startswith("_rk_"):
            raise AttributeError(attr)
        return self._rk_session.getattr(self, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        self._rk_session.setattr(self, attr, value)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        if self._rk_name is not None:
            return self._rk_name
        return f"<candidate {self._rk_ref.type_name} #{self._rk_ref.id}>"

    __bool__ = _refuse("the truth value")
    __len__ = _refuse("the length")
    __iter__ = _refuse("iteration")
    __contains__ = _refuse("membership")
    __getitem__ = _refuse("indexing")
    __lt__ = __le__ = __gt__ = __ge__ = _refuse("ordering")
    __int__ = __float__ = __index__ = __complex__ = _refuse("number conversion")
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse("arithmetic")
    __truediv__ = __floordiv__ = __mod__ = __pow__ = __neg__ = __abs__ = _refuse("arithmetic")
