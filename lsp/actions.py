"""Code actions and commands: solve a stub from its docstring, fix a module with its tests, write tests; test diagnostics.

Why commands and not edits: each action is a loop that samples and runs programs for seconds
or minutes, so a code action only names a command. The command runs the loop in a worker
thread, shows the loop's events as work-done progress, stops when the client cancels (the
progress or the request), and on success sends one `workspace/applyEdit`, which the client may
apply or refuse. Nothing here writes the user's files: the library's fix and test loops read
their module from disk, so they read a temporary copy holding the buffer as the editor has it
(saved or not), and open buffers take the place of their files in the tests' project.
"""
from __future__ import annotations

import ast
import asyncio
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import from_fs_path

from dcode.engines.base import Cancel
from dcode.errors import BadInput
from dcode.loops import events as ev
from dcode.problem.project import Project, find_root
from dcode.problem.types import PytestTest
from lsp.server import DcodeServer, EngineUnavailable, _one_line as _line
from dcode.pyast import parse_python

SOLVE, FIX, GENERATE_TESTS = "dcode.solve", "dcode.fix", "dcode.generateTests"
SOLVE_SAMPLES, FIX_SAMPLES, TEST_SAMPLES = 8, 2, 2  # a command's last argument may ask for more: {"samples": n}
FIX_ROUNDS = 3
FUNCTIONS, IMPORTS = (ast.FunctionDef, ast.AsyncFunctionDef), (ast.Import, ast.ImportFrom)
Kind = types.CodeActionKind


