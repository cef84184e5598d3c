"""A scripted typing session through `dcode lsp`: how fast suggestions come as a person types, against the bare engine.

A file no one here wrote (the standard library's colorsys.py) is typed into an empty
document a few characters at a time (a seeded draw of 1 to 6), as whole-document
didChange notifications, and after each burst the client asks for an inline completion
at the cursor and waits for it before typing on. A typist who types what a suggestion
predicted is served from the cache; every other request generates.

The baseline is what the server cannot do without: the same engine, loaded in this
process once the server has exited, given the same prompts in the same order (rebuilt with
the server's own window and header code) and the same sampling. Its KV cache is reused from
prompt to prompt as the server's is. Reported: p50 and p95 of every request, of cache hits
and of generated ones; the cache hit rate; and the server's overhead on generated requests
against the engine alone (goal: under 10%; cache hits under 5 ms). Checks are off (the
function has no docstring examples to run) and the debounce is 0, so that what is timed is
the server, not a wait it chose.

    .venv/bin/python bench/lsp_typing.py --append
"""
from __future__ import annotations

import colorsys
import random
import sys
import time
from pathlib import Path

from lsp_client import Client, bench_arguments, machine, percentile, publish

URI = "file:///bench/typing/colorsys.py"


def bursts(text: str, seed: int) -> list[int]:
    """The document lengths at which the typist pauses: after each burst of 1 to 6 characters."""
    rng, at, out = random.Random(seed), 0, []
    while at < len(text):
        at = min(len(text), at + rng.randint(1, 6))
        out.append(at)
    return out


def cursor(text: str) -> tuple[int, int]:
    """The LSP position at the end of `text` (ASCII text: characters are UTF-16 units)."""
    return text.count("\n"), len(text) - (text.rfind("\n") + 1)


def type_through_server(source: str, stops: list[int], settings: dict) -> list[dict]:
    client = Client()
    client.start(settings)
    rows = []
    try:
        client.open(URI, "")
        for version, at in enumerate(stops, start=2):
            text = source[:at]
            client.change(URI, text, version)
            before = client.status()
            ms, items = client.inline(URI, *cursor(text))
            after = client.status()
            kind = "hit" if after["cache_hits"] > before["cache_hits"] else \
                "generated" if after["generations"] > before["generations"] else "other"
            rows.append({"at": at, "ms": ms, "kind": kind, "first": items[0]["insertText"] if items else ""})
            if len(rows) % 50 == 0:
                print(f"  server: {len(rows)}/{len(stops)} requests", file=sys.stderr)
    finally:
        client.close()
    return rows


def replay_on_engine(source: str, rows: list[dict], settings: dict) -> None:
    """Each generated request's prompt, rebuilt as the server built it, timed on the engine alone."""
    from dcode.config import load_settings
    from dcode.engines import load_engine
    from lsp.context import Window
    from lsp.inline import Suggester, suggestion_sampling
    from lsp.settings import ServerSettings
    from lsp.trim import trim_suggestion

    s = ServerSettings(model=settings["model"], max_tokens=settings["maxTokens"], debounce_ms=0, tested="off")
    engine = load_engine(load_settings({"model": s.model}))
    prompts = Suggester(engine=None, settings=lambda: s)  # only its window and header code is used
    for row in rows:
        text = source[:row["at"]]
        line, character = cursor(text)
        prompts.note_cursor(URI, text, line)
        if row["kind"] != "generated":
            continue
        bare = prompts.bare_window(text, line, character)
        window = Window(bare.prefix, bare.suffix, prompts.header(URI, text, line, bare, {URI: text}))
        started = time.perf_counter()
        out = engine.complete(window.header + window.prefix, suggestion_sampling(window, s))
        row["engine_ms"] = (time.perf_counter() - started) * 1000
        row["same"] = trim_suggestion(out[0].text, prefix=window.prefix, suffix=window.suffix) == row["first"]


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--chars", type=int, default=1500, help="how much of the file is typed")
    parser.add_argument("--max-tokens", type=int, default=24, help="per suggestion (llama.vscode's figure is for 24)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    source = Path(colorsys.__file__).read_text()[:args.chars]
    stops = bursts(source, args.seed)
    settings = {"model": args.model, "maxTokens": args.max_tokens, "debounceMs": 0, "tested": "off"}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = type_through_server(source, stops, settings)
    replay_on_engine(source, rows, settings)

    every = [r["ms"] for r in rows]
    hits = [r["ms"] for r in rows if r["kind"] == "hit"]
    generated = [r for r in rows if r["kind"] == "generated"]
    server_ms = [r["ms"] for r in generated]
    engine_ms = [r["engine_ms"] for r in generated]
    overhead = sum(server_ms) / sum(engine_ms) - 1 if engine_ms else float("nan")
    per_request = [r["ms"] - r["engine_ms"] for r in generated]
    same = sum(r["same"] for r in generated)
    report = ["## A scripted typing session through `dcode lsp` against the engine alone", "",
              f"- when: {started}, {machine()}",
              f"- command: `.venv/bin/python bench/lsp_typing.py {' '.join(sys.argv[1:])}`",
              f"- the first {len(source)} characters of the standard library's colorsys.py typed in {len(stops)} bursts"
              f" of 1-6 characters (seed {args.seed}), one inline request after each, waited for; {args.model},"
              f" greedy, at most {args.max_tokens} tokens; debounce 0, checks off", "",
              "| requests | p50 ms | p95 ms |", "|---|---|---|",
              f"| all {len(rows)} | {percentile(every, .5):.0f} | {percentile(every, .95):.0f} |",
              f"| {len(hits)} cache hits ({len(hits) / len(rows):.1%}) | **{percentile(hits, .5):.1f}** |"
              f" **{percentile(hits, .95):.1f}** |",
              f"| {len(generated)} generated | {percentile(server_ms, .5):.0f} | {percentile(server_ms, .95):.0f} |",
              f"| the same {len(generated)} prompts on the engine alone | {percentile(engine_ms, .5):.0f} |"
              f" {percentile(engine_ms, .95):.0f} |", "",
              f"- the server's overhead on generated requests: **{overhead:+.1%}** of the engine's time in total"
              f" (goal: under 10%); per request p50 {percentile(per_request, .5):+.0f} ms,"
              f" p95 {percentile(per_request, .95):+.0f} ms",
              f"- the engine alone gave the server's first suggestion on {same}/{len(generated)} prompts (greedy: the"
              " same prompt gives the same text, so this checks that the prompts were rebuilt exactly)"]
    publish(report, args.append)


if __name__ == "__main__":
    main()
