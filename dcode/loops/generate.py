"""The one generate step of every loop: announce the prompt, sample (chat or completion), record each sample.

solve, fix and test generation all ask the model the same way; what differs is the
prompt and what they do with the answers, so that is all they write themselves.
"""
from __future__ import annotations

from dataclasses import replace

from dcode.engines.base import Cancel, Completion, Engine, OnToken, Sampling
from dcode.loops.events import EventLog, PromptSent, SampleDone
from dcode.loops.prompts import Prompt


def generate(engine: Engine, prompt: Prompt, sampling: Sampling, log: EventLog, *, call: int, purpose: str,
             cancel: Cancel | None = None, on_token: OnToken | None = None) -> list[Completion]:
    """`sampling.n` completions of `prompt`, with its stop sequences; PromptSent before, SampleDone per sample."""
    sampling = replace(sampling, stop=tuple(dict.fromkeys((*sampling.stop, *prompt.stop))))
    log(PromptSent(call=call, purpose=purpose, n=sampling.n, max_tokens=sampling.max_tokens,  # type: ignore[arg-type]
                   prompt=prompt.text, messages=tuple({"role": m.role, "content": m.content} for m in prompt.messages),
                   stop=sampling.stop, seed=sampling.seed))
    if prompt.style == "chat":
        completions = engine.chat(list(prompt.messages), sampling, cancel=cancel, on_token=on_token)
    else:
        completions = engine.complete(prompt.text, sampling, cancel=cancel, on_token=on_token)
    for i, c in enumerate(completions):
        log(SampleDone(call, i, c.text, c.finish_reason, c.prompt_tokens, c.completion_tokens, c.total_s,
                       c.reasoning))
    return completions


def seeded(sampling: Sampling, call: int) -> Sampling:
    """Each call of a loop gets its own seed from the user's (none stays none): repeatable, not repeated."""
    return sampling if sampling.seed is None else replace(sampling, seed=sampling.seed + call)