def _first_line(node: ast.stmt) -> int:
    """A definition's first line (1-based), decorators included: what an edit replacing it must cover."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _function_at(tree: ast.Module, line: int):
    """The top-level function holding `line` (1-based): a stub is a top-level def, as `dcode solve` reads one."""
    return next((n for n in tree.body if isinstance(n, FUNCTIONS) and _first_line(n) <= line <= n.end_lineno), None)


def _solvable(fn, code: str, tree: ast.Module) -> bool:
    """Worth a solve: nothing in the body yet (a docstring, `pass`, `...`), or examples to check a program on."""
    from dcode.problem.pysource import stub_tests

    if all(isinstance(s, ast.Pass) or isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in fn.body):
        return True
    try:
        return bool(stub_tests(fn, code, frozenset(n.name for n in tree.body if isinstance(n, FUNCTIONS))))
    except (SyntaxError, ValueError, BadInput):
        return False


def _is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.stem.endswith("_test") or path.name == "conftest.py"


def tests_for(module: Path) -> list[Path]:
    """Test files named for `module` (test_<stem>.py, <stem>_test.py, dcode's test_<stem>_dcode.py) beside it,
    in tests/ beside it, or in the project's tests/: `dcode fix` is told its tests, an editor must find them."""
    if _is_test_file(module):
        return []
    names = (f"test_{module.stem}.py", f"{module.stem}_test.py", f"test_{module.stem}_dcode.py")
    found: list[Path] = []
    for folder in (module.parent, module.parent / "tests", find_root(module) / "tests"):
        found += [p.resolve() for p in (folder / n for n in names) if p.is_file() and p.resolve() not in found]
    return found


def module_for(test_file: Path) -> Path | None:
    """The module a test file tests, by name: beside it, above its tests/ folder, or at the project's root."""
    stem = test_file.stem.removeprefix("test_").removesuffix("_test").removesuffix("_dcode")
    for path in (f / f"{stem}.py" for f in (test_file.parent, test_file.parent.parent, find_root(test_file))):
        if path.is_file() and path != test_file:
            return path.resolve()
    return None


def with_buffers(tests: list, buffers: dict[Path, str]) -> list:
    """The tests, each project holding the open buffers in place of their files on disk: what the user sees."""
    out = []
    for t in tests:
        if isinstance(t, PytestTest) and t.project is not None and t.project.root is not None:
            files = dict(t.project.files)
            files |= {rel: text for path, text in buffers.items()
                      if (rel := t.project.relative(path)) is not None and rel.endswith(".py")}
            t = replace(t, project=Project(files=files, root=t.project.root))
        out.append(t)
    return out


def _on_copy(path: Path, code: str, loop_fn: Callable[[Path], Any]) -> Any:
    """Run a loop that reads its module from disk on a temporary copy holding the buffer, never the saved file."""
    with tempfile.TemporaryDirectory(prefix="dcode-lsp-") as tmp:
        (copy := Path(tmp) / path.name).write_text(code, encoding="utf-8")
        return loop_fn(copy)


def _span(text: str, first: int = 0, last: int | None = None) -> types.Range:
    """Whole lines first..last (0-based; all of them by default), the last one's newline included (UTF-16 columns)."""
    lines = text.splitlines(keepends=True) or [""]
    last = len(lines) - 1 if last is None else last
    end = types.Position(last + 1, 0) if last + 1 < len(lines) or lines[last].endswith("\n") else \
        types.Position(last, len(lines[last].encode("utf-16-le")) // 2)
    return types.Range(types.Position(first, 0), end)


def _solved_text(solved: str, name: str, have: set[str]) -> str | None:
    """The function `name` from a solved program, after any imports it added (a chat answer may add some)."""
    try:
        tree = parse_python(solved)
    except SyntaxError:
        return None
    if not (fns := [n for n in tree.body if isinstance(n, FUNCTIONS) and n.name == name]):
        return None
    added = [text for n in tree.body if isinstance(n, IMPORTS) and (text := ast.unparse(n)) not in have]
    body = "".join(solved.splitlines(keepends=True)[_first_line(fns[-1]) - 1:fns[-1].end_lineno]).rstrip("\n")
    return "".join(f"{a}\n" for a in added) + ("\n\n" if added else "") + body


def _doc_edit(uri: str, version: int | None, edits: list[types.TextEdit]) -> types.TextDocumentEdit:
    return types.TextDocumentEdit(types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits)


class Work:
    """A command's loop in a worker thread, its events shown as work-done progress, and both ways a client cancels.

    `window/workDoneProgress/cancel` cancels the Future pygls keeps for the token. `$/cancelRequest`
    cancels pygls's future for the request, which for executeCommand (run through a builtin
    generator) is not this task, so that future is watched too. Either sets the loop's `Cancel`,
    which the engine checks every token and the checks before every test.
    """

    def __init__(self, ls: DcodeServer, title: str, samples: int) -> None:
        self.ls, self.title, self.samples, self.loop = ls, title, samples, asyncio.get_running_loop()
        self.cancel, self.token, self.done, self.last = Cancel(), None, 0, ""

    async def __aenter__(self) -> Work:
        task, protocol = asyncio.current_task(), self.ls.protocol
        request = getattr(protocol, "_request_futures", {}).get(protocol.msg_id)
        if request is not None and task is not None:
            request.add_done_callback(lambda f: f.cancelled() and self.loop.call_soon_threadsafe(task.cancel))
        if not getattr(self.ls.client_capabilities.window, "work_done_progress", False):
            return self
        token = f"dcode-{uuid.uuid4().hex}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as e:  # noqa: BLE001 - a client that refuses progress still gets the work done
            self.ls.log(f"dcode: no progress shown: {_line(e)}")
            return self
        self.token = token
        self.ls.work_done_progress.tokens[token].add_done_callback(lambda f: self.cancel.set())
        self.ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=self.title, cancellable=True,
                                                                            percentage=0))
        return self

    async def run(self, fn: Callable[[], Any]) -> Any:
        """`fn` in a worker thread; bad input it meets there (a test file that does not parse) is the caller's."""
        try:
            return await self.loop.run_in_executor(None, fn)
        except BadInput as e:
            raise JsonRpcInvalidParams(f"dcode: {_line(e)}") from None
        except asyncio.CancelledError:
            self.cancel.set()  # the thread stops at its next token or test
            self.ls.log(f"{self.title}: cancelled")
            raise

    def on_event(self, event: ev.Event) -> None:
        """Called in the worker thread; the progress is sent from the event loop's."""
        if isinstance(event, ev.SampleDone):
            self.done += 1
            message = f"sample {self.done} of {self.samples}"
        elif isinstance(event, ev.PhaseChanged) and event.phase != "rank":
            verb = {"generate": "generating", "check": "checking", "fix": "fixing"}.get(event.phase, event.phase)
            message = f"{verb}: {event.detail}" if event.detail else verb
        elif isinstance(event, ev.CandidateChecked):
            message = f"candidate {event.candidate}: {event.verdict} ({event.passed}/{event.total})"
        else:
            return
        if self.token is not None and message != self.last:
            self.last, value = message, types.WorkDoneProgressReport(message=message, percentage=min(
                99, 100 * self.done // self.samples))
            self.loop.call_soon_threadsafe(lambda: self.token and self.ls.work_done_progress.report(self.token, value))

    async def __aexit__(self, kind, error, trace) -> None:
        if self.token is not None:
            end = "cancelled" if self.cancel.is_set or kind is asyncio.CancelledError else "done"
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=end))
            self.ls.work_done_progress.tokens.pop(self.token, None)
            self.token = None


