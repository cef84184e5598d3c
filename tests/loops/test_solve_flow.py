"""The solve loop's control flow, with a scripted engine and the sandbox."""
from __future__ import annotations

import time

from dcode.engines import Sampling
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.events import CandidateChecked, Finished, PromptSent, Started, InputsGenerated
from dcode.loops.trace import TraceWriter, read_trace
from dcode.problem.types import CallTest

from loops_fakes import ScriptedEngine, add_problem

RIGHT = "    return a + b"
WRONG = "    return a - b"


def run(problem, engine, checkers, **budget):
    options = budget.pop("options", SolveOptions(Sampling(max_tokens=1024, seed=1)))
    events = []
    result = solve(problem, engine, Budget(**budget), options, on_event=events.append,
                   check_many=checkers[0], check=checkers[1])
    return result, events


def test_stops_at_the_first_candidate_that_passes(checkers):
    engine = ScriptedEngine([WRONG, "    return a * b", RIGHT, WRONG])
    result, _ = run(add_problem(), engine, checkers, samples=8, batch=2, rounds=0)
    assert result.passed and result.stop_reason == "passed"
    assert result.samples == 4 and len(engine.calls) == 2
    assert result.code == add_problem().starter_code + RIGHT + "\n"
    assert result.hidden is not None and result.hidden.passed


def test_a_base_model_continues_the_stub_with_stop_sequences(checkers):
    engine = ScriptedEngine([RIGHT])
    run(add_problem(), engine, checkers, samples=1, batch=1)
    call = engine.calls[0]
    assert call["kind"] == "complete" and call["prompt"] == add_problem().starter_code
    assert "\ndef " in call["sampling"].stop


def test_feedback_carries_the_failing_call_expected_and_actual(checkers):
    engine = ScriptedEngine([WRONG, RIGHT])
    result, events = run(add_problem(), engine, checkers, samples=4, batch=1, rounds=1)
    assert result.passed
    fix_prompt = engine.calls[1]["prompt"]
    assert WRONG in fix_prompt  # the attempt being fixed
    assert "wrong answer" in fix_prompt and "add(0, 1)" in fix_prompt
    assert "Expected: 1" in fix_prompt and "Got: -1" in fix_prompt
    assert [e.purpose for e in events if isinstance(e, PromptSent)] == ["solve", "fix"]
    fixed = [e for e in events if isinstance(e, CandidateChecked)][1]
    assert fixed.origin == "fix" and fixed.parent == 1


def test_runtime_errors_feed_back_the_error_tail(checkers):
    engine = ScriptedEngine(["    return a + undefined_name", RIGHT])
    run(add_problem(), engine, checkers, samples=2, batch=1, rounds=1)
    assert "NameError" in engine.calls[1]["prompt"]


def test_hidden_tests_never_reach_a_prompt_or_feedback(checkers):
    engine = ScriptedEngine([WRONG, "    return 0", "    return a"])
    result, events = run(add_problem(hidden=3), engine, checkers, samples=6, batch=2, rounds=2)
    assert not result.passed and result.hidden is not None and len(result.hidden.results) == 3
    for text in engine.prompt_texts():
        assert "1000" not in text and "1007" not in text
    for e in events:
        if isinstance(e, CandidateChecked):
            assert "1000" not in e.feedback and e.total == 3


def test_the_samples_budget_ends_the_loop(checkers):
    engine = ScriptedEngine([WRONG])
    result, _ = run(add_problem(), engine, checkers, samples=5, batch=2, rounds=0)
    assert result.stop_reason == "samples" and result.samples == 5
    assert [c["sampling"].n for c in engine.calls] == [2, 2, 1]


def test_fix_rounds_alternate_with_fresh_samples(checkers):
    engine = ScriptedEngine([WRONG, "    return 0", "    return a", "    return b", "    return a * 2"])
    _, events = run(add_problem(), engine, checkers, samples=5, batch=1, rounds=2)
    assert [e.purpose for e in events if isinstance(e, PromptSent)] == ["solve", "fix", "fix", "solve", "fix"]


def test_the_token_budget_ends_the_loop_and_caps_each_call(checkers):
    engine = ScriptedEngine([WRONG, "    return 0", "    return 1"], tokens_per_answer=10)
    result, _ = run(add_problem(), engine, checkers, samples=100, batch=1, rounds=0, max_tokens=36)
    assert result.stop_reason == "tokens" and result.completion_tokens == 30
    assert engine.calls[-1]["sampling"].max_tokens == 16


def test_the_time_budget_ends_the_loop(checkers):
    class Slow(ScriptedEngine):
        def complete(self, prompt, sampling, *, cancel=None, on_token=None):
            time.sleep(0.05)
            return super().complete(prompt, sampling, cancel=cancel, on_token=on_token)

    result, _ = run(add_problem(), Slow([WRONG, "    return 0"]), checkers, samples=10_000, batch=1, rounds=0,
                    time_s=0.3)
    assert result.stop_reason == "time" and result.samples < 10_000


