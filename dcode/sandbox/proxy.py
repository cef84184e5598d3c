"""The test's view of one of the candidate's objects (stdlib only): every use is a request over the channel."""
from __future__ import annotations

import importlib
import sys


def _sibling(name: str):
    """A module of this package: loaded by path inside the sandbox, imported normally in the parent."""
    return sys.modules.get(f"_dcode_sandbox_{name}") or importlib.import_module(f"dcode.sandbox.{name}")


CandidateGone = _sibling("crossing").CandidateGone


class Remote:
    """The test's view of one of the candidate's objects: every use is a request over the channel.

    Compared with a plain value it is never equal (identity), so an object that claims to
    equal everything cannot pass; compared with another of the candidate's objects, the
    candidate's own `==` decides, as it would for any class the candidate defines.
    """

    __slots__ = ("_ch", "_id", "_name", "_gen", "_path")

    def __init__(self, channel, handle: int, name: str) -> None:
        object.__setattr__(self, "_ch", channel)
        object.__setattr__(self, "_id", handle)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_gen", channel.generation)
        object.__setattr__(self, "_path", None)

    def _ask(self, op: str, *args: object, **kwargs: object) -> object:
        if self._id < 0:
            raise TypeError(f"{self._name} is not available to the test")
        ch = self._ch
        if ch.on_request is not None:
            ch.on_request()
        if self._gen != ch.generation:
            self._refresh()
        return ch.request(op, self._id, *args, **kwargs)

    def _refresh(self) -> None:
        """After the candidate's process was replaced: the same module-level name in the new one."""
        if self._path is None:
            raise CandidateGone("the candidate's process was restarted after a test ran out of time; "
                                "this object belonged to the old one")
        fresh = self._ch.request("getattr", 0, self._path)
        if not isinstance(fresh, Remote):
            raise CandidateGone(f"{self._path} is no longer an object of the candidate's")
        object.__setattr__(self, "_id", fresh._id)
        object.__setattr__(self, "_gen", self._ch.generation)

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._ask("call", *args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return self._ask("getattr", name)

    def __setattr__(self, name: str, value: object) -> None:
        self._ask("setattr", name, value)

    def __delattr__(self, name: str) -> None:
        self._ask("delattr", name)

    def __getitem__(self, key: object) -> object:
        return self._ask("getitem", key)

    def __setitem__(self, key: object, value: object) -> None:
        self._ask("setitem", key, value)

    def __delitem__(self, key: object) -> None:
        self._ask("delitem", key)

    def __len__(self) -> int:
        n = self._ask("len")
        if type(n) is not int:
            raise TypeError("len() of the candidate's object is not an int")
        return n

    def __iter__(self):
        return self._ask("iter")

    def __next__(self) -> object:
        return self._ask("next")

    def __bool__(self) -> bool:
        return self._ask("bool") is True

    def __repr__(self) -> str:
        try:
            return str(self._ask("repr"))
        except Exception:
            return f"<{self._name}>"

    def __str__(self) -> str:
        return str(self._ask("str"))

    def __hash__(self) -> int:
        h = self._ask("hash")
        return h if type(h) is int else id(self)

    def _compare(self, op: str, other: object) -> object:
        if isinstance(other, Remote) and other._ch is self._ch:
            return self._ask(op, other) is True
        if op == "eq":
            return self is other
        if op == "ne":
            return self is not other
        return NotImplemented

    def __eq__(self, other: object) -> object:
        return self._compare("eq", other)

    def __ne__(self, other: object) -> object:
        return self._compare("ne", other)

    def __lt__(self, other: object) -> object:
        return self._compare("lt", other)

    def __le__(self, other: object) -> object:
        return self._compare("le", other)

    def __gt__(self, other: object) -> object:
        return self._compare("gt", other)

    def __ge__(self, other: object) -> object:
        return self._compare("ge", other)


def _name_remotes(value: object, op: str, args: tuple) -> None:
    """Remember the module-level name of each object found through the module, to find it again after a restart."""
    pairs = value.items() if op == "names" and isinstance(value, dict) else [(args[0] if args else None, value)]
    for name, remote in pairs:
        if isinstance(remote, Remote) and remote._path is None and isinstance(name, str):
            object.__setattr__(remote, "_path", name)


class RemoteClass(type):
    """The type standing, in the test's process, for one of the candidate's classes.

    Calling it builds an instance there; its attributes are the class's; `isinstance`
    asks the candidate's process about the candidate's own objects (and is False for
    any plain value, which is never an instance of the candidate's class).
    """

    _remote: Remote

    def __call__(cls, *args: object, **kwargs: object) -> object:
        return cls._remote(*args, **kwargs)

    def __getattr__(cls, name: str) -> object:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(cls._remote, name)

    def __instancecheck__(cls, obj: object) -> bool:
        remote = cls._remote
        if isinstance(obj, Remote) and obj._ch is remote._ch:
            return obj._ask("isinstance", cls) is True
        return False

    def __repr__(cls) -> str:
        return repr(cls._remote)


def remote_class(remote: Remote) -> type:
    """One local type per remote class (so `mod.Cls is mod.Cls`), made on first sight."""
    cached = _CLASSES.get(id(remote))
    if cached is None or cached._remote is not remote:
        cached = RemoteClass(remote._name.rsplit(".", 1)[-1], (), {"_remote": remote})
        _CLASSES[id(remote)] = cached
    return cached


_CLASSES: dict[int, type] = {}
