"""GRPO+ on TRL: the DeepCoder recipe as GRPOTrainer settings, run in stages of growing completion length.

GRPO+ (DeepCoder, after DAPO): no KL term (beta 0) and no entropy loss (TRL has none),
clip-high (epsilon 0.2 low, 0.28 high), overlong filtering (TRL's mask_truncated_completions:
a completion cut off by the length limit is left out of the loss, so a model is not
taught that stopping early is right), token-level normalisation (loss_type "dapo"),
and one update epoch per batch. DeepCoder's 14B defaults are here; flags scale them
down for small machines, and the run's configuration says what was used.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dcode.errors import BadInput


@dataclass(frozen=True)
class Recipe:
    """What one training run does. Defaults: DeepCoder-14B's run (../shared/deepcoder-facts.md)."""

    learning_rate: float = 1e-6
    group_size: int = 8  # samples per prompt (DeepCoder: 8; 8-16 works)
    prompts_per_step: int = 16  # DeepCoder: 128 per batch on 32 GPUs
    temperature: float = 0.6
    top_p: float = 0.95
    epsilon_low: float = 0.2
    epsilon_high: float = 0.28
    grad_clip: float = 1.0
    stages: tuple[int, ...] = (16384, 32768)  # max completion tokens per stage; each resumes the last
    steps: tuple[int, ...] = (160, 100)  # optimiser steps per stage
    adapter: str = "lora"  # "lora", "qlora" (4-bit, a CUDA GPU) or "full"
    lora_rank: int = 16
    lora_alpha: int = 32
    vllm: bool = False  # generate with vLLM (colocated) instead of transformers: a GPU, and the vllm package
    seed: int = 0
    tensorboard: bool = False
    save_steps: int = 50
    extra: dict[str, Any] = field(default_factory=dict)  # GRPOConfig fields beyond these (accelerate, DeepSpeed)

    def check(self) -> None:
        if len(self.stages) != len(self.steps) or not self.stages:
            raise BadInput("--stages and --steps need one value per stage, e.g. --stages 4096,8192 --steps 100,50")
        if any(s <= 0 for s in (*self.stages, *self.steps)) or self.group_size < 2 or self.prompts_per_step < 1:
            raise BadInput("stages, steps and prompts per step must be positive, and the group size at least 2")
        if self.adapter not in ("lora", "qlora", "full"):
            raise BadInput(f"--adapter must be lora, qlora or full, not {self.adapter!r}")
        if list(self.stages) != sorted(self.stages):
            raise BadInput("--stages must grow: each stage lengthens the completions of the last")


def grpo_config(recipe: Recipe, stage: int, output_dir: Path, *, cuda: bool) -> Any:
    """TRL's GRPOConfig for one stage of the recipe."""
    from trl import GRPOConfig

    completions = recipe.group_size * recipe.prompts_per_step
    values: dict[str, Any] = dict(
        output_dir=str(output_dir), learning_rate=recipe.learning_rate, max_steps=recipe.steps[stage],
        beta=0.0, epsilon=recipe.epsilon_low, epsilon_high=recipe.epsilon_high, loss_type="dapo",
        mask_truncated_completions=True, num_iterations=1, max_grad_norm=recipe.grad_clip,
        num_generations=recipe.group_size, per_device_train_batch_size=completions, gradient_accumulation_steps=1,
        max_completion_length=recipe.stages[stage], temperature=recipe.temperature, top_p=recipe.top_p,
        seed=recipe.seed, logging_steps=1, save_steps=recipe.save_steps, save_total_limit=2,
        report_to=["tensorboard"] if recipe.tensorboard else [], bf16=cuda, use_cpu=not cuda,
        lr_scheduler_type="constant", warmup_steps=0, disable_tqdm=True, remove_unused_columns=False,
    )
    if recipe.vllm:
        values.update(use_vllm=True, vllm_mode="colocate")
    values.update(recipe.extra)
    return GRPOConfig(**values)


def peft_config(recipe: Recipe) -> Any:
    if recipe.adapter == "full":
        return None
    from peft import LoraConfig

    return LoraConfig(r=recipe.lora_rank, lora_alpha=recipe.lora_alpha, lora_dropout=0.0, target_modules="all-linear",
                      task_type="CAUSAL_LM")


