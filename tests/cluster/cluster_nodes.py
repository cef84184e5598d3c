"""Helpers for the cluster tests (a module of its own: `conftest` is a name every test folder has)."""
from __future__ import annotations

import time

NODES = 3


def add_node(cluster):
    return cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")


def wait_for(box, nodes: int = NODES, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while len(box.nodes()) < nodes:
        assert time.monotonic() < deadline, f"only {len(box.nodes())} of {nodes} nodes got a sandbox"
        time.sleep(0.1)
    return box
