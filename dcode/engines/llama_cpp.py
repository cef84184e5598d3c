"""The in-process llama.cpp backend: a GGUF file on the CPU through llama-cpp-python.

Generation runs token by token through `Llama.generate`, so a cancel is seen after every
token and the counts are exact. The `n` samples of one request run one after another on the
same context: llama.cpp keeps the prompt's KV cache, so the prompt is evaluated only once.
"""
from __future__ import annotations

import codecs
import contextlib
import ctypes
import gc
import io
import logging
import os
import random
import sys
import threading
from dataclasses import replace
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter

from dcode.engines.base import (Cancel, Completion, EngineInfo, Message, OnToken, Sampling, merged_stops, no_fim,
                                thinking_restored)
from dcode.models.fim import FimFormat
from dcode.models.gguf import check_gguf
from dcode.models.registry import ModelSpec
from dcode.engines.stops import StopScanner
from dcode.engines.text import opens_thinking, split_reasoning
from dcode.errors import BadInput


LLAMA_TOP_K = 40  # llama.cpp's own default (see Sampling.top_k)


def _import_llama_cpp():
    try:
        import llama_cpp
    except ImportError as e:  # pragma: no cover - depends on the install
        raise BadInput(f"the llama_cpp engine needs llama-cpp-python ({e}); run `make install`") from None
    global _quiet_log
    if _quiet_log is None and not os.environ.get("DCODE_DEBUG"):
        # llama.cpp logs context details on stderr at every load; keep stderr for our own messages.
        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL + 1)
        _quiet_log = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
        llama_cpp.llama_log_set(_quiet_log, ctypes.c_void_p(0))
    return llama_cpp


_quiet_log = None  # the C callback must stay referenced for as long as llama.cpp may call it


def plain_transcript(messages: list[Message]) -> str:
    """How a model without a chat template sees a conversation: the texts, one after another.

    Base models continue plain text well, so instead of failing, `chat()` sends this; the
    loops read `info.has_chat_template` and write base-model prompts themselves when it is False.
    """
    return "\n\n".join(m.content.strip() for m in messages) + "\n\n"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1  # honours taskset and container CPU sets
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _thinking_restored(prompt: str, completions: list[Completion]) -> list[Completion]:
    """When the prompt opened `<think>`, the text gets it back (the stream already went out without it)."""
    if opens_thinking(prompt):
        for c in completions:
            c.text = thinking_restored(c.text, prompt_opened=True)
            c.reasoning = split_reasoning(c.text)[0]
    return completions


