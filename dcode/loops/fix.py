"""`fix`: make an existing module pass the user's pytest tests.

The tests run in the sandbox against the module as it is; the failing ones (names and
pytest's own failure lines) go to the model with the module; its answer replaces the whole
file; the tests run again. Several rounds, keeping the version that passes most. The user's
files are never written here: the caller shows a diff and writes only when asked. Test files
are read, never changed.
"""
from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from dcode.engines.base import Cancel, Engine, Message, Sampling
from dcode.errors import BadInput, read_user_text
from dcode.loops.candidates import code_key
from dcode.loops.events import CandidateChecked, EventLog, OnEvent, PhaseChanged
from dcode.loops.feedback import clip, tail
from dcode.loops.generate import generate, seeded
from dcode.loops.prompts import ANSWER, Prompt, PromptStyle, comment
from dcode.problem.types import PytestTest, TestCase
from dcode.sandbox.verdict import CheckResult, Limits

MAX_FAILURES_SHOWN = 3


@dataclass
class FixResult:
    path: Path
    original: str
    code: str  # the best version found; the original when nothing did better
    before: CheckResult
    after: CheckResult
    rounds: int
    samples: int
    completion_tokens: int
    time_s: float
    events: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.after.passed

    @property
    def changed(self) -> bool:
        return self.code != self.original

    def diff(self) -> str:
        name = self.path.name
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.code.splitlines(keepends=True), f"a/{name}", f"b/{name}"))


def read_module(path: Path) -> str:
    if path.exists() and (path.is_dir() or path.suffix != ".py"):
        raise BadInput(f"{path}: expected a Python file (.py)")
    return read_user_text(path, "a Python file")


def failures_text(check: CheckResult) -> str:
    """The failing tests, each with pytest's failure lines, capped: what the model needs to see."""
    failing = [r for r in check.results if not r.passed]
    parts = []
    for r in failing[:MAX_FAILURES_SHOWN]:
        detail = r.message or tail(r.stderr) or tail(r.stdout)
        if isinstance(r.test, PytestTest) and r.actual:  # pytest's own report: where and why
            detail = f"{r.message}\n{tail(r.actual)}"
        parts.append(f"{r.test.name or 'test'} ({r.verdict}):\n{clip(detail, 900)}")
    if len(failing) > MAX_FAILURES_SHOWN:
        parts.append(f"... and {len(failing) - MAX_FAILURES_SHOWN} more failing tests")
    return "\n\n".join(parts)


def fix_prompt(style: PromptStyle, name: str, code: str, failures: str, test_source: str) -> Prompt:
    if style == "chat":
        question = (f"The Python module `{name}` fails some of its tests.\n\n```python\n{code.rstrip()}\n```\n\n"
                    + (f"The tests:\n\n```python\n{clip(test_source, 4000)}\n```\n\n" if test_source else "")
                    + f"The failures:\n\n```\n{failures}\n```\n\nFix the module so that every test passes. "
                    "Do not change the tests. Write the whole corrected module in one python block.\n\n" + ANSWER + "\n")
        return Prompt("chat", messages=(Message("user", question),))
    text = (f"# {name}: a version that fails its tests\n{code.rstrip()}\n\n\n"
            + comment(f"The tests fail:\n{failures}") + f"\n\n\n# {name}: the corrected version, the whole file\n")
    return Prompt("complete", text=text, stop=(f"\n# {name}:", "\n# The tests", "\n```"))


def _test_source(tests: list[TestCase]) -> str:
    """The test files the model may read: those the tests run, and the conftest.py files they use."""
    sources: dict[str, str] = {}
    for t in tests:
        if not isinstance(t, PytestTest) or t.project is None:
            continue
        files = t.project.without(t.hide)
        for name in sorted(files):
            text = files[name]
            targets = [tg.split("::")[0] for tg in t.targets]
            wanted = name.endswith(".py") and (Path(name).name == "conftest.py" or any(
                name == tg or name.startswith(tg.rstrip("/") + "/") or tg in (".", "") for tg in targets))
            if wanted and isinstance(text, str) and name != t.module_path and name not in sources:
                sources[name] = f"# {name}\n{text}"
    return "\n\n".join(sources.values())


def fix_module(path: Path, tests: list[TestCase], engine: Engine, *, rounds: int = 3, samples_per_round: int = 2,
               sampling: Sampling = Sampling(max_tokens=2048), style: PromptStyle | None = None, limits: Limits | None = None, on_event: OnEvent | None = None,
               cancel: Cancel | None = None, check_many=None) -> FixResult:
    """Up to `rounds` rounds of: show the failures, take whole-file rewrites, keep the best that passes most.

    `sampling` is per proposal (its max_tokens caps a rewrite; a rewrite never needs much
    more than twice the module); its `n` is `samples_per_round`.

        tests = bind_module(load_tests(Path("tests")), Path("mymod.py"))
        result = fix_module(Path("mymod.py"), tests, load_engine())
        result.passed, print(result.diff())                       # nothing is written
    """
    if check_many is None:
        from dcode.sandbox import check_many
    log = EventLog([on_event] if on_event else [])
    start = time.monotonic()
    original = read_module(path)
    style = style or ("chat" if engine.info.has_chat_template else "complete")
    name = path.name
    before = check_many([(original, tests)], limits)[0]
    best_code, best = original, before
    seen = {code_key(original)}
    samples = tokens = calls = done_rounds = 0
    source = _test_source(tests)
    while not best.passed and done_rounds < rounds and not (cancel is not None and cancel.is_set):
        done_rounds += 1
        calls += 1
        log(PhaseChanged("fix", f"round {done_rounds}: {len(best.results) - best.n_passed} failing test(s)"))
        prompt = fix_prompt(style, name, best_code, failures_text(best), source)
        budget = min(sampling.max_tokens, 2 * engine.count_tokens(best_code) + 256)
        completions = generate(engine, prompt, replace(seeded(sampling, calls), n=samples_per_round, max_tokens=budget),
                               log, call=calls, purpose="fix", cancel=cancel)
        codes = []
        for i, c in enumerate(completions):
            samples += 1
            tokens += c.completion_tokens
            code = _module_from(prompt, c.text)
            if code is not None and code_key(code) not in seen:
                seen.add(code_key(code))
                codes.append(code)
        results = check_many([(code, tests) for code in codes], limits) if codes else []
        for code, result in zip(codes, results):
            log(CandidateChecked(candidate=samples, origin="fix", code=code, verdict=str(result.verdict),
                                 passed=result.n_passed, total=len(result.results), time_s=result.time_s))
            if result.n_passed > best.n_passed:
                best_code, best = code, result
    return FixResult(path=path, original=original, code=best_code, before=before, after=best, rounds=done_rounds,
                     samples=samples, completion_tokens=tokens, time_s=time.monotonic() - start, events=log.events)


def _module_from(prompt: Prompt, text: str) -> str | None:
    code = prompt.answer(text)
    if prompt.style == "chat" or code is None:
        return code
    return code.strip("\n") + "\n" if code.strip() else None
