"""A real Ray cluster of three nodes on this machine, bound to 127.0.0.1 only (Ray's own `Cluster`).

Each node offers one CPU, so each runs a sandbox pool of one worker: three nodes check
what a local pool of three workers would. Health checks are fast so that a killed node
is noticed in about a second, not Ray's default of half a minute.
"""
from __future__ import annotations

import os
import shutil
import tempfile

# Read when Ray is imported: keep 127.0.0.1 as it is (set before any import of ray).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import pytest  # noqa: E402

from cluster_nodes import NODES, add_node, wait_for  # noqa: E402

SECRET = "dcode-secret-7f3a"  # what tests/sandbox checks a candidate cannot see
FAST_HEALTH = {"health_check_period_ms": 500, "health_check_failure_threshold": 3, "health_check_timeout_ms": 500,
               "health_check_initial_delay_ms": 0}


@pytest.fixture(scope="session")
def cluster():
    os.environ["DCODE_SANDBOX_TEST_SECRET"] = SECRET  # the nodes inherit it; no candidate may read it
    import ray
    from ray.cluster_utils import Cluster

    # Ray's sessions (logs, sockets) in a folder of this run's, removed afterwards: nothing is left in /tmp/ray.
    temp = tempfile.mkdtemp(prefix="dcode-ray-")
    c = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False, "_system_config": FAST_HEALTH,
        "temp_dir": temp})
    for _ in range(NODES - 1):
        add_node(c)
    c.wait_for_nodes()
    yield c
    ray.shutdown()
    c.shutdown()
    shutil.rmtree(temp, ignore_errors=True)
    os.environ.pop("DCODE_SANDBOX_TEST_SECRET", None)


@pytest.fixture(scope="session")
def ray_box(cluster):
    from dcode.sandbox.cluster import RaySandbox

    with RaySandbox(cluster.address) as box:
        yield wait_for(box)


@pytest.fixture
def sandbox(ray_box):
    """The fixture tests/sandbox's hostile programs take, here the sandbox on the cluster."""
    return ray_box


@pytest.fixture
def solo(ray_box):
    return ray_box


@pytest.fixture(scope="session")
def secret() -> str:
    return SECRET
