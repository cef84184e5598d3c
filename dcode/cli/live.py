"""What a person watches while `dcode solve` works, and the summary it ends with.

A rich Live panel on stderr, fed by the loop's events: the phase, candidate k of n,
tokens per second and the verdicts so far. Only on a terminal: piped output stays clean.
"""
from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from dcode.loops.events import (CandidateChecked, Event, Finished, InputsGenerated, PhaseChanged, PromptSent,
                                Started, TokenStreamed)
from dcode.loops.solve import SolveResult
from dcode.models.progress import Progress

VERDICT_STYLE = {"passed": "green", "wrong_answer": "red", "runtime_error": "magenta", "timeout": "yellow",
                 "memory_limit": "yellow", "syntax_error": "red", "sandbox_error": "bright_black",
                 "untested": "yellow"}


class LiveProgress:
    """An event subscriber that keeps a small live panel up to date."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live: Live | None = None
        self.phase = "starting"
        self.detail = ""
        self.samples_budget = 0
        self.candidates = 0
        self.verdicts: Counter[str] = Counter()
        self.tokens_per_s = 0.0
        self.call_tokens = 0
        self.probes = 0

    def __enter__(self) -> "LiveProgress":
        if self.console.is_terminal:
            self.live = Live(self._render(), console=self.console, refresh_per_second=8, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)
            self.live = None

    def progress(self, p: Progress) -> None:
        """The library's progress notes (a model loading) as a line above the panel."""
        if p.note:
            self.phase, self.detail = "loading", p.note
            if self.live is not None:
                self.live.update(self._render())

    def __call__(self, event: Event) -> None:
        if isinstance(event, Started):
            self.samples_budget = int(event.budget.get("samples", 0))
        elif isinstance(event, PhaseChanged):
            self.phase, self.detail = event.phase, event.detail
        elif isinstance(event, PromptSent):
            self.call_tokens = 0
        elif isinstance(event, TokenStreamed):
            self.call_tokens = event.tokens
            self.tokens_per_s = event.tokens_per_s
        elif isinstance(event, CandidateChecked):
            self.candidates += 1
            self.verdicts["duplicate" if event.duplicate_of else event.verdict] += 1
        elif isinstance(event, InputsGenerated):
            self.probes = len(event.inputs)
        elif isinstance(event, Finished):
            self.phase = "done"
        if self.live is not None:
            self.live.update(self._render())

    def _render(self) -> Group:
        head = Text.assemble(("dcode solve ", "bold"), (self.phase, "cyan"), f"  {self.detail}")
        if self.phase == "done" or not self.samples_budget:
            where = f"{self.candidates} candidate(s) tried"
        else:
            where = f"candidate {min(self.candidates + 1, self.samples_budget)} of {self.samples_budget}"
        line = Text(f"{where}   {self.call_tokens} tokens this call   {self.tokens_per_s:.1f} tok/s")
        if self.probes:
            line.append(f"   {self.probes} generated inputs")
        verdicts = Text("  ".join(f"{k} {v}" for k, v in sorted(self.verdicts.items())) or "no verdicts yet")
        for name, style in VERDICT_STYLE.items():
            verdicts.highlight_words([name], style)
        return Group(head, line, verdicts)


def _outcome(result: SolveResult) -> str:
    """The result line: what the final program passed, or why nothing is shown as a pass."""
    visible = result.visible is not None and bool(result.visible.results)
    visible_passed = result.visible is not None and result.visible.passed
    if result.status == "passed":
        return "[green]passed[/] every visible test" if visible else "[green]passed[/] every hidden test"
    hidden_failed = result.hidden is not None and not result.hidden.passed
    if result.status == "failed" and hidden_failed and (visible_passed or not visible):
        before = "it passed every visible test, but " if visible_passed else ""
        return f"[red]failed[/]: {before}the final program failed hidden tests"
    if result.status == "failed":
        return "[red]no candidate passed[/] every visible test"
    if result.status == "unverified":
        return f"[yellow]unverified[/]: {result.basis}"
    if any(c.code is not None for c in result.candidates):
        return "[red]no candidate[/]: no program the model wrote compiles"
    return "[red]no candidate[/]: the model wrote no code"


def _hidden_line(result: SolveResult) -> str:
    """How the final program did on the hidden tests; failures by number and verdict, never their contents."""
    assert result.hidden is not None
    style = "green" if result.hidden.passed else "red"
    line = f"[{style}]{result.hidden.n_passed}/{len(result.hidden.results)} passed[/]"
    failures = result.hidden_failures
    if failures:
        shown = ", ".join(f"#{n} {verdict}" for n, verdict in failures[:10])
        line += f"; failed: {shown}" + (f" and {len(failures) - 10} more" if len(failures) > 10 else "")
    elif not result.hidden.results:
        line += "; [red]they could not be run[/]"
    return line


def summary_table(result: SolveResult) -> Table:
    """The end-of-run summary: outcome, candidates, verdicts, tokens and time."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("result", _outcome(result))
    if result.visible is not None and result.visible.results:
        table.add_row("visible tests", f"{result.visible.n_passed}/{len(result.visible.results)} passed "
                                       f"by candidate {result.chosen}")
    if result.hidden is not None:
        table.add_row("hidden tests", _hidden_line(result))
    verdicts = Counter("duplicate" if c.duplicate_of else str(c.verdict) for c in result.candidates)
    table.add_row("candidates", f"{result.samples} tried ("
                  + ", ".join(f"{n} {v}" for v, n in verdicts.most_common()) + ")")
    table.add_row("stopped by", result.stop_reason)
    table.add_row("tokens", f"{result.completion_tokens} generated, {result.prompt_tokens} prompt")
    table.add_row("time", f"{result.time_s:.1f} s")
    return table
