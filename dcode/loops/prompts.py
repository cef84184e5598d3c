"""Prompts in the shape each kind of model was trained on, and the candidate each answer makes.

An instruction-tuned or reasoning model (DeepCoder) gets one user message in the
LiveCodeBench form it was trained on: a one-line role, the statement, a `### Format:`
section and `### Answer:`; its code is the last fenced block after any thinking.
A base model with no chat template gets text to continue instead, as HumanEval prompts
are: the signature and docstring of the function to write (or, for a stdin problem, the
statement as a comment and the start of a program), with stop sequences where the
continuation would leave the program. The candidate is then the prompt plus the
continuation, so the model never has to repeat the signature.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Literal

from dcode.engines.base import Message
from dcode.problem.types import Problem
from dcode.pyast import parse_python

PromptStyle = Literal["chat", "complete"]

ROLE = ("You are an expert Python programmer. You will be given a question (problem specification) and "
        "will generate a correct Python program that matches the specification and passes all tests.")
FORMAT_FUNCTION = ("### Format: You will use the following starter code to write the solution to the problem "
                   "and enclose your code within delimiters.")
FORMAT_STDIN = ("### Format: Read the inputs from stdin solve the problem and write the answer to stdout (do not "
                "directly test on the sample inputs). Enclose your code within delimiters as follows. Ensure that "
                "when the python program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.")
ANSWER = "### Answer: (use the provided format with backticks)"

# Where a HumanEval-style continuation leaves the function: a new top-level statement.
FUNCTION_STOPS = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#", "\nassert ", "\n```")
# A stdin program continues from `def main():`; it ends where the script would call it.
STDIN_STOPS = ("\nif __name__", "\nmain()", "\n# Task", "\n```", "\n\"\"\"", "\n'''")
STDIN_HEAD = "import sys\n\n\ndef main():\n"
STDIN_TAIL = "\n\n\nif __name__ == \"__main__\":\n    main()\n"


@dataclass(frozen=True)
class Prompt:
    """What goes to the engine, and how to turn each answer into a program."""

    style: PromptStyle
    messages: tuple[Message, ...] = ()
    text: str = ""
    stop: tuple[str, ...] = ()
    prefix: str = ""  # prepended to a continuation to make the candidate
    suffix: str = ""  # appended to a continuation (the call of main for stdin programs)
    # A continuation that writes one block indented deeper than this (a function in a module) ends
    # at its first line that is not: the module's own code follows it in `suffix`.
    block_indent: int | None = None

    def answer(self, completion: str) -> str | None:
        """The code an answer holds: a chat answer's last code block after any thinking (None without
        one), or the continuation with the prompt's prefix. The one place answers are read."""
        if self.style == "complete":
            return self.prefix + completion
        from dcode.engines.text import extract_code

        return extract_code(completion)

    def blocks(self, completion: str) -> list[str]:
        """Every code block of an answer (generated inputs may come in several), or the continuation."""
        if self.style == "complete":
            return [self.prefix + completion]
        from dcode.engines.text import code_blocks, split_reasoning

        return [code for _, code in code_blocks(split_reasoning(completion)[1])]

    def end_of(self, completion: str) -> int | None:
        """Where a continuation is over (a stop sequence, or the end of its block), or None while it is not.
        Engines stop at the stop sequences themselves; a trainer's own generation asks this."""
        if self.style != "complete":
            return None
        ends = [completion.find(s) for s in self.stop if s and s in completion]
        if self.block_indent is not None:
            from dcode.loops.inmodule import block_only

            kept = block_only(completion, self.block_indent)
            if len(kept) < len(completion):
                ends.append(len(kept))
        return min(ends) if ends else None

    def candidate(self, completion: str, problem: Problem) -> str | None:
        """The program an answer proposes; None when a chat answer holds no code block."""
        if self.style == "complete":
            end = self.end_of(completion)
            completion = completion if end is None else completion[:end]
            return self.answer(completion.rstrip()) + "\n" + self.suffix  # type: ignore[operator]
        code = self.answer(completion)
        if code is None:
            return None
        if problem.surrounding is not None:
            from dcode.loops.inmodule import in_module

            return in_module(code, problem)
        return _with_starter_imports(code, problem)


def comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.strip().splitlines())


def _starter_imports(starter: str) -> list[str]:
    return [line for line in starter.splitlines() if re.match(r"^(from \S+ )?import ", line)]


_TYPING = re.compile(r"\b(List|Dict|Set|Tuple|Optional|Deque)\[")


def typing_header(starter: str) -> str:
    """LeetCode's starters use `List[int]` without importing it (its judge imports typing for you)."""
    return "from typing import *\n\n" if _TYPING.search(starter) and "import" not in starter else ""


