"""The Markdown report of one or more runs, with PNG plots: what a person reads, and can reproduce.

It states each run's budget and the exact command that made it, so a number in it can be
checked by running that command again. Plots are drawn with matplotlib's object API
(`Figure`, never pyplot's global state), so it works headless and from any thread.
"""
from __future__ import annotations

from pathlib import Path

from dcode.errors import BadInput
from dcode.eval.compare import Comparison
from dcode.eval.summary import RunSummary


def _figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise BadInput("plots need matplotlib (pip install 'dcode[eval]')") from None
    return Figure(figsize=(6.4, 3.6), dpi=110, layout="constrained")


def plot_pass_at_k(runs: list[RunSummary], path: Path) -> None:
    """pass@k against the model samples it costs: k programs of a solve run of S samples cost k x S.

    Drawn that way, a loop and plain sampling meet on one axis at an equal budget.
    """
    fig = _figure()
    ax = fig.add_subplot()
    ticks: set[int] = set()
    for run in runs:
        per = run.config.samples_per_solve or 1
        ks = sorted(run.pass_at_k)
        ticks.update(k * per for k in ks)
        ax.plot([k * per for k in ks], [run.pass_at_k[k] for k in ks], marker="o", label=run.config.label)
    ax.set_xlabel("model samples per problem (k programs x samples per program)")
    ax.set_ylabel("pass@k")
    top = max((max(r.pass_at_k.values(), default=0) for r in runs), default=0)
    ax.set_ylim(0, max(0.05, min(1.0, 1.15 * top)))
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(ticks), [str(t) for t in sorted(ticks)])
    ax.minorticks_off()
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("pass@k per configuration, at the budget it costs")
    fig.savefig(path)


def _bars(runs: list[RunSummary], values: list[float], ylabel: str, title: str, path: Path) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    labels = [r.config.label for r in runs]
    ax.bar(range(len(runs)), values, color="#4c72b0")
    ax.set_xticks(range(len(runs)), labels, fontsize="small")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    for i, v in enumerate(values):
        ax.annotate(f"{v:,.0f}" if v >= 10 else f"{v:.2f}", (i, v), ha="center", va="bottom", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path)


def plot_tokens_per_solved(runs: list[RunSummary], path: Path) -> None:
    _bars(runs, [r.tokens_per_solved or 0.0 for r in runs], "generated tokens / problem solved",
          "tokens per solved problem (0: none solved)", path)


def plot_time_per_problem(runs: list[RunSummary], path: Path) -> None:
    fig = _figure()
    ax = fig.add_subplot()
    ax.boxplot([[p.time_s for p in r.problems] for r in runs], tick_labels=[r.config.label for r in runs])
    ax.set_ylabel("seconds per problem (all its samples)")
    ax.set_title("time per problem")
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _summary_table(runs: list[RunSummary]) -> list[str]:
    ks = sorted({k for r in runs for k in r.pass_at_k})
    head = ["configuration", "problems", "samples", *[f"pass@{k}" for k in ks], "solved", "model samples",
            "tokens", "tokens / solved", "s / problem"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        cells = [r.config.label, str(len(r.problems)), str(r.samples),
                 *[_fmt(r.pass_at_k.get(k)) for k in ks], str(r.solved), str(r.model_samples), f"{r.tokens:,}",
                 "–" if r.tokens_per_solved is None else f"{r.tokens_per_solved:,.0f}", f"{r.time_per_problem_s:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _problem_table(runs: list[RunSummary]) -> list[str]:
    order = list(dict.fromkeys(p.problem for r in runs for p in r.problems))
    by_run = [{p.problem: p for p in r.problems} for r in runs]
    lines = ["| problem | " + " | ".join(r.config.label for r in runs) + " |", "|---|" + "---|" * len(runs)]
    for pid in order:
        cells = [f"{m[pid].passed}/{m[pid].n}" if pid in m else "" for m in by_run]
        lines.append(f"| {pid} | " + " | ".join(cells) + " |")
    return lines


def write_report(runs: list[RunSummary], folder: Path, *, comparisons: list[Comparison] = (),
                 notes: list[str] = (), title: str = "dcode eval") -> Path:
    """report.md and its plots in `folder` (made if missing); returns the report's path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BadInput(f"{folder}: cannot make the report folder: {e.strerror}") from None
    plot_pass_at_k(runs, folder / "pass_at_k.png")
    plot_tokens_per_solved(runs, folder / "tokens_per_solved.png")
    plot_time_per_problem(runs, folder / "time_per_problem.png")
    lines = [f"# {title}", "", "## How each run was made", ""]
    for r in runs:
        c = r.config
        lines += [f"- **{c.label}** ({c.id}): suite `{c.suite}` from {c.suite_source}, model `{c.model}` on "
                  f"`{c.engine}`, temperature {c.temperature}, top-p {c.top_p}, seed {c.seed}. Budget: {c.budget}.",
                  "", "  ```", f"  {r.command or '(command not recorded)'}", "  ```", ""]
    lines += ["## Results", "", *_summary_table(runs), ""]
    skipped = sorted({k for r in runs for k in r.ks_skipped})
    if skipped:
        lines += [f"pass@{', pass@'.join(map(str, skipped))} not shown: some problem has fewer samples than k.", ""]
    if comparisons:
        lines += ["## Compared", ""]
        for cmp in comparisons:
            lines.append(f"- {cmp.other.config.label} against {cmp.base.config.label}: {cmp.verdict()}.")
            if cmp.ratio is not None and cmp.ratio_interval is not None:
                lines.append(f"  Ratio {cmp.ratio:.2f}x (95% interval {cmp.ratio_interval.low:.2f}x to "
                             f"{cmp.ratio_interval.high:.2f}x).")
            lines.append(f"  Gained: {', '.join(cmp.gained) or 'none'}. Lost: {', '.join(cmp.lost) or 'none'}.")
        lines.append("")
    lines += ["## Plots", "", "![pass@k](pass_at_k.png)", "", "![tokens per solved problem](tokens_per_solved.png)", "",
              "![time per problem](time_per_problem.png)", ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    lines += ["## Per problem", "", "Passing samples out of samples.", "", *_problem_table(runs), ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
