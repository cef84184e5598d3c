"""The user-namespace path, as an ordinary user would run it, driven from a root test run.

As root we enter a private mount namespace, make the interpreter and this checkout reachable
for an ordinary user (the interpreter may live under /root, which is 0700, and a fresh clone
inside a `mktemp -d` folder, also 0700), drop to uid 65534 and run a script that uses the
sandbox there. Run as an ordinary user, every other test already takes this
path, so this one is skipped with that reason.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dcode.sandbox.isolation import interpreter_paths

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import json, os
    from dcode.problem.types import AssertTest, IOTest
    from dcode.sandbox import Limits, Sandbox, isolation_status
    out = {"uid": os.getuid(), "status": isolation_status()}
    with Sandbox(workers=1) as box:
        def run(code, expect="", **limits):
            r = box.check(code, [IOTest("", expect)], Limits(**limits) if limits else None).results[0]
            return [r.verdict.value, r.stdout.strip()]
        out["ok"] = run("print(sum(range(10)))", "45")
        out["wrong"] = run("print(44)", "45")
        out["caps"] = run("s = open('/proc/self/status').read()\\nprint(s.split('CapEff:')[1].split()[0])")
        out["env"] = run("import os\\nprint('SECRET' in str(os.environ))")
        out["net"] = run("import socket\\ntry:\\n socket.create_connection(('127.0.0.1', 80), 1)\\n"
                         "except OSError:\\n print('refused')")
        out["home"] = run("import os\\nprint(os.path.exists(%r))" % os.environ["PROBE"])
        out["bomb"] = run("import os\\nwhile True:\\n  try: os.fork()\\n  except OSError: pass", timeout_s=1)
        out["after_bomb"] = run("import os\\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))", "2")
        out["memory"] = run("x = [bytearray(2**26) for _ in range(100)]", memory_mb=256)
        out["timeout"] = run("while True: pass", timeout_s=1)
        out["assert"] = box.check("def f(x): return x", [AssertTest("assert f(1) == 2")]).results[0].verdict.value
        out["exit0"] = box.check("import os\\ndef f(x): return x\\nos._exit(0)",
                                 [AssertTest("assert f(1) == 2")]).results[0].verdict.value
    print("RESULT " + json.dumps(out))
''')


def closed_ancestor(path: str) -> str | None:
    """The highest folder above `path` that an ordinary user cannot enter (no search bit for others)."""
    for folder in reversed(Path(path).parents):  # from / down
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return str(folder)
    return None


def staging(paths: list[str]) -> list[str]:
    """Shell lines, run as root in a private mount namespace, that let an ordinary user reach each path.

    Each closed folder above a path (/root for a pyenv interpreter, a 0700 `mktemp -d` folder for a
    fresh clone and its .venv) is covered by an empty tmpfs that anyone may enter, and the path is
    bound back in place: the user sees the paths and nothing else that the folder held.
    """
    outermost = [p for p in sorted(set(paths)) if not any(p.startswith(q + "/") for q in paths)]
    staged = [(path, closed) for path in outermost if (closed := closed_ancestor(path)) is not None]
    lines = []
    for i, (path, _) in enumerate(staged):
        lines += [f"mkdir -p /run/dcode-stage-{i}", f"mount --bind {shlex.quote(path)} /run/dcode-stage-{i}"]
    for closed in sorted({closed for _, closed in staged}):
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(closed)}")
    for i, (path, _) in enumerate(staged):
        lines += [f"mkdir -p {shlex.quote(path)}", f"mount --move /run/dcode-stage-{i} {shlex.quote(path)}"]
    return lines


KINDS = ["unshare"] + (["bwrap"] if shutil.which("bwrap") else [])


@pytest.mark.skipif(os.geteuid() != 0, reason="running unprivileged: every other sandbox test takes the "
                                              "user-namespace path already")
@pytest.mark.parametrize("backend", KINDS)
def test_sandbox_as_an_ordinary_user(tmp_path, backend):
    uid = 65534
    probe = Path.home() / ".dcode-unprivileged-probe"
    probe.write_text("secret")
    stage = ["set -e", "mount --make-rprivate /", *staging([*interpreter_paths(), str(ROOT)])]
    stage.append(f"exec setpriv --reuid={uid} --regid={uid} --clear-groups --inh-caps=-all --bounding-set=-all "
                 f"env -i PATH=/usr/bin:/bin HOME=/nonexistent SECRET=1 PROBE={shlex.quote(str(probe))} DCODE_SANDBOX={backend} "
                 f"DCODE_CONFIG=/nonexistent/config.toml PYTHONPATH={shlex.quote(str(ROOT))} "
                 f"{shlex.quote(sys.executable)} -c {shlex.quote(SCRIPT)}")
    try:
        proc = subprocess.run(["unshare", "--mount", "sh", "-c", "\n".join(stage)], capture_output=True,
                              text=True, timeout=120, cwd="/")
    finally:
        probe.unlink()
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = json.loads(line.removeprefix("RESULT "))
    assert out["uid"] == uid and ("user namespace" if backend == "unshare" else "bubblewrap") in out["status"]
    assert out["ok"] == ["passed", "45"]
    assert out["wrong"][0] == "wrong_answer"
    assert out["caps"][1] == "0000000000000000"
    assert out["env"][1] == "False"
    assert out["net"][1] == "refused"
    assert out["home"][1] == "False"
    assert out["bomb"][0] in ("timeout", "runtime_error")
    assert out["after_bomb"] == ["passed", "2"]
    assert out["memory"][0] == "memory_limit"
    assert out["timeout"][0] == "timeout"
    assert out["assert"] == "wrong_answer" and out["exit0"] == "runtime_error"
