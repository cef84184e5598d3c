"""Plain sampling: n programs from one prompt, none checked or fixed. What `solve` is measured against.

It asks exactly as `solve` asks the first time (the same prompt, stops and program
assembly), so that a difference between the two measures the loop and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from dcode.engines.base import Cancel, Engine, Sampling
from dcode.loops.events import EventLog, OnEvent
from dcode.loops.generate import generate
from dcode.loops.prompts import solve_prompt
from dcode.loops.solve import CONTINUATION_MAX_TOKENS, choose_style
from dcode.problem.types import Problem


@dataclass(frozen=True)
class Sample:
    code: str | None  # the program the answer proposes; None when a chat answer held no code block
    completion: str  # what the model wrote
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    time_s: float


def sample_programs(problem: Problem, engine: Engine, sampling: Sampling, *, style: str = "auto",
                    on_event: OnEvent | None = None, cancel: Cancel | None = None) -> list[Sample]:
    """`sampling.n` programs for `problem`; sample i is seeded `sampling.seed + i`, as in one engine call."""
    prompt_style = choose_style(engine, style)
    prompt = solve_prompt(problem, prompt_style)
    if prompt_style == "complete":  # as solve caps a base model's continuation
        sampling = replace(sampling, max_tokens=min(sampling.max_tokens, CONTINUATION_MAX_TOKENS))
    log = EventLog([on_event] if on_event else [])
    completions = generate(engine, prompt, sampling, log, call=0, purpose="sample", cancel=cancel)
    return [Sample(prompt.candidate(c.text, problem), c.text, c.finish_reason, c.prompt_tokens, c.completion_tokens,
                   c.total_s) for c in completions]
