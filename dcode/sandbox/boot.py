"""Build the sandbox's file system from inside fresh namespaces (stdlib only).

Runs as root of a new mount namespace (real root, or root of a new user namespace) before
any candidate exists. Instead of hiding a list of secret places, it builds a new root that
holds only what a program needs: the system directories and the interpreter's prefixes,
read-only, a private /proc and /dev, and writable tmpfs mounts that are replaced after
every test. Everything else (home directories, /tmp, /work, the problem's directory) is
simply absent. Then it pivots into that root and detaches the old one, so no path leads
back to the host.
"""
from __future__ import annotations

import ctypes
import os

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 1
MOUNT_ATTR_NOSUID = 2

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
# Writable, emptied (re-mounted) after every test.
SCRATCH = ("/sandbox", "/tmp", "/dev/shm")
WORKDIR = "/sandbox"
# Where kept paths that live under a scratch dir (a venv cloned under /tmp) are parked, so
# they can be bound back on top of every fresh scratch mount.
STASH = "/.dcode-keep"

_SYSCALLS = {  # pivot_root, mount_setattr
    "x86_64": (155, 442),
    "aarch64": (41, 442),
}

_libc = ctypes.CDLL(None, use_errno=True)


class BootError(Exception):
    """The sandbox could not be built; the message names the step that failed."""


def _b(s: str | None) -> bytes | None:
    return None if s is None else s.encode()


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _libc.mount(_b(src), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)) != 0:
        e = ctypes.get_errno()
        raise BootError(f"mount {src or fstype or ''} on {target}: {os.strerror(e)}")


