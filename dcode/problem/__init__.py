"""Problems and their tests, read from Markdown, Python stubs, JSON and pytest files."""
from dcode.problem.loader import load_problem, load_tests, parse_problem
from dcode.problem.usertests import typed_test
from dcode.problem.markdown import parse_markdown
from dcode.problem.testfiles import bind_module
from dcode.problem.types import AssertTest, CallTest, IOTest, Problem, PytestTest, TestCase

__all__ = [
    "AssertTest", "CallTest", "IOTest", "Problem", "PytestTest", "TestCase",
    "bind_module", "load_problem", "load_tests", "parse_markdown", "parse_problem", "typed_test",
]
