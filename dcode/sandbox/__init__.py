"""Run candidate programs against tests in isolation, fast, with verdicts decided by the parent.

    from dcode.sandbox import check
    result = check(code, problem.tests)
    result.passed, result.verdict, [r.message for r in result.results]

How: a pool of warm workers (pool.py), each a Python server living in its own pid, net,
mount, ipc and uts namespaces (isolation.py picks unshare or bubblewrap at run time) on a
root that holds only the system directories and the interpreter, read-only (boot.py). Per
test the server forks a child without privileges and with rlimits (server.py), which runs
the candidate (harness.py); a test that calls into the candidate either comes back as
values that the parent judges (plan.py) or runs in a second process that the candidate
cannot read or trace, reaching it through proxies over a channel where values cross by
value (split.py, channel.py). Afterwards every process in the namespace is killed and
the scratch mounts are replaced. The parent compares outputs and return values
(compare.py) and decides each verdict from facts the candidate cannot forge (judge.py).
Tests of a user's pytest project travel with the whole project (problem/project.py).
The same pool runs on every node of a Ray cluster when `use_cluster(address)` says so
(cluster/); callers keep using the calls below (shared.py) and get the same verdicts.
`dcode sandbox` prints which isolation is in use; DCODE_SANDBOX=unshare|bwrap pins one.
"""
from dcode.sandbox.isolation import isolation_status
from dcode.sandbox.pool import Sandbox
from dcode.sandbox.shared import (Checker, call_function, check, check_many, cluster_address, cluster_nodes, get_sandbox,
                                  is_cluster_address, open_sandbox, run_program, submit, use_cluster)
from dcode.sandbox.verdict import CheckResult, Limits, TestResult, Verdict

__all__ = ["check", "check_many", "submit", "run_program", "call_function", "Sandbox", "Checker", "get_sandbox",
           "open_sandbox", "use_cluster", "cluster_address", "cluster_nodes", "is_cluster_address", "isolation_status", "CheckResult", "Limits",
           "TestResult", "Verdict"]
