"""Suggestions that have run: does checking candidates on the docstring's examples make the first item right more often?

HumanEval's functions with docstring examples (the examples `dcode solve` reads from the
prompt), body removed, the cursor on the body's first line. The client asks `dcode lsp` for
an inline completion there twice, in two server runs that differ only in the `tested`
setting: "off" (the model's order) and "rank" (candidates that pass their examples first).
Both arms spend the same generation budget (the same number of samples, tokens and seed),
so they see the same candidates and only the order differs. HumanEval's own `check()`, not
the docstring's examples, grades each item.

Reported: how often the first item is right in each arm, how often any item is (the
ceiling an order can reach), and the time the check adds (the server's own measure of each
request's check, p50 and p95, and the request latency of both arms).

    .venv/bin/python bench/lsp_tested.py --limit 40 --append
"""
from __future__ import annotations

import sys
import time

from lsp_client import Client, bench_arguments, machine, percentile, publish


def with_examples(problems: dict, limit: int | None) -> list[str]:
    """Task ids whose prompt gives the function examples to run, in file order, the first `limit`."""
    from dcode.loops.suggest import examples_at

    chosen = []
    for task_id, problem in problems.items():
        stub = problem["prompt"] + "    pass\n"
        if examples_at(stub, problem["prompt"].count("\n") + 1)[1]:
            chosen.append(task_id)
    return chosen[:limit]


def ask(client: Client, problem: dict, task_id: str) -> dict:
    """One inline request at the body of `task_id`: its items, latency and the check time the server measured."""
    document = problem["prompt"] + "    \n"
    uri = f"file:///bench/tested/{task_id.replace('/', '_')}.py"
    client.open(uri, document)
    before = client.status()
    ms, items = client.inline(uri, problem["prompt"].count("\n"), 4)
    after = client.status()
    client.close_document(uri)
    checked = after.get("checks", 0) > before.get("checks", 0)
    return {"ms": ms, "texts": [item["insertText"] for item in items],
            "check_ms": after.get("last_check_ms") if checked else None}


def run_arm(model: str, tested: str, task_ids: list[str], problems: dict, settings: dict) -> dict[str, dict]:
    client = Client()
    client.start({"model": model, "tested": tested, **settings})
    try:
        out = {}
        for n, task_id in enumerate(task_ids):
            out[task_id] = ask(client, problems[task_id], task_id)
            if (n + 1) % 10 == 0:
                print(f"  {model} tested={tested}: {n + 1}/{len(task_ids)}", file=sys.stderr)
        return out
    finally:
        client.close()


def grade_arms(task_ids: list[str], problems: dict, suite: dict,
               arms: dict[str, dict]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per task, the suggestion texts that pass HumanEval's tests (every distinct text of both arms in one sandbox
    call) and those that pass the docstring's examples (as the server's check would find)."""
    from dcode.eval.run import grade
    from dcode.loops.suggest import check_suggestion

    passing, examples = {}, {}
    for task_id in task_ids:
        prompt = problems[task_id]["prompt"]
        texts = list(dict.fromkeys(t for arm in arms.values() for t in arm[task_id]["texts"]))
        programs = [prompt + "    " + t + "\n" for t in texts]
        verdicts = grade(suite[task_id], programs) if programs else []
        passing[task_id] = {t for t, v in zip(texts, verdicts) if v.passed}
        examples[task_id] = {t for t, p in zip(texts, programs)
                             if check_suggestion(p, prompt.count("\n") + 1).status == "passed"}
    return passing, examples


def summarize(arm: dict[str, dict], passing: dict[str, set[str]], examples: dict[str, set[str]]) -> dict:
    rows = list(arm.items())
    return {"first": sum(bool(r["texts"]) and r["texts"][0] in passing[t] for t, r in rows),
            "any": sum(any(x in passing[t] for x in r["texts"]) for t, r in rows),
            "first_passes_examples": sum(bool(r["texts"]) and r["texts"][0] in examples[t] for t, r in rows),
            "none": sum(not r["texts"] for _, r in rows),
            "p50": percentile([r["ms"] for _, r in rows], .5), "p95": percentile([r["ms"] for _, r in rows], .95),
            "check": [r["check_ms"] for _, r in rows if r["check_ms"] is not None]}


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--limit", type=int, default=40, help="the first N HumanEval problems that give examples")
    parser.add_argument("--suggestions", type=int, default=4, help="samples per request")
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    from dcode.eval.humaneval import humaneval_problems
    from dcode.eval.suites import load_suite

    problems = humaneval_problems()
    suite = {t.id: t for t in load_suite("humaneval").tasks}
    task_ids = with_examples(problems, args.limit)
    settings = {"suggestions": args.suggestions, "maxTokens": args.max_tokens, "debounceMs": 0}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    arms = {tested: run_arm(args.model, tested, task_ids, problems, settings) for tested in ("off", "rank")}
    passing, examples = grade_arms(task_ids, problems, suite, arms)
    same = sum(sorted(arms["off"][t]["texts"]) == sorted(arms["rank"][t]["texts"]) for t in task_ids)
    off, rank = summarize(arms["off"], passing, examples), summarize(arms["rank"], passing, examples)
    n = len(task_ids)
    added = [arms["rank"][t]["ms"] - arms["off"][t]["ms"] for t in task_ids]

    report = ["## Suggestions that have run: the first item with the check on and off (`dcode lsp`)", "",
              f"- when: {started}, {machine()}",
              f"- command: `.venv/bin/python bench/lsp_tested.py {' '.join(sys.argv[1:])}`",
              f"- {n} HumanEval problems whose docstrings give examples (the first {args.limit} in file order), body"
              f" removed, cursor on its first line; {args.model}, {args.suggestions} samples per request at"
              f" temperature 0.6, seed 0, at most {args.max_tokens} tokens, debounce 0; graded by HumanEval's"
              f" check(); the two arms got the same set of candidates on {same}/{n} problems", "",
              "| tested | first item right | any item right | first item passes its examples | nothing offered |"
              " request p50 ms | request p95 ms |", "|---|---|---|---|---|---|---|"]
    for name, r in (("off", off), ("rank", rank)):
        report.append(f"| {name} | **{r['first'] / n:.1%}** ({r['first']}/{n}) | {r['any'] / n:.1%} | "
                      f"{r['first_passes_examples']}/{n} | {r['none']} | {r['p50']:.0f} | {r['p95']:.0f} |")
    report += ["", f"- the check, as the server measured it ({len(rank['check'])} requests that ran one, all"
               f" candidates in parallel): p50 **{percentile(rank['check'], .5):.0f} ms**, p95"
               f" **{percentile(rank['check'], .95):.0f} ms** (budget: 300 ms)",
               f"- request latency, rank minus off on the same problem: p50 {percentile(added, .5):+.0f} ms,"
               f" p95 {percentile(added, .95):+.0f} ms (includes the two runs' noise)"]
    publish(report, args.append)


if __name__ == "__main__":
    main()