def test_identical_programs_are_checked_once(checkers):
    checked = []

    def counting_check_many(jobs, limits=None):
        checked.extend(code for code, _ in jobs)
        return checkers[0](jobs, limits)

    same = "    return a - b  # first"
    engine = ScriptedEngine([same, "    return a - b\n", "    return a-b", WRONG])
    result, events = run(add_problem(), engine, (counting_check_many, checkers[1]), samples=4, batch=4, rounds=0)
    assert len(checked) == 1
    dups = [e.duplicate_of for e in events if isinstance(e, CandidateChecked)]
    assert dups == [None, 1, 1, 1]
    assert result.samples == 4


def test_the_best_candidate_is_the_one_that_passed_most(checkers):
    # passes add(0,1) only; passes add(0,1) and add(1,2); passes none
    engine = ScriptedEngine(["    return 1", "    return 1 if a == 0 else 3", "    return -1"])
    result, _ = run(add_problem(), engine, checkers, samples=3, batch=3, rounds=0)
    assert result.status == "failed" and result.chosen == 2
    assert result.visible is not None and result.visible.n_passed == 2


def test_answers_without_code_count_as_samples(checkers):
    engine = ScriptedEngine(["I cannot help with that.", "```python\ndef add(a, b):\n    return a + b\n```"],
                            chat_template=True)
    result, events = run(add_problem(), engine, checkers, samples=4, batch=1, rounds=0)
    assert result.passed and result.samples == 2 and result.candidates[0].code is None


def test_a_chat_model_gets_one_livecodebench_style_user_message(checkers):
    answer = "<think>```python\nbad draft\n```</think>Here:\n```python\ndef add(a, b):\n    return a + b\n```"
    engine = ScriptedEngine([answer], chat_template=True)
    result, _ = run(add_problem(), engine, checkers, samples=1, batch=1)
    messages = engine.calls[0]["prompt"]
    assert [m.role for m in messages] == ["user"]
    assert "### Format:" in messages[0].content and "### Answer:" in messages[0].content
    assert "def add(a, b)" in messages[0].content
    assert result.passed and "bad draft" not in result.code


def test_a_chat_fix_shows_the_attempt_as_the_models_turn(checkers):
    wrong = "```python\ndef add(a, b):\n    return a - b\n```"
    right = "```python\ndef add(a, b):\n    return a + b\n```"
    engine = ScriptedEngine([wrong, right], chat_template=True)
    run(add_problem(), engine, checkers, samples=2, batch=1, rounds=1)
    messages = engine.calls[1]["prompt"]
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert "return a - b" in messages[1].content and "Got: -1" in messages[2].content


def test_each_call_gets_its_own_seed(checkers):
    engine = ScriptedEngine([WRONG])
    run(add_problem(), engine, checkers, samples=3, batch=1, rounds=0, options=SolveOptions(Sampling(max_tokens=1024, seed=41)))
    assert [c["sampling"].seed for c in engine.calls] == [42, 43, 44]


def _agreement_script(candidates):
    queue = list(candidates)

    def respond(prompt: str, n: int) -> list[str]:
        if prompt.rstrip().endswith("assert add("):
            return ["2, 2) == 4", "0, 0) == 0", "5, -3) == 2", "2, 2) == 4", "oops"][:n] + ["1, 1)"] * max(0, n - 5)
        return [queue.pop(0) for _ in range(n)]
    return respond


def test_few_tests_rank_by_agreement_and_never_over_the_given_tests(checkers):
    problem = add_problem(n_visible=1, hidden=2)
    hardcoded = "    return 1 if a == 0 else 0"  # passes the one example, disagrees with everyone
    script = _agreement_script([hardcoded, "    return b + a", "    return a - b", "    return -(-b - a) + 0",
                                "    return a * 0 - b", "    return -b + a * 0", "    return a + b", "    return 0 - b"])
    engine = ScriptedEngine(script)
    result, events = run(problem, engine, checkers, samples=8, batch=4, rounds=0,
                         options=SolveOptions(Sampling(max_tokens=1024, seed=1), quorum=9))
    generated = [e for e in events if isinstance(e, InputsGenerated)]
    assert len(generated) == 1 and "add(2, 2)" in generated[0].inputs and len(generated[0].inputs) == 4
    # "-b" variants agree three ways but fail the given example, so they never win
    assert result.passed and result.hidden.passed
    chosen = result.candidates[result.chosen - 1]
    assert chosen.agreement == 3 and chosen.code.rstrip().endswith(("b + a", "-(-b - a) + 0", "a + b"))


def test_agreement_stops_early_once_a_quorum_agrees(checkers):
    problem = add_problem(n_visible=1)
    engine = ScriptedEngine(_agreement_script(["    return a + b", "    return b + a", "    return (a + b)",
                                               "    return a+b+0"] + ["    return 0"] * 8))
    result, _ = run(problem, engine, checkers, samples=12, batch=2, rounds=0, options=SolveOptions(Sampling(max_tokens=1024, seed=1), quorum=2))
    assert result.stop_reason == "agreed" and result.samples == 2


