"""Code actions, the dcode.solve / dcode.fix / dcode.generateTests commands, and test diagnostics, over stdio.

The real server runs as a subprocess (`python -m lsp`) with the real tiny GGUF for plumbing
(its samples are noise, so its loops fail and nothing may be applied), and gemma-3-270m for
one solve that really passes and is applied. Every project lives in tmp_path; each test also
checks that no file on disk changed: the server only proposes edits.
"""
from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Union

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pytest_lsp import ClientServerConfig, LanguageClient

STUB = '''import math


def add(a, b):
    """Return a + b.

    >>> add(1, 2)
    3
    >>> add(-4, 4)
    0
    """


def helper(x):
    return x * 2
'''

BUGGY = "def double(x):\n    return x + 2\n"
FIXED = "def double(x):\n    return x * 2\n"
TESTS = '''from mod import double


def test_two():
    assert double(2) == 4


def test_three():
    assert double(3) == 6
'''
ZERO = "\n\ndef test_zero():\n    assert double(0) == 1\n"  # a behaviour neither BUGGY nor FIXED has


@pytest.fixture(autouse=True)
def _seeded(monkeypatch):
    """The server's samples are seeded (DCODE_SEED, read by the server it starts): the same run every time."""
    monkeypatch.setenv("DCODE_SEED", "1")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lsp"]))
async def client(lsp_client: LanguageClient, request, tiny_gguf, tmp_path):
    """A started server; `request.param` (indirect) sets initialization options, "model" naming tiny/gemma/missing."""
    options = dict(getattr(request, "param", {}))
    model = options.pop("model", "tiny")
    if model == "gemma":
        from dcode.config import Settings

        installed = Settings().models_dir / "gemma-3-270m" / "gemma-3-270m-q4_k_m.gguf"
        model = installed if installed.is_file() else request.getfixturevalue("gemma_gguf")
    options["model"] = str({"tiny": tiny_gguf, "missing": "/nonexistent.gguf"}.get(model, model))
    lsp_client.applied = []
    # lsprotocol reads any answer with a "command" key as a Command, a CodeAction's command included.
    lsp_client.protocol._converter.register_structure_hook(
        Union[types.Command, types.CodeAction], lambda obj, _: lsp_client.protocol._converter.structure(
            obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction))

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(apply_edit=True, workspace_edit=types.WorkspaceEditClientCapabilities(
            document_changes=True, resource_operations=[types.ResourceOperationKind.Create])))
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities, root_uri=tmp_path.as_uri(), initialization_options=options))
    yield
    await lsp_client.shutdown_session()


def project(root: Path, files: dict[str, str]) -> dict[str, str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return files


def on_disk(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.py"))
            if "__pycache__" not in p.parts}


def open_doc(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
    return uri


async def actions(client: LanguageClient, uri: str, line: int, only=None) -> dict[str, types.Command]:
    here = types.Range(types.Position(line, 0), types.Position(line, 0))
    found = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), here, types.CodeActionContext(diagnostics=[], only=only)))
    for action in found or []:
        assert action.edit is None and action.command is not None  # the work is long: a command, never an edit
    return {a.title: a.command for a in found or []}


async def execute(client: LanguageClient, command: str, *arguments):
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command, list(arguments)))


def progress(client: LanguageClient) -> list[str]:
    """The messages of the one progress a command showed, which began, reported, and ended."""
    (values,) = client.progress_reports.values()
    assert isinstance(values[0], types.WorkDoneProgressBegin) and isinstance(values[-1], types.WorkDoneProgressEnd)
    assert all(isinstance(v, types.WorkDoneProgressReport) for v in values[1:-1]), values
    return [v.title if isinstance(v, types.WorkDoneProgressBegin) else v.message for v in values]


async def until(condition, what: str):
    for _ in range(600):  # 30 s at most; the assertion is on what happened, not on how long it took
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never saw {what}")


