"""`dcode train`: GRPO+ on the user's own tests, from tasks to a registered GGUF, with its progress drawn."""
from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dcode.errors import BadInput


def _numbers(flag: str, text: str, kind=int) -> tuple:
    try:
        values = tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise BadInput(f"{flag} takes comma-separated numbers, e.g. 4096,8192; got {text!r}") from None
    if not values:
        raise BadInput(f"{flag} needs at least one number")
    return values


def _share(flag: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise BadInput(f"{flag} is a share between 0 and 1, got {value}")
    return value


def tasks_table(tasks, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("task", "where", "tests"):
        table.add_column(column, overflow="fold")
    for t in tasks:
        table.add_row(t.id, t.where, "\n".join(t.tests[:4]) + (f"\n… {len(t.tests) - 4} more" if len(t.tests) > 4 else ""))
    return table


def print_tasks(taskset, out: Console) -> None:
    out.print(tasks_table(taskset.train, f"{len(taskset.train)} task(s) to train on"))
    out.print(tasks_table(taskset.heldout, f"{len(taskset.heldout)} held out for evaluation"))
    if taskset.dropped:
        table = Table(title=f"{len(taskset.dropped)} dropped", title_justify="left")
        for column in ("task", "where", "why"):
            table.add_column(column, overflow="fold")
        for d in taskset.dropped:
            table.add_row(d.id, d.where, d.reason)
        out.print(table)


def train_command(*, tests: Path | None, problems: Path | None, jsonl: Path | None, model: str | None, output: Path,
                  dry_run: bool, as_json: bool, heldout: float, similarity: float, min_tests: int, max_tests: int,
                  filter_samples: int, too_hard: float, too_easy: float, eval_samples: int, group_size: int,
                  prompts_per_step: int, learning_rate: float, temperature: float, stages: str, steps: str,
                  adapter: str, lora_rank: int, vllm: bool, tensorboard: bool, seed: int, export_name: str,
                  outtype: str, out: Console, err: Console, ray: str | None = None) -> int:
    from dcode.train.grpo import Recipe
    from dcode.train.run import Sources, build_tasks
    from dcode.train.select import Selection

    for path, flag in ((tests, "--tests"), (problems, "--problems"), (jsonl, "--jsonl")):
        if path is not None and not path.exists():
            raise BadInput(f"{path}: no such {'file' if flag == '--jsonl' else 'folder'} ({flag})")
    recipe = Recipe(learning_rate=learning_rate, group_size=group_size, prompts_per_step=prompts_per_step,
                    temperature=temperature, stages=_numbers("--stages", stages), steps=_numbers("--steps", steps),
                    adapter=adapter, lora_rank=lora_rank, lora_alpha=2 * lora_rank, vllm=vllm, tensorboard=tensorboard,
                    seed=seed)
    recipe.check()
    if tensorboard:
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:
            raise BadInput("--tensorboard needs the tensorboard package (pip install tensorboard)")
    selection = Selection(min_tests=min_tests, max_tests=max_tests, similarity=_share("--similarity", similarity),
                          heldout=_share("--heldout", heldout), seed=seed)
    from dcode.cli.cluster import use_ray

    use_ray(ray, err)
    with err.status("building tasks: running the tests in the sandbox"):
        taskset = build_tasks(Sources(tests, problems, jsonl), selection, say=lambda text: err.print(f"dcode: {text}"))
    if dry_run:
        if as_json:
            out.print_json(json.dumps(taskset.as_json()))
        else:
            print_tasks(taskset, out)
        return 0
    if not taskset.train:
        print_tasks(taskset, err)
        raise BadInput("no task to train on (the tables above say why each was dropped)")
    return _train(taskset, model, recipe, output, filter_samples=filter_samples, too_hard=_share("--too-hard", too_hard),
                  too_easy=_share("--too-easy", too_easy), eval_samples=eval_samples, export_name=export_name,
                  outtype=outtype, as_json=as_json, out=out, err=err)


def _train(taskset, model: str | None, recipe, output: Path, *, filter_samples: int, too_hard: float, too_easy: float,
           eval_samples: int, export_name: str, outtype: str, as_json: bool, out: Console, err: Console) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dcode.config import load_settings
    from dcode.train.run import train

    model = model or load_settings().model
    total = sum(recipe.steps)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                  TimeElapsedColumn(), console=err) as progress:
        bar = progress.add_task("training", total=total)

        def on_step(row: dict) -> None:
            progress.update(bar, completed=min(total, sum(recipe.steps[:row["stage"] - 1]) + row["step"]),
                            description=f"stage {row['stage']} · reward {row.get('reward_mean', 0):.2f} · "
                                        f"length {row.get('completion_length', 0):.0f} · "
                                        f"clip {row.get('clip_ratio', 0):.2f}")

        outcome = train(taskset, model, recipe, output, filter_samples=filter_samples, too_hard=too_hard,
                        too_easy=too_easy, eval_samples=eval_samples, export_name=export_name, outtype=outtype,
                        say=lambda text: progress.console.print(f"dcode: {text}"), on_step=on_step)
    exported = outcome.exported
    summary = {"output": str(output), "trained_on": len(taskset.train), "held_out": len(taskset.heldout),
               "before": outcome.before_mean, "after": outcome.after_mean,
               "gguf": str(exported.gguf) if exported else None, "hf_folder": str(exported.hf_folder) if exported else None,
               "manifest": str(exported.manifest) if exported else None,
               "model": (exported.name or None) if exported else None, "export_error": outcome.export_error or None}
    if as_json:
        out.print_json(json.dumps(summary))
        return 1 if outcome.export_error else 0
    if outcome.before:
        table = Table(title="held-out tasks: pass rate before and after", title_justify="left")
        for column in ("task", "before", "after"):
            table.add_column(column)
        for task_id, rate in outcome.before.items():
            table.add_row(task_id, f"{rate:.0%}", f"{outcome.after.get(task_id, 0):.0%}")
        table.add_row("mean", f"{outcome.before_mean:.0%}", f"{outcome.after_mean or 0:.0%}", style="bold")
        out.print(table)
    if outcome.export_error:
        err.print(f"dcode: trained, but not exported: {outcome.export_error}")
        return 1
    err.print(f"dcode: GGUF {exported.gguf}; Hugging Face folder {exported.hf_folder}")
    if exported.name:
        err.print(f"dcode: registered as {exported.name}: DCODE_MODEL={exported.name} dcode solve problem.md")
    return 0
