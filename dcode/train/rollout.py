"""Generation for training that ends where the program does, as the engines' stop sequences make it end.

TRL's own transformers generation knows no stop strings, so a base model (which never
says end-of-text after a function) would run every sample to the length limit, and
overlong filtering would mask them all: no signal. This rollout (TRL's `rollout_func`)
generates the same way but stops each sample where its prompt says the program is over
(a stop sequence, or the end of the function's block), and ends it with the end-of-text
token, since the answer is complete there.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from dcode.loops.prompts import Prompt


class _Ends:
    """Stopping criteria: every sample of the batch is over (its prompt's `end_of`)."""

    def __init__(self, tokenizer: Any, start: int, prompt: Prompt) -> None:
        self.tokenizer, self.start, self.prompt = tokenizer, start, prompt

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        texts = self.tokenizer.batch_decode(input_ids[:, self.start:], skip_special_tokens=True)
        return torch.tensor([self.prompt.end_of(t) is not None for t in texts], dtype=torch.bool,
                            device=input_ids.device)


def _cut(tokenizer: Any, ids: list[int], prompt: Prompt, eos: int) -> list[int]:
    """The sample's ids up to the token that ends it, then end-of-text; as they are when nothing ended it."""
    if eos in ids:
        return ids[:ids.index(eos) + 1]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    end = prompt.end_of(text)
    if end is None:
        return ids  # cut off by the length limit: overlong filtering leaves it out of the loss
    for k in range(1, len(ids) + 1):
        if len(tokenizer.decode(ids[:k], skip_special_tokens=True)) > end:
            return ids[:k] + [eos]
    return ids + [eos]


def stopping_rollout(prompts_by_text: dict[str, Prompt], tokenizer: Any, *, temperature: float, top_p: float):
    """TRL's rollout_func: each dataset prompt text names its `Prompt` (whose stops and block end apply)."""
    def rollout(prompts: list[Any], trainer: Any) -> dict[str, Any]:
        import torch
        from transformers import StoppingCriteriaList

        model = trainer.accelerator.unwrap_model(trainer.model)
        eos = tokenizer.eos_token_id
        out: dict[str, Any] = {"prompt_ids": [None] * len(prompts), "completion_ids": [None] * len(prompts)}
        groups: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(prompts):
            groups[p if isinstance(p, str) else repr(p)].append(i)
        for key, indices in groups.items():
            given = prompts[indices[0]]
            text = given if isinstance(given, str) else tokenizer.apply_chat_template(
                given, tokenize=False, add_generation_prompt=True)
            prompt = prompts_by_text.get(key) or Prompt("chat")
            inputs = tokenizer(text, return_tensors="pt").to(model.device)
            start = inputs["input_ids"].shape[1]
            was_training = model.training
            model.eval()
            with torch.no_grad():
                rows = model.generate(**inputs, do_sample=True, temperature=temperature, top_p=top_p,
                                      max_new_tokens=trainer.max_completion_length, num_return_sequences=len(indices),
                                      stopping_criteria=StoppingCriteriaList([_Ends(tokenizer, start, prompt)]),
                                      pad_token_id=tokenizer.pad_token_id)
            if was_training:
                model.train()
            prompt_ids = inputs["input_ids"][0].tolist()
            for i, row in zip(indices, rows[:, start:].tolist()):
                if tokenizer.pad_token_id is not None and tokenizer.pad_token_id != eos:
                    row = [t for t in row if t != tokenizer.pad_token_id]
                out["prompt_ids"][i] = prompt_ids
                out["completion_ids"][i] = _cut(tokenizer, row, prompt, eos)[:trainer.max_completion_length]
        out["logprobs"] = None
        return out

    return rollout
