"""`--ray ADDRESS` as a user runs it against the test cluster: eval grading, a killed run resumed, training rewards."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dcode.eval import humaneval
from dcode.eval.runfile import read_run

ROOT = Path(__file__).resolve().parents[2]
DCODE = Path(sys.executable).parent / "dcode"
PROJECT = ROOT / "tests" / "fixtures" / "train_project"


def dcode(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(DCODE), *map(str, args)], capture_output=True, text=True, timeout=900, cwd=cwd)


def test_humaneval_samples_graded_on_ray_are_graded_as_here(tmp_path, cluster):
    problems = list(humaneval.humaneval_problems().items())[:40]
    rows = [{"task_id": t, "completion": p["canonical_solution"] if i % 3 else "    return 0\n"}
            for i, (t, p) in enumerate(problems)]
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    here = dcode("eval", "humaneval", "--samples", samples, "--json")
    assert here.returncode == 0, here.stderr
    results_here = (tmp_path / "samples.jsonl_results.jsonl").read_text()
    on_ray = dcode("eval", "humaneval", "--samples", samples, "--json", "--ray", cluster.address)
    assert on_ray.returncode == 0, on_ray.stderr
    assert "checks run on Ray" in on_ray.stderr and "3 node(s)" in on_ray.stderr
    assert json.loads(on_ray.stdout)["passed"] == json.loads(here.stdout)["passed"] == 26
    assert (tmp_path / "samples.jsonl_results.jsonl").read_text() == results_here


def test_a_run_on_ray_killed_midway_resumes_without_counting_a_check_twice(tmp_path, cluster, tiny_gguf,
                                                                           killed_when):
    args = ["eval", "humaneval", "--model", tiny_gguf, "--n", "2", "--limit", "30", "--max-tokens", "32",
            "--no-report", "--ray", cluster.address]
    out = tmp_path / "run.jsonl"
    killed_when([DCODE, *args, "--out", out], lambda: out.exists() and len(read_run(out)) >= 6)
    killed_at = len(read_run(out))
    done = dcode(*args, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    keys = [(r["problem"], r["sample"]) for r in read_run(out)]
    assert len(keys) == len(set(keys)) == 60 and summary["samples"] == 60
    assert summary["resumed_samples"] == killed_at


def test_training_tasks_and_rewards_on_ray_are_those_of_here(tmp_path, cluster):
    args = ["train", "--tests", PROJECT / "tests", "--dry-run", "--json", "--out", tmp_path / "run"]
    here, on_ray = dcode(*args, cwd=tmp_path), dcode(*args, "--ray", cluster.address, cwd=tmp_path)
    assert here.returncode == on_ray.returncode == 0, on_ray.stderr
    assert json.loads(on_ray.stdout) == json.loads(here.stdout)


def test_rewards_in_process_go_to_the_cluster_chosen_by_configuration(tmp_path, cluster):
    from dcode.sandbox import cluster_address, get_sandbox, use_cluster
    from dcode.sandbox.cluster import RaySandbox
    from dcode.train.problem_tasks import jsonl_tasks
    from dcode.train.reward import rewards
    from dcode.train.tasks import TaskSet

    rows = tmp_path / "contest.jsonl"
    rows.write_text(json.dumps({"id": "echo", "prompt": "Print the number read.",
                                "tests": [{"input": "5\n", "output": "5\n"}, {"input": "7\n", "output": "7\n"}]}) + "\n")
    tasks = TaskSet()
    jsonl_tasks(rows, tasks)
    echo = tasks.train[0]
    use_cluster(cluster.address)
    try:
        assert isinstance(get_sandbox(), RaySandbox) and cluster_address() == cluster.address
        answers = ["```python\nprint(input())\n```", "```python\nprint(5)\n```", "no code at all"]
        assert rewards([echo] * 3, answers, "chat") == [1.0, 0.0, 0.0]
    finally:
        use_cluster(None)
    assert not isinstance(get_sandbox(), RaySandbox)


def test_a_bad_ray_address_is_one_line_and_exit_2(tmp_path):
    for address, words in (("127.0.0.1:1", "no Ray cluster answers at 127.0.0.1:1"),
                           ("=nowhere", "--ray takes local, auto, HOST:PORT")):
        flag = ["--ray", address] if not address.startswith("=") else [f"--ray{address}"]
        done = dcode("eval", "dir", ROOT / "examples", "--limit", "1", *flag)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [f"dcode: error: {done.stderr.split('error: ', 1)[1].strip()}"]
        assert words in done.stderr


def test_dcode_sandbox_says_each_nodes_isolation(cluster):
    done = dcode("sandbox", "--ray", cluster.address)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.strip().splitlines()
    assert len(rows) == 3 and all("1 worker(s);" in row and "namespaces" in row for row in rows), rows
