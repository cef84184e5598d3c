"""A Hugging Face model through transformers, in this process: what training samples and evaluates with.

It serves a model folder, a hub name, or a GGUF file that transformers can dequantise
(`from_pretrained(..., gguf_file=...)`, for the architectures transformers reads), and it
can wrap a model already in memory (the trainer's own weights, before and after), so the
difficulty filter and the before/after evaluation speak the same Engine protocol as
every loop. Stop sequences end a sample as the other backends do; a cancel ends it
between tokens.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dcode.engines.base import Cancel, Completion, EngineInfo, Message, OnToken, Sampling, no_fim
from dcode.engines.text import split_reasoning
from dcode.errors import BadInput


def load_pretrained(model: str | Path, gguf_file: str | Path | None = None, *, dtype: str = "auto") -> tuple[Any, Any]:
    """(model, tokenizer) from a folder, a hub name, or a GGUF file; unreadable ones are one BadInput line."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {}
    source: str | Path = model
    if gguf_file is not None:
        source, kwargs["gguf_file"] = Path(gguf_file).parent, Path(gguf_file).name
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), **kwargs)
        loaded = AutoModelForCausalLM.from_pretrained(str(source), dtype=dtype, **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"{gguf_file or model}: transformers cannot load it: {first}") from None
    if gguf_file is not None:  # dequantised on load: plain tensors now, which only the marker still calls GGUF
        loaded.hf_quantizer, loaded.is_quantized = None, False
        if hasattr(loaded.config, "quantization_config"):
            del loaded.config.quantization_config
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return loaded, tokenizer


class _Stops:
    """transformers' stopping criteria: a stop string in every sample's text, or the caller's cancel."""

    def __init__(self, tokenizer, start: int, stops: tuple[str, ...], cancel: Cancel | None,
                 on_token: OnToken | None) -> None:
        self.tokenizer, self.start, self.stops, self.cancel, self.on_token = tokenizer, start, stops, cancel, on_token
        self.seen: list[str] = []

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        texts = self.tokenizer.batch_decode(input_ids[:, self.start:], skip_special_tokens=True)
        if self.on_token is not None:
            for i, text in enumerate(texts):
                old = self.seen[i] if i < len(self.seen) else ""
                if text != old and text.startswith(old):
                    self.on_token(i, text[len(old):])
        self.seen = texts
        done = [any(s in t for s in self.stops) for t in texts]
        if self.cancel is not None and self.cancel.is_set:
            done = [True] * len(texts)
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class TransformersEngine:
    def __init__(self, model: Any, tokenizer: Any, *, name: str = "") -> None:
        self.model, self.tokenizer = model, tokenizer
        self.info = EngineInfo(backend="transformers", model=name or getattr(model.config, "_name_or_path", "model"),
                               has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
                               context_length=int(getattr(model.config, "max_position_embeddings", 4096) or 4096))

    @classmethod
    def load(cls, model: str | Path, gguf_file: str | Path | None = None, *, name: str = "") -> TransformersEngine:
        loaded, tokenizer = load_pretrained(model, gguf_file)
        return cls(loaded, tokenizer, name=name or str(model))

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        import torch
        from transformers import StoppingCriteriaList

        start = time.perf_counter()
        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.model.device)
        length = inputs["input_ids"].shape[1]
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        sample = sampling.temperature > 0
        stops = _Stops(self.tokenizer, length, tuple(sampling.stop), cancel, on_token)
        with torch.no_grad():
            out = self.model.generate(
                **inputs, do_sample=sample, temperature=sampling.temperature if sample else None,
                top_p=sampling.top_p if sample else None, top_k=sampling.top_k if sample and sampling.top_k else None,
                max_new_tokens=sampling.max_tokens, num_return_sequences=sampling.n,
                stopping_criteria=StoppingCriteriaList([stops]), pad_token_id=self.tokenizer.pad_token_id)
        total = time.perf_counter() - start
        completions = []
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        for row in out[:, length:].tolist():
            ended = eos in row
            generated = [t for t in (row[:row.index(eos)] if ended else row) if t != pad]
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            cut = min((text.find(s) for s in sampling.stop if s in text), default=-1)
            reason = "stop" if cut >= 0 or ended else "length"
            if cancel is not None and cancel.is_set:
                reason = "cancelled"
            text = text[:cut] if cut >= 0 else text
            completions.append(Completion(text=text, finish_reason=reason, prompt_tokens=length,  # type: ignore[arg-type]
                                          completion_tokens=len(generated), total_s=total,
                                          reasoning=split_reasoning(text)[0]))
        return completions

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        if not self.info.has_chat_template:
            raise BadInput(f"model {self.info.model!r} has no chat template; use a completion prompt")
        prompt = self.tokenizer.apply_chat_template([{"role": m.role, "content": m.content} for m in messages],
                                                    tokenize=False, add_generation_prompt=True)
        return self.complete(prompt, sampling, cancel=cancel, on_token=on_token)

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        raise no_fim(self.info.model)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def close(self) -> None:
        self.model = None
