"""LiveCodeBench rows: decoding (pickled private tests, and pickles that would run code), and grading its way."""
from __future__ import annotations

import base64
import json
import pickle
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from dcode.eval.lcb import PickleRefused, decode_tests, parse_row, read_rows, safe_unpickle
from dcode.eval.run import grade
from dcode.eval.suites import load_suite
from dcode.sandbox.compare import compare_output_lcb, values_equal_lcb


def packed(value: object) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(value))).decode()


def functional_row(**over) -> dict:
    tests = [{"input": "[2,7,11,15]\n9", "output": "[0, 1]", "testtype": "functional"}]
    private = [{"input": "[3,2,4]\n6", "output": "[1, 2]", "testtype": "functional"},
               {"input": "[3,3]\n6", "output": "[0, 1]", "testtype": "functional"}]
    row = {"question_title": "Two Sum", "question_content": "Return the indices of the two numbers that add to target.",
           "platform": "leetcode", "question_id": "lc-1", "contest_id": "w1", "contest_date": "2024-03-09T00:00:00",
           "starter_code": "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ",
           "difficulty": "easy", "public_test_cases": json.dumps(tests),
           "private_test_cases": packed(json.dumps(private)), "metadata": json.dumps({"func_name": "twoSum"})}
    return {**row, **over}


def stdin_row(**over) -> dict:
    tests = [{"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin"}]
    private = [{"input": "1\n5\n", "output": "5", "testtype": "stdin"},
               {"input": "2\n10 -4\n", "output": "6", "testtype": "stdin"}]
    row = {"question_title": "Sum", "question_content": "Print the sum of N integers.", "platform": "atcoder",
           "question_id": "abc-1", "contest_id": "abc1", "contest_date": "2023-06-01T00:00:00", "starter_code": "",
           "difficulty": "easy", "public_test_cases": json.dumps(tests), "private_test_cases": json.dumps(private),
           "metadata": "{}"}
    return {**row, **over}


class WritesAFile:
    """Pickled, this would call open(path, "w") while it loads: the attack a crafted row can carry."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_pickled_private_tests_decode_to_the_same_tests_as_json():
    cases = [{"input": "1", "output": "2", "testtype": "stdin"}]
    assert decode_tests(packed(json.dumps(cases))) == cases
    assert decode_tests(json.dumps(cases)) == cases
    problem = parse_row(functional_row())
    assert [t.name for t in problem.tests] == ["public 1", "private 1", "private 2"]
    assert problem.tests[1].args == ([3, 2, 4], 6) and problem.tests[1].expected == [1, 2]
    assert problem.problem.tests == [problem.tests[0]]  # only the public test is for the candidate's eyes
    assert problem.released == datetime(2024, 3, 9)


def test_a_pickle_that_names_a_callable_is_refused_and_never_run(tmp_path):
    target = tmp_path / "pwned.txt"
    evil = base64.b64encode(zlib.compress(pickle.dumps(WritesAFile(target)))).decode()
    with pytest.raises(PickleRefused, match="builtins|io"):
        decode_tests(evil)
    assert not target.exists()
    suite_file = tmp_path / "lcb.jsonl"
    suite_file.write_text(json.dumps(stdin_row()) + "\n" + json.dumps(functional_row(private_test_cases=evil)) + "\n")
    problems, skipped = read_rows(suite_file)
    assert [p.id for p in problems] == ["abc-1"]
    assert len(skipped) == 1 and "lcb.jsonl:2: refused private tests" in skipped[0]
    assert not target.exists()


def test_only_plain_data_unpickles():
    assert safe_unpickle(pickle.dumps({"a": [1, 2.5, None, True, b"x"]})) == {"a": [1, 2.5, None, True, b"x"]}
    for value in ({1, 2}, (1, 2), complex(1, 2), bytearray(b"x")):
        with pytest.raises(PickleRefused):
            safe_unpickle(pickle.dumps(value))


def test_bad_rows_are_reported_and_skipped(tmp_path):
    path = tmp_path / "lcb.jsonl"
    rows = [stdin_row(), "not json", stdin_row(question_id="abc-2", public_test_cases="[{\"input\": 1}]"),
            {"question_title": "x"}, stdin_row(), stdin_row(question_id="abc-3", private_test_cases="!!!")]
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    problems, skipped = read_rows(path)
    assert [p.id for p in problems] == ["abc-1"]
    assert [s.split(":")[1] for s in skipped] == ["2", "3", "4", "5", "6"]
    assert "repeats" in skipped[3] and "missing" in skipped[2]


def test_lcb_comparisons_are_livecodebench_s():
    assert compare_output_lcb("1 2\n3\n", "1  2\n3") is None  # token-wise Decimals
    assert compare_output_lcb("0.5", "0.50") is None
    assert compare_output_lcb("0.5", "0.5000001") is not None  # dcode's own rule would allow 1e-6
    assert compare_output_lcb("Yes", "yes") is not None
    assert compare_output_lcb("1\n2", "1\n\n2") is not None  # line counts must agree
    assert compare_output_lcb("a  b", "a b") is not None  # text lines compare exactly
    assert values_equal_lcb([0, 1], (0, 1)) and values_equal_lcb(1, True) and values_equal_lcb(2, 2.0)
    assert not values_equal_lcb([0, 1], [1, 0])


def test_graded_in_the_sandbox_with_its_implicit_imports(tmp_path):
    path = tmp_path / "lcb.jsonl"
    path.write_text(json.dumps(functional_row()) + "\n" + json.dumps(stdin_row()) + "\n")
    suite = load_suite("lcb", path)
    by_id = {t.id: t for t in suite.tasks}
    good_two_sum = ("class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
                    "        seen = {}\n        for i, x in enumerate(nums):\n"
                    "            if target - x in seen:\n                return (seen[target - x], i)\n"
                    "            seen[x] = i\n")
    wrong = good_two_sum.replace("return (seen[target - x], i)", "return [i, seen[target - x]]")
    checks = grade(by_id["lc-1"], [good_two_sum, wrong, None])
    assert checks[0].passed and len(checks[0].results) == 3  # List unimported, a tuple: both pass, as in LCB
    assert not checks[1].passed and checks[2] is None
    summed = "n = int(input())\nprint(reduce(add, map(int, input().split())))\n"  # functools, operator: implicit
    checks = grade(by_id["abc-1"], [summed, "print(0)\n"])
    assert checks[0].passed and [str(r.verdict) for r in checks[1].results][0] == "wrong_answer"


def test_since_keeps_problems_released_after_the_date(tmp_path):
    path = tmp_path / "lcb.jsonl"
    path.write_text(json.dumps(functional_row()) + "\n" + json.dumps(stdin_row()) + "\n")
    assert [t.id for t in load_suite("lcb", path, since=datetime(2024, 1, 1)).tasks] == ["lc-1"]
    assert len(load_suite("lcb", path).tasks) == 2
