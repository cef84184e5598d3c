"""Calls between the test's process and the candidate's, with values crossing by value (stdlib only).

Why two processes: the code that decides "the test's last assert ran" must not share a
process with the candidate, or the candidate can forge that proof (read the nonce from the
harness's fd, patch pytest's reports, return an object equal to everything). So the test
runs in one process (it holds the nonce and the report channel, and is not dumpable: no
ptrace, no /proc/PID/fd or mem for the candidate) and the candidate's module lives in
another. The test sees the candidate through `Remote` proxies; every call crosses this
channel and comes back serialised.

What crosses by value: None, bool, int, float, complex, str, bytes, list, tuple, dict, set,
frozenset, and a few stdlib value types (Decimal, Fraction, date/time). The receiving side
builds them from its own classes, so their comparisons are its own: an always-equal object
cannot come back as a plain value. An instance of a subclass crosses as its base type's
value; anything else crosses as a handle (a `Remote`), which compares by identity with
plain values and only with the candidate's own objects by the candidate's own rules.

The candidate may call back only what the test handed it (a callback argument), and only
call it: no attribute access, so no path from a callback to the test's globals.
"""
from __future__ import annotations

import builtins
import importlib
import json
import os
import struct
import sys


def _sibling(name: str):
    """A module of this package: loaded by path inside the sandbox, imported normally in the parent."""
    return sys.modules.get(f"_dcode_sandbox_{name}") or importlib.import_module(f"dcode.sandbox.{name}")


crossing = _sibling("crossing")
proxy = _sibling("proxy")
CandidateGone, Remote, RemoteError = crossing.CandidateGone, proxy.Remote, crossing.RemoteError
capture_output, safe_module = crossing.capture_output, crossing.safe_module
_surrogate, _builtin_base_names, _MISSING = crossing._surrogate, crossing._builtin_base_names, crossing._MISSING
_encode_stdlib, _decode_stdlib, _OPS = crossing._encode_stdlib, crossing._decode_stdlib, crossing._OPS
_collect, _replay_output, _name_remotes = crossing._collect, crossing._replay_output, proxy._name_remotes

BIG_INT_BITS = 12_000  # past ~4,300 digits int <-> str needs the hex form
MAX_FRAME = 256 * 1024 * 1024
LARGE = 10_000  # items: a module-level value larger than this reaches the test as a handle

# Operations one side may ask of the other's objects.
TEST_SIDE_OPS = frozenset({"call"})  # what the candidate may ask of the test's objects
CANDIDATE_SIDE_OPS = frozenset({"call", "getattr", "setattr", "delattr", "getitem", "setitem", "delitem",
                                "isinstance", "len", "iter", "next", "bool", "repr", "str", "hash", "names",
                                "eq", "ne", "lt", "le", "gt", "ge"})


