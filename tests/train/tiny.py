"""A tiny Qwen2 made from a config, with a character tokenizer small enough to learn in seconds on a CPU.

The tokenizer is a SentencePiece character model (its `tokenizer.model` travels with the
model folder, so llama.cpp's converter can export it) and the same vocabulary as a fast
Hugging Face tokenizer for training. `warm_start` teaches the answer's shape (`return <digit>`
and then the end) with a few supervised steps, so that the task is one the model sometimes
solves: a reward it never earns teaches nothing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_()[]{}:=+-*/<>.,'\"#\n "
PROMPT_HEAD = 'def answer():\n    """Return a number."""\n'


def char_tokenizer(folder: Path):
    import sentencepiece as spm
    from tokenizers import Tokenizer, decoders, models, normalizers
    from transformers import PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join([ALPHABET.replace("\n", "") * 3, "def answer(): return 7 if x else 0"] * 50) + "\n")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(folder / "sp"), model_type="char",
                                   vocab_size=len(set(ALPHABET)) + 3, character_coverage=1.0, user_defined_symbols=["\n"],
                                   normalization_rule_name="identity", remove_extra_whitespaces=False,
                                   unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2)
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sp.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Replace(" ", "▁")
    tokenizer.decoder = decoders.Replace("▁", " ")
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="</s>")
    fast.save_pretrained(str(folder))
    shutil.copy(folder / "sp.model", folder / "tokenizer.model")  # what llama.cpp's converter reads
    return fast


def tiny_qwen2(folder: Path, seed: int = 0):
    """The model and its tokenizer, saved in `folder` as a Hugging Face model folder."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tokenizer = char_tokenizer(folder)
    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=2)
    model = Qwen2ForCausalLM(config)
    model.generation_config.pad_token_id = 2
    model.save_pretrained(str(folder))
    return model, tokenizer


def warm_start(model, tokenizer, steps: int = 150, seed: int = 0) -> None:
    """Supervised steps on `return d` for every digit d, each followed by the end of text."""
    import torch

    torch.manual_seed(seed)
    texts = [f"{PROMPT_HEAD}    return {d}" for d in range(10)]
    batch = tokenizer([t + tokenizer.eos_token for t in texts], return_tensors="pt", padding=True)
    labels = batch["input_ids"].clone()
    labels[batch["attention_mask"] == 0] = -100
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    model.eval()
