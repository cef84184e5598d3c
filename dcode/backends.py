"""Every engine backend by name, and what it runs on: the one list that config, the loader,
the model registry and the CLI's help text read."""
from __future__ import annotations

BACKENDS = {
    "llama_cpp": "a GGUF file on the CPU, in this process (llama-cpp-python)",
    "openai": "any OpenAI-compatible server, over HTTP (server_url)",
    "vllm": "vLLM on a GPU, in this process",
}
NAMES = tuple(BACKENDS)
CHOICES = ", ".join(NAMES[:-1]) + " or " + NAMES[-1]  # "llama_cpp, openai or vllm"


def unknown(name: str) -> str:
    return f"unknown engine {name!r} (choose {CHOICES})"
