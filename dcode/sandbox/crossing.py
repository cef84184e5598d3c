"""What crosses between the candidate's process and the test's besides values (stdlib only).

Exceptions (a stand-in class for the other side's own), the stdlib's value types, the
candidate's printed output, and the one way a channel ends: `CandidateGone`.
"""
from __future__ import annotations

import builtins
import datetime
import decimal
import fractions
import sys


class CandidateGone(BaseException):
    """The other process ended (exited, crashed or was killed) while a call waited on it.

    A BaseException, so that `except Exception` in the test cannot hide it.
    """


class RemoteError(Exception):
    """Base of the stand-ins for the other side's exception classes that have no builtin twin."""

    remote_traceback = ""


_surrogates: dict[tuple[str, str], type] = {}


def _surrogate(module: str, qualname: str, bases: list[str]) -> type:
    """A local class standing for the other side's exception class (same class, same object)."""
    key = (module, qualname)
    if key not in _surrogates:
        base = next((getattr(builtins, b) for b in bases if isinstance(getattr(builtins, b, None), type)
                     and issubclass(getattr(builtins, b), BaseException)), Exception)
        parents = (RemoteError, base) if issubclass(base, Exception) else (base,)
        try:
            cls = type(qualname.rsplit(".", 1)[-1], parents, {"__module__": module, "__qualname__": qualname})
        except TypeError:  # a layout conflict between builtin bases
            cls = type(qualname.rsplit(".", 1)[-1], (RemoteError,), {"__module__": module})
        _surrogates[key] = cls
    return _surrogates[key]


def _builtin_base_names(cls: type) -> list[str]:
    return [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"]


def safe_module(name: str):
    """A module the other side names that this side may use as its own: loaded already, or the stdlib's."""
    module = sys.modules.get(name)
    if module is not None or name.partition(".")[0] not in sys.stdlib_module_names:
        return module
    try:
        return __import__(name, fromlist=["_"])
    except Exception:
        return None


_MISSING = object()


def capture_output() -> tuple:
    """From now on the candidate's prints are collected, and sent back with each answer.

    So a test that captures output (a doctest replay, pytest's capsys) sees what the
    function printed, as it would in one process.
    """
    import io

    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    return sys.stdout, sys.stderr


def _collect(captured: tuple, reply: dict) -> None:
    for key, stream in zip(("o", "x"), captured):
        if stream.tell():
            reply[key] = stream.getvalue()[-(1 << 20):]
            stream.seek(0)
            stream.truncate()


def _replay_output(message: dict) -> None:
    for key, stream in (("o", sys.stdout), ("x", sys.stderr)):
        text = message.get(key)
        if isinstance(text, str) and text:
            stream.write(text)


def _encode_stdlib(value: object) -> dict | None:
    """The stdlib's value types: rebuilt on the other side from its own classes."""
    t = type(value)
    if t is decimal.Decimal:
        return {"#": "dec", "v": str(value)}
    if t is fractions.Fraction:
        return {"#": "frac", "v": [value.numerator, value.denominator]}
    if t is datetime.datetime and value.tzinfo is None:
        return {"#": "dt", "v": value.isoformat()}
    if t is datetime.date:
        return {"#": "date", "v": value.isoformat()}
    if t is datetime.time and value.tzinfo is None:
        return {"#": "time", "v": value.isoformat()}
    if t is datetime.timedelta:
        return {"#": "td", "v": [value.days, value.seconds, value.microseconds]}
    return None


def _decode_stdlib(tag: object, v: object) -> object:
    if tag == "dec":
        return decimal.Decimal(str(v))
    if tag == "frac":
        return fractions.Fraction(int(v[0]), int(v[1]))
    if tag == "dt":
        return datetime.datetime.fromisoformat(str(v))
    if tag == "date":
        return datetime.date.fromisoformat(str(v))
    if tag == "time":
        return datetime.time.fromisoformat(str(v))
    if tag == "td":
        return datetime.timedelta(days=int(v[0]), seconds=int(v[1]), microseconds=int(v[2]))
    return _MISSING


_OPS = {
    "getattr": getattr, "setattr": setattr, "delattr": delattr,
    "getitem": lambda o, k: o[k], "setitem": lambda o, k, v: o.__setitem__(k, v),
    "delitem": lambda o, k: o.__delitem__(k), "len": len, "iter": iter, "next": next, "bool": bool,
    "repr": repr, "str": str, "hash": hash,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "isinstance": lambda o, c: isinstance(o, c) is True,
}
