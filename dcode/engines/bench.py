"""What a model does on this machine: load time, time to first token, prompt and generation speed."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from time import perf_counter

from dcode.config import Settings
from dcode.engines.base import Sampling

BENCH_PROMPT = '''"""Utilities for working with intervals on a number line."""
from __future__ import annotations


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping closed intervals and return them sorted by start."""
'''


@dataclass
class BenchResult:
    model: str
    backend: str
    threads: int
    load_s: float
    prompt_tokens: int
    time_to_first_token_s: float
    prompt_tokens_per_s: float
    generated_tokens: int
    generation_tokens_per_s: float

    def as_dict(self) -> dict:
        return asdict(self)


def bench_model(settings: Settings, tokens: int = 128) -> BenchResult:
    """Load the model fresh (not from the process cache) and time one greedy completion."""
    from dcode.engines.loader import forget, load_engine

    start = perf_counter()
    engine = load_engine(settings)
    load_s = engine.info.load_s or perf_counter() - start
    engine.complete("warm up", Sampling(max_tokens=1, temperature=0.0))  # first-call allocations, not the model
    [c] = engine.complete(BENCH_PROMPT + "    # different prompt than the warm-up, so nothing is cached\n",
                          Sampling(max_tokens=tokens, temperature=0.0, seed=0))
    forget(engine)
    generated_s = c.total_s - c.time_to_first_token_s
    return BenchResult(
        model=engine.info.model, backend=engine.info.backend, threads=engine.info.threads,
        load_s=load_s, prompt_tokens=c.prompt_tokens, time_to_first_token_s=c.time_to_first_token_s,
        prompt_tokens_per_s=c.prompt_tokens / c.time_to_first_token_s if c.time_to_first_token_s > 0 else 0.0,
        generated_tokens=c.completion_tokens,
        generation_tokens_per_s=(c.completion_tokens - 1) / generated_s if generated_s > 0 and c.completion_tokens > 1
        else 0.0)
