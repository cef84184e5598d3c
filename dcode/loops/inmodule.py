"""A function to write inside a module: the prompt shows the module around it, the candidate is the whole module.

This is the shape of a task taken from a user's own code (`dcode train --tests`): the tests
import the module, so a candidate body is only worth checking in its place, with the code
before and after it. A base model continues the module from the function's header and
docstring, and its continuation ends at the first line that leaves the function's block;
a chat model sees the module with the body missing and answers with the function, which
is put back where the old one was.
"""
from __future__ import annotations

import ast
import textwrap

from dcode.engines.base import Message
from dcode.problem.types import Problem
from dcode.pyast import parse_python

MODULE_CONTEXT_CHARS = 6000  # of the code after the function a chat prompt shows; the code before is kept whole


def _indent_of(header: str) -> int:
    line = next((ln for ln in header.splitlines() if ln.lstrip().startswith(("def ", "async def "))), "")
    return len(line) - len(line.lstrip())


def block_only(completion: str, indent: int) -> str:
    """The continuation up to its first non-blank line indented `indent` columns or fewer."""
    kept = []
    for line in completion.splitlines(keepends=True):
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        kept.append(line)
    return "".join(kept)


def module_prompt(problem: Problem, style: str, request: str = ""):
    """The prompt for a function in a module: a continuation of the module, or a chat question."""
    from dcode.loops.prompts import ANSWER, ROLE, Prompt, comment

    assert problem.surrounding is not None and problem.starter_code is not None
    before, after = problem.surrounding
    header = problem.starter_code.rstrip("\n") + "\n"
    if style == "chat":
        shown = before + header + " " * (_indent_of(header) + 4) + "...  # to write\n" + after[:MODULE_CONTEXT_CHARS]
        name = problem.function_name or "the function"
        question = "\n".join([
            ROLE, "", f"Write the body of `{name}` in this module, so that the module's tests pass.", "",
            f"```python\n{shown.rstrip()}\n```", "",
            *([f"Also: {request.strip()}", ""] if request.strip() else []),
            f"### Format: Write the whole function `{name}` (its def line included) in one python block.", "",
            ANSWER, ""])
        return Prompt("chat", messages=(Message("user", question),))
    note = comment("Note: " + request.strip()) + "\n" if request.strip() else ""
    head = before + header
    return Prompt("complete", text=note + head, stop=("\n```",), prefix=head, suffix=after,
                  block_indent=_indent_of(header))


def in_module(code: str, problem: Problem) -> str:
    """The module with the answer's function in place of the one to write (the answer as it is, if it has none)."""
    assert problem.surrounding is not None
    before, after = problem.surrounding
    indent = _indent_of(problem.starter_code or "")
    function = _function_source(code, problem.function_name)
    if function is None:
        return before + textwrap.indent(code.strip("\n"), " " * indent) + "\n" + after
    return before + textwrap.indent(function, " " * indent) + "\n" + after


def _function_source(code: str, name: str | None) -> str | None:
    """The source of the (last) function `name` in `code`, dedented, decorators included."""
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return None
    found = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not found:
        return None
    node = found[-1]
    lines = code.splitlines()
    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
    return textwrap.dedent("\n".join(lines[start:node.end_lineno])).rstrip("\n")