def outcome(ls: DcodeServer, applied: bool, status: str, message: str, **extra: Any) -> dict:
    """The command's JSON result; the user is told too, since clients seldom show a command's result."""
    kind = types.MessageType.Info if applied else types.MessageType.Warning
    ls.window_show_message(types.ShowMessageParams(type=kind, message=f"dcode: {message}"))
    return {"applied": applied, "status": status, "message": message, **extra}


async def _apply(ls: DcodeServer, doc, version: int | None, changes: list, done: str, status: str = "passed",
                 **extra: Any) -> dict:
    """One workspace/applyEdit, unless the document changed while the loop ran (its edit would land wrong)."""
    if ls.workspace.get_text_document(doc.uri).version != version:
        return outcome(ls, False, "stale", f"{doc.filename} changed while dcode worked; run it again")
    answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=types.WorkspaceEdit(document_changes=changes), label=f"dcode: {done}"))
    why = "" if answer.applied else f"; the editor did not apply it {answer.failure_reason or ''}".rstrip()
    return outcome(ls, answer.applied, status, done + why, **extra)


def _arguments(ls: DcodeServer, args: tuple, shape: str, samples: int, *, on_disk: bool = True):
    """The document (open, or a Python file on disk) and the sample budget: `[uri, ..., {"samples": n}?]`."""
    at = shape.count(",") + 1
    extra = args[at] if len(args) > at else {}
    value = extra.get("samples", samples) if isinstance(extra, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 256 or len(args) > at + 1:
        raise JsonRpcInvalidParams(f"dcode: the optional last argument is {{\"samples\": 1..256}}, got {args[at:]!r}")
    if not args or not isinstance(args[0], str) or not args[0]:
        raise JsonRpcInvalidParams(f"dcode: expected the arguments {shape}")
    doc = ls.workspace.get_text_document(args[0])
    if ls.workspace.text_documents.get(unquote(doc.uri)) is None and not (doc.path and Path(doc.path).is_file()):
        raise JsonRpcInvalidParams(f"dcode: unknown document {args[0]}")
    if not (doc.uri.endswith(".py") or doc.language_id == "python"):
        raise JsonRpcInvalidParams(f"dcode: {doc.filename} is not a Python file")
    if on_disk and not doc.uri.startswith("file:"):
        raise JsonRpcInvalidParams(f"dcode: {doc.filename} is not a file on disk")
    return doc, value


async def _loop(ls: DcodeServer, what: str, samples: int, job: Callable[[Any, Work], Any]) -> Any:
    """`job(engine, work)` as a Work, after the model loaded (an LSP error without one); None when cancelled."""
    try:
        engine = await ls.engine()
    except EngineUnavailable as e:
        raise JsonRpcInternalError(f"dcode: no model: {e}") from None
    async with Work(ls, f"dcode: {what}", samples) as work:
        result = await work.run(lambda: job(engine, work))
    return None if work.cancel.is_set else result


def _buffers(ls: DcodeServer) -> dict[Path, str]:
    return {Path(d.path).resolve(): d.source for d in list(ls.workspace.text_documents.values())
            if d.uri.startswith("file:")}


async def solve_command(ls: DcodeServer, *args: Any) -> dict:
    """Solve the function at the line from its signature and docstring; replace it when a program passed."""
    from dcode.loops import Budget, SolveOptions, solve
    from dcode.problem.pysource import parse_stub

    doc, samples = _arguments(ls, args, "[uri, line]", SOLVE_SAMPLES, on_disk=False)
    code, version, line = doc.source, doc.version, args[1] if len(args) > 1 else None
    lines = code.splitlines(keepends=True)
    if isinstance(line, bool) or not isinstance(line, int) or not 0 <= line < len(lines):
        raise JsonRpcInvalidParams(f"dcode: line {line!r} is not a line of {doc.filename} (0..{len(lines) - 1})")
    try:
        tree = parse_python(code)
    except SyntaxError as e:
        raise JsonRpcInvalidParams(f"dcode: {doc.filename}:{e.lineno}: does not parse: {e.msg}") from None
    if (fn := _function_at(tree, line + 1)) is None:
        raise JsonRpcInvalidParams(f"dcode: no top-level function at line {line + 1} of {doc.filename}")
    # The stub goes last, after the module's imports and definitions: a base model continues it.
    keep = (*IMPORTS, *FUNCTIONS, ast.ClassDef, ast.Assign, ast.AnnAssign)
    parts = ["".join(lines[_first_line(n) - 1:n.end_lineno]).rstrip("\n") for n in tree.body
             if n is not fn and isinstance(n, keep)]
    first = fn.body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    parts.append("".join(lines[_first_line(fn) - 1:(first if docstring else fn).end_lineno]).rstrip("\n"))
    try:
        problem = parse_stub("\n\n\n".join(parts) + "\n", f"{doc.filename}:{fn.name}")
    except BadInput as e:
        raise JsonRpcInvalidParams(f"dcode: {_line(e)}") from None
    budget, options = Budget(samples=samples, batch=min(4, samples)), SolveOptions.from_settings(ls.dcode_settings())
    result = await _loop(ls, what := f"solving {fn.name}", samples, lambda engine, work: solve(
        problem, engine, budget, options, on_event=work.on_event, cancel=work.cancel))
    if result is None:
        return outcome(ls, False, "cancelled", f"{what} was cancelled")
    examples = f"{len(problem.tests)} example(s)"
    if result.status not in ("passed", "unverified") or result.code is None:
        return outcome(ls, False, result.status, f"no program for {fn.name} passed its {examples} "
                                                 f"({result.samples} sample(s)); nothing changed")
    text = _solved_text(result.code, fn.name, {ast.unparse(n) for n in tree.body if isinstance(n, IMPORTS)})
    if text is None:
        return outcome(ls, False, "no_function", f"the solved program has no function {fn.name}; nothing changed")
    span = _span(code, _first_line(fn) - 1, fn.end_lineno - 1)
    edit = types.TextEdit(span, text + ("\n" if span.end.character == 0 else ""))
    verdict = f"passed its {examples}" if result.passed else f"is unverified: {result.basis}"
    return await _apply(ls, doc, version, [_doc_edit(doc.uri, version, [edit])], f"{fn.name} {verdict}", result.status)


async def fix_command(ls: DcodeServer, *args: Any) -> dict:
    """Make the module pass the tests that belong to it; replace the document when every test passes."""
    from dcode.engines import sampling_for
    from dcode.loops.fix import fix_module
    from dcode.problem import bind_module, load_tests

    doc, samples = _arguments(ls, args, "[uri]", FIX_SAMPLES)
    path, code, version = Path(doc.path).resolve(), doc.source, doc.version
    if not (test_files := tests_for(path)):
        raise JsonRpcInvalidParams(f"dcode: no tests found for {doc.filename} (test_{path.stem}.py beside it "
                                   "or in a tests/ folder)")
    sampling, buffers = sampling_for(ls.dcode_settings()), _buffers(ls)

    def fix(engine, work: Work):
        tests = with_buffers(bind_module([t for f in test_files for t in load_tests(f)], path), buffers)
        return _on_copy(path, code, lambda copy: fix_module(copy, tests, engine, rounds=FIX_ROUNDS, sampling=sampling,
                                                            samples_per_round=samples, on_event=work.on_event,
                                                            cancel=work.cancel))
    if (result := await _loop(ls, what := f"fixing {doc.filename}", FIX_ROUNDS * samples, fix)) is None:
        return outcome(ls, False, "cancelled", f"{what} was cancelled")
    total = len(result.after.results)
    if result.before.passed:
        return outcome(ls, False, "passed", f"every test of {doc.filename} already passes ({total})")
    if not (result.passed and result.changed):
        return outcome(ls, False, "failed", f"no version of {doc.filename} passed every test "
                                            f"({result.after.n_passed}/{total} at best); nothing changed")
    edit = _doc_edit(doc.uri, version, [types.TextEdit(_span(code), result.code)])
    return await _apply(ls, doc, version, [edit], f"{doc.filename} passes its {total} test(s)")


async def generate_tests_command(ls: DcodeServer, *args: Any) -> dict:
    """Write pytest tests that pass against the module; create the test file, or replace dcode's own earlier one."""
    from dcode.engines import sampling_for
    from dcode.loops.testgen import generate_tests, target_for

    doc, samples = _arguments(ls, args, "[uri]", TEST_SAMPLES)
    path, code, version = Path(doc.path).resolve(), doc.source, doc.version
    if _is_test_file(path) or not path.stem.isidentifier():
        raise JsonRpcInvalidParams(f"dcode: {doc.filename} is a test file or not an importable module name")
    sampling = sampling_for(ls.dcode_settings())
    result = await _loop(ls, what := f"writing tests for {doc.filename}", samples, lambda engine, work: _on_copy(
        path, code, lambda copy: generate_tests(copy, engine, samples=samples, sampling=sampling,
                                                on_event=work.on_event, cancel=work.cancel)))
    if result is None:
        return outcome(ls, False, "cancelled", f"{what} was cancelled")
    if not result.kept:
        return outcome(ls, False, "failed", f"none of {len(result.dropped)} proposed test(s) passed against "
                                            f"{doc.filename}; nothing written")
    target = target_for(path)  # test_<stem>.py, or dcode's own test_<stem>_dcode.py when that one exists
    uri = from_fs_path(str(target))
    if target.exists():
        old = ls.workspace.get_text_document(uri)
        changes: list = [_doc_edit(uri, old.version, [types.TextEdit(_span(old.source), result.source)])]
    else:
        changes = [types.CreateFile(uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)),
                   _doc_edit(uri, None, [types.TextEdit(_span(""), result.source)])]
    coverage = f", {result.coverage:.0%} line coverage" if result.coverage is not None else ""
    return await _apply(ls, doc, version, changes, f"{len(result.kept)} test(s) for {doc.filename} in {target.name}"
                        f"{coverage}", uri=uri)


