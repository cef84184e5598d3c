"""Functions inside a module, as tasks: where each one's header and body lie, and the problem of writing its body.

A function a user's tests depend on becomes a `Problem` whose `surrounding` is the rest of
its module (see loops/inmodule.py); the trainer and `dcode eval tasks` build it the same way.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from dcode.problem.project import dotted_name
from dcode.problem.types import Problem, PytestTest
from dcode.pyast import parse_python

PROBE = "raise NotImplementedError('dcode: body removed')"


@dataclass(frozen=True)
class Function:
    """A function in a module's text: where its header (decorators, def, docstring) and body lie."""

    qualname: str
    name: str
    line: int
    header_start: int  # offsets into the module's text
    body_start: int
    body_end: int
    indent: int

    def split(self, text: str) -> tuple[str, str, str, str]:
        """(before, header, body, after)."""
        return (text[:self.header_start], text[self.header_start:self.body_start],
                text[self.body_start:self.body_end], text[self.body_end:])

    def probe(self, text: str) -> str:
        before, header, _body, after = self.split(text)
        return before + header + " " * (self.indent + 4) + PROBE + "\n" + after


def _offsets(text: str) -> list[int]:
    starts, total = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    starts.append(total)
    return starts


def functions(text: str) -> list[Function]:
    """Top-level functions and methods of top-level classes that have a body beyond their docstring."""
    tree = parse_python(text)
    starts = _offsets(text)
    found: list[Function] = []

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef) and not prefix:
                visit(node.body, node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                        and isinstance(body[0].value.value, str):
                    body = body[1:]
                if not body or body[0].lineno == node.lineno:  # a docstring-only stub, or `def f(): return 1`
                    continue
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                found.append(Function(prefix + node.name, node.name, node.lineno, starts[first - 1],
                                      starts[body[0].lineno - 1], starts[node.end_lineno], node.col_offset))

    visit(tree.body, "")
    return found


def task_problem(text: str, fn: Function, module_path: str, test: PytestTest, targets: tuple[str, ...]) -> Problem:
    before, header, _body, after = fn.split(text)
    return Problem(statement=header, tests=[targeted(test, module_path, targets)], style="function",
                   title=f"{module_path}::{fn.qualname}", function_name=fn.name, starter_code=header,
                   surrounding=(before, after), source=test.project.root / module_path if test.project and
                   test.project.root else None)


def targeted(test: PytestTest, module_path: str, targets: tuple[str, ...]) -> PytestTest:
    """The project's tests `targets`, run against the module at `module_path`."""
    files = test.project.files if test.project is not None else {}
    return PytestTest(path=test.path, module=dotted_name(module_path, files), name=f"{len(targets)} test(s)",
                      project=test.project, targets=targets, module_path=module_path)
