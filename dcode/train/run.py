"""`dcode train` from start to end: build and select tasks, filter by difficulty, train in stages, export, compare.

Every step is a plain function, so a script can run any of them alone; the CLI runs them
in order and draws their progress. Nothing here is written outside the output folder,
except the user's registry entry when `export_name` is given.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcode.engines.base import Sampling
from dcode.errors import BadInput
from dcode.loops.prompts import PromptStyle, solve_prompt
from dcode.train.grpo import Recipe, train_stages
from dcode.train.select import Selection, filter_by_difficulty, pass_rates, select
from dcode.train.tasks import TaskSet, TrainTask

Say = Callable[[str], None]


@dataclass(frozen=True)
class Sources:
    tests: Path | None = None  # a pytest folder: one task per function its tests depend on
    problems: Path | None = None  # a folder of problem.md files or stubs
    jsonl: Path | None = None  # coding-contest rows: {"prompt", "tests"}


def build_tasks(sources: Sources, selection: Selection = Selection(), *, say: Say | None = None) -> TaskSet:
    """Every task the sources give, then the selection (tests, near-duplicates, held-out share)."""
    from dcode.train.problem_tasks import jsonl_tasks, problem_dir_tasks
    from dcode.train.pytest_tasks import function_tasks

    if not (sources.tests or sources.problems or sources.jsonl):
        raise BadInput("dcode train needs --tests DIR, --problems DIR or --jsonl FILE")
    built = TaskSet()
    if sources.tests is not None:
        function_tasks(sources.tests, built, on_progress=say)
    if sources.problems is not None:
        problem_dir_tasks(sources.problems, built)
    if sources.jsonl is not None:
        jsonl_tasks(sources.jsonl, built)
    return select(built, selection)


def start_model(model: str) -> tuple[Any, Any, Path | None]:
    """(model, tokenizer, folder it came from) for a model folder, a GGUF file, a registry model or a hub name.

    A registry model is a GGUF file; transformers dequantises it when it knows the
    architecture (gemma3, qwen2, llama and others), so the default model can be tuned too.
    """
    from dcode.config import load_settings
    from dcode.engines.transformers import load_pretrained
    from dcode.models.registry import lookup

    path = Path(model).expanduser()
    if path.is_dir():
        loaded, tokenizer = load_pretrained(path)
        return loaded, tokenizer, path
    if path.suffix == ".gguf":
        if not path.is_file():
            raise BadInput(f"{path}: no such model file")
        loaded, tokenizer = load_pretrained(path.parent, gguf_file=path)
        return loaded, tokenizer, None
    spec = lookup(model)
    if spec is not None:
        from dcode.models.store import ensure_local

        if spec.gguf is None:
            raise BadInput(f"model {model!r} has no GGUF file to start from; pass its Hugging Face name or folder")
        gguf = ensure_local(spec, load_settings({"model": model}))
        loaded, tokenizer = load_pretrained(gguf.parent, gguf_file=gguf)
        return loaded, tokenizer, None
    if "/" not in model:
        raise BadInput(f"unknown model {model!r}: a model folder, a .gguf file, a registry name or a hub name (org/name)")
    loaded, tokenizer = load_pretrained(model)
    return loaded, tokenizer, None


def style_of(tokenizer: Any) -> PromptStyle:
    return "chat" if getattr(tokenizer, "chat_template", None) else "complete"


def training_rows(tasks: list[TrainTask], style: PromptStyle) -> list[dict[str, Any]]:
    """The dataset TRL trains on: each task's prompt (text, or one user message) and its id for the reward."""
    rows = []
    for task in tasks:
        prompt = solve_prompt(task.problem, style)
        text: Any = [{"role": m.role, "content": m.content} for m in prompt.messages] if style == "chat" else prompt.text
        rows.append({"prompt": text, "task_id": task.id})
    return rows


@dataclass
class Outcome:
    tasks: TaskSet
    output: Path
    before: dict[str, float] = field(default_factory=dict)  # held-out task -> pass rate of the starting model
    after: dict[str, float] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)  # difficulty filter: training task -> pass rate
    exported: Any = None
    export_error: str = ""  # the export failed; the trained weights are still in `output`

    @property
    def before_mean(self) -> float | None:
        return sum(self.before.values()) / len(self.before) if self.before else None

    @property
    def after_mean(self) -> float | None:
        return sum(self.after.values()) / len(self.after) if self.after else None