def _with_starter_imports(code: str, problem: Problem) -> str:
    """Chat answers often drop the starter's imports (`from typing import List`); put them back."""
    if problem.style != "function" or not problem.starter_code:
        return code
    missing = [line for line in _starter_imports(problem.starter_code) if line not in code]
    if not missing and typing_header(problem.starter_code) and "from typing" not in code:
        missing = ["from typing import *"]
    return "\n".join(missing) + "\n\n" + code if missing else code


def _open_body(starter: str) -> str:
    """The starter with a placeholder body (`pass`, `...`) removed, ending where the body begins."""
    lines = starter.rstrip().splitlines()
    while lines and lines[-1].strip() in {"pass", "...", "# YOUR CODE HERE", "# your code here"}:
        lines.pop()
    return "\n".join(lines) + "\n"


def _has_docstring(starter: str) -> bool:
    try:
        tree = parse_python(starter)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node):
            return True
    return False


def continuation_head(problem: Problem) -> str:
    """The text a base model continues: a function to finish, or a program's opening."""
    if problem.style == "function" and problem.starter_code:
        starter = typing_header(problem.starter_code) + _open_body(problem.starter_code)
        if problem.statement.strip() in problem.starter_code or _has_docstring(starter):
            return starter
        return comment(problem.statement) + "\n\n" + starter
    if problem.style == "function" and problem.function_name:
        return comment(problem.statement) + f"\n\n\ndef {problem.function_name}("
    return (comment("Task: " + problem.statement.strip())
            + "\n#\n# A Python 3 program that reads the input from stdin and prints the answer.\n" + STDIN_HEAD)


def solve_prompt(problem: Problem, style: PromptStyle, request: str = "") -> Prompt:
    """The first prompt for a problem; `request` is what the user asked for beyond the statement
    ("use no recursion"): in the question for a chat model, a comment above the code for a base model."""
    if problem.surrounding is not None:
        from dcode.loops.inmodule import module_prompt

        return module_prompt(problem, style, request)
    if style == "chat":
        return Prompt("chat", messages=(Message("user", _chat_question(problem, request)),))
    head = continuation_head(problem)
    note = comment("Note: " + request.strip()) + "\n" if request.strip() else ""
    if problem.style == "function":
        return Prompt("complete", text=note + head, stop=FUNCTION_STOPS, prefix=head)
    return Prompt("complete", text=note + head, stop=STDIN_STOPS, prefix=head, suffix=STDIN_TAIL)


def _chat_question(problem: Problem, request: str = "") -> str:
    parts = [ROLE, "", problem.statement.strip(), ""]
    if request.strip():
        parts += [f"Also: {request.strip()}", ""]
    if problem.style == "function":
        starter = (problem.starter_code or f"def {problem.function_name}():\n    pass").strip("\n")
        parts += [FORMAT_FUNCTION, f"```python\n{starter}\n```", ""]
    else:
        parts += [FORMAT_STDIN, "```python\n# YOUR CODE HERE\n```", ""]
    parts.append(ANSWER)
    return "\n".join(parts) + "\n"


def fix_prompt(problem: Problem, style: PromptStyle, code: str, feedback: str, request: str = "") -> Prompt:
    """Ask for a corrected program, showing the failed attempt and the smallest useful feedback.

    A chat model sees its attempt as its own earlier turn and the failure as the user's
    reply. A base model sees the attempt, the failure as comments, and the function's
    opening again to write a better body. `request` is what the user asked to change
    ("use O(n log n)"); with it, a program that passes its tests is revised too.
    """
    feedback, request = feedback.strip(), request.strip()
    if style == "chat":
        first = solve_prompt(problem, "chat").messages[0]
        parts = [f"Your program fails a test.\n\n{feedback}"] if feedback else []
        if request:
            parts.append(f"Change it as I ask: {request}")
        parts.append("Find the mistake and write the whole corrected program." if feedback
                     else "Write the whole changed program; it must still pass its tests.")
        reply = "\n\n".join(parts) + "\n\n" + ANSWER + "\n"
        return Prompt("chat", messages=(first, Message("assistant", f"```python\n{code.strip()}\n```"),
                                        Message("user", reply)))
    base = solve_prompt(problem, "complete")
    notes = (comment("The version above is wrong. " + feedback) + "\n" if feedback else "") + (
        comment("Change it: " + request) + "\n" if request else "")
    heading = "# A corrected version:" if feedback else "# A changed version:"
    text = code.rstrip() + "\n\n\n" + notes + heading + "\n\n" + base.text
    return Prompt("complete", text=text, stop=base.stop, prefix=base.prefix, suffix=base.suffix)
