"""Test diagnostics (opt-in): after a save, run the file's tests in the background and mark each failing test.

A newer save of the same tests stops the older run, and only the newest run publishes.
"""
from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from lsprotocol import types

from pygls.uris import from_fs_path

from dcode.engines.base import Cancel
from dcode.errors import BadInput
from lsp.actions import FUNCTIONS, _buffers, _is_test_file, module_for, tests_for, with_buffers
from lsp.server import DcodeServer, _one_line as _line
from dcode.pyast import parse_python


class _Stop(Cancel):
    """A Cancel the loops' checks read as `stopping`: a newer save of the same tests sets it."""
    stopping = property(lambda self: self.is_set)


def diagnostics_for(module: Path | None, test_file: Path, buffers: dict[Path, str], stop: _Stop):
    """One Error per failing test, on its `def` line in the test file; none when every test passes.

    Through `dcode.loops.checks` (the loops' sandbox checks, with cancel): lsp may not call the
    sandbox itself. A test file with no module of its name runs on the project as it is.
    """
    from dcode.loops.checks import checks_as_they_land
    from dcode.problem import bind_module, load_tests

    def at(line: int, message: str, code: str | None = None) -> types.Diagnostic:
        end = len(lines[line].encode("utf-16-le")) // 2 if line < len(lines) else 0
        return types.Diagnostic(types.Range(types.Position(line, 0), types.Position(line, end)), message,
                                severity=types.DiagnosticSeverity.Error, code=code, source="dcode")
    lines = (text := buffers.get(test_file) or test_file.read_text(encoding="utf-8")).splitlines()
    try:
        tests, tree = load_tests(test_file), parse_python(text)
    except (BadInput, SyntaxError) as e:
        return [at(0, _line(e))]
    tests = with_buffers(bind_module(tests, module) if module else tests, buffers)
    code = "" if module is None else buffers.get(module) or module.read_text(encoding="utf-8")
    check = checks_as_they_land([(code, tests)], None, cancel=stop)[0]
    defs = {n.name: n.lineno - 1 for n in tree.body if isinstance(n, FUNCTIONS)}
    defs |= {f"{c.name}::{m.name}": m.lineno - 1 for c in tree.body if isinstance(c, ast.ClassDef)
             for m in c.body if isinstance(m, FUNCTIONS)}
    out = []
    for r in (r for r in check.results if not r.passed):
        node = (r.test.name or "").partition("::")[2].split("[")[0]  # tests/test_m.py::Class::test_x[param]
        first = next((x.strip() for x in (r.message or "").splitlines() if x.strip()), "")
        out.append(at(defs.get(node, 0), f"{r.verdict}: {first}" if first else str(r.verdict), node or None))
    return out


def register_diagnostics(server: DcodeServer) -> None:
    """After each save (when `diagnostics` is on), the tests of the saved file, or the saved test file, run."""
    running: dict[Path, _Stop] = {}  # the newest run per test file: only it may publish

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def saved(ls: DcodeServer, params: types.DidSaveTextDocumentParams) -> None:
        """A task of its own (pygls runs each notification so): the tests run while the server answers others."""
        doc = ls.workspace.get_text_document(params.text_document.uri)
        if not ls.options.diagnostics or not doc.uri.startswith("file:") or not doc.uri.endswith(".py"):
            return
        path = Path(doc.path).resolve()
        pairs = [(module_for(path), path)] if _is_test_file(path) else [(path, t) for t in tests_for(path)]
        stops: dict[Path, _Stop] = {}
        for _, test_file in pairs:
            if test_file in running:
                running[test_file].set()  # superseded: its sandbox checks stop, and it will not publish
            running[test_file] = stops[test_file] = _Stop()
        for module, test_file in pairs:
            if (stop := stops[test_file]).is_set:
                continue  # a newer save came while this one ran an earlier file
            try:
                found = await asyncio.get_running_loop().run_in_executor(None, diagnostics_for, module, test_file,
                                                                         _buffers(ls), stop)
            except Exception as e:  # noqa: BLE001 - diagnostics are a courtesy: say why, never stop the server
                ls.log(f"dcode: could not run {test_file.name}: {_line(e)}", types.MessageType.Warning)
                continue
            if running.get(test_file) is not stop:
                continue  # a newer save's run publishes instead
            del running[test_file]
            uri = next((d.uri for d in list(ls.workspace.text_documents.values()) if d.uri.startswith("file:")
                        and Path(d.path).resolve() == test_file), from_fs_path(str(test_file)))
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found))