def umount(target: str) -> None:
    if _libc.umount2(_b(target), MNT_DETACH) != 0:
        e = ctypes.get_errno()
        raise BootError(f"umount {target}: {os.strerror(e)}")


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _read_only_recursive(target: str) -> bool:
    """mount_setattr(2): make a bind and all its submounts read-only and nosuid (Linux 5.12+)."""
    nr = _SYSCALLS.get(os.uname().machine, (None, None))[1]
    if nr is None:
        return False
    attr = _MountAttr(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    rc = _libc.syscall(ctypes.c_long(nr), ctypes.c_int(AT_FDCWD), _b(target),
                       ctypes.c_uint(AT_RECURSIVE), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
    return rc == 0


def _locked_flags(target: str) -> int:
    """Flags a remount inside a user namespace must keep (the kernel refuses to clear them)."""
    f = os.statvfs(target).f_flag
    flags = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if f & st:
            flags |= ms
    return flags


def bind_read_only(src: str, target: str) -> None:
    mount(src, target, None, MS_BIND | MS_REC)
    if not _read_only_recursive(target):
        mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | _locked_flags(target))


def _pick_mountpoint(keep: list[str]) -> str:
    """An existing directory to build the new root on, that is not above anything we bind."""
    for d in ("/srv", "/media", "/opt", "/run", "/var/tmp", "/tmp", "/home"):
        if os.path.isdir(d) and not os.path.islink(d) and not any(
                p == d or p.startswith(d + "/") for p in keep):
            return d
    raise BootError("no directory to build the sandbox root on")


def _covered(path: str, bound: list[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound)


def nested_in_scratch(keep: list[str]) -> list[str]:
    """Kept paths that a scratch tmpfs would hide (an interpreter or venv under /tmp)."""
    return [p for p in keep if _covered(p, list(SCRATCH))]


def _bind_nested(root: str, scratch: str, nested: list[str]) -> None:
    """Bind each parked path that lives under `scratch` back to its own path, read-only."""
    for i, p in enumerate(nested):
        if _covered(p, [scratch]):
            os.makedirs(root + p, exist_ok=True)
            bind_read_only(f"{root}{STASH}/{i}", root + p)


def mount_scratch(path: str, uid: int, size_mb: int) -> None:
    """A fresh, empty tmpfs: the candidate's working dir, /tmp or /dev/shm."""
    mode = "0700" if path == WORKDIR else "1777"
    mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={size_mb}m,nr_inodes=4096,mode={mode},uid={uid},gid={uid}")


def _pristine(path: str, uid: int) -> bool:
    """Still exactly as mounted: empty, same owner and mode (every process is dead by now)."""
    st = os.lstat(path)
    mode = 0o700 if path == WORKDIR else 0o1777
    return (st.st_mode & 0o7777) == mode and st.st_uid == uid and not os.listdir(path)


def reset_scratch(uid: int, size_mb: int, nested: list[str] = ()) -> None:
    """Throw away everything a test wrote: detach the used tmpfs mounts, mount new ones."""
    for path in SCRATCH:
        holds_kept = any(_covered(p, [path]) for p in nested)
        if holds_kept or not _pristine(path, uid):
            umount(path)  # detaches the kept binds on top of it too
            mount_scratch(path, uid, size_mb if path != "/dev/shm" else 64)
            _bind_nested("", path, list(nested))


def _ancestors(paths: list[str]) -> set[str]:
    out: set[str] = set()
    for p in paths:
        while p not in ("", "/"):
            out.add(p)
            p = os.path.dirname(p)
    return out


def _wipe(path: str, nested: list[str], skeleton: set[str]) -> None:
    """Delete everything under `path` except the kept mount points and the dirs leading to them."""
    for entry in os.scandir(path):
        if entry.path in nested:
            continue
        if entry.path in skeleton:
            _wipe(entry.path, nested, skeleton)
            continue
        if entry.is_dir(follow_symlinks=False):
            for top, dirs, _ in os.walk(entry.path):
                for d in dirs:
                    full = os.path.join(top, d)
                    if not os.path.islink(full):
                        os.chmod(full, 0o700)
            os.chmod(entry.path, 0o700)
            import shutil  # bwrap mode only: kept out of the server that every test forks from

            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def wipe_scratch(uid: int, nested: list[str] = ()) -> None:
    """Without the capability to remount: delete what a test left, whatever modes it set."""
    nested = list(nested)
    skeleton = _ancestors(nested)
    for path in SCRATCH:
        if path not in skeleton and _pristine(path, uid):
            continue
        _wipe(path, nested, skeleton)
        os.chmod(path, 0o700 if path == WORKDIR else 0o1777)


def build_root(keep: list[str], uid: int, size_mb: int) -> list[str]:
    """Assemble the new root, pivot into it and make it read-only; returns the kept paths
    that sit under a scratch dir, which every scratch reset must bind back."""
    keep = sorted({os.path.realpath(p) for p in keep if os.path.isdir(p)})
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = _pick_mountpoint(keep)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    bound: list[str] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            os.symlink(os.readlink(d), root + d)
        elif os.path.isdir(d):
            os.mkdir(root + d)
            bind_read_only(d, root + d)
            bound.append(d)
    nested = nested_in_scratch(keep)
    for p in keep:
        if not _covered(p, bound) and p not in nested:
            os.makedirs(root + p, exist_ok=True)
            bind_read_only(p, root + p)
            bound.append(p)
    for i, p in enumerate(nested):
        os.makedirs(f"{root}{STASH}/{i}")
        bind_read_only(p, f"{root}{STASH}/{i}")
    os.mkdir(root + "/proc")
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    dev = root + "/dev"
    os.mkdir(dev)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        open(f"{dev}/{name}", "w").close()
        mount(f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    for path in SCRATCH:
        os.makedirs(root + path, exist_ok=True)
        mount_scratch(root + path, uid, size_mb if path != "/dev/shm" else 64)
        _bind_nested(root, path, nested)
    mount(None, dev, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    _pivot(root)
    mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(WORKDIR)
    return nested


def _pivot(root: str) -> None:
    """pivot_root(".", "."): the old root ends up stacked on top and is then detached."""
    nr = _SYSCALLS.get(os.uname().machine, (None, None))[0]
    if nr is None:
        raise BootError(f"unsupported machine {os.uname().machine} (no pivot_root number)")
    os.chdir(root)
    if _libc.syscall(ctypes.c_long(nr), b".", b".") != 0:
        raise BootError(f"pivot_root: {os.strerror(ctypes.get_errno())}")
    umount(".")
    os.chdir("/")
