"""A scripted engine for tests of the loops' control flow (answers from a list, prompts recorded)
and small problems to solve with it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from dcode.engines.base import Cancel, Completion, EngineInfo, Message, OnToken, Sampling
from dcode.problem.types import CallTest, Problem


@dataclass
class ScriptedEngine:
    """Each call takes the next answers from `script` (cycling through them), n at a time.

    `script` holds plain texts; every call returns `sampling.n` of them. `calls` records
    what was asked, so tests can read prompts and sampling settings.
    """

    script: list[str] | Callable[[str, int], list[str]]
    chat_template: bool = False
    tokens_per_answer: int = 10
    calls: list[dict] = field(default_factory=list)
    position: int = 0

    def __post_init__(self) -> None:
        self.info = EngineInfo(backend="scripted", model="scripted", has_chat_template=self.chat_template)

    def _answer(self, kind: str, prompt, sampling: Sampling, cancel: Cancel | None,
                on_token: OnToken | None) -> list[Completion]:
        self.calls.append({"kind": kind, "prompt": prompt, "sampling": sampling})
        text_of_prompt = "\n".join(m.content for m in prompt) if isinstance(prompt, list) else str(prompt)
        if callable(self.script):
            texts = self.script(text_of_prompt, sampling.n)
        else:
            texts = [self.script[(self.position + i) % len(self.script)] for i in range(sampling.n)]
            self.position += sampling.n
        out = []
        for i, text in enumerate(texts):
            if on_token:
                on_token(i, text)
            out.append(Completion(text=text, prompt_tokens=5, completion_tokens=self.tokens_per_answer,
                                  total_s=0.01))
        return out

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel=None, on_token=None):
        return self._answer("complete", prompt, sampling, cancel, on_token)

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel=None, on_token=None):
        return self._answer("chat", messages, sampling, cancel, on_token)

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel=None, on_token=None):
        return self._answer("fill", (prefix, suffix), sampling, cancel, on_token)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        pass

    def prompt_texts(self) -> list[str]:
        """Every prompt as one string (chat turns joined), for leak checks."""
        texts = []
        for call in self.calls:
            p = call["prompt"]
            texts.append("\n".join(m.content for m in p) if isinstance(p, list) else str(p))
        return texts


def add_problem(n_visible: int = 3, hidden: int = 2) -> Problem:
    stub = 'def add(a, b):\n    """Return a + b."""\n'
    visible = [CallTest("add", (i, i + 1), 2 * i + 1, name=f"v{i}") for i in range(n_visible)]
    secret = [CallTest("add", (1000 + i, 7), 1007 + i, name=f"h{i}", hidden=True) for i in range(hidden)]
    return Problem(statement=stub, tests=visible + secret, style="function", title="add", function_name="add",
                   starter_code=stub)
