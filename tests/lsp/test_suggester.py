"""The suggester's control flow around checks, with a stand-in engine (the real model is in test_server.py)."""
from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

from dcode.engines.base import Completion
from dcode.pyast import parse_python
from lsp.inline import Suggester
from lsp.settings import ServerSettings

DOC = 'def area(w, h):\n    """>>> area(2, 3)\n    6\n    """\n    \n'


class OneLineEngine:
    info = SimpleNamespace(supports_fim=False)

    def complete(self, prompt, sampling, cancel=None):
        return [Completion("return w * h", completion_tokens=5, time_to_first_token_s=0.1, total_s=0.2)]


def test_a_check_that_breaks_leaves_the_suggestion_offered_and_unranked():
    def broken_check(code, line, *, timeout_s):
        raise SystemError("AST constructor recursion depth mismatch")

    async def engine():
        return OneLineEngine()

    suggester = Suggester(engine, lambda: ServerSettings(debounce_ms=0, tested="rank"), check=broken_check)
    try:
        [got] = asyncio.run(suggester.suggest("file:///a.py", DOC, 4, 4))
    finally:
        suggester.close()
    assert got.text == "return w * h" and got.status == "untested" and got.label == ""
    assert suggester.stats.tokens_per_s == 50.0  # the decoding speed the status bar shows: 5 tokens in 0.1 s


def test_parse_python_from_many_threads_gives_every_thread_its_tree():
    source = "\n".join(f"def f{i}(x):\n    return [x + {i} for _ in range(3)]" for i in range(200))
    errors: list[BaseException] = []

    def parse() -> None:
        try:
            for _ in range(20):
                assert len(parse_python(source).body) == 200
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=parse) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
