"""The language server over stdio with a real LSP client (pytest-lsp) and the real tiny GGUF.

Inline suggestions, the cache (exact and typed-through), cancel mid-generation, settings
changes, and input a broken client might send; the server must answer or log, and stay up.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

import tinycoder

TINY = str(Path(tinycoder.__file__).parent / "models" / "tiny.gguf")
ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "lsp"]
SOURCE = '''import math


def area(r):
    """The area of a circle of radius r.

    >>> area(1)
    3.141592653589793
    """
    return 
'''


async def start(client: LanguageClient, **options) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=ROOT.as_uri(), initialization_options={"model": TINY, "debounceMs": 0, **options}))


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))


def change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def suggest(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    result = await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic)))
    items = result.items if isinstance(result, types.InlineCompletionList) else (result or [])
    return [i.insert_text if isinstance(i.insert_text, str) else i.insert_text.value for i in items]


async def status(client: LanguageClient) -> dict:
    return plain(await client.protocol.send_request_async("dcode/status", {}))


def plain(value):
    """pygls hands back an unknown method's result as named tuples; tests read dicts."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    return value


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_capabilities_and_a_suggestion_from_the_real_model(client: LanguageClient):
    result = await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options={"model": TINY, "debounceMs": 0}))
    caps = result.capabilities
    assert caps.inline_completion_provider and caps.code_action_provider and caps.execute_command_provider
    uri = "file:///tmp/dcode-lsp-area.py"
    open_doc(client, uri, SOURCE)
    texts = await suggest(client, uri, 9, 11)
    assert all(isinstance(t, str) and t.strip() and "\n\n\n" not in t for t in texts)
    st = await status(client)
    assert st["loaded"] and st["generations"] >= 1 and st["requests"] == 1
    assert st["model"] and (st["tokens_per_s"] is None or st["tokens_per_s"] > 0)  # the status bar's fields


@pytest.mark.asyncio
async def test_the_same_context_and_typed_through_text_come_from_the_cache(client: LanguageClient):
    await start(client, maxTokens=12, tested="off")
    uri = "file:///tmp/dcode-lsp-cache.py"
    text = "def f(x):\n    y = x\n"
    open_doc(client, uri, text)
    first = await suggest(client, uri, 1, 9)
    assert first, "the tiny model gave nothing to cache"
    assert await suggest(client, uri, 1, 9) == first
    st = await status(client)
    assert st["cache_hits"] == 1 and st["generations"] == 1
    typed = first[0][:2] if len(first[0]) > 2 else first[0][:1]
    lines = text.splitlines(keepends=True)
    change(client, uri, lines[0] + lines[1].rstrip("\n") + typed + "\n", 2)
    rest = await suggest(client, uri, 1, 9 + len(typed))
    assert rest == [first[0][len(typed):]]
    st = await status(client)
    assert st["cache_hits"] == 2 and st["generations"] == 1


@pytest.mark.asyncio
async def test_cancel_stops_a_generation_midway(client: LanguageClient):
    await start(client, maxTokens=4000, tested="off")
    uri = "file:///tmp/dcode-lsp-cancel.py"
    open_doc(client, uri, "# a long file\n" * 50 + "def g():\n    ")
    await status(client)
    params = types.InlineCompletionParams(text_document=types.TextDocumentIdentifier(uri=uri),
                                          position=types.Position(line=51, character=4),
                                          context=types.InlineCompletionContext(
                                              trigger_kind=types.InlineCompletionTriggerKind.Invoked))
    pending = asyncio.ensure_future(client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params,
                                                                      msg_id="slow-1"))
    await asyncio.sleep(0.5)  # the request is on its way and generating (4000 tokens take seconds)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="slow-1"))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(pending, 30)
    for _ in range(200):
        if (await status(client))["cancelled"]:
            break
        await asyncio.sleep(0.05)
    assert (await status(client))["cancelled"] == 1
    await start_settings(client, {"maxTokens": 8})
    assert isinstance(await asyncio.wait_for(suggest(client, uri, 51, 4), 30), list)  # the server took the next request


async def start_settings(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"dcode": settings}))
    await status(client)  # requests are handled in order: the change has been read


@pytest.mark.asyncio
async def test_settings_change_and_bad_values_are_logged_not_fatal(client: LanguageClient):
    await start(client, maxTokens="many", colour="blue")
    await status(client)
    messages = [m.message for m in client.log_messages]
    assert any("'maxTokens': bad value 'many' ignored" in m for m in messages)
    assert any("unknown setting 'colour'" in m for m in messages)
    uri = "file:///tmp/dcode-lsp-settings.py"
    open_doc(client, uri, "def h():\n    ")
    await start_settings(client, {"enabled": False})
    assert await suggest(client, uri, 1, 4) == []
    st = await status(client)
    assert st["settings"]["enabled"] is False and st["settings"]["max_tokens"] == 48


@pytest.mark.asyncio
async def test_a_missing_model_is_a_logged_warning_and_no_suggestions(client: LanguageClient):
    await start(client, model="/nonexistent/model.gguf")
    uri = "file:///tmp/dcode-lsp-nomodel.py"
    open_doc(client, uri, "def h():\n    ")
    assert await suggest(client, uri, 1, 4) == []
    assert any("no model" in m.message or "no suggestions" in m.message for m in client.log_messages)
    st = await status(client)
    assert not st["loaded"] and "nonexistent" in st["load_error"] and "\n" not in st["load_error"]


@pytest.mark.asyncio
async def test_garbage_unknown_methods_and_odd_text_leave_the_server_up(client: LanguageClient):
    await start(client, maxTokens=8, tested="off")
    writer = client.protocol.writer
    writer.write(b"Content-Length: 9\r\n\r\n{garbage}")
    writer.write(b'Content-Length: 40\r\n\r\n{"jsonrpc": "2.0", "id": 99, "params": 1}')
    with pytest.raises(Exception, match="(?i)not found|unknown|method"):
        await client.protocol.send_request_async("dcode/noSuchMethod", {})
    uri = "file:///tmp/dcode-lsp-odd.py"
    open_doc(client, uri, "s = '\udcff\U0001f600'\n" + "x = 1\n" * 10_000 + "def k():\n    ")
    assert isinstance(await suggest(client, uri, 10_001, 4), list)
    assert isinstance(await suggest(client, uri, 0, 7), list)  # inside a line with an emoji before
    assert await suggest(client, "file:///tmp/never-opened.py", 3, 3) == []
    assert (await status(client))["requests"] == 2  # the never-opened document is answered before any work
