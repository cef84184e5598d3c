"""The sandbox on a Ray cluster: dcode's own pool inside one long-lived actor per node.

    from dcode.sandbox import use_cluster, check_many
    use_cluster("local")            # or "auto", "HOST:PORT", "ray://HOST:10001"
    check_many(jobs, limits)        # the same call, the same verdicts, spread over the nodes

Ray schedules nothing per test: the client (client.py) sends whole candidates in batches
to a `NodeSandbox` actor on each node (node.py), which runs them in its node's pool of
isolated workers, exactly as a local run would. Candidates never run inside a Ray worker.
"""
from dcode.sandbox.cluster.client import RaySandbox

__all__ = ["RaySandbox"]
