"""`dcode fix` on a real-layout project: a module that imports its sibling, tests that name one file."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dcode.loops.fix import fix_module
from dcode.problem import bind_module, load_tests

from loops_fakes import ScriptedEngine

SIBLING = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "sibling"
FIXED = "from helpers import SEP\n\n\ndef join(words):\n    return '+'.join(words)\n\n\ndef shout(word):\n" \
        "    return word.upper() + '!'\n"
DCODE = Path(sys.executable).with_name("dcode")


@pytest.fixture
def sibling(tmp_path) -> Path:
    shutil.copytree(SIBLING, tmp_path / "sibling")
    return tmp_path / "sibling"


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fix_repairs_a_module_that_imports_its_sibling(sibling):
    tests = bind_module(load_tests(sibling / "tests" / "test_mymod.py"), sibling / "mymod.py")
    engine = ScriptedEngine([f"```python\n{FIXED}```"], chat_template=True)
    before = digests(sibling)
    result = fix_module(sibling / "mymod.py", tests, engine, rounds=2, samples_per_round=1)
    assert result.before.n_passed == 1 and len(result.before.results) == 2  # not "collected no tests"
    assert result.passed and result.rounds == 1
    question = engine.calls[0]["prompt"][0].content
    assert "test_join" in question and "assert 'a-b' == 'a+b'" in question
    assert digests(sibling) == before  # nothing written


def test_fix_cli_with_the_small_gguf_on_the_sibling_project(sibling, gemma_home, tmp_path):
    """The real chain: gemma-3-270m proposes, the sandbox judges against the project's tests, a trace is kept."""
    before = digests(sibling)
    env = {"DCODE_HOME": str(gemma_home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([str(DCODE), "fix", "mymod.py", "--tests", "tests/test_mymod.py", "--model", "gemma-3-270m",
                           "--rounds", "1", "--samples", "2", "--max-tokens", "96", "--seed", "1",
                           "--trace", str(tmp_path / "trace")], cwd=sibling, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode in (0, 1), done.stderr
    assert "1/2 passed before" in done.stderr, done.stderr
    records = [json.loads(line) for line in (tmp_path / "trace" / "trace.jsonl").read_text().splitlines()]
    prompts = [r for r in records if r["event"] == "PromptSent"]
    assert prompts and all(p["max_tokens"] <= 96 for p in prompts), records[:3]
    assert any(r["event"] == "SampleDone" for r in records)
    assert digests(sibling) == before  # shown as a diff, never written without --write
    if done.returncode == 0:
        assert "+" in done.stdout  # the diff of the fix it found
