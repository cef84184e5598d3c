"""Engines: one protocol (`Engine`) over llama.cpp, OpenAI-compatible servers and vLLM.

    engine = load_engine()                      # settings decide backend and model
    [c] = engine.complete("def fib(n):", Sampling(max_tokens=64))
    code = extract_code(c.text)
"""
from dcode.engines.base import Cancel, Completion, Engine, EngineInfo, Message, OnToken, Sampling
from dcode.models.fim import FimFormat
from dcode.engines.loader import load_engine, sampling_for
from dcode.models.registry import ModelSpec, get_model, load_registry
from dcode.engines.text import code_blocks, extract_code, split_reasoning

__all__ = [
    "Cancel", "Completion", "Engine", "EngineInfo", "FimFormat", "Message", "ModelSpec", "OnToken", "Sampling",
    "code_blocks", "extract_code", "get_model", "load_engine", "load_registry", "sampling_for",
    "split_reasoning",
]
