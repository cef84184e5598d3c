"""vLLM's Python engine in process, for a GPU: many samples at once with prefix caching.

Imported lazily so that machines without vllm or a GPU never touch it. vLLM has no per-token
callback in its offline API, so `on_token` receives each sample's text once it is done and a
cancel is honoured between requests; use `vllm serve` with the `openai` engine when tokens
must stream.
"""
from __future__ import annotations

from time import perf_counter

from dcode.engines.base import (Cancel, Completion, EngineInfo, Message, OnToken, Sampling, merged_stops, no_fim,
                                thinking_restored)
from dcode.models.registry import ModelSpec
from dcode.engines.text import opens_thinking, split_reasoning
from dcode.errors import BadInput


def vllm_available() -> str | None:
    """None when vLLM can run here, else the reason it cannot."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return "no CUDA GPU is visible"
    try:
        import vllm  # noqa: F401
    except ImportError:
        return "vllm is not installed (pip install 'dcode[vllm]')"
    return None


class VllmEngine:
    def __init__(self, model: str, *, context_length: int = 4096, spec: ModelSpec | None = None,
                 gpu_memory_utilization: float = 0.9) -> None:
        reason = vllm_available()
        if reason:
            raise BadInput(f"the vllm engine cannot run here: {reason}")
        from vllm import LLM

        start = perf_counter()
        self._llm = LLM(model=model, max_model_len=context_length, enable_prefix_caching=True,
                        gpu_memory_utilization=gpu_memory_utilization)
        self._tokenizer = self._llm.get_tokenizer()
        self.fim = spec.fim if spec else None
        self.info = EngineInfo(
            backend="vllm", model=model, has_chat_template=getattr(self._tokenizer, "chat_template", None) is not None,
            supports_fim=self.fim is not None, context_length=context_length,
            load_s=perf_counter() - start, reasoning=bool(spec and spec.reasoning))

    def _params(self, sampling: Sampling, extra_stop: tuple[str, ...] = ()):
        from vllm import SamplingParams

        return SamplingParams(n=max(1, sampling.n), temperature=sampling.temperature, top_p=sampling.top_p,
                              max_tokens=sampling.max_tokens, top_k=-1 if not sampling.top_k else sampling.top_k, stop=list(merged_stops(sampling.stop, extra_stop)),
                              seed=sampling.seed if sampling.seed is not None and sampling.seed >= 0 else None)

    def _run(self, prompt: str | list[dict], sampling: Sampling, cancel: Cancel | None, on_token: OnToken | None,
             extra_stop: tuple[str, ...] = ()) -> list[Completion]:
        """One request for all n samples; a list of messages goes through `LLM.chat` and the model's template."""
        if cancel is not None and cancel.is_set:
            return [Completion("", "cancelled") for _ in range(max(1, sampling.n))]
        start = perf_counter()
        params = self._params(sampling, extra_stop)
        if isinstance(prompt, list):
            [output] = self._llm.chat(prompt, params, use_tqdm=False)
        else:
            [output] = self._llm.generate([prompt], params, use_tqdm=False)
        total = perf_counter() - start
        ttft = 0.0
        metrics = getattr(output, "metrics", None)
        if metrics is not None and getattr(metrics, "first_token_time", None) and getattr(metrics, "arrival_time", None):
            ttft = metrics.first_token_time - metrics.arrival_time
        completions = []
        chat_thinks = isinstance(prompt, list) and self.info.reasoning
        for i, sample in enumerate(output.outputs):
            if on_token is not None and sample.text:
                on_token(i, sample.text)
            text = thinking_restored(sample.text, prompt_opened=isinstance(prompt, str) and opens_thinking(prompt),
                                     template_thinks=chat_thinks, cut_off=sample.finish_reason == "length")
            completions.append(Completion(
                text=text, finish_reason="length" if sample.finish_reason == "length" else "stop",
                prompt_tokens=len(output.prompt_token_ids or []), completion_tokens=len(sample.token_ids),
                time_to_first_token_s=ttft, total_s=total, reasoning=split_reasoning(text)[0]))
        return completions

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        return self._run(prompt, sampling, cancel, on_token)

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        return self._run([{"role": m.role, "content": m.content} for m in messages], sampling, cancel, on_token)

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        if self.fim is None:
            raise no_fim(self.info.model)
        return self._run(self.fim.render(prefix, suffix), sampling, cancel, on_token, self.fim.stop)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False))

    def close(self) -> None:
        from dcode.engines.loader import forget

        forget(self)
        del self._llm
