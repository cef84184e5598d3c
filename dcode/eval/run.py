"""`dcode eval SUITE`: generate with an engine, grade in the sandbox by the tasks' own tests, write rows as they land.

Two loops are measured the same way. `single` is plain sampling: each sample is one
program straight from the model. `solve` makes each sample one whole `solve` run with a
budget of S model samples that sees only the visible tests; the program it chooses is
graded like a single sample. Both are graded here, by the same function, with the same
tests, so the only difference between two runs is the thing being compared.

Sample i of a problem is seeded `seed + i` (a solve run `seed + 1000 i`, its calls after),
so a resumed run asks exactly what an uninterrupted one would have.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from dcode.engines.base import Engine, Sampling
from dcode.eval.runfile import RunConfig, RunWriter
from dcode.eval.suites import Suite, Task
from dcode.sandbox.verdict import CheckResult

SOLVE_SEED_STRIDE = 1000


@dataclass(frozen=True)
class EvalProgress:
    problems_done: int
    problems: int
    samples_done: int  # graded in this run or found done in the run file
    samples: int
    passed: int
    note: str = ""

    @property
    def pass_rate(self) -> float:
        return self.passed / self.samples_done if self.samples_done else 0.0


OnEvalProgress = Callable[[EvalProgress], None]


def grade(task: Task, codes: list[str | None]) -> list[CheckResult | None]:
    """Each program's check against the task's grading tests (None for no program), the way every loop is graded."""
    from dcode.sandbox import get_sandbox

    jobs = [(i, task.grading_prefix + code) for i, code in enumerate(codes) if code is not None]
    checks = get_sandbox().check_many([(code, list(task.tests)) for _, code in jobs], task.limits) if jobs else []
    out: list[CheckResult | None] = [None] * len(codes)
    for (i, _), check in zip(jobs, checks, strict=True):
        out[i] = check
    return out


def _verdict_fields(check: CheckResult | None) -> dict:
    if check is None:
        return {"passed": False, "verdict": "no_program", "tests": []}
    return {"passed": check.passed, "verdict": str(check.verdict),
            "tests": [{"name": r.test.name, "verdict": str(r.verdict), "time_s": round(r.time_s, 4),
                       **({"message": r.message[:300]} if r.message and not r.passed else {})}
                      for r in check.results]}


def _runs(indices: list[int]) -> list[list[int]]:
    """Consecutive sample indices together: one engine call each, seeded as one call of all n would be."""
    groups: list[list[int]] = []
    for i in indices:
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


class Evaluation:
    """One run: a suite, an engine, a configuration, and the run file its rows go to."""

    def __init__(self, suite: Suite, engine: Engine, config: RunConfig, writer: RunWriter, *, n: int,
                 batch: int = 8, on_progress: OnEvalProgress | None = None) -> None:
        self.suite, self.engine, self.config, self.writer = suite, engine, config, writer
        self.n, self.batch, self.on_progress = n, batch, on_progress
        self._lock = threading.Lock()
        self.sampling = Sampling(temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens,
                                 seed=config.seed)
        ids = {t.id for t in suite.tasks}
        done = [r for r in writer.rows if r["problem"] in ids and r["sample"] < n]
        self._done_keys = {(r["problem"], r["sample"]) for r in done}
        self._samples_done = len(self._done_keys)
        self._passed = len({(r["problem"], r["sample"]) for r in done if r.get("passed")})
        self._problems_done = sum(all((t.id, i) in self._done_keys for i in range(n)) for t in suite.tasks)

    def missing(self, task: Task) -> list[int]:
        return [i for i in range(self.n) if (task.id, i) not in self._done_keys]

    def _report(self, note: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(EvalProgress(self._problems_done, len(self.suite.tasks), self._samples_done,
                                          len(self.suite.tasks) * self.n, self._passed, note))

    def _record(self, task: Task, sample: int, row: dict) -> None:
        row = self.writer.write({"problem": task.id, "sample": sample, **row})
        with self._lock:
            self._samples_done += 1
            self._passed += bool(row["passed"])

    # --- the two loops -------------------------------------------------------------------------
    def _single(self, task: Task, indices: list[int]) -> None:
        from dcode.loops.sample import sample_programs

        for group in _runs(indices):
            for start in range(0, len(group), self.batch):
                chunk = group[start:start + self.batch]
                seed = None if self.sampling.seed is None else self.sampling.seed + chunk[0]
                t = time.perf_counter()
                samples = sample_programs(task.problem, self.engine, replace(self.sampling, n=len(chunk), seed=seed),
                                          style=self.config.prompt_style)
                gen_s = time.perf_counter() - t
                t = time.perf_counter()
                checks = grade(task, [s.code for s in samples])
                grade_s = time.perf_counter() - t
                for i, s, check in zip(chunk, samples, checks, strict=True):
                    self._record(task, i, {
                        "completion": s.completion, "code": s.code, **_verdict_fields(check),
                        "prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens,
                        "model_samples": 1, "finish_reason": s.finish_reason,
                        "time_s": round(s.time_s + grade_s / len(chunk), 3), "gen_s": round(gen_s / len(chunk), 3),
                        "loop": None})

    def _solve(self, task: Task, indices: list[int]) -> None:
        from dcode.loops import Budget, SolveOptions, solve

        per = self.config.samples_per_solve or 1
        for i in indices:
            seed = None if self.sampling.seed is None else self.sampling.seed + SOLVE_SEED_STRIDE * i
            options = SolveOptions(sampling=replace(self.sampling, seed=seed), prompt_style=self.config.prompt_style,
                                   limits=task.limits)
            t = time.perf_counter()
            result = solve(task.problem, self.engine, Budget(samples=per, batch=min(4, per)), options)
            gen_s = time.perf_counter() - t
            [check] = grade(task, [result.code])
            summary = result.summary()
            summary.pop("code", None)
            self._record(task, i, {
                "completion": result.code or "", "code": result.code, **_verdict_fields(check),
                "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                "model_samples": result.samples, "finish_reason": result.stop_reason,
                "time_s": round(time.perf_counter() - t, 3), "gen_s": round(gen_s, 3), "loop": summary})

    def _task(self, task: Task) -> None:
        indices = self.missing(task)
        if indices:
            (self._solve if self.config.loop == "solve" else self._single)(task, indices)
        with self._lock:
            self._problems_done += 1 if indices else 0
        self._report(task.id)

    def run(self, *, concurrency: int = 1) -> list[dict]:
        """Every task's missing samples; the rows of this configuration (found and new) for the tasks run."""
        self._report("resuming" if self._samples_done else "")
        todo = [t for t in self.suite.tasks if self.missing(t)]
        if concurrency <= 1:
            for task in todo:
                self._task(task)
        else:  # several servers: one task per server at a time (SpreadEngine sends each to the least busy)
            with ThreadPoolExecutor(concurrency) as pool:
                for future in [pool.submit(self._task, t) for t in todo]:
                    future.result()
        ids = {t.id for t in self.suite.tasks}
        return [r for r in self.writer.rows if r["problem"] in ids and r["sample"] < self.n]


