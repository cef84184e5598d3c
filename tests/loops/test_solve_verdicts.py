"""What `dcode solve` reports must be true: hidden tests decide, unparsable code is never the answer,
agreement is claimed only where candidates were compared, and the same seed chooses the same program.

Each test here reproduces what a user saw before the fix (issue 9), with a scripted engine and the
real sandbox, or with the real tiny GGUF where only plumbing matters.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from dcode.engines import Sampling
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.candidates import Candidate, rank
from dcode.loops.events import Finished
from dcode.cli.live import summary_table
from dcode.problem import load_problem
from dcode.sandbox import verdict as sv

from loops_fakes import ScriptedEngine, add_problem

ROOT = Path(__file__).resolve().parents[2]
RIGHT = "    return a + b"
# Right on every visible test (small numbers), wrong on the hidden ones (a >= 1000).
VISIBLE_ONLY = "    return a + b if a < 1000 else 0"


def run(problem, engine, checkers, options=SolveOptions(Sampling(max_tokens=1024, seed=1)), **budget):
    events: list = []
    result = solve(problem, engine, Budget(**budget), options, on_event=events.append,
                   check_many=checkers[0], check=checkers[1])
    return result, events


def rendered(result) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=160, no_color=True).print(summary_table(result))
    return buffer.getvalue()


# 1. hidden tests decide the verdict -------------------------------------------------------------

def test_a_program_that_fails_hidden_tests_has_failed(checkers):
    """Before: `hidden tests 0/2 passed`, yet status passed. Now failed, with the failures by number only."""
    result, events = run(add_problem(hidden=2), ScriptedEngine([VISIBLE_ONLY]), checkers, samples=2, batch=1)
    assert result.visible is not None and result.visible.passed
    assert result.status == "failed" and not result.passed and not result.summary()["passed"]
    assert result.hidden_failures == [(1, "wrong_answer"), (2, "wrong_answer")]
    finished = [e for e in events if isinstance(e, Finished)][-1]
    assert finished.passed is False and finished.status == "failed"
    text = rendered(result)
    assert "failed hidden tests" in text and "0/2 passed; failed: #1 wrong_answer, #2 wrong_answer" in text
    assert "1000" not in text and "1007" not in text  # no hidden test's contents


def test_passing_every_hidden_test_still_passes(checkers):
    result, _ = run(add_problem(hidden=2), ScriptedEngine([RIGHT]), checkers, samples=1, batch=1)
    assert result.passed and result.hidden_failures == []
    assert "2/2 passed" in rendered(result) and "failed" not in rendered(result)


ADD_MD = '''# Add

Write `add(a, b)` that returns the sum.

```python
def add(a, b):
```

## Examples

```python
assert add(1, 2) == 3
assert add(0, 0) == 0
assert add(2, 2) == 4
```
'''
HIDDEN_SECTION = '''
## Hidden tests

```python
assert add(1000, 1) == 1001
```
'''


def _solve_cli(tmp_path, monkeypatch, capsys, markdown: str, *args: str, answer: str) -> tuple[int, str, str]:
    """`dcode solve` as the CLI runs it, with a scripted chat model in place of a real one."""
    import dcode.engines
    from dcode.cli.loops import solve_command

    monkeypatch.setattr(dcode.engines, "load_engine", lambda settings, **_: ScriptedEngine([answer], chat_template=True))
    problem = tmp_path / "problem.md"
    problem.write_text(markdown)
    hidden = tmp_path / "hid.json"
    hidden.write_text(json.dumps({"calls": [{"fn": "add", "args": [1000, 2], "expected": 1002}]}))
    out, err = io.StringIO(), io.StringIO()
    code = solve_command(problem, samples=1, rounds=0, max_tokens=None, time_s=None, seed=1, out_path=None,
                         as_json="--json" in args, trace_dir=None,
                         hidden_tests=hidden if "--hidden-tests" in args else None, model=None, engine=None,
                         server_url=None, style="auto", batch=1, out=Console(file=out, width=160),
                         err=Console(file=err, width=160))
    return code, out.getvalue() + capsys.readouterr().out, err.getvalue()


@pytest.mark.parametrize("markdown, args", [(ADD_MD + HIDDEN_SECTION, ()), (ADD_MD, ("--hidden-tests",))])
def test_the_cli_exits_1_and_prints_no_code_when_a_hidden_test_fails(tmp_path, monkeypatch, capsys, checkers,
                                                                    markdown, args):
    """Seen with a `## Hidden tests` section and with --hidden-tests: exit 0, `"passed": true`, code printed."""
    answer = "```python\ndef add(a, b):\n    return a + b if a < 1000 else 0\n```"
    code, stdout, stderr = _solve_cli(tmp_path, monkeypatch, capsys, markdown, *args, answer=answer)
    assert code == 1
    assert stdout == ""  # the code is not shown as an answer
    assert "0/1 passed; failed: #1 wrong_answer" in stderr and "not printed" in stderr
    assert "1000" not in stderr and "1001" not in stderr and "1002" not in stderr
    code, stdout, _ = _solve_cli(tmp_path, monkeypatch, capsys, markdown, *args, "--json", answer=answer)
    data = json.loads(stdout)
    assert code == 1 and data["passed"] is False and data["status"] == "failed"
    assert data["visible"]["passed"] is True and data["hidden"]["passed"] is False


# 2. a problem with no tests ----------------------------------------------------------------------

PROSE = "# Sum\n\nRead two integers from standard input and print their sum.\n"
UNPARSABLE = "    try:\n        a, b = map(int, sys.stdin.read().split())"  # `try:` with no `except`
SUM_1 = "    a, b = map(int, sys.stdin.read().split())\n    print(a + b)"
SUM_2 = "    print(sum(map(int, sys.stdin.read().split())))"
DIFF = "    a, b = map(int, sys.stdin.read().split())\n    print(a - b)"


def _prose(tmp_path):
    path = tmp_path / "prose.md"
    path.write_text(PROSE)
    problem = load_problem(path)
    assert problem.style == "stdin" and not problem.tests
    return problem


def _stdin_script(programs: list[str], inputs: list[str]):
    """Inputs for the probe prompt, programs (in order) for the rest."""
    queue = list(programs)

    def respond(prompt: str, n: int) -> list[str]:
        if prompt.rstrip().endswith("Another example input:\n```"):
            return [inputs[i % len(inputs)] for i in range(n)] if inputs else [""] * n
        return [queue.pop(0) for _ in range(n)]
    return respond


def test_prose_without_tests_compares_candidates_on_generated_inputs(checkers, tmp_path):
    """Before: under a token budget no inputs were asked for, every candidate was a sandbox_error with
    0 agreement, and the unparsable first one was printed as "chosen by agreement"."""
    engine = ScriptedEngine(_stdin_script([UNPARSABLE, SUM_1, SUM_2, DIFF], ["1 2\n", "10 -3\n", "4 4\n"]))
    result, _ = run(_prose(tmp_path), engine, checkers, samples=4, batch=4, max_tokens=200)
    assert result.probes == 3
    assert result.status == "unverified" and not result.passed
    assert result.chosen == 2 and result.code is not None and "print(a + b)" in result.code
    verdicts = [str(c.verdict) for c in result.candidates]
    assert verdicts == ["syntax_error", "untested", "untested", "untested"]
    assert [c.agreement for c in result.candidates] == [0, 2, 2, 1]
    text = rendered(result)
    assert "chosen because 2 of 3 programs agreed on 3 generated inputs" in text
    assert "sandbox_error" not in text and "passed" not in text


def test_a_program_that_does_not_compile_is_never_chosen(checkers, tmp_path):
    engine = ScriptedEngine(_stdin_script([UNPARSABLE, UNPARSABLE + "\n    x = 1"], ["1 2\n"]))
    result, _ = run(_prose(tmp_path), engine, checkers, samples=2, batch=2)
    assert result.status == "no_candidate" and result.code is None and result.chosen is None
    assert "no program the model wrote compiles" in rendered(result)


def test_without_inputs_to_compare_on_the_choice_is_plainly_unverified(checkers, tmp_path):
    engine = ScriptedEngine(_stdin_script([SUM_1, DIFF], []))  # the model proposes no input at all
    result, _ = run(_prose(tmp_path), engine, checkers, samples=2, batch=2)
    assert result.probes == 0 and result.status == "unverified" and result.chosen == 1
    assert [str(c.verdict) for c in result.candidates] == ["untested", "untested"]
    text = rendered(result)
    assert "no generated inputs to compare candidates on" in text and "agree" not in text


def test_a_program_sampled_twice_does_not_agree_with_itself(checkers, tmp_path):
    engine = ScriptedEngine(_stdin_script([DIFF, DIFF, SUM_1], ["1 2\n", "5 5\n"]))
    result, _ = run(_prose(tmp_path), engine, checkers, samples=3, batch=3)
    assert result.candidates[1].duplicate_of == 1
    assert [c.agreement for c in result.candidates] == [1, 1, 1]
    assert result.chosen == 1 and "no two of 2 programs agreed on 2 generated inputs" in rendered(result)


def test_the_tiny_model_on_prose_prints_no_noise_as_code(tiny_gguf, tmp_path):
    """Plumbing, with the real GGUF: its noise never compiles, and was printed to stdout before."""
    problem = tmp_path / "prose.md"
    problem.write_text(PROSE)
    done = subprocess.run([sys.executable, "-m", "dcode.cli", "solve", str(problem), "--model", str(tiny_gguf),
                           "--samples", "2", "--seed", "3", "--max-tokens", "200"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert "agreement" not in done.stderr and "no candidate" in done.stderr


# 3. ties break the same way every time ------------------------------------------------------------

def test_equally_ranked_passing_candidates_go_to_the_first_generated(checkers):
    """Before: ties went to the faster candidate, so timing noise chose between them from run to run."""
    slow_first = "    import time\n    time.sleep(0.05)\n    return a + b"
    chosen = set()
    for _ in range(3):
        result, _ = run(add_problem(hidden=0), ScriptedEngine([slow_first, "    return b + a"]), checkers,
                        samples=2, batch=2)
        assert result.passed
        chosen.add(result.chosen)
    assert chosen == {1}


def _candidate(cid: int, code: str, time_s: float) -> Candidate:
    check = sv.CheckResult([sv.TestResult(test=None, verdict=sv.Verdict.PASSED, time_s=time_s)])  # type: ignore[arg-type]
    return Candidate(id=cid, code=code, origin="sample", check=check)


def test_rank_breaks_ties_by_generation_order_never_by_time_or_input_order():
    fast_late, slow_early = _candidate(2, "x = 2\n", 0.001), _candidate(1, "x = 1\n", 5.0)
    broken = _candidate(3, "try:\n", 0.0)
    for order in ([fast_late, slow_early, broken], [broken, slow_early, fast_late]):
        assert [c.id for c in rank(order)] == [1, 2, 3]