# --- code actions ---------------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_actions_are_offered_where_they_apply(client: LanguageClient, tmp_path):
    project(tmp_path, {"mod.py": STUB, "tests/test_mod.py": "from mod import add\n\n\ndef test_add():\n"
                       "    assert add(1, 2) == 3\n", "other.py": "def f(x):\n    return x\n"})
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    inside_add = await actions(client, uri, 6)
    assert inside_add["dcode: solve from docstring"].command == "dcode.solve"
    assert list(inside_add["dcode: solve from docstring"].arguments) == [uri, 3]  # the def's line
    assert list(inside_add["dcode: fix with tests"].arguments) == [uri]
    assert inside_add["dcode: generate tests"].command == "dcode.generateTests"
    assert "dcode: solve from docstring" not in await actions(client, uri, 14)  # helper: a body, no examples
    assert list(await actions(client, uri, 6, only=[types.CodeActionKind.Source])) == ["dcode: generate tests"]
    other = open_doc(client, tmp_path / "other.py", "def f(x):\n    return x\n")
    assert list(await actions(client, other, 0)) == ["dcode: generate tests"]  # no tests of its own, no stub
    tests_uri = open_doc(client, tmp_path / "tests/test_mod.py", (tmp_path / "tests/test_mod.py").read_text())
    assert await actions(client, tests_uri, 3) == {}  # dcode changes code, never tests
    notes = open_doc(client, tmp_path / "notes.txt", "def add(a, b):\n    pass\n", language="plaintext")
    assert await actions(client, notes, 0) == {}


# --- commands with the noise model ----------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_failed_solve_reports_progress_and_applies_nothing(client: LanguageClient, tmp_path):
    before = project(tmp_path, {"mod.py": STUB})
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    result = await execute(client, "dcode.solve", uri, 3, {"samples": 2})
    assert result["applied"] is False and result["status"] in ("failed", "no_candidate"), result
    assert "add" in result["message"] and client.applied == []
    shown = progress(client)
    assert shown[0] == "dcode: solving add" and shown[-1] == "done"
    assert "sample 1 of 2" in shown and any(m.startswith("checking") for m in shown), shown
    assert any("dcode:" in m.message for m in client.messages)  # the user is told why nothing changed
    assert on_disk(tmp_path) == before


@pytest.mark.asyncio
async def test_a_solve_stops_when_its_progress_is_cancelled(client: LanguageClient, tmp_path):
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    running = asyncio.ensure_future(execute(client, "dcode.solve", uri, 3, {"samples": 256}))
    await until(lambda: any(len(v) > 1 for v in client.progress_reports.values()), "a progress report")
    (token,) = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    result = await running
    assert result == {"applied": False, "status": "cancelled", "message": "solving add was cancelled"}
    assert progress(client)[-1] == "cancelled" and client.applied == []


@pytest.mark.asyncio
async def test_a_cancelled_request_stops_the_solve(client: LanguageClient, tmp_path):
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    msg_id = str(uuid.uuid4())
    running = asyncio.ensure_future(client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams("dcode.solve", [uri, 3, {"samples": 256}]),
        msg_id=msg_id))
    await until(lambda: any(len(v) > 1 for v in client.progress_reports.values()), "a progress report")
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcException):
        await running
    (token,) = client.progress_reports
    await until(lambda: isinstance(client.progress_reports[token][-1], types.WorkDoneProgressEnd), "the progress end")
    assert client.progress_reports[token][-1].message == "cancelled" and client.applied == []


@pytest.mark.asyncio
async def test_fix_runs_the_tests_on_the_unsaved_buffers(client: LanguageClient, tmp_path):
    before = project(tmp_path, {"mod.py": BUGGY, "tests/test_mod.py": TESTS})
    uri = open_doc(client, tmp_path / "mod.py", FIXED)  # fixed in the editor, not yet saved
    result = await execute(client, "dcode.fix", uri)
    assert result["applied"] is False and result["status"] == "passed", result
    assert "already passes" in result["message"]
    # The buffer of a test file counts too: here it asks for a third behaviour that no saved file has.
    open_doc(client, tmp_path / "tests/test_mod.py", TESTS + ZERO)
    result = await execute(client, "dcode.fix", uri, {"samples": 1})
    assert result["applied"] is False and result["status"] == "failed", result
    assert client.applied == [] and on_disk(tmp_path) == before


@pytest.mark.asyncio
async def test_generate_tests_runs_and_proposes_only_a_new_file(client: LanguageClient, tmp_path):
    before = project(tmp_path, {"mod.py": FIXED, "tests/conftest.py": ""})
    uri = open_doc(client, tmp_path / "mod.py", FIXED)
    result = await execute(client, "dcode.generateTests", uri, {"samples": 1})
    assert progress(client)[0] == "dcode: writing tests for mod.py"
    if result["applied"]:  # the noise model wrote a test that passes (an empty one, say): a file is proposed
        (edit,) = client.applied
        create, insert = edit.edit.document_changes
        assert create.kind == "create" and create.uri == (tmp_path / "tests" / "test_mod.py").as_uri()
        assert insert.text_document.uri == create.uri and insert.edits[0].new_text.startswith("import")
    else:
        assert result["status"] == "failed" and client.applied == []
    assert on_disk(tmp_path) == before


