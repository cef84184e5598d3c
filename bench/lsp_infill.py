"""Single-line infilling, the way FIM papers measure it, through `dcode lsp` and a real LSP client.

Built from data no one here wrote: each HumanEval problem's canonical solution with one of
its code lines removed (InCoder's and SantaCoder's "single-line infilling"). The document is
the prompt and the solution with that line empty but for its indentation (an editor indents
a new line), the cursor at its end; the client asks for an inline completion there, puts the
first item's first line back, and HumanEval's own `check()` grades the function.

Reported for each model in the registry that is installed: the pass rate, the floor (the
same functions with the line left empty: some lines are not needed to pass), how often the
server had nothing to offer, and the latency of the answers.

    .venv/bin/python bench/lsp_infill.py --append                 # every installed model, one line per problem
    .venv/bin/python bench/lsp_infill.py --model gemma-3-270m --lines 0 --limit 40   # every line of 40 problems
"""
from __future__ import annotations

import random
import sys
import time

from lsp_client import Client, bench_arguments, machine, percentile, publish


def code_lines(solution: str) -> list[int]:
    """Indices of the lines worth removing: code, not blank lines or comments."""
    return [i for i, row in enumerate(solution.splitlines()) if row.strip() and not row.strip().startswith("#")]


def tasks(problems: dict, *, lines: int, limit: int | None, seed: int) -> list[tuple[str, int]]:
    """(task id, line of the canonical solution) pairs: `lines` chosen per problem by a seeded draw, 0 for all."""
    rng = random.Random(seed)
    out = []
    for task_id in list(problems)[:limit]:
        candidates = code_lines(problems[task_id]["canonical_solution"])
        chosen = candidates if lines == 0 else sorted(rng.sample(candidates, min(lines, len(candidates))))
        out += [(task_id, i) for i in chosen]
    return out


def blanked(problem: dict, index: int) -> tuple[str, int, int, str]:
    """The document with solution line `index` emptied, the cursor (line, character), and the removed text."""
    rows = problem["canonical_solution"].splitlines(keepends=True)
    row = rows[index]
    indent = row[:len(row) - len(row.lstrip())]
    rows[index] = indent + "\n"
    document = problem["prompt"] + "".join(rows)
    line = problem["prompt"].count("\n") + index
    return document, line, len(indent), row.strip()


def run_model(model: str, pairs: list[tuple[str, int]], problems: dict, suite: dict, max_tokens: int) -> dict:
    from dcode.eval.run import grade

    client = Client()
    client.start({"model": model, "maxTokens": max_tokens, "tested": "off", "debounceMs": 0})
    rows = []
    try:
        for n, (task_id, index) in enumerate(pairs):
            document, line, character, removed = blanked(problems[task_id], index)
            uri = f"file:///bench/infill/{task_id.replace('/', '_')}_{index}.py"
            client.open(uri, document)
            ms, items = client.inline(uri, line, character)
            client.close_document(uri)
            answer = items[0]["insertText"].split("\n", 1)[0] if items else ""
            lines = document.splitlines(keepends=True)
            lines[line] = lines[line].rstrip("\n") + answer + "\n"
            rows.append({"task": task_id, "index": index, "ms": ms, "answer": answer, "removed": removed,
                         "program": "".join(lines), "floor": document, "offered": bool(items)})
            if (n + 1) % 20 == 0:
                print(f"  {model}: {n + 1}/{len(pairs)}", file=sys.stderr)
    finally:
        client.close()
    for row in rows:  # the answer and the floor in one sandbox call per task
        program, floor = grade(suite[row["task"]], [row["program"], row["floor"]])
        row["program_passed"], row["floor_passed"] = bool(program.passed), bool(floor.passed)
    exact = sum(" ".join(r["answer"].split()) == " ".join(r["removed"].split()) for r in rows)
    return {"model": model, "n": len(rows), "passed": sum(r["program_passed"] for r in rows),
            "floor": sum(r["floor_passed"] for r in rows), "offered": sum(r["offered"] for r in rows), "exact": exact,
            "p50": percentile([r["ms"] for r in rows], .5), "p95": percentile([r["ms"] for r in rows], .95)}


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--model", action="append", help="a registry model (repeatable); default: every installed one")
    parser.add_argument("--lines", type=int, default=1, help="lines removed per problem, one task each (0: all)")
    parser.add_argument("--limit", type=int, help="the first N HumanEval problems")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()

    from dcode.config import load_settings
    from dcode.eval.humaneval import humaneval_problems
    from dcode.eval.suites import load_suite
    from dcode.models.store import list_models

    models = args.model or [m.spec.name for m in list_models(load_settings()) if m.installed]
    problems = humaneval_problems()
    suite = {t.id: t for t in load_suite("humaneval").tasks}
    pairs = tasks(problems, lines=args.lines, limit=args.limit, seed=args.seed)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = [run_model(model, pairs, problems, suite, args.max_tokens) for model in models]

    report = ["## Single-line infilling through `dcode lsp`: HumanEval canonical solutions, one line removed", "",
              f"- when: {started}, {machine()}",
              f"- command: `.venv/bin/python bench/lsp_infill.py {' '.join(sys.argv[1:])}`",
              f"- tasks: {len(pairs)} ({'every code line' if args.lines == 0 else f'{args.lines} line(s) per problem, seed {args.seed}'}"
              f" of {len(set(t for t, _ in pairs))} problems); greedy, at most {args.max_tokens} tokens; the first"
              " item's first line put back; graded by HumanEval's check()", "",
              "| model | pass rate | line left empty (floor) | exact line | nothing offered | p50 ms | p95 ms |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        report.append(f"| {r['model']} | **{r['passed'] / r['n']:.1%}** ({r['passed']}/{r['n']}) | "
                      f"{r['floor'] / r['n']:.1%} | {r['exact'] / r['n']:.1%} | {r['n'] - r['offered']} | "
                      f"{r['p50']:.0f} | {r['p95']:.0f} |")
    publish(report, args.append)


if __name__ == "__main__":
    main()