def train(tasks: TaskSet, model_name: str, recipe: Recipe, output: Path, *, filter_samples: int = 8,
          too_hard: float = 0.0, too_easy: float = 1.0, eval_samples: int = 4, export_name: str = "",
          outtype: str = "f16", say: Say | None = None, on_step: Callable[[dict], None] | None = None) -> Outcome:
    """Filter, train, compare on the held-out tasks, export; the tasks file and metrics land in `output`."""
    import torch
    from datasets import Dataset

    from dcode.engines.transformers import TransformersEngine
    from dcode.train.export import export
    from dcode.train.reward import trl_reward

    say = say or (lambda _text: None)
    recipe.check()
    cuda = torch.cuda.is_available()
    say(f"loading {model_name} (transformers, {'CUDA' if cuda else 'CPU'})")
    model, tokenizer, source = start_model(model_name)
    if cuda:
        model = model.to("cuda")
    style = style_of(tokenizer)
    engine = TransformersEngine(model, tokenizer, name=model_name)
    sampling = Sampling(temperature=recipe.temperature, top_p=recipe.top_p, max_tokens=recipe.stages[0],
                        seed=recipe.seed)
    outcome = Outcome(tasks, output)
    if filter_samples > 0 and tasks.train:
        say(f"difficulty filter: {filter_samples} samples of each of {len(tasks.train)} training task(s)")
        outcome.rates = filter_by_difficulty(tasks, engine, style, samples=filter_samples, too_hard=too_hard,
                                             too_easy=too_easy, sampling=sampling)
        say("pass rates of the starting model: " + ", ".join(f"{k} {v:.0%}" for k, v in outcome.rates.items())
            + f"; {len(tasks.train)} kept")
    output.mkdir(parents=True, exist_ok=True)
    tasks.write(output / "tasks.jsonl")
    if not tasks.train:
        raise BadInput("no task is left to train on (see the dropped tasks and why: --dry-run shows them)")
    if tasks.heldout and eval_samples > 0:
        say(f"before: {eval_samples} samples of each of {len(tasks.heldout)} held-out task(s)")
        outcome.before = pass_rates(tasks.heldout, engine, style, samples=eval_samples, sampling=sampling)
    by_id = {t.id: t for t in tasks.train}
    dataset = Dataset.from_list(training_rows(tasks.train, style))
    rollout = None
    if style == "complete":  # a base model never says end-of-text after a function: stop where its program does
        from dcode.train.rollout import stopping_rollout

        rollout = stopping_rollout({r["prompt"]: solve_prompt(by_id[r["task_id"]].problem, style)
                                    for r in training_rows(tasks.train, style)}, tokenizer,
                                   temperature=recipe.temperature, top_p=recipe.top_p)
    trained = train_stages(model, tokenizer, dataset, trl_reward(by_id, style), recipe, output, cuda=cuda,
                           on_step=on_step, on_stage=lambda n, length: say(f"stage {n}: completions up to {length} tokens"),
                           rollout=rollout)
    if tasks.heldout and eval_samples > 0:
        say("after: the same held-out samples with the trained model")
        outcome.after = pass_rates(tasks.heldout, TransformersEngine(trained, tokenizer, name="trained"), style,
                                   samples=eval_samples, sampling=sampling)
    (output / "comparison.json").write_text(json.dumps({"before": outcome.before, "after": outcome.after,
                                                        "before_mean": outcome.before_mean,
                                                        "after_mean": outcome.after_mean}, indent=2) + "\n")
    say("exporting: merged Hugging Face folder, then GGUF with llama.cpp's converter")
    try:
        outcome.exported = export(trained, tokenizer, output / "export", tasks.train, base_model=model_name,
                                  source=source, name=export_name, outtype=outtype)
    except BadInput as e:
        hint = (" (a model started from a GGUF file carries no tokenizer.model for the converter: start from "
                "its Hugging Face folder or name to get a GGUF)") if source is None and "tokenizer.model" in str(e) else ""
        outcome.export_error = f"{e}{hint}; the merged model is in {output / 'export' / 'merged'}"
    return outcome
