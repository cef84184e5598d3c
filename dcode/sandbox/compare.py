"""How actual output is compared with expected output, in the parent.

Tolerant where judges are tolerant (trailing spaces, blank lines at the end, floats within
1e-6), strict where lenient judges let wrong answers through: "YES" never equals "NO", and
integers compare exactly, however large, instead of as floats.

LiveCodeBench's rules (`match="lcb"`, from its lcb_runner/evaluation/testing_util.py) are
kept beside them so that its scores can be reproduced: stdout must have the same number of
lines after stripping the whole and each line, and each line must be equal as text or,
token by token, as exact Decimals; a call's return value must equal the expected value
under Python's `==`, a tuple counting as a list.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

REL_TOL = ABS_TOL = 1e-6
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")


def _tokens_equal(expected: str, actual: str) -> bool:
    if expected == actual:
        return True
    if _INT.fullmatch(expected) and _INT.fullmatch(actual):
        return int(expected) == int(actual)
    if _FLOAT.fullmatch(expected) and _FLOAT.fullmatch(actual):
        return math.isclose(float(expected), float(actual), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return False


def _lines(text: str) -> list[list[str]]:
    lines = [line.split() for line in text.strip().splitlines()]
    return lines


def compare_output(expected: str, actual: str) -> str | None:
    """None when `actual` matches `expected`; otherwise a short reason naming the first difference."""
    exp, act = _lines(expected), _lines(actual)
    for i, (e, a) in enumerate(zip(exp, act), start=1):
        if len(e) != len(a) or not all(_tokens_equal(x, y) for x, y in zip(e, a)):
            return f"line {i}: expected {_short(' '.join(e))!r}, got {_short(' '.join(a))!r}"
    if len(exp) != len(act):
        if len(act) < len(exp):
            return f"expected {len(exp)} lines, got {len(act)}" + ("" if act else " (no output)")
        return f"expected {len(exp)} lines, got {len(act)}: extra {_short(' '.join(act[len(exp)]))!r}"
    return None


def values_equal(expected: Any, actual: Any) -> bool:
    """JSON values: lists, dicts and strings exactly, numbers with tolerance, bools as bools."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int) and isinstance(actual, int):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        return math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        return len(expected) == len(actual) and all(values_equal(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(values_equal(v, actual[k]) for k, v in expected.items())
    return type(expected) is type(actual) and expected == actual


def _short(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(token) for token in line.split()]
    except (InvalidOperation, ValueError):
        return None


def compare_output_lcb(expected: str, actual: str) -> str | None:
    """LiveCodeBench's stdout rule: None on a match, else the reason it gives."""
    exp = [line.strip() for line in expected.strip().split("\n")]
    act = [line.strip() for line in actual.strip().split("\n")]
    if len(exp) != len(act):
        return f"mismatched output length: expected {len(exp)} lines, got {len(act)}"
    for i, (e, a) in enumerate(zip(exp, act), start=1):
        if e == a:
            continue
        de, da = _decimals(e), _decimals(a)
        if de is None or da is None or de != da:
            return f"line {i}: expected {_short(e)!r}, got {_short(a)!r}"
    return None


def values_equal_lcb(expected: Any, actual: Any) -> bool:
    """LiveCodeBench's call rule: Python equality, after a tuple result becomes a list."""
    if isinstance(actual, tuple):
        actual = list(actual)
    try:
        return bool(actual == expected)
    except Exception:  # noqa: BLE001 - a value whose __eq__ raises is not equal
        return False