class Channel:
    """One end of a socketpair: asks the peer for things, and answers the peer's requests meanwhile."""

    def __init__(self, fd: int, serves: frozenset[str]) -> None:
        self.fd = fd
        self.serves = serves
        self.root: object = None  # what handle 0 names: the candidate's module
        self._exported: dict[int, object] = {}
        self._ids: dict[int, int] = {}  # id(obj) -> handle, so one object keeps one handle
        self._remotes: dict[int, Remote] = {}
        self._gone: str | None = None
        self._buf = bytearray()
        self.generation = 0  # bumped when the candidate's process is replaced (restart)
        self.on_broken = None  # called with a reason when a wait is cut short (a test's time ran out)
        self.on_request = None  # called before each request (the test's side restarts a stopped candidate)
        self.traceback_of = None  # the candidate's traceback text for an exception, for the test's report
        self.captured: tuple | None = None  # the candidate's side: what a call prints goes back with its answer

    # -- frames -----------------------------------------------------------------------

    def send(self, message: dict) -> None:
        data = json.dumps(message, allow_nan=True).encode()
        data = struct.pack(">I", len(data)) + data
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError as e:
            raise self._lost(f"the other process went away ({e.strerror})") from None

    def receive(self) -> dict:
        while True:  # frames are read in chunks: one read() per message, not two
            if len(self._buf) >= 4:
                (n,) = struct.unpack_from(">I", self._buf)
                if n > MAX_FRAME:
                    raise self._lost("the other process sent a frame too large")
                if len(self._buf) >= 4 + n:
                    data = bytes(self._buf[4:4 + n])
                    del self._buf[:4 + n]
                    break
            self._fill()
        try:
            message = json.loads(data)
        except (ValueError, RecursionError):
            raise self._lost("the other process broke the protocol") from None
        if not isinstance(message, dict):
            raise self._lost("the other process broke the protocol")
        return message

    def _fill(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except InterruptedError:
                continue
            except OSError as e:
                raise self._lost(f"the other process went away ({e.strerror})") from None
            if not chunk:
                raise self._lost("the candidate's process ended")
            self._buf += chunk
            return

    def _lost(self, why: str) -> CandidateGone:
        self._gone = self._gone or why
        return CandidateGone(self._gone)

    # -- asking -----------------------------------------------------------------------

    def request(self, op: str, handle: int = 0, *args: object, **kwargs: object) -> object:
        """Ask the peer to do `op` on its object `handle`; serve its own requests until the answer comes."""
        if self.on_request is not None:
            self.on_request()
        if self._gone:
            raise CandidateGone(self._gone)
        self.send({"q": op, "h": handle, "a": [self.encode(a) for a in args],
                   "k": {k: self.encode(v) for k, v in kwargs.items()}})
        try:
            failed, value = self.wait()
        except CandidateGone:
            raise
        except BaseException:  # interrupted mid-wait: the answer will come late, so no answer can be trusted
            self._gone = "the candidate's process was stopped after a test ran out of time"
            if self.on_broken is not None:
                self.on_broken(self._gone)
            raise
        if failed:
            raise value  # type: ignore[misc]
        if handle == 0 and op in ("getattr", "names"):
            _name_remotes(value, op, args)
        return value

    def restart(self, fd: int) -> None:
        """Talk to a new candidate process from now on; the old one's objects are re-found by name."""
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.fd, self._gone = fd, None
        self._buf.clear()
        self._remotes.clear()
        self.generation += 1

    def wait(self) -> tuple[bool, object]:
        """(False, the answer) or (True, the exception it raised); requests that come first are served."""
        while True:
            message = self.receive()
            try:
                if "q" in message:
                    self.answer(message)
                else:
                    _replay_output(message)
                    if "e" in message:
                        return True, self.decode_error(message["e"])
                    return False, self.decode(message.get("r"))
            except (RecursionError, ValueError, TypeError, KeyError, AttributeError):
                raise self._lost("the other process broke the protocol") from None

    # -- answering --------------------------------------------------------------------

    def serve_forever(self) -> None:
        """The candidate's side: answer requests until the test's side closes the channel."""
        while True:
            try:
                message = self.receive()
            except CandidateGone:
                return
            if "q" in message:
                self.answer(message)

    def answer(self, message: dict) -> None:
        try:
            result = self._perform(message)
            reply = {"r": self.encode(result)}
        except CandidateGone:
            raise
        except BaseException as e:  # the peer asked; the peer hears what went wrong
            reply = {"e": self.encode_error(e)}
        if self.captured is not None:
            _collect(self.captured, reply)
        self.send(reply)

    def _perform(self, message: dict) -> object:
        op = message.get("q")
        if op not in self.serves:
            raise PermissionError(f"{op!r} is not allowed on this side's objects")
        handle = message.get("h", 0)
        obj = self.root if handle == 0 else self._exported.get(handle, _MISSING)
        if obj is _MISSING:
            raise ReferenceError(f"no object {handle}")
        args = [self.decode(a) for a in message.get("a", [])]
        kwargs = {k: self.decode(v) for k, v in (message.get("k") or {}).items()}
        if op == "call":
            return obj(*args, **kwargs)
        if op == "names":
            return self.names(obj)
        return _OPS[op](obj, *args)

    @staticmethod
    def names(module: object) -> dict:
        """A module's names, less the dunders: what a test that ran in that module would see."""
        return {k: v for k, v in vars(module).items() if not (k.startswith("__") and k.endswith("__"))}

    # -- values -----------------------------------------------------------------------

    def encode(self, value: object, depth: int = 0) -> object:
        if depth > 200:
            raise ValueError("value nested too deeply to send")
        t = type(value)
        if value is None or t is bool or t is str or t is float:
            return value
        if t is int:
            return value if value.bit_length() < BIG_INT_BITS else {"#": "i", "v": hex(value)}
        if t is list:
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, Remote) and value._ch is self:
            return {"#": "p", "v": value._id}
        if isinstance(value, proxy.RemoteClass) and value._remote._ch is self:
            return {"#": "p", "v": value._remote._id}
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return self.encode(int(value))
        if isinstance(value, float):
            return float(value)
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, (tuple, list, set, frozenset)):
            tag = "t" if isinstance(value, tuple) else "l" if isinstance(value, list) else (
                "f" if isinstance(value, frozenset) else "s")
            return {"#": tag, "v": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            return {"#": "d", "v": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                    for k, v in dict.items(value)]}
        if isinstance(value, (bytes, bytearray)):
            return {"#": "b" if isinstance(value, bytes) else "ba", "v": bytes(value).hex()}
        if isinstance(value, complex):
            return {"#": "c", "v": [value.real, value.imag]}
        special = _encode_stdlib(value)
        if special is not None:
            return special
        if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            return self.encode(value.item(), depth + 1)
        if isinstance(value, type(sys)):
            return {"#": "m", "v": value.__name__}
        return self._handle(value)

    def encode_names(self, names: dict) -> dict:
        """A namespace for the test: large data (a precomputed table) goes as a handle, not copied per test."""
        out = {}
        for name, value in names.items():
            large = isinstance(value, (list, tuple, dict, set, frozenset, str, bytes)) and len(value) > LARGE
            out[name] = self._handle(value) if large else self.encode(value)
        return {"#": "d", "v": [[k, v] for k, v in out.items()]}

    def _handle(self, value: object) -> dict:
        key = id(value)
        handle = self._ids.get(key)
        if handle is None or self._exported.get(handle) is not value:
            handle = len(self._exported) + 1
            self._exported[handle] = value
            self._ids[key] = handle
        out: dict = {"#": "h", "v": handle, "n": getattr(value, "__qualname__", type(value).__qualname__)}
        if isinstance(value, type) and issubclass(value, BaseException):
            out["x"] = [value.__module__, value.__qualname__, _builtin_base_names(value)]
        elif isinstance(value, type):
            out["c"] = 1
        return out

    def decode(self, data: object) -> object:
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.decode(v) for v in data]
        if not isinstance(data, dict):
            raise self._lost("the other process sent a value of no known kind")
        tag, v = data.get("#"), data.get("v")
        if tag == "t":
            return tuple(self.decode(x) for x in v)
        if tag == "l":
            return [self.decode(x) for x in v]
        if tag == "s":
            return {self.decode(x) for x in v}
        if tag == "f":
            return frozenset(self.decode(x) for x in v)
        if tag == "d":
            return {self.decode(k): self.decode(x) for k, x in v}
        if tag == "i":
            return int(v, 16)
        if tag == "b":
            return bytes.fromhex(v)
        if tag == "ba":
            return bytearray.fromhex(v)
        if tag == "c":
            return complex(float(v[0]), float(v[1]))
        if tag == "p":
            return self.root if v == 0 else self._exported.get(v)
        if tag == "m":
            module = safe_module(str(v))
            return module if module is not None else self._remote({"v": -1, "n": str(v)})
        if tag == "h":
            if "x" in data:  # an exception class: a local stand-in, so `raises(mod.Error)` works
                module, qualname, bases = data["x"]
                return _surrogate(str(module), str(qualname), [str(b) for b in bases])
            if "c" in data:  # a class: a local type standing for it, so `isinstance(x, mod.Cls)` works
                return proxy.remote_class(self._remote(data))
            return self._remote(data)
        special = _decode_stdlib(tag, v)
        if special is not _MISSING:
            return special
        raise self._lost(f"the other process sent an unknown tag {tag!r}")

    def _remote(self, data: dict) -> Remote:
        handle = int(data["v"])
        remote = self._remotes.get(handle)
        if remote is None:
            remote = self._remotes[handle] = Remote(self, handle, str(data.get("n", "object")))
        return remote


    # -- exceptions -------------------------------------------------------------------

    def encode_error(self, e: BaseException) -> dict:
        cls = type(e)
        try:
            message = str(e)[:4000]
        except BaseException:
            message = "<exception str() failed>"
        try:
            args = self.encode(e.args) if all(type(a) in (str, int, float, bool, type(None)) for a in e.args) else None
        except BaseException:
            args = None
        try:
            tb, line = self.traceback_of(e) if self.traceback_of is not None else ("", None)
        except BaseException:
            tb, line = "", None
        return {"module": cls.__module__, "qualname": cls.__qualname__, "bases": _builtin_base_names(cls),
                "message": message, "args": args, "tb": tb, "line": line}

    def decode_error(self, data: dict) -> BaseException:
        module, qualname = str(data.get("module")), str(data.get("qualname"))
        message = str(data.get("message", ""))
        args = self.decode(data["args"]) if data.get("args") is not None else (message,)
        if module == "builtins" and isinstance(getattr(builtins, qualname, None), type) and issubclass(
                getattr(builtins, qualname), BaseException):
            cls = getattr(builtins, qualname)
        else:
            cls = _surrogate(module, qualname, list(data.get("bases") or []))
        try:
            error = cls(*args)
        except BaseException:
            error = cls(message) if cls is not SystemExit else SystemExit(1)
        error._dcode_remote = data  # type: ignore[attr-defined]
        return error
