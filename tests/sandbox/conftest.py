"""Real sandboxes for the sandbox tests: a pool of two workers, and one of a single worker,
for each kind of isolation this machine has.

The single-worker pool is for promises that span two tests ("nothing survives"): with one
worker the second test is guaranteed to run where the first one did.
"""
from __future__ import annotations

import os

import pytest

from dcode.sandbox import Sandbox, isolation

SECRET = "dcode-secret-7f3a"


def _kinds() -> list:
    """Each isolation this machine offers: the suite runs once on each (unshare, and bwrap where installed)."""
    kinds = isolation.available()
    params = [pytest.param(k, id=k.mode) for k in kinds] or [pytest.param(None, id="none")]
    if not any(k.mode == "bwrap" for k in kinds):
        reason = "bubblewrap is not installed (apt-get install bubblewrap): the bwrap path was not tested"
        params.append(pytest.param(None, id="bwrap", marks=pytest.mark.skip(reason=reason)))
    return params


@pytest.fixture(scope="session", params=_kinds())
def kind(request):
    return request.param


@pytest.fixture(scope="session")
def sandbox(kind):
    os.environ["DCODE_SANDBOX_TEST_SECRET"] = SECRET  # must not reach a candidate
    with Sandbox(workers=2, kind=kind) as box:
        yield box
    del os.environ["DCODE_SANDBOX_TEST_SECRET"]


@pytest.fixture(scope="session")
def secret() -> str:
    return SECRET


@pytest.fixture(scope="session")
def solo(kind):
    with Sandbox(workers=1, kind=kind) as box:
        yield box
