"""Suggestions that have run: the real server over stdio ranks by the function's docstring examples, run in the real
sandbox, and says so in each item. The model is scripted over real HTTP (an OpenAI-compatible server) so that
one suggestion is right and one wrong; what is tested is the server's ranking, labels and counts."""
from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from dcode.loops.suggest import check_suggestion
from lsp.inline import check_label
from scripted_model import ScriptedModel
from test_server import SOURCE, open_doc, plain, status

WRONG, RIGHT = "r * 2", "math.pi * r ** 2"


@pytest.fixture
def model():
    server = ScriptedModel([WRONG, RIGHT])
    yield server
    server.close()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lsp"]))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, model: ScriptedModel, **options) -> None:
    await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(), initialization_options={
        "engine": "openai", "serverUrl": model.url, "model": "scripted", "debounceMs": 0, "suggestions": 2, **options}))


async def items(client: LanguageClient, uri: str, line: int, character: int) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
    return list(result.items if isinstance(result, types.InlineCompletionList) else result or [])


@pytest.mark.asyncio
async def test_a_suggestion_that_passes_the_examples_comes_first_and_says_so(client, model):
    await start(client, model, tested="rank")
    uri = "file:///tmp/dcode-tested-rank.py"
    open_doc(client, uri, SOURCE)
    got = await items(client, uri, 9, 11)
    assert [i.insert_text for i in got] == [RIGHT, WRONG]  # the model said WRONG first
    assert got[0].command.title == "passes 1/1 examples of area"
    assert got[1].command.title == "fails 1 of 1 examples of area"
    assert got[0].command.command == "dcode.suggestionAccepted"
    st = await status(client)
    assert st["checks"] == 2 and st["last_check_ms"] > 0
    assert "def area(r):" in model.prompts[-1]  # the prompt is the document's text before the cursor

    # Accepting runs the item's command: the server counts it.
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=got[0].command.command, arguments=got[0].command.arguments))
    assert (await status(client))["accepted"] == 1

    # Asked again at the same spot: the cache answers, with the label it had.
    again = await items(client, uri, 9, 11)
    assert again[0].insert_text == RIGHT and again[0].command.title == "passes 1/1 examples of area"
    assert (await status(client))["cache_hits"] == 1


@pytest.mark.asyncio
async def test_require_offers_only_passing_suggestions_and_off_keeps_the_models_order(client, model):
    await start(client, model, tested="require")
    uri = "file:///tmp/dcode-tested-require.py"
    open_doc(client, uri, SOURCE)
    assert [i.insert_text for i in await items(client, uri, 9, 11)] == [RIGHT]

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"dcode": {"tested": "off"}}))
    other = "file:///tmp/dcode-tested-off.py"
    open_doc(client, other, SOURCE.replace("area", "area2"))
    got = await items(client, other, 9, 11)
    assert [i.insert_text for i in got] == [WRONG, RIGHT]
    assert {i.command.title for i in got} == {"dcode suggestion"}  # nothing ran, nothing claimed


@pytest.mark.asyncio
async def test_outside_a_function_with_examples_nothing_is_claimed(client, model):
    await start(client, model, tested="require")
    uri = "file:///tmp/dcode-tested-none.py"
    open_doc(client, uri, "import math\n\n\ndef area(r):\n    return \n")
    # require keeps only passing ones; with no examples there is nothing to pass, so nothing is offered
    assert await items(client, uri, 4, 11) == []
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"tested": "rank"}))
    got = await items(client, uri, 4, 11)
    assert [i.insert_text for i in got] == [WRONG, RIGHT] and {i.command.title for i in got} == {"dcode suggestion"}
    assert plain(await status(client))["checks"] == 4


def test_check_suggestion_runs_the_docstring_examples_in_the_sandbox():
    right = SOURCE.replace("return \n", f"return {RIGHT}\n")
    passed = check_suggestion(right, 10)
    assert passed.status == "passed" and (passed.passed, passed.total) == (1, 1) and passed.function == "area"
    assert check_label(passed) == "passes 1/1 examples of area"
    failed = check_suggestion(SOURCE.replace("return \n", f"return {WRONG}\n"), 10)
    assert failed.status == "failed" and failed.passed == 0 and "3.14" in failed.message
    assert check_suggestion(SOURCE, 10).status == "failed"  # a bare `return` gives None
    assert check_suggestion(SOURCE.replace("return \n", "return (\n"), 10).status == "untested"  # still typing
    assert check_suggestion("x = 1\n", 1).status == "untested"
