"""LiveCodeBench's code-generation rows, read as its files hold them, into tasks graded its way.

A row carries its tests twice over: `public_test_cases` as JSON, and `private_test_cases`
as JSON or as base64 -> zlib -> pickle -> JSON, which is how the released files shrink
their large private tests. A pickle can run any callable it names while it loads, so it is
read with an unpickler that admits only plain data (str, bytes, list, dict, int, float,
bool, None); a row whose pickle names anything else is bad input for that row: reported,
skipped, and never executed.

Grading follows lcb_runner/evaluation/testing_util.py: every test, public and private,
decides; functional tests call `Solution().<func_name>(*[json.loads(line) for line in
input.split("\\n")])` and compare with `==`; stdin tests compare stripped lines, as text or
as exact Decimals (`match="lcb"` in sandbox/compare.py). LiveCodeBench runs candidates
after a fixed list of star imports, so a candidate may use `gcd` or `defaultdict` unimported;
that header is prepended here too. Where dcode differs is written in docs/eval.md.
"""
from __future__ import annotations

import base64
import io
import json
import pickle
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dcode.errors import BadInput
from dcode.problem.types import CallTest, IOTest, Problem, TestCase
from dcode.sandbox.verdict import Limits

# The modules LiveCodeBench star-imports before every candidate, in its order.
_IMPLICIT = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
             "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing")
IMPLICIT_IMPORTS = ("".join(f"from {m} import *\n" for m in _IMPLICIT)
                    + "".join(f"import {m}\n" for m in _IMPLICIT if m not in ("builtins", "typing"))
                    + "sys.setrecursionlimit(50000)\n")
TIMEOUT_S = 6.0  # LiveCodeBench's per-test timeout
MEMORY_MB = 4096  # its reliability guard's cap, when one is set
REQUIRED = ("question_title", "question_content", "platform", "question_id", "contest_date", "starter_code",
            "difficulty", "public_test_cases", "private_test_cases", "metadata")
_PLAIN = (str, bytes, list, dict, int, float, bool, type(None))


class PickleRefused(Exception):
    """The pickle named a callable or a class: loading it could run code."""


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # every global lookup is a way to run code
        raise PickleRefused(f"the pickle names {module}.{name}")


def safe_unpickle(data: bytes) -> object:
    """Plain data from a pickle, never a call: anything that names a global is refused."""
    value = _DataOnly(io.BytesIO(data)).load()
    _check_plain(value)
    return value


def _check_plain(value: object, depth: int = 0) -> None:
    if depth > 100 or not isinstance(value, _PLAIN):
        raise PickleRefused(f"the pickle holds a {type(value).__name__}")
    if isinstance(value, list):
        for item in value:
            _check_plain(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key, depth + 1)
            _check_plain(item, depth + 1)


def decode_tests(raw: object) -> list[dict]:
    """A test-case field: JSON text, or base64 -> zlib -> (safe) pickle -> JSON text."""
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"test cases are a {type(raw).__name__}, expected a string")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        try:
            packed = zlib.decompress(base64.b64decode(raw.encode("ascii"), validate=True))
        except (ValueError, zlib.error, UnicodeEncodeError) as e:
            raise ValueError(f"test cases are neither JSON nor base64/zlib/pickle: {e}") from None
        try:
            value = safe_unpickle(packed)
        except PickleRefused:
            raise
        except Exception as e:  # noqa: BLE001 - a corrupt pickle is bad input, whatever it raises
            raise ValueError(f"test cases do not unpickle: {type(e).__name__}: {e}") from None
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if isinstance(value, str):
            value = json.loads(value)
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ValueError("test cases must be a list of {input, output, testtype} objects")
    return value


@dataclass(frozen=True)
class LcbProblem:
    id: str
    title: str
    platform: str
    difficulty: str
    released: datetime | None
    problem: Problem  # the statement and the public tests, the ones a candidate may see
    tests: tuple[TestCase, ...]  # public and private: the ones that grade, as LiveCodeBench grades


def _released(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise ValueError(f"contest_date {value!r} is not an ISO date") from None


def _test(case: dict, func_name: str | None, *, hidden: bool, number: int) -> TestCase:
    kind = case.get("testtype", "stdin")
    given, want = case.get("input"), case.get("output")
    if not isinstance(given, str) or not isinstance(want, str):
        raise ValueError(f"test {number}: input and output must be strings")
    name = f"{'private' if hidden else 'public'} {number}"
    if kind == "functional":
        if not func_name:
            raise ValueError("a functional test, but metadata has no func_name")
        try:
            args = tuple(json.loads(line) for line in given.split("\n"))
            expected = json.loads(want)
        except json.JSONDecodeError as e:
            raise ValueError(f"test {number}: a functional test's input and output must be JSON: {e.msg}") from None
        return CallTest(fn=func_name, args=args, expected=expected, name=name, hidden=hidden, match="lcb")
    if kind != "stdin":
        raise ValueError(f"test {number}: unknown testtype {kind!r} (stdin or functional)")
    return IOTest(input=given, output=want, name=name, hidden=hidden, match="lcb")


def parse_row(row: object) -> LcbProblem:
    """One row into a problem; ValueError (or PickleRefused) names what is wrong with it."""
    if not isinstance(row, dict):
        raise ValueError("a row must be a JSON object")
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    metadata = row["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) and metadata.strip() else (metadata or {})
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a JSON object")
    func_name = metadata.get("func_name") or None
    public = [_test(c, func_name, hidden=False, number=i) for i, c in enumerate(decode_tests(row["public_test_cases"]), 1)]
    private = [_test(c, func_name, hidden=True, number=i)
               for i, c in enumerate(decode_tests(row["private_test_cases"]), 1)]
    if not public and not private:
        raise ValueError("no test cases")
    starter = row["starter_code"] or None
    style = "function" if func_name else "stdin"
    problem = Problem(statement=str(row["question_content"]), tests=public, style=style,
                      title=str(row["question_title"]), function_name=func_name, starter_code=starter)
    return LcbProblem(id=str(row["question_id"]), title=str(row["question_title"]), platform=str(row["platform"]),
                      difficulty=str(row["difficulty"]), released=_released(row["contest_date"]),
                      problem=problem, tests=tuple(public + private))


def read_rows(path: Path) -> tuple[list[LcbProblem], list[str]]:
    """The file's problems, and one line per row that was bad input and skipped (line number and why)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read: {e}") from None
    problems, skipped, seen = [], [], set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            parsed = parse_row(json.loads(line))
        except json.JSONDecodeError as e:
            skipped.append(f"{path}:{number}: invalid JSON: {e.msg}")
            continue
        except PickleRefused as e:
            skipped.append(f"{path}:{number}: refused private tests: {e} (a pickle that could run code)")
            continue
        except (ValueError, TypeError, KeyError) as e:
            skipped.append(f"{path}:{number}: {e}")
            continue
        if parsed.id in seen:
            skipped.append(f"{path}:{number}: question_id {parsed.id!r} repeats an earlier row")
            continue
        seen.add(parsed.id)
        problems.append(parsed)
    return problems, skipped


def lcb_limits() -> Limits:
    return Limits(timeout_s=TIMEOUT_S, memory_mb=MEMORY_MB)
