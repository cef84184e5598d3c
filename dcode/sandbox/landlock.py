"""Landlock (Linux 5.13+), stdlib only: an unprivileged process gives up rights for good.

Used by the candidate's process in a pytest run (split.py) to give up every kind of write
outside /tmp, /dev/shm and /dev: the test's process imports the project's files, so the
candidate must not be able to change or add any. Where Landlock is missing, the
read-only mount the server makes for the child (server.py) does the same.
"""
from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
WRITABLE = ("/tmp", "/dev/shm", "/dev")
LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446
_WRITE_FILE, _REMOVE_TO_MAKE_SYM, _REFER, _TRUNCATE = 1 << 1, sum(1 << b for b in range(4, 13)), 1 << 13, 1 << 14
WRITE_RIGHTS = {1: _WRITE_FILE | _REMOVE_TO_MAKE_SYM, 2: _WRITE_FILE | _REMOVE_TO_MAKE_SYM | _REFER,
                3: _WRITE_FILE | _REMOVE_TO_MAKE_SYM | _REFER | _TRUNCATE}  # by Landlock ABI version


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def no_writes_outside_scratch() -> bool:
    """Give up writing anywhere but the scratch dirs; False where the kernel has no Landlock."""
    abi = _libc.syscall(ctypes.c_long(LANDLOCK_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return False
    rights = WRITE_RIGHTS[min(abi, 3)]
    attr = _RulesetAttr(rights)
    ruleset = _libc.syscall(ctypes.c_long(LANDLOCK_CREATE), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        for path in WRITABLE:
            try:
                fd = os.open(path, os.O_PATH | os.O_DIRECTORY)
            except OSError:
                continue
            rule = _PathBeneath(rights, fd)
            _libc.syscall(ctypes.c_long(LANDLOCK_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule),
                          ctypes.c_uint32(0))
            os.close(fd)
        return _libc.syscall(ctypes.c_long(LANDLOCK_RESTRICT), ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)
