"""Ranking by agreement (the CodeT idea) when a problem has too few tests to choose by.

The model proposes inputs, never answers: every candidate runs on them, and programs
that produce the same outputs form a cluster. Independent samples that agree are likelier
right than one that stands alone, so a bigger cluster ranks higher; but only among
candidates that do equally well on the given tests, which always come first.
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, replace

from dcode.engines.base import Completion, Message
from dcode.loops.candidates import Candidate
from dcode.loops.prompts import Prompt, PromptStyle, continuation_head
from dcode.problem.types import CallTest, IOTest, Problem, TestCase
from dcode.sandbox.verdict import CheckResult, Verdict
from dcode.pyast import parse_python


@dataclass(frozen=True)
class InputRequest:
    prompt: Prompt
    n: int  # samples to draw: one input each for a base model, one list of inputs for a chat model
    max_tokens: int


# Fewer tokens than this cannot hold one input; a budget that tight gets fewer proposals instead.
MIN_INPUT_TOKENS = 16


def within(request: InputRequest, tokens: int | None) -> InputRequest | None:
    """`request` cut down to `tokens` generated tokens in all; None when not even one input fits.

    Fewer, shorter proposals rather than none: without inputs, the candidates of a problem
    that has no tests cannot be compared at all.
    """
    if tokens is None or tokens >= request.n * request.max_tokens:
        return request
    n = min(request.n, tokens // MIN_INPUT_TOKENS)
    return replace(request, n=n, max_tokens=tokens // n) if n >= 1 else None


def input_request(problem: Problem, style: PromptStyle, k: int) -> InputRequest:
    """A prompt asking for `k` test inputs, in the form this kind of model can give them."""
    fn = problem.function_name
    if style == "chat":
        if problem.style == "function" and fn:
            ask = (f"Write {k} different calls of `{fn}` that test it well, including edge cases. Put them in one "
                   "python block, one call per line, with literal arguments only: no asserts, no expected results.")
        else:
            ask = (f"Write {k} different valid inputs for this problem that test a solution well, including edge "
                   "cases. Put each input in its own ``` block. Only the input, never the output.")
        question = f"{problem.statement.strip()}\n\n{ask}\n"
        return InputRequest(Prompt("chat", messages=(Message("user", question),)), n=1, max_tokens=64 * k + 128)
    if problem.style == "function" and fn:
        head = continuation_head(problem).rstrip("\n")
        text = f"{head}\n    pass\n\n\n# Tests\nassert {fn}("
        return InputRequest(Prompt("complete", text=text, stop=("\n",), prefix=f"assert {fn}("), n=k, max_tokens=40)
    text = f"{problem.statement.strip()}\n\nAnother example input:\n```\n"
    return InputRequest(Prompt("complete", text=text, stop=("```",)), n=k, max_tokens=96)


def _literal_args(call: ast.Call, params: tuple[str, ...] = ()) -> tuple | None:
    """The call's arguments as values, keywords put in parameter order; None unless all are literals."""
    try:
        args = [ast.literal_eval(arg) for arg in call.args]
        named = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    except (ValueError, SyntaxError, TypeError, RecursionError):
        return None
    if None in named:  # **kwargs
        return None
    rest = params[len(args):]
    if set(named) - set(rest) or [p for p in rest[:len(named)]] != [p for p in rest if p in named]:
        return None  # an unknown name, or a gap before a named parameter
    return tuple(args + [named[p] for p in rest[:len(named)]])


def _calls_in(line: str, fn: str, params: tuple[str, ...] = ()) -> list[tuple]:
    for attempt in (line, line.split("==")[0], line.split("==")[0].rstrip().rstrip(",")):
        try:
            tree = parse_python(attempt.strip())
        except SyntaxError:
            continue
        found = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == fn:
                args = _literal_args(node, params)
                if args is not None:
                    found.append(args)
        return found
    return []


def parse_inputs(problem: Problem, request: InputRequest, completions: list[Completion], k: int) -> list[TestCase]:
    """Probe tests from the model's proposals: calls with literal arguments, or stdin texts. Deduplicated."""
    fn = problem.function_name
    params = _params_of(problem, fn)
    probes: list[TestCase] = []
    seen: set[str] = set()

    def add(test: TestCase, key: str) -> None:
        if key not in seen and len(probes) < k:
            seen.add(key)
            probes.append(test)

    for completion in completions:
        for block in request.prompt.blocks(completion.text):
            if problem.style == "function" and fn:
                for line in block.splitlines():
                    for args in _calls_in(line, fn, params):
                        add(CallTest(fn=fn, args=args, expected=None, name=f"probe {fn}{args!r}"[:80]), repr(args))
            elif block.strip():
                text = block.strip("\n") + "\n"
                add(IOTest(input=text, output="", name="probe"), text)
    return probes


def _params_of(problem: Problem, fn: str | None) -> tuple[str, ...]:
    from dcode.problem.pysource import signatures_in

    for sig in signatures_in(problem.starter_code or ""):
        if sig.name == fn:
            return sig.params
    return ()


def outputs_of(check: CheckResult) -> tuple[str, ...]:
    """What a candidate produced on each probe; a crash or timeout is an output too."""
    outs = []
    for r in check.results:
        if r.verdict in (Verdict.PASSED, Verdict.WRONG_ANSWER):
            outs.append(r.actual if r.actual is not None else r.stdout)
        else:
            outs.append(f"!{r.verdict}")
    return tuple(outs)


def informative(c: Candidate) -> bool:
    """Whether the candidate's outputs can be compared: it ran on the probes and did not crash on them all.

    A candidate that crashed on every probe agrees with nothing: a shared crash is no
    evidence of being right.
    """
    return bool(c.outputs) and not all(o.startswith("!") for o in c.outputs)


def score_agreement(candidates: list[Candidate]) -> None:
    """Set each candidate's agreement: how many distinct programs produced its outputs.

    A program sampled twice is one program: its copy gets its score, but does not add to it.
    """
    clusters = Counter(c.outputs for c in candidates if c.duplicate_of is None and informative(c))
    for c in candidates:
        c.agreement = clusters[c.outputs] if informative(c) else 0


def compared(candidates: list[Candidate]) -> int:
    """How many distinct programs ran on the probes with outputs to compare; below 2, nothing was compared."""
    return sum(1 for c in candidates if c.code is not None and c.duplicate_of is None and informative(c))