def test_events_start_and_finish_and_a_trace_records_everything(checkers, tmp_path):
    engine = ScriptedEngine([WRONG, RIGHT])
    with TraceWriter(tmp_path / "trace") as trace:
        result = solve(add_problem(), engine, Budget(samples=2, batch=1, rounds=0), on_event=trace,
                       check_many=checkers[0], check=checkers[1])
    assert isinstance(result.events[0], Started) and isinstance(result.events[-1], Finished)
    records = read_trace(tmp_path / "trace")
    kinds = [r["event"] for r in records]
    assert kinds[0] == "Started" and kinds[-1] == "Finished"
    assert kinds.count("PromptSent") == 2 and kinds.count("SampleDone") == 2 and kinds.count("CandidateChecked") == 2
    assert "TokenStreamed" not in kinds
    prompts = [r for r in records if r["event"] == "PromptSent"]
    assert prompts[0]["prompt"] == add_problem().starter_code
    verdicts = [r["verdict"] for r in records if r["event"] == "CandidateChecked"]
    assert verdicts == ["wrong_answer", "passed"]


def test_a_problem_without_tests_is_unverified(checkers):
    problem = add_problem(n_visible=0, hidden=0)
    engine = ScriptedEngine(_agreement_script(["    return a + b", "    return b + a", "    return 7", "    return a"]))
    result, _ = run(problem, engine, checkers, samples=4, batch=4)
    assert result.status == "unverified" and not result.passed
    assert result.code.rstrip().endswith(("a + b", "b + a"))


def test_call_tests_with_keywords_or_names_are_not_probes():
    from dcode.loops.agreement import _calls_in

    assert _calls_in("assert add(1, 2) == 3", "add") == [(1, 2)]
    assert _calls_in("add(x, 2)", "add") == []
    assert _calls_in("add(a=1, b=2)", "add") == []  # names unknown without a signature
    assert _calls_in("add(b=2, a=1) == 3", "add", ("a", "b")) == [(1, 2)]
    assert _calls_in("add(1, b=2)", "add", ("a", "b")) == [(1, 2)]
    assert _calls_in("add(b=2)", "add", ("a", "b")) == []  # a gap
    assert _calls_in("add(c=2)", "add", ("a", "b")) == []
    assert CallTest  # imported for the type's sake


def test_live_progress_shows_on_a_terminal_and_stays_silent_when_piped(checkers):
    import io

    from rich.console import Console

    from dcode.cli.live import LiveProgress, summary_table

    for terminal in (True, False):
        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=terminal, no_color=True, width=100)
        with LiveProgress(console) as live:
            solve(add_problem(), ScriptedEngine([WRONG, RIGHT]), Budget(samples=4, batch=1, rounds=0),
                  on_event=live, check_many=checkers[0], check=checkers[1])
            frame = live._render()
        text = buffer.getvalue()
        assert ("dcode solve" in text) is terminal
        console.print(frame)
        assert "passed 1" in buffer.getvalue() and "wrong_answer 1" in buffer.getvalue()


def test_the_summary_names_outcome_candidates_and_cost(checkers):
    import io

    from rich.console import Console

    from dcode.cli.live import summary_table

    result, _ = run(add_problem(), ScriptedEngine([WRONG, RIGHT]), checkers, samples=4, batch=1, rounds=0)
    buffer = io.StringIO()
    Console(file=buffer, width=120).print(summary_table(result))
    text = buffer.getvalue()
    assert "passed every visible test" in text and "2 tried" in text and "hidden tests" in text
    assert "20 generated" in text


def test_a_leetcode_starter_gets_typing_imported(checkers):
    from dcode.problem.types import Problem

    starter = "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
    problem = Problem(statement="Return indices of the two numbers adding up to target.", style="function",
                      function_name="twoSum", starter_code=starter,
                      tests=[CallTest("twoSum", ([2, 7, 11, 15], 9), [0, 1]), CallTest("twoSum", ([3, 3], 6), [0, 1]),
                             CallTest("twoSum", ([3, 2, 4], 6), [1, 2])])
    body = ("        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n"
            "                return [seen[target - x], i]\n            seen[x] = i\n")
    result, _ = run(problem, ScriptedEngine([body]), checkers, samples=1, batch=1)
    assert result.passed
    assert "from typing import *" in result.code


def test_by_default_base_models_resample_and_chat_models_fix(checkers):
    base = ScriptedEngine([WRONG])
    solve(add_problem(), base, Budget(samples=3, batch=1), check_many=checkers[0], check=checkers[1])
    assert all(call["prompt"] == add_problem().starter_code for call in base.calls)
    chat = ScriptedEngine(["```python\ndef add(a, b):\n    return a - b\n```"], chat_template=True)
    solve(add_problem(), chat, Budget(samples=3, batch=1), check_many=checkers[0], check=checkers[1])
    assert [len(call["prompt"]) for call in chat.calls] == [1, 3, 1]  # sample, fix, sample
