from __future__ import annotations

import pytest


@pytest.fixture
def checkers():
    """The real sandbox's check_many and check: control-flow tests fake only the model."""
    from dcode.sandbox import check, check_many

    return check_many, check