class LlamaCppEngine:
    def __init__(self, path: Path | str, *, name: str = "", context_length: int = 4096, threads: int = 0,
                 spec: ModelSpec | None = None, fim: FimFormat | None = None) -> None:
        path = Path(path)
        check_gguf(path)
        llama_cpp = _import_llama_cpp()
        self.path = path
        self.threads = threads or _usable_cores()
        start = perf_counter()
        failure = ""
        hook = sys.unraisablehook
        try:
            # verbose=False would make llama-cpp-python point file descriptors 1 and 2 at /dev/null for the
            # whole load, and whatever another thread writes meanwhile is lost: a language server's replies
            # on stdout. The C logs are silenced by the callback above instead, and the Python-side prints
            # of a verbose load by a redirect of sys.stderr alone (the descriptors stay as they are).
            with contextlib.redirect_stderr(io.StringIO()):
                self._llm = llama_cpp.Llama(str(path), n_ctx=context_length, n_threads=self.threads,
                                            n_threads_batch=self.threads, verbose=True)
            self._llm.verbose = False  # no per-call prints either
        except (ValueError, RuntimeError, OSError) as e:
            # A half-built Llama complains from __del__ as it is freed; that is noise, not news.
            sys.unraisablehook = lambda _: None
            failure = str(e) or type(e).__name__
        if failure:
            gc.collect()
            sys.unraisablehook = hook
            raise BadInput(f"{path}: llama.cpp could not load the model ({failure})")
        self.load_s = perf_counter() - start
        self._eog = lambda token: bool(llama_cpp.llama_token_is_eog(self._llm._model.vocab, token))
        self._turns = _Turns()
        self._closed = False
        metadata = self._llm.metadata
        self._template = metadata.get("tokenizer.chat_template") or (spec.template if spec else None)
        self.fim = fim or (spec.fim if spec else None) or self._fim_from_metadata(metadata)
        self.spec = spec
        arch = metadata.get("general.architecture", "")
        self.info = EngineInfo(
            backend="llama_cpp", model=name or path.stem, has_chat_template=self._template is not None,
            supports_fim=self.fim is not None, context_length=self._llm.n_ctx(),
            path=str(path), threads=self.threads, load_s=self.load_s,
            trained_context_length=int(metadata.get(f"{arch}.context_length", 0) or 0),
            reasoning=bool(spec and spec.reasoning),
        )

    # --- the Engine protocol

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        return _thinking_restored(prompt, self._run(self._tokenize(prompt), sampling, (), cancel, on_token))

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        prompt, stops = self.render_chat(messages)
        return _thinking_restored(prompt, self._run(self._tokenize(prompt), sampling, stops, cancel, on_token))

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        if self.fim is None:
            raise no_fim(self.info.model)
        return self._run(self._tokenize(self.fim.render(prefix, suffix)), replace(sampling, urgent=True),
                         self.fim.stop, cancel, on_token)

    def count_tokens(self, text: str) -> int:
        self._check_open()
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def close(self) -> None:
        from dcode.engines.loader import forget

        forget(self)
        with self._turns.turn(urgent=True):
            if not self._closed:
                self._closed = True
                self._llm.close()

    # --- prompts

    def render_chat(self, messages: list[Message]) -> tuple[str, tuple[str, ...]]:
        """The prompt text for `messages` and the stop strings that end the assistant's turn."""
        self._check_open()
        if self._template is None:
            return plain_transcript(messages), ()
        from jinja2.exceptions import TemplateError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise BadInput(f"the model's chat template refused the messages: {message}")

        bos, eos = self._token_text(self._llm.token_bos()), self._token_text(self._llm.token_eos())
        try:
            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
            prompt = env.from_string(self._template).render(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                bos_token=bos, eos_token=eos, add_generation_prompt=True, raise_exception=raise_exception)
        except TemplateError as e:
            raise BadInput(f"{self.path}: the chat template in this GGUF does not render: {e}") from None
        return prompt, (eos,) if eos else ()

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="ignore")

    def _fim_from_metadata(self, metadata: dict[str, str]) -> FimFormat | None:
        # Newer converters write fim_pre/fim_suf/fim_mid; older ones prefix/suffix/middle.
        ids = [metadata.get(f"tokenizer.ggml.{new}_token_id") or metadata.get(f"tokenizer.ggml.{old}_token_id")
               for new, old in (("fim_pre", "prefix"), ("fim_suf", "suffix"), ("fim_mid", "middle"))]
        if not all(ids):
            return None
        prefix, suffix, middle = (self._token_text(int(i)) for i in ids)
        return FimFormat(prefix, suffix, middle) if prefix and suffix and middle else None

    def _check_open(self) -> None:
        if self._closed:  # llama.cpp would touch freed memory
            raise RuntimeError(f"engine for {self.info.model} was closed; call load_engine() again")

    def _tokenize(self, prompt: str) -> list[int]:
        self._check_open()
        tokens = self._llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        bos = self._llm.token_bos()
        if len(tokens) > 1 and tokens[0] == bos and tokens[1] == bos:  # the template wrote BOS itself
            tokens = tokens[1:]
        if len(tokens) >= self.info.context_length:
            raise BadInput(f"the prompt is {len(tokens)} tokens but the context holds {self.info.context_length}; "
                           "raise context_length (DCODE_CONTEXT_LENGTH) or shorten the prompt")
        return tokens

    # --- generation

    def _run(self, tokens: list[int], sampling: Sampling, stops: tuple[str, ...], cancel: Cancel | None,
             on_token: OnToken | None) -> list[Completion]:
        base_seed = sampling.seed if sampling.seed is not None and sampling.seed >= 0 else random.randrange(2**31)
        all_stops = merged_stops(sampling.stop, stops)
        results = []
        for index in range(max(1, sampling.n)):  # a turn per sample: an urgent request can go in between
            with self._turns.turn(sampling.urgent):
                self._check_open()
                results.append(self._sample(tokens, sampling, base_seed + index, all_stops, index, cancel, on_token))
        return results

    def _sample(self, tokens: list[int], sampling: Sampling, seed: int, stops: tuple[str, ...], index: int,
                cancel: Cancel | None, on_token: OnToken | None) -> Completion:
        llm = self._llm
        budget = min(sampling.max_tokens, self.info.context_length - len(tokens))
        start = perf_counter()
        first_token_s = 0.0
        count = 0
        finish = "length"
        scanner = StopScanner(stops)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

        def emit(piece: str) -> None:
            released = scanner.feed(piece)
            if released and on_token is not None:
                on_token(index, released)

        if cancel is not None and cancel.is_set:
            return Completion("", "cancelled", prompt_tokens=len(tokens))
        llm.set_seed(seed)
        generator = llm.generate(tokens, temp=sampling.temperature, top_p=sampling.top_p, min_p=0.0,
                                 top_k=LLAMA_TOP_K if sampling.top_k is None else sampling.top_k,
                                 repeat_penalty=1.0)
        try:
            for token in generator:
                if count == 0:
                    first_token_s = perf_counter() - start
                if self._eog(token):
                    finish = "stop"
                    break
                count += 1
                emit(decoder.decode(llm.detokenize([token])))
                if scanner.stopped:
                    finish = "stop"
                    break
                if cancel is not None and cancel.is_set:
                    finish = "cancelled"
                    break
                if count >= budget:
                    break
        finally:
            generator.close()
        if not scanner.stopped:
            emit(decoder.decode(b"", final=True))
        rest = scanner.flush()
        if rest and on_token is not None:
            on_token(index, rest)
        reasoning, _ = split_reasoning(scanner.text)
        return Completion(text=scanner.text, finish_reason=finish, prompt_tokens=len(tokens),
                          completion_tokens=count, time_to_first_token_s=first_token_s,
                          total_s=perf_counter() - start, reasoning=reasoning)


class _Turns:
    """Whose turn the model is: one sample at a time, and an urgent request before the next sample of a batch.

    Holding the model for a whole 8-sample solve batch would make an inline suggestion wait
    for all of it; taking turns per sample bounds that wait by one sample.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._urgent = 0

    @contextmanager
    def turn(self, urgent: bool):
        with self._cond:
            if urgent:
                self._urgent += 1
            try:
                while self._busy or (not urgent and self._urgent):
                    self._cond.wait()
            finally:
                if urgent:
                    self._urgent -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
