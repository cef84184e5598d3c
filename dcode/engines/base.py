"""The one interface every model backend speaks (llama.cpp, OpenAI-compatible HTTP, vLLM).

Faces and loops see only this protocol, so a backend can be swapped by configuration.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from dcode.errors import BadInput
from typing import Callable, Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class Sampling:
    n: int = 1
    temperature: float = 0.6
    top_p: float = 0.95
    # None: the backend's own default. llama.cpp's is 40: without a top-k cut, top-p sorts the whole
    # vocabulary every token (262k entries for gemma-3), about 3x slower on a CPU. 0: no cut.
    top_k: int | None = None
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    seed: int | None = None
    # An inline suggestion someone is waiting for: it runs before the next sample of a long batch
    # (llama.cpp; servers schedule requests themselves). `fill()` is always urgent.
    urgent: bool = False


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


FinishReason = Literal["stop", "length", "cancelled"]


@dataclass
class Completion:
    """One sample. `text` is everything generated; `reasoning` is the `<think>` part, if any."""

    text: str
    finish_reason: FinishReason = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    time_to_first_token_s: float = 0.0
    total_s: float = 0.0
    reasoning: str = ""

    @property
    def tokens_per_s(self) -> float:
        gen = self.total_s - self.time_to_first_token_s
        return self.completion_tokens / gen if gen > 0 else 0.0


class Cancel:
    """A flag a caller sets (an LSP cancel, Ctrl-C, a budget) that backends check every token.

    A child (`Cancel(parent)`) is set when its parent is, but setting it leaves the parent
    alone: a loop's own cancel (its time budget) follows the user's at once, even while the
    engine has produced no token yet, without cancelling the user's."""

    def __init__(self, parent: "Cancel | None" = None) -> None:
        self._event = threading.Event()
        self._parent = parent

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.is_set)


# Called with (sample index, new text) for every token as it streams.
OnToken = Callable[[int, str], None]


@dataclass
class EngineInfo:
    backend: str  # one of BACKENDS
    model: str
    has_chat_template: bool = False
    supports_fim: bool = False
    context_length: int = 4096
    reasoning: bool = False  # the model thinks in <think>...</think> before it answers (DeepCoder)
    load_s: float = 0.0  # how long loading the model took (in-process backends)
    path: str = ""  # the model file (llama.cpp)
    threads: int = 0  # CPU threads generating (llama.cpp)
    trained_context_length: int = 0  # what the model file says it was trained with (llama.cpp)
    server_url: str = ""  # where requests go (an OpenAI-compatible server)


def merged_stops(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Stop sequences from the caller, the chat template and the FIM format: each once, in order."""
    return tuple(dict.fromkeys(s for group in groups for s in group))


def no_fim(model: str) -> BadInput:
    """The one error for fill() on a model with no fill-in-the-middle tokens."""
    return BadInput(f"model {model!r} has no fill-in-the-middle tokens (no known fill-in-the-middle format in "
                    "the registry or the file); use a FIM-trained model (deepseek-coder, qwen2.5-coder)")


def thinking_restored(text: str, *, prompt_opened: bool, template_thinks: bool = False, cut_off: bool = False) -> str:
    """The `<think>` a prompt (or a reasoning model's chat template) opened, given back to the text.

    Backends stream only what the model generated; when the template opened the thinking
    (or the model was cut off inside it), the text must get the tag back so the answer is
    told apart from the thinking the same way for every backend.
    """
    from dcode.engines.text import THINK_CLOSE, reopen_thinking

    if prompt_opened or (template_thinks and cut_off and THINK_CLOSE not in text):
        return reopen_thinking(text)
    return text


@runtime_checkable
class Engine(Protocol):
    info: EngineInfo

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        """Plain text completion; returns `sampling.n` samples."""
        ...

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        """Chat completion with the model's own chat template."""
        ...

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        """Fill-in-the-middle with the model's FIM tokens and format."""
        ...

    def count_tokens(self, text: str) -> int:
        ...

    def close(self) -> None:
        ...
