"""GRPO+ learns on the CPU: a tiny Qwen2 made from a config, rewarded by the real sandbox, gets better.

The task ("return a number of at least 7") is one the warm-started model solves about
3 times in 10, so every group of samples has rewards to compare; its mean reward must
rise clearly over a few dozen seeded steps.
"""
from __future__ import annotations

import json

import pytest

from dcode.problem.types import AssertTest, Problem
from dcode.train.grpo import Recipe, grpo_config, train_stages
from dcode.train.reward import rewards, trl_reward
from dcode.train.tasks import TrainTask
from tiny import PROMPT_HEAD, tiny_qwen2, warm_start

pytest.importorskip("trl", reason="the train extra is installed by make test")


def toy_task() -> TrainTask:
    problem = Problem(statement=PROMPT_HEAD, tests=[AssertTest("assert answer() >= 7", name="at least 7")],
                      style="function", function_name="answer", starter_code=PROMPT_HEAD)
    return TrainTask("toy", "problem", problem, "toy", ("at least 7",))


def test_the_reward_is_one_only_when_every_test_passes_in_the_sandbox():
    task = toy_task()
    assert rewards([task] * 4, ["    return 9", "    return 3", "    return 9 +", "    import os; os._exit(0)"],
                   "complete") == [1.0, 0.0, 0.0, 0.0]


def test_the_trainer_has_the_grpo_plus_settings(tmp_path):
    config = grpo_config(Recipe(), 0, tmp_path, cuda=False)
    assert (config.beta, config.epsilon, config.epsilon_high, config.loss_type) == (0.0, 0.2, 0.28, "dapo")
    assert config.mask_truncated_completions and config.num_iterations == 1 and config.max_grad_norm == 1.0
    assert (config.learning_rate, config.num_generations, config.temperature) == (1e-6, 8, 0.6)
    assert config.max_completion_length == 16384 and grpo_config(Recipe(), 1, tmp_path, cuda=False).max_completion_length == 32768
    assert config.per_device_train_batch_size % config.num_generations == 0


def test_a_tiny_qwen2_learns_a_toy_task_with_the_sandbox_reward(tmp_path):
    from datasets import Dataset

    model, tokenizer = tiny_qwen2(tmp_path / "tiny")
    warm_start(model, tokenizer)
    task = toy_task()
    steps: list[dict] = []
    recipe = Recipe(learning_rate=1e-3, group_size=8, prompts_per_step=2, stages=(16, 24), steps=(24, 16),
                    adapter="full", temperature=1.0, top_p=1.0, save_steps=10)
    dataset = Dataset.from_list([{"prompt": PROMPT_HEAD, "task_id": "toy"}] * 64)
    train_stages(model, tokenizer, dataset, trl_reward({"toy": task}, "complete"), recipe, tmp_path / "run",
                 cuda=False, on_step=steps.append)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows == steps and [r["stage"] for r in rows] == [1] * 24 + [2] * 16
    assert {"reward_mean", "pass_rate", "completion_length", "clip_ratio"} <= set(rows[0])
    first = sum(r["reward_mean"] for r in rows[:8]) / 8
    last = sum(r["reward_mean"] for r in rows[-8:]) / 8
    print(f"mean reward: first 8 steps {first:.2f}, last 8 steps {last:.2f}")
    assert last >= first + 0.25, (first, last)
    assert (tmp_path / "run" / "stage-2" / "done").is_file() and (tmp_path / "run" / "recipe.json").is_file()


@pytest.mark.parametrize("name, stage, processes", [("zero2", 2, 8), ("zero3", 3, 32)])
def test_the_shipped_deepspeed_configs_are_read_by_accelerate(name, stage, processes):
    from importlib.resources import files

    from accelerate.commands.config.config_args import load_config_from_file

    path = files("dcode.train") / "accelerate" / f"{name}.yaml"
    config = load_config_from_file(str(path))
    assert str(config.distributed_type).endswith("DEEPSPEED") and config.deepspeed_config["zero_stage"] == stage
    assert config.num_processes == processes and config.mixed_precision == "bf16"


def test_a_finished_stage_is_not_trained_again_and_an_unfinished_one_resumes(tmp_path):
    from datasets import Dataset

    model, tokenizer = tiny_qwen2(tmp_path / "tiny")
    task = toy_task()
    dataset = Dataset.from_list([{"prompt": PROMPT_HEAD, "task_id": "toy"}] * 16)
    recipe = Recipe(learning_rate=1e-3, group_size=4, prompts_per_step=1, stages=(8, 12), steps=(2, 2),
                    adapter="lora", lora_rank=4, save_steps=1, temperature=1.0, top_p=1.0)
    reward = trl_reward({"toy": task}, "complete")
    train_stages(model, tokenizer, dataset, reward, recipe, tmp_path / "run", cuda=False)
    (tmp_path / "run" / "stage-2" / "done").unlink()  # as if stopped during stage 2, after its last checkpoint
    metrics = tmp_path / "run" / "metrics.jsonl"

    def steps_of(stage: int) -> list[int]:
        return [r["step"] for r in map(json.loads, metrics.read_text().splitlines()) if r["stage"] == stage]

    assert steps_of(1) == [1, 2]
    again, _ = tiny_qwen2(tmp_path / "fresh")
    resumed = train_stages(again, tokenizer, dataset, reward, recipe, tmp_path / "run", cuda=False)
    assert steps_of(1) == [1, 2]  # the finished stage is not trained again: its adapter is loaded
    assert (tmp_path / "run" / "stage-2" / "done").is_file() and len(steps_of(2)) == len(set(steps_of(2)))
    assert type(resumed).__name__ == "PeftModelForCausalLM"


def test_the_transformers_engine_samples_n_stops_at_stop_strings_and_says_why_it_ended(tmp_path):
    from dcode.engines.base import Message, Sampling
    from dcode.engines.transformers import TransformersEngine
    from dcode.errors import BadInput

    model, tokenizer = tiny_qwen2(tmp_path / "tiny")
    warm_start(model, tokenizer, steps=80)
    engine = TransformersEngine(model, tokenizer, name="tiny")
    done = engine.complete(PROMPT_HEAD, Sampling(n=3, max_tokens=16, temperature=1.0, seed=1))
    assert len(done) == 3 and all(c.text.startswith("    return ") and c.finish_reason == "stop" for c in done)
    cut = engine.complete(PROMPT_HEAD, Sampling(n=2, max_tokens=16, seed=1, stop=("return",)))
    assert all(c.text == "    " for c in cut)
    short = engine.complete(PROMPT_HEAD, Sampling(n=1, max_tokens=3, seed=1))
    assert short[0].finish_reason == "length" and short[0].completion_tokens == 3
    with pytest.raises(BadInput, match="no chat template"):
        engine.chat([Message("user", "hi")])