@dataclass
class EvalOutcome:
    rows: list[dict]
    config: RunConfig
    suite: Suite
    warnings: list[str]
    resumed: int  # samples found done in the run file
    time_s: float


def evaluate(suite: Suite, settings, *, loop: str = "single", n: int = 1, samples_per_solve: int = 4,
             out=None, command: str = "", prompt_style: str = "auto", batch: int = 8,
             on_progress: OnEvalProgress | None = None, on_load=None, engine: Engine | None = None) -> EvalOutcome:
    """Generate and grade `n` samples per task of `suite` with the engine `settings` name, into the run file `out`.

    A run file that exists is resumed: its samples are kept and skipped, and rows of
    another configuration are refused (BadInput) before any model is loaded.

        outcome = evaluate(load_suite("humaneval", limit=10), load_settings({"model": "gemma-3-270m"}), n=4)
        summarize(outcome.rows, (1, 4)).pass_at_k
    """
    from dcode.errors import BadInput
    from dcode.eval.contamination import overlap

    if loop not in ("single", "solve"):
        raise BadInput(f"--loop must be single or solve, got {loop!r}")
    if n < 1:
        raise BadInput(f"--n must be at least 1, got {n}")
    if loop == "solve" and samples_per_solve < 1:
        raise BadInput(f"--samples-per-solve must be at least 1, got {samples_per_solve}")
    config = RunConfig(suite=suite.name, suite_source=suite.source, model=settings.model, engine=settings.engine,
                       loop=loop, samples_per_solve=samples_per_solve if loop == "solve" else None,
                       temperature=settings.temperature, top_p=settings.top_p, max_tokens=settings.max_tokens,
                       seed=settings.seed if settings.seed >= 0 else None, prompt_style=prompt_style)
    started = time.perf_counter()
    with RunWriter(out, config, command) as writer:
        resumed = len(writer.done)
        if engine is None:
            from dcode.engines import load_engine

            engine = load_engine(settings, on_progress=on_load)
        warnings = list(suite.skipped)
        manifest, seen = overlap(suite, Path(engine.info.path) if engine.info.path else None)
        if seen:
            warnings.append(f"{len(seen)} of {len(suite.tasks)} problems were among this model's training tasks "
                            f"({manifest}): {', '.join(seen[:5])}{' ...' if len(seen) > 5 else ''}")
        concurrency = len(settings.server_urls) if settings.engine == "openai" else 1
        evaluation = Evaluation(suite, engine, config, writer, n=n, batch=batch, on_progress=on_progress)
        rows = evaluation.run(concurrency=concurrency)
    return EvalOutcome(rows, config, suite, warnings, resumed, time.perf_counter() - started)