def code_actions(ls: DcodeServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    """The three commands where they apply; cheap (a parse and a few stats), since editors ask on every move."""
    doc = ls.workspace.text_documents.get(unquote(params.text_document.uri))
    if doc is None or not (doc.uri.endswith(".py") or doc.language_id == "python"):
        return None  # only open Python documents: the user is looking at them
    code = doc.source
    actions: list[types.CodeAction] = []

    def offer(title: str, kind: str, command: str, *arguments: Any) -> None:
        if not params.context.only or any(kind == o or kind.startswith(f"{o}.") for o in params.context.only):
            actions.append(types.CodeAction(title=title, kind=kind, command=types.Command(
                title=title, command=command, arguments=list(arguments))))
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        tree = None  # the user is typing: no stub can be found, but the file's tests still can
    fn = _function_at(tree, params.range.start.line + 1) if tree is not None else None
    if fn is not None and _solvable(fn, code, tree):
        offer("dcode: solve from docstring", Kind.RefactorRewrite, SOLVE, doc.uri, fn.lineno - 1)
    path = Path(doc.path) if doc.uri.startswith("file:") else None
    if path is not None and tests_for(path):
        offer("dcode: fix with tests", Kind.QuickFix, FIX, doc.uri)
    if path is not None and tree is not None and not _is_test_file(path) and path.stem.isidentifier() \
            and any(isinstance(n, (*FUNCTIONS, ast.ClassDef)) for n in tree.body):
        offer("dcode: generate tests", Kind.Source, GENERATE_TESTS, doc.uri)
    return actions


def register(server: DcodeServer) -> None:
    """Code actions, the three commands, and the test diagnostics."""
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[Kind.QuickFix, Kind.RefactorRewrite, Kind.Source]))(code_actions)
    server.command(SOLVE)(solve_command)
    server.command(FIX)(fix_command)
    server.command(GENERATE_TESTS)(generate_tests_command)
    from lsp.diagnostics import register_diagnostics

    register_diagnostics(server)