@pytest.mark.asyncio
async def test_bad_arguments_are_invalid_params(client: LanguageClient, tmp_path):
    project(tmp_path, {"mod.py": STUB})
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    notes = open_doc(client, tmp_path / "notes.txt", "hello\n", language="plaintext")
    for command, arguments in [("dcode.solve", []), ("dcode.solve", [uri]), ("dcode.solve", [uri, 99]),
                               ("dcode.solve", [uri, "3"]), ("dcode.solve", [uri, 0]),
                               ("dcode.solve", [(tmp_path / "absent.py").as_uri(), 0]), ("dcode.solve", [notes, 0]),
                               ("dcode.solve", [uri, 3, {"samples": 0}]), ("dcode.fix", [uri]),
                               ("dcode.fix", [42]), ("dcode.generateTests", [notes])]:
        with pytest.raises(JsonRpcInvalidParams) as raised:
            await execute(client, command, *arguments)
        assert "\n" not in raised.value.message and raised.value.message.startswith("dcode:"), raised.value.message
    assert client.applied == []


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [{"model": "missing"}], indirect=True)
async def test_no_model_is_an_lsp_error(client: LanguageClient, tmp_path):
    uri = open_doc(client, tmp_path / "mod.py", STUB)
    with pytest.raises(JsonRpcInternalError) as raised:
        await execute(client, "dcode.solve", uri, 3)
    assert raised.value.message.startswith("dcode: no model:") and "\n" not in raised.value.message
    assert (await actions(client, uri, 6))  # actions are still offered; running one says what is missing


# --- a solve that passes, with the real default model -------------------------------------------------------

@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize("client", [{"model": "gemma"}], indirect=True)
async def test_a_passing_solve_replaces_the_function_and_nothing_else(client: LanguageClient, tmp_path):
    before = project(tmp_path, {"mod.py": "# saved before the stub was written\n"})
    uri = open_doc(client, tmp_path / "mod.py", STUB)  # the stub exists only in the editor
    result = await execute(client, "dcode.solve", uri, 5, {"samples": 8})
    assert result["applied"] is True and result["status"] == "passed", result
    (params,) = client.applied
    (change,) = params.edit.document_changes
    assert change.text_document.uri == uri and change.text_document.version == 1
    (edit,) = change.edits
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line) == (3, 0, 11)
    code = STUB.replace(STUB[STUB.index("def add"):STUB.index("def helper")], edit.new_text + "\n\n")
    namespace: dict = {}
    exec(compile(code, "mod.py", "exec"), namespace)  # the edited document: add works, helper is untouched
    assert namespace["add"](1, 2) == 3 and namespace["helper"](2) == 4
    assert on_disk(tmp_path) == before


# --- diagnostics ------------------------------------------------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("client", [{"diagnostics": True}], indirect=True)
async def test_saving_runs_the_tests_and_publishes_the_failures(client: LanguageClient, tmp_path):
    project(tmp_path, {"mod.py": "def double(x):\n    return 4\n", "tests/test_mod.py": TESTS})
    tests_uri = (tmp_path / "tests" / "test_mod.py").as_uri()
    uri = open_doc(client, tmp_path / "mod.py", "def double(x):\n    return 4\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: tests_uri in client.diagnostics, "diagnostics for the test file")
    (failure,) = client.diagnostics[tests_uri]
    assert failure.range.start.line == 7 and failure.severity == types.DiagnosticSeverity.Error
    assert failure.source == "dcode" and failure.code == "test_three" and failure.message.startswith("wrong_answer")
    (tmp_path / "mod.py").write_text(FIXED)  # saved: the editor wrote it, then said so
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(text=FIXED)]))
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: list(client.diagnostics[tests_uri]) == [], "the diagnostics cleared")
    # Saving the test file itself runs it against its module (mod.py, found by its name).
    (tmp_path / "tests" / "test_mod.py").write_text(TESTS + ZERO)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(tests_uri)))
    await until(lambda: len(client.diagnostics[tests_uri]) == 1, "the new failure")
    assert client.diagnostics[tests_uri][0].range.start.line == 11
