"""The pygls server: documents in, inline suggestions and code actions out, the model loaded once and kept.

The model loads in the background at `initialized` (a first suggestion never pays for it
unless it comes before the load ends), and each opened document's start is evaluated into
the KV cache. Nothing here writes a file: suggestions are text the client may show, and
code actions come back as workspace edits that the client applies.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from dcode import __version__
from dcode.engines.base import Engine
from dcode.errors import BadInput
from lsp.inline import Suggester, Suggestion
from lsp.settings import ServerSettings, updated

log = logging.getLogger("dcode.lsp")
ACCEPTED = "dcode.suggestionAccepted"


class EngineUnavailable(Exception):
    """No model to generate with (not found, failed to load): requests answer empty, actions with an error."""


class DcodeServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("dcode", __version__)
        self.options = ServerSettings()
        self._generate_pool = ThreadPoolExecutor(1, thread_name_prefix="dcode-generate")
        self._load: asyncio.Future | None = None
        self._loaded_key: tuple | None = None
        self._warned: str | None = None
        from dcode.loops.suggest import check_suggestion

        self.suggester = Suggester(self.engine, lambda: self.options, check=check_suggestion,
                                   generate_pool=self._generate_pool)

    # --- the model -----------------------------------------------------------------------------
    def dcode_settings(self):
        """dcode's own settings (config.toml, DCODE_*), with what the client chose on top."""
        from dcode.config import load_settings

        o = self.options
        return load_settings({"engine": o.engine, "model": o.model, "server_url": o.server_url})

    def start_loading(self) -> None:
        """Load the model the settings name, in the background; a later call with the same settings does nothing."""
        if self._load is not None and self._loaded_key == self.options.model_key:
            return
        self._loaded_key = self.options.model_key
        loop = asyncio.get_running_loop()

        def load() -> Engine:
            from dcode.engines import load_engine

            return load_engine(self.dcode_settings())

        self._load = loop.run_in_executor(self._generate_pool, load)
        self._load.add_done_callback(self._loaded)

    def _loaded(self, future: asyncio.Future) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            info = future.result().info
            self.log(f"dcode: loaded {info.model} ({info.backend}) in {info.load_s:.1f} s", types.MessageType.Info)
        else:
            self.log(f"dcode: no model: {_one_line(error)}", types.MessageType.Error)

    async def engine(self) -> Engine:
        if self._load is None:
            self.start_loading()
        try:
            return await asyncio.shield(self._load)  # type: ignore[arg-type]
        except (BadInput, OSError, RuntimeError, ValueError) as e:
            raise EngineUnavailable(_one_line(e)) from None

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - a client that went away cannot be told anything
            log.warning(message)

    def close(self) -> None:
        self.suggester.close()
        self._generate_pool.shutdown(wait=False, cancel_futures=True)

    def open_documents(self) -> dict[str, str]:
        return {uri: _encodable(doc.source) for uri, doc in self.workspace.text_documents.items()}


def _encodable(text: str) -> str:
    """Text a client sent with lone surrogates (not UTF-8) made sendable: each becomes one "?", positions kept."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _load_outcome(load: asyncio.Future | None) -> tuple[str | None, str | None]:
    """(the loaded model's name, why it did not load); both None while it is loading."""
    if load is None or not load.done() or load.cancelled():
        return None, None
    error = load.exception()
    return (None, _one_line(error)) if error is not None else (load.result().info.model, None)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _item(suggestion: Suggestion, at: types.Range, uri: str) -> types.InlineCompletionItem:
    """An inline item; a checked one carries its verdict as the title of the command run on accept (VS Code
    shows neither, so the extension reads it: "passes 3/3 examples of area")."""
    text = _encodable(suggestion.text)
    command = types.Command(title=suggestion.label or "dcode suggestion", command=ACCEPTED,
                            arguments=[{"uri": uri, "status": suggestion.status, "label": suggestion.label}])
    return types.InlineCompletionItem(insert_text=text, range=at, command=command)


def build_server() -> DcodeServer:
    server = DcodeServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DcodeServer, params: types.InitializeParams) -> None:
        ls.options, warnings = updated(ls.options, params.initialization_options)
        for warning in warnings:
            ls.log(f"dcode: {warning}", types.MessageType.Warning)

    @server.feature(types.INITIALIZED)
    def initialized(ls: DcodeServer, params: types.InitializedParams) -> None:
        ls.start_loading()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def changed(ls: DcodeServer, params: types.DidChangeConfigurationParams) -> None:
        ls.options, warnings = updated(ls.options, params.settings)
        for warning in warnings:
            ls.log(f"dcode: {warning}", types.MessageType.Warning)
        ls.start_loading()  # a no-op unless the engine, model or server changed

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def opened(ls: DcodeServer, params: types.DidOpenTextDocumentParams) -> None:
        if not ls.options.enabled:
            return
        try:
            engine = await ls.engine()
            await ls.suggester.warm(engine, params.text_document.text)
        except EngineUnavailable:
            pass  # said once, when the load failed

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def closed(ls: DcodeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.suggester.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls: DcodeServer, params: types.InlineCompletionParams):
        uri, position = params.text_document.uri, params.position
        if uri not in ls.workspace.text_documents:  # never opened: nothing to complete, and nothing read from disk
            return types.InlineCompletionList(items=[])
        text = _encodable(ls.workspace.get_text_document(uri).source)
        try:
            suggestions = await ls.suggester.suggest(uri, text, position.line, position.character, ls.open_documents())
        except EngineUnavailable as e:
            if ls._warned != str(e):
                ls._warned = str(e)
                ls.log(f"dcode: no suggestions: {e}", types.MessageType.Warning)
            return types.InlineCompletionList(items=[])
        at = types.Range(start=position, end=position)
        return types.InlineCompletionList(items=[_item(s, at, uri) for s in suggestions])

    @server.command(ACCEPTED)
    def accepted(ls: DcodeServer, *args) -> None:
        """Run by the client when the user accepts an item: counts acceptances (the status shows the rate)."""
        ls.suggester.stats.accepted += 1

    @server.feature("dcode/status")
    def status(ls: DcodeServer, params=None) -> dict:
        """Counters for tests and benchmarks: requests, cache hits, generations, cancels."""
        st = ls.suggester.stats
        return {"requests": st.requests, "cache_hits": st.cache_hits, "reused": st.reused,
                "generations": st.generations, "cancelled": st.cancelled, "checks": st.checks,
                "accepted": st.accepted, "last_ms": round(st.last_ms, 2), "last_check_ms": round(st.last_check_ms, 2),
                "tokens_per_s": None if st.tokens_per_s is None else round(st.tokens_per_s, 1),
                "loaded": (model := _load_outcome(ls._load))[0] is not None, "model": model[0], "load_error": model[1],
                "settings": ls.options.__dict__}

    from lsp.actions import register

    register(server)
    return server


def serve_stdio() -> None:
    import sys

    from lsp.stream import Resync

    server = build_server()
    try:
        server.start_io(stdin=Resync(sys.stdin.buffer))
    finally:
        server.close()


def serve_tcp(host: str, port: int) -> None:
    server = build_server()
    try:
        server.start_tcp(host, port)
    finally:
        server.close()