def quantization(recipe: Recipe, cuda: bool) -> Any:
    """QLoRA's 4-bit weights (bitsandbytes), only where a CUDA GPU exists."""
    if recipe.adapter != "qlora":
        return None
    if not cuda:
        raise BadInput("--adapter qlora needs a CUDA GPU (bitsandbytes); use lora on the CPU")
    from transformers import BitsAndBytesConfig
    import torch

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)


class MetricsLog:
    """TRL's logs as JSONL, one row per step: reward mean (= pass rate: rewards are 0 or 1), completion
    length, clip ratio; `on_step` hears each row (the CLI's progress display)."""

    KEYS = {"reward": "reward_mean", "reward_std": "reward_std", "completions/mean_length": "completion_length",
            "completions/clipped_ratio": "truncated_ratio", "clip_ratio/region_mean": "clip_ratio",
            "loss": "loss", "grad_norm": "grad_norm", "learning_rate": "learning_rate"}

    def __init__(self, path: Path, stage: int, on_step: Callable[[dict], None] | None = None) -> None:
        self.path, self.stage, self.on_step = path, stage, on_step
        self.written: set[int] = set()  # steps of this stage already in the log (a resumed run logs each once)
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if row.get("stage") == stage:
                    self.written.add(row.get("step"))

    def callback(self):
        from transformers import TrainerCallback

        log = self

        class _Callback(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                if logs and "reward" in logs:
                    log.write(state.global_step, logs)

        return _Callback()

    def write(self, step: int, logs: dict) -> None:
        if step in self.written:
            return
        self.written.add(step)
        row = {"stage": self.stage, "step": step, **{name: logs[key] for key, name in self.KEYS.items() if key in logs}}
        if "reward_mean" in row:
            row["pass_rate"] = row["reward_mean"]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        if self.on_step is not None:
            self.on_step(row)


def _last_checkpoint(folder: Path) -> Path | None:
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]) if p.name.split("-")[-1]
                   .isdigit() else -1)
    return found[-1] if found else None


def train_stages(model: Any, tokenizer: Any, dataset: Any, reward: Callable, recipe: Recipe, output_dir: Path, *,
                 cuda: bool, on_step: Callable[[dict], None] | None = None,
                 on_stage: Callable[[int, int], None] | None = None, rollout: Callable | None = None) -> Any:
    """Every stage in turn on the same weights (stage k starts where stage k-1 ended); a finished stage is
    skipped and an unfinished one resumes from its last checkpoint. Returns the trained model.
    `rollout` replaces TRL's transformers generation (train/rollout.py: samples that end where the program does)."""
    from trl import GRPOTrainer

    recipe.check()
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "recipe.json").write_text(json.dumps(asdict(recipe), indent=2) + "\n", encoding="utf-8")
    peft = peft_config(recipe)
    for stage, length in enumerate(recipe.stages):
        folder = output_dir / f"stage-{stage + 1}"
        done = folder / "done"
        if done.is_file():  # finished before: take its weights and go on
            model = _load_stage(model, folder / "final")
            continue
        if on_stage is not None:
            on_stage(stage + 1, length)
        trainer = GRPOTrainer(model=model, reward_funcs=reward, args=grpo_config(recipe, stage, folder, cuda=cuda),
                              train_dataset=dataset, processing_class=tokenizer,
                              callbacks=[MetricsLog(output_dir / "metrics.jsonl", stage + 1, on_step).callback()],
                              peft_config=peft if stage == 0 and not _is_peft(model) else None,
                              rollout_func=None if recipe.vllm else rollout)
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # the metrics log and the caller's display say it instead
        trainer.train(resume_from_checkpoint=str(_last_checkpoint(folder)) if _last_checkpoint(folder) else None)
        model = trainer.model
        model.save_pretrained(str(folder / "final"))
        done.write_text(json.dumps({"stage": stage + 1, "max_completion_length": length}) + "\n")
    return model


def _load_stage(model: Any, saved: Path) -> Any:
    """The weights a finished stage saved: its adapter on the model (LoRA), or the whole model (full)."""
    from peft import PeftModel

    if (saved / "adapter_config.json").is_file():
        if isinstance(model, PeftModel):
            model.load_adapter(str(saved), adapter_name="default", is_trainable=True)
            return model
        return PeftModel.from_pretrained(model, str(saved), is_trainable=True)
    return type(model).from_pretrained(str(saved))


def _is_peft(model: Any) -> bool:
    try:
        from peft import PeftModel
    except ImportError:
        return False
    return isinstance(model, PeftModel)
