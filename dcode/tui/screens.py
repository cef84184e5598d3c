"""The app's dialogs: a question with one or two fields, a model list, a file picker, the problem editor.

Each returns its answer through `dismiss` (None when the user pressed Esc), so the app's
actions read as plain callbacks and every dialog works with the keyboard alone.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, OptionList, TextArea

PROBLEM_SUFFIXES = {".md", ".markdown", ".txt", ".py"}


class AskScreen(ModalScreen[list[str] | None]):
    """One question, one or more fields (Enter in the last one answers); Esc gives up."""

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 76; height: auto; border: round $accent; padding: 0 1; background: $surface; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, question: str, fields: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.question, self.fields = question, list(fields)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            for i, (placeholder, value) in enumerate(self.fields):
                yield Input(value, placeholder=placeholder, id=f"field-{i}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        if event.input is not inputs[-1]:
            inputs[inputs.index(event.input) + 1].focus()
            return
        self.dismiss([i.value for i in inputs])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ModelScreen(ModalScreen[str | None]):
    """The installed models; Enter switches to the highlighted one."""

    DEFAULT_CSS = """
    ModelScreen { align: center middle; }
    ModelScreen > Vertical { width: 60; height: auto; max-height: 80%; border: round $accent; background: $surface; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, models: Sequence[str], current: str) -> None:
        super().__init__()
        self.models, self.current = list(models), current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Switch to the model:")
            yield OptionList(*[f"{m}  (in use)" if m == self.current else m for m in self.models], id="models")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.models[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ProblemTree(DirectoryTree):
    """Folders and the files a problem can be read from; hidden folders (.git, .venv) left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or p.suffix.lower() in PROBLEM_SUFFIXES)]


class PickerScreen(ModalScreen[Path | None]):
    """Choose a problem file (a .md problem or a .py stub) from the folder dcode was started in."""

    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical { width: 90%; height: 80%; border: round $accent; background: $surface; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Open a problem (.md or a .py stub) under {self.root}:")
            yield ProblemTree(self.root, id="picker")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class EditScreen(ModalScreen[str | None]):
    """The problem's text to edit: Ctrl+S applies it (in memory: the file is never written), Esc drops it."""

    DEFAULT_CSS = """
    EditScreen { align: center middle; }
    EditScreen > Vertical { width: 96%; height: 90%; border: round $accent; background: $surface; }
    EditScreen TextArea { height: 1fr; }
    """
    BINDINGS = [Binding("ctrl+s", "apply", "Apply"), Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, text: str, language: str | None, problem_in: Callable[[str], str | None]) -> None:
        super().__init__()
        self.text, self.language, self.problem_in = text, language, problem_in

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Edit the problem: Ctrl+S applies (the file is not written), Esc drops the edit")
            yield TextArea.code_editor(self.text, language=self.language, theme="css", id="problem-editor")

    def action_apply(self) -> None:
        """Apply only a text that parses; otherwise say why and keep editing."""
        text = self.query_one("#problem-editor", TextArea).text
        if (error := self.problem_in(text)) is not None:
            self.notify(error, severity="error", timeout=8)
            return
        self.dismiss(text)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
