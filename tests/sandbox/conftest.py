"""Real sandboxes for the sandbox tests: a pool of two workers, and one of a single worker.

The single-worker pool is for promises that span two tests ("nothing survives"): with one
worker the second test is guaranteed to run where the first one did.
"""
from __future__ import annotations

import os

import pytest

from dcode.sandbox import Sandbox

SECRET = "dcode-secret-7f3a"


@pytest.fixture(scope="session")
def sandbox():
    os.environ["DCODE_SANDBOX_TEST_SECRET"] = SECRET  # must not reach a candidate
    with Sandbox(workers=2) as box:
        yield box
    del os.environ["DCODE_SANDBOX_TEST_SECRET"]


@pytest.fixture(scope="session")
def secret() -> str:
    return SECRET


@pytest.fixture(scope="session")
def solo():
    with Sandbox(workers=1) as box:
        yield box
