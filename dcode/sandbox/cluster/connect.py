"""Joining a Ray cluster, or starting one on this machine, with errors a user can act on."""
from __future__ import annotations

import logging
import os
import re
import socket
from types import ModuleType

from dcode.errors import BadInput

INSTALL_HINT = "checking on a Ray cluster needs Ray: pip install -e '.[ray]'"
_HOST_PORT = re.compile(r"^(?:ray://)?(?P<host>\[[0-9a-fA-F:]+\]|[\w.\-]+):(?P<port>\d{1,5})$")


def import_ray() -> ModuleType:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home from a local tool
    try:
        import ray
    except ImportError:
        raise BadInput(INSTALL_HINT) from None
    return ray


def is_address(text: str) -> bool:
    """Does `text` name a cluster (as `--ray ADDRESS` takes it), rather than being the next argument?"""
    return text in ("local", "auto") or _HOST_PORT.match(text) is not None


def connect(address: str) -> bool:
    """Connect this process to Ray; True if it started a cluster of its own (to shut down at the end).

    "" or "local": a one-node cluster on this machine, bound to 127.0.0.1, no dashboard.
    "auto": the cluster `ray start` left on this machine. "HOST:PORT" (the head's GCS port,
    6379 by default) or "ray://HOST:10001" (Ray Client): an existing one.
    """
    if address in ("", "local") or _loopback(address):
        # A cluster bound to 127.0.0.1 only: Ray would otherwise swap 127.0.0.1 for this machine's
        # address when it connects (read when Ray is imported, so set before).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if address not in ("", "local"):
        if not is_address(address):
            raise BadInput(f"--ray takes local, auto, HOST:PORT or ray://HOST:PORT, got {address!r}")
        if address.startswith("ray://"):
            import importlib.util

            if importlib.util.find_spec("grpc") is None:
                raise BadInput("ray:// addresses (Ray Client) need pip install 'ray[client]'; "
                               "or give the head's HOST:6379 from a machine in the cluster")
        if address != "auto":
            _reachable(address)
    ray = import_ray()
    if ray.is_initialized():  # this process is connected already (a caller of the library did it)
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR, "include_dashboard": False}
    if address in ("", "local"):
        try:
            ray.init(_node_ip_address="127.0.0.1", **quiet)
        except Exception as e:
            raise BadInput(f"could not start a Ray cluster on this machine: {_first_line(e)}") from None
        return True
    try:
        ray.init(address=address, **quiet)
    except Exception as e:
        raise BadInput(f"could not join the Ray cluster at {address}: {_first_line(e)}") from None
    return False


def _loopback(address: str) -> bool:
    match = _HOST_PORT.match(address)
    return match is not None and match["host"].strip("[]") in ("127.0.0.1", "localhost", "::1")


def _reachable(address: str) -> None:
    """Fail in seconds, not after Ray's own minute of retries, when nothing listens at the address."""
    match = _HOST_PORT.match(address)
    assert match is not None
    host, port = match["host"].strip("[]"), int(match["port"])
    try:
        with socket.create_connection((host, port), timeout=5.0):
            pass
    except OSError as e:
        raise BadInput(f"no Ray cluster answers at {address}: {e.strerror or e}") from None


def _first_line(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:300]
