"""A test case a person types: `f(2, 3) == 5` for a function, an input and its output for a program."""
from __future__ import annotations

import ast

from dcode.errors import BadInput
from dcode.problem.types import AssertTest, CallTest, IOTest, Problem, TestCase
from dcode.pyast import parse_python


def _unescaped(text: str) -> str:
    """One line in a field stands for several: `\\n` is a line break (as in the examples people paste)."""
    return text.replace("\\n", "\n")


def typed_test(problem: Problem, text: str, output: str | None = None, *, name: str = "") -> TestCase:
    """The test `text` states, for `problem`.

    A function problem takes `call == expected` (a call with literal arguments and a literal
    answer becomes a CallTest, compared in the parent like every stated example) or any
    other condition, which becomes an assert. A stdin problem takes the input and `output`.
    """
    text = text.strip()
    if not text:
        raise BadInput("the test is empty")
    if problem.style == "stdin":
        if output is None or not output.strip():
            raise BadInput("a program's test needs its expected output")
        return IOTest(_unescaped(text) + "\n", _unescaped(output.strip()) + "\n", name=name)
    text = text.removeprefix("assert ").strip()
    try:
        tree = parse_python(text, mode="eval")
    except (SyntaxError, ValueError) as e:
        raise BadInput(f"the test does not parse as Python: {getattr(e, 'msg', e)}") from None
    call = _literal_call(tree.body, problem.function_name)
    if call is not None:
        return CallTest(call[0], call[1], call[2], name=name)
    return AssertTest(f"assert {text}", name=name)


def _literal_call(node: ast.expr, fn: str | None) -> tuple[str, tuple, object] | None:
    """(fn, args, expected) of `fn(literal, ...) == literal`; None for anything else."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return None
    left, right = node.left, node.comparators[0]
    if not (isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and not left.keywords):
        return None
    if fn is not None and left.func.id != fn:
        return None
    try:
        args = tuple(ast.literal_eval(a) for a in left.args)
        expected = ast.literal_eval(right)
    except (ValueError, SyntaxError, TypeError):
        return None
    return left.func.id, args, expected
