"""`--ray [ADDRESS]` for the commands whose checks may run on a Ray cluster (eval and train)."""
from __future__ import annotations

import typer
from rich.console import Console

RAY = typer.Option(None, "--ray", metavar="[ADDRESS]",
                   help="Check on a Ray cluster: a bare --ray (or local) starts one here; auto, HOST:PORT or "
                        "ray://HOST:PORT joins one (default: the ray_address setting).")


def bare_ray_flag(argv: list[str]) -> list[str]:
    """`--ray` with no address means a local cluster: click needs the value spelled out, so it is added here."""
    if "--ray" not in argv:
        return argv
    from dcode.sandbox import is_cluster_address

    out = []
    for i, arg in enumerate(argv):
        out.append(arg)
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--ray" and (following is None or not is_cluster_address(following)):
            out.append("local")
    return out


def use_ray(flag: str | None, err: Console) -> None:
    """Send this process's checks to Ray when the flag or the ray_address setting asks for it."""
    from dcode.config import load_settings

    address = flag if flag is not None else load_settings().ray_address
    if not address:
        return
    nodes = _join(address, err)
    err.print(f"dcode: checks run on Ray ({address}): {len(nodes)} node(s) with a sandbox", markup=False,
              highlight=False)


def show_nodes(address: str, err: Console) -> int:
    """`dcode sandbox --ray ADDRESS`: each node's host, workers and isolation; 1 if no node has a sandbox."""
    nodes = _join(address, err)
    for node in nodes:
        print(f"{node['host']} ({node['node_id'][:12]}): {node['workers']} worker(s); {node['isolation']}")
    return 0 if nodes else 1


def _join(address: str, err: Console) -> list[dict]:
    """Connect and wait for the nodes' sandboxes; BadInput (exit 2) when none can have one."""
    from dcode.sandbox import cluster_nodes, use_cluster

    with err.status(f"connecting to Ray ({address})"):
        use_cluster(address)
        return cluster_nodes()
