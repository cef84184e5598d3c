"""Reading model output: the reasoning part, the answer part and the code in it.

Reasoning models (DeepCoder, R1 distills) think inside `<think>…</think>` before they answer.
The thinking belongs in the trace, never in the program, so code is taken only from the
answer, and only from its last fenced block: the model's final word, which is what
DeepCoder was rewarded on.
"""
from __future__ import annotations

import re

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

# What a model may write after the fence to mean "this is Python".
_ALIASES = {
    "python": {"python", "py", "python3", "py3", "pycon", "ipython"},
    "cpp": {"cpp", "c++", "cc", "cxx"},
    "javascript": {"javascript", "js", "node"},
    "typescript": {"typescript", "ts"},
    "bash": {"bash", "sh", "shell", "zsh"},
}

_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


def split_reasoning(text: str) -> tuple[str, str]:
    """Split a completion into (reasoning, answer).

    `</think>` ends the reasoning even when `<think>` is missing (R1-style chat templates put the
    opening tag in the prompt). An opening tag that is never closed means the model ran out of
    tokens while thinking: all of it is reasoning and there is no answer yet.
    """
    close = text.find(THINK_CLOSE)
    if close >= 0:
        reasoning = text[:close]
        opening = reasoning.find(THINK_OPEN)
        if opening >= 0:
            reasoning = reasoning[opening + len(THINK_OPEN):]
        return reasoning.strip(), text[close + len(THINK_CLOSE):].strip()
    stripped = text.lstrip()
    if stripped.startswith(THINK_OPEN):
        return stripped[len(THINK_OPEN):].strip(), ""
    return "", text


def opens_thinking(prompt: str) -> bool:
    """Whether a prompt ends inside `<think>` (R1-style chat templates open it for the model)."""
    return prompt.rstrip().endswith(THINK_OPEN)


def reopen_thinking(text: str) -> str:
    """Put back the `<think>` the prompt opened, so a completion cut off while thinking reads as reasoning."""
    return text if text.lstrip().startswith(THINK_OPEN) else f"{THINK_OPEN}\n{text}"


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language tag, code), in order; an unterminated last fence runs to the end."""
    blocks: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence = opening["fence"]
        tag = opening["info"].strip().split(" ")[0].strip("{}.").lower() if opening["info"].strip() else ""
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence) \
                    and not closing["info"].strip():
                break
            body.append(lines[i])
            i += 1
        blocks.append((tag, "\n".join(body)))
        i += 1
    return blocks


def extract_code(text: str, language: str = "python") -> str | None:
    """The last non-empty fenced block of the answer in `language` (or untagged); None when there is none.

    Only the answer counts: code sketched while thinking is a draft, not a submission.
    Empty blocks are skipped because prompts show an empty block as the format to fill,
    and models sometimes echo it back.
    """
    _, answer = split_reasoning(text)
    language = language.lower()
    wanted = next((group for name, group in _ALIASES.items() if language == name or language in group),
                  {language}) | {""}
    for tag, code in reversed(code_blocks(answer)):
        if tag in wanted and code.strip():
            return code.strip("\n") + "\n"
    return None
