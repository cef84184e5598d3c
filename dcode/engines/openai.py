"""Any OpenAI-compatible server (`vllm serve`, llama.cpp's server, others) over httpx.

Every request streams (server-sent events), which gives time to first token, live tokens
for the editor, and a cancel that takes effect at the next token: closing the stream tells
the server to stop. Connection failures before the first token are retried with
exponential backoff (a server that is still loading its model); a 4xx is the user's to fix
and becomes one clear line.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from time import perf_counter

import httpx

from dcode.engines.base import (Cancel, Completion, EngineInfo, Message, OnToken, Sampling, merged_stops, no_fim,
                                thinking_restored)
from dcode.models.registry import ModelSpec
from dcode.engines.text import opens_thinking, split_reasoning
from dcode.errors import BadInput, ServerDown

RETRYABLE_STATUS = {502, 503, 504}


ServerError = ServerDown  # the name this backend's callers knew it by

@dataclass
class _Sample:
    parts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    tokens: int = 0
    finish: str | None = None
    first_token_s: float = 0.0


class OpenAIEngine:
    def __init__(self, base_url: str, model: str, *, api_key: str = "", spec: ModelSpec | None = None,
                 timeout_s: float = 600.0, retries: int = 4, backoff_s: float = 0.5,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.retries = retries
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, transport=transport,
                                    timeout=httpx.Timeout(timeout_s, connect=10.0))
        self.fim = spec.fim if spec else None
        self._tokenize_url: str | None = None
        self.info = EngineInfo(
            backend="openai", model=model,
            # The server applies the chat template; only a known base model is known to lack one.
            has_chat_template=spec.chat_template != "none" if spec else True,
            supports_fim=self.fim is not None, context_length=spec.context_length if spec else 4096,
            server_url=self.base_url, reasoning=bool(spec and spec.reasoning),
        )

    # --- the Engine protocol

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        return self._generate("/completions", {"prompt": prompt}, sampling, cancel, on_token)

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        body = {"messages": [{"role": m.role, "content": m.content} for m in messages]}
        return self._generate("/chat/completions", body, sampling, cancel, on_token)

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        if self.fim is None:
            raise no_fim(self.model)
        sampling = replace(sampling, stop=merged_stops(sampling.stop, self.fim.stop))
        return self._generate("/completions", {"prompt": self.fim.render(prefix, suffix)}, sampling, cancel,
                              on_token)

    def count_tokens(self, text: str) -> int:
        """Exact where the server can tokenize (vLLM, llama.cpp); about 4 bytes a token elsewhere."""
        root = self.base_url.removesuffix("/v1")
        candidates = [self._tokenize_url] if self._tokenize_url else [f"{root}/tokenize", f"{root}/extras/tokenize"]
        for url in candidates:
            try:
                r = self._client.post(url, json={"model": self.model, "prompt": text, "input": text})
            except httpx.HTTPError:
                continue
            if r.status_code == 200:
                data = r.json()
                self._tokenize_url = url
                return int(data["count"]) if "count" in data else len(data["tokens"])
        return max(1, len(text.encode("utf-8")) // 4)

    def close(self) -> None:
        from dcode.engines.loader import forget

        forget(self)
        self._client.close()

    # --- requests

    def _generate(self, path: str, body: dict, sampling: Sampling, cancel: Cancel | None,
                  on_token: OnToken | None) -> list[Completion]:
        """All `n` samples: asked for in one request; topped up when a server returns fewer."""
        wanted = max(1, sampling.n)
        samples: list[_Sample] = []
        usage: dict = {}
        start = perf_counter()
        while len(samples) < wanted and not (cancel is not None and cancel.is_set):
            offset = len(samples)
            request = {**body, "model": self.model, "n": wanted - offset, "temperature": sampling.temperature,
                       "top_p": sampling.top_p, "max_tokens": sampling.max_tokens, "stream": True,
                       "stream_options": {"include_usage": True}}
            if sampling.top_k is not None:
                request["top_k"] = sampling.top_k  # vLLM and llama.cpp's servers read it; others ignore it
            if sampling.stop:
                request["stop"] = list(sampling.stop)
            if sampling.seed is not None and sampling.seed >= 0:
                request["seed"] = sampling.seed + offset
            got, usage = self._stream(path, request, offset, perf_counter(), cancel, on_token)
            if not got:
                if not samples and not (cancel is not None and cancel.is_set):
                    raise ServerError(f"the model server at {self.base_url} answered without any choices")
                break
            samples.extend(got)
        cancelled = cancel is not None and cancel.is_set
        if "prompt_tokens" not in usage and samples:
            # The server sent no usage: count the prompt (for chat, the messages without the template).
            prompt = body.get("prompt") or "\n".join(m["content"] for m in body.get("messages", []))
            usage = {**usage, "prompt_tokens": self.count_tokens(prompt)}
        while cancelled and len(samples) < wanted:
            samples.append(_Sample(finish="cancelled"))
        total_s = perf_counter() - start
        completions = []
        for s in samples[:wanted]:
            text = "".join(s.parts)
            finish = s.finish or ("cancelled" if cancelled else "stop")
            if not s.reasoning:
                text = thinking_restored(text, prompt_opened=opens_thinking(body.get("prompt", "")),
                                         template_thinks="messages" in body and self.info.reasoning,
                                         cut_off=finish != "stop")
            reasoning = "".join(s.reasoning) or split_reasoning(text)[0]
            completions.append(Completion(
                text=text, finish_reason=finish, prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage["completion_tokens"]) if wanted == 1 and "completion_tokens" in usage
                else s.tokens,
                time_to_first_token_s=s.first_token_s, total_s=total_s, reasoning=reasoning))
        return completions

    def _stream(self, path: str, request: dict, offset: int, start: float, cancel: Cancel | None,
                on_token: OnToken | None) -> tuple[list[_Sample], dict]:
        url = self.base_url + path
        for attempt in range(self.retries + 1):
            try:
                with self._client.stream("POST", url, json=request) as response:
                    if response.status_code in RETRYABLE_STATUS and attempt < self.retries:
                        time.sleep(self.backoff_s * 2 ** attempt)
                        continue
                    if response.status_code >= 400:
                        response.read()
                        raise self._http_error(url, response)
                    return self._read_events(response, offset, start, cancel, on_token)
            except (httpx.ConnectError, httpx.ConnectTimeout) as e:
                if attempt == self.retries:
                    raise ServerError(f"cannot reach the model server at {self.base_url} ({e}); "
                                      "is it running? (server_url / DCODE_SERVER_URL)") from None
                time.sleep(self.backoff_s * 2 ** attempt)
            except (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError) as e:
                raise ServerError(f"the model server at {self.base_url} broke off the response: {e}") from None
        raise ServerError(f"the model server at {self.base_url} stayed unavailable")

    def _read_events(self, response: httpx.Response, offset: int, start: float, cancel: Cancel | None,
                     on_token: OnToken | None) -> tuple[list[_Sample], dict]:
        samples: dict[int, _Sample] = {}
        usage: dict = {}
        for line in response.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                event = json.loads(data)
            except json.JSONDecodeError:
                continue
            if "error" in event:
                message = event["error"].get("message", event["error"]) if isinstance(event["error"], dict) \
                    else event["error"]
                raise ServerError(f"the model server reported an error: {message}")
            usage = event.get("usage") or usage
            for choice in event.get("choices", []):
                index = int(choice.get("index", 0))
                sample = samples.setdefault(index, _Sample())
                delta = choice.get("delta") or {}
                piece = choice.get("text") or delta.get("content") or ""
                thought = delta.get("reasoning_content") or delta.get("reasoning") or ""
                if piece or thought:
                    if sample.tokens == 0:
                        sample.first_token_s = perf_counter() - start
                    sample.tokens += 1
                    if thought:
                        sample.reasoning.append(thought)
                    if piece:
                        sample.parts.append(piece)
                        if on_token is not None:
                            on_token(offset + index, piece)
                if choice.get("finish_reason"):
                    sample.finish = "length" if choice["finish_reason"] == "length" else "stop"
            if cancel is not None and cancel.is_set:
                for sample in samples.values():
                    sample.finish = sample.finish or "cancelled"
                break  # leaving the `with` closes the stream, which stops generation on the server
        return [samples[i] for i in sorted(samples)], usage

    def _http_error(self, url: str, response: httpx.Response) -> BadInput:
        try:
            detail = response.json()
            if isinstance(detail, dict):
                detail = detail.get("error", detail)
                if isinstance(detail, dict):
                    detail = detail.get("message", detail)
                elif isinstance(detail, list):  # FastAPI validation errors
                    detail = "; ".join(str(d.get("msg", d)) for d in detail)
        except ValueError:
            detail = response.text.strip()[:300]
        cls = ServerError if response.status_code >= 500 else BadInput
        detail = " ".join(str(detail).split())[:300] or response.reason_phrase
        return cls(f"{url}: HTTP {response.status_code}: {detail}")
