"""Each isolation promise, tested by a real program that tries to break it."""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
import uuid
from pathlib import Path

from dcode.problem.types import AssertTest, IOTest, PytestTest
from dcode.sandbox import Limits, Verdict
from dcode.sandbox.boot import nested_in_scratch
from dcode.sandbox.isolation import interpreter_paths

SECRET = "dcode-secret-7f3a"  # the value conftest puts in the parent's environment


def run(box, code: str, **limits) -> str:
    """Run `code`, require a clean exit, return its stdout."""
    r = box.run_program(textwrap.dedent(code), limits=Limits(**limits) if limits else None)
    assert r.verdict is Verdict.PASSED, (r.message, r.stderr)
    return r.stdout


def test_network_is_refused(sandbox):
    out = run(sandbox, """
        import socket
        for host in ["127.0.0.1", "1.1.1.1"]:
            try:
                socket.create_connection((host, 80), timeout=2)
                print("connected")
            except OSError as e:
                print("refused", e.errno)
    """)
    assert "connected" not in out and out.count("refused") == 2


def test_home_is_unreadable(sandbox):
    secret = Path.home() / f".dcode-secret-{uuid.uuid4().hex}"
    secret.write_text(SECRET)
    try:
        out = run(sandbox, f"""
            import os
            for path in [{str(secret)!r}, os.path.expanduser("~/.bashrc")]:
                try:
                    print(open(path).read())
                except OSError as e:
                    print("hidden", type(e).__name__)
            print(os.listdir({str(Path.home())!r}) if os.path.isdir({str(Path.home())!r}) else "no home")
        """)
    finally:
        secret.unlink()
    assert SECRET not in out and out.count("hidden") == 2 and secret.name not in out


def kept_in_tmp() -> list[str]:
    """What /tmp shows inside: nothing, or the way to the interpreter when it lives under /tmp
    (a clone there), bound back read-only."""
    return sorted({p.split("/")[2] for p in nested_in_scratch(interpreter_paths()) if p.startswith("/tmp/")})


def test_host_tmp_is_invisible_and_scratch_starts_empty(sandbox, tmp_path):
    marker = tmp_path / "host-file.txt"
    marker.write_text(SECRET)
    out = run(sandbox, f"""
        import os
        print(os.path.exists({str(marker)!r}), os.listdir("/tmp"), os.listdir("."), os.listdir("/var/tmp") if os.path.isdir("/var/tmp") else [])
    """)
    assert out.strip() == f"False {kept_in_tmp()} [] []"


def test_environment_is_scrubbed(sandbox):
    assert os.environ.get("DCODE_SANDBOX_TEST_SECRET") == SECRET
    out = run(sandbox, """
        import os
        print(sorted(os.environ))
        try:  # the worker's own environment (pid 1)
            print(open("/proc/1/environ", "rb").read())
        except OSError as e:
            print("denied", e)
    """)
    assert SECRET not in out and "DCODE_SANDBOX_TEST_SECRET" not in out
    assert "'HOME'" in out and "'PATH'" in out


def test_system_is_read_only_and_the_host_untouched(sandbox):
    out = run(sandbox, """
        import os
        for path in ["/usr/dcode-x", "/etc/dcode-x", "/dcode-x", "/work/dcode-x", "/dev/dcode-x", "/proc/dcode-x"]:
            try:
                open(path, "w").write("x")
                print("wrote", path)
            except OSError as e:
                print("denied", path)
        open("mine.txt", "w").write("ok")
        print(open("mine.txt").read())
    """)
    assert "wrote" not in out and out.strip().endswith("ok")
    assert not any(Path(p).exists() for p in ["/usr/dcode-x", "/etc/dcode-x", "/dcode-x", "/work/dcode-x"])


def test_nothing_survives_a_test(solo):
    """A daemon that double-forks and sleeps is killed, and files in the work dir and /tmp are gone."""
    run(solo, """
        import os, time
        open("left.txt", "w").write("x")
        open("/tmp/left.txt", "w").write("x")
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(1000)
            os._exit(0)
        print("parent done")
    """)
    out = run(solo, """
        import json, os
        print(json.dumps([sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), os.listdir("."), os.listdir("/tmp")]))
    """)
    pids, cwd, tmp = json.loads(out)
    assert len(pids) == 2 and 1 in pids, out  # the server (pid 1) and this program
    assert cwd == [] and tmp == kept_in_tmp()


def test_fork_bomb_is_contained(solo):
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    r = solo.check(code, [IOTest("", "")], Limits(timeout_s=1)).results[0]
    assert r.verdict in (Verdict.TIMEOUT, Verdict.RUNTIME_ERROR)
    assert solo.check("print(1)", [IOTest("", "1")]).passed


def test_thread_flood_is_contained(sandbox):
    code = "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(100,)).start()\n"
    r = sandbox.check(code, [IOTest("", "")], Limits(timeout_s=2)).results[0]
    # The process limit stops the flood; the program then waits for its sleeping threads, as Python does.
    assert "can't start new thread" in r.stderr
    assert r.verdict in (Verdict.RUNTIME_ERROR, Verdict.TIMEOUT)


def test_big_file_is_stopped(sandbox):
    code = "f = open('big', 'wb')\nwhile True:\n    f.write(b'x' * 2**20)\n"
    r = sandbox.check(code, [IOTest("", "")], Limits(file_size_mb=8)).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR


def test_cannot_kill_a_host_process(sandbox):
    victim = subprocess.Popen(["sleep", "60"])
    try:
        out = run(sandbox, f"""
            import os, signal
            for pid in [{victim.pid}, {os.getpid()}, 1]:
                try:
                    os.kill(pid, signal.SIGKILL)
                    print("sent", pid)
                except OSError as e:
                    print("denied", pid, type(e).__name__)
        """)
        assert victim.poll() is None
        assert f"denied {victim.pid}" in out or f"sent {victim.pid}" not in out
    finally:
        victim.kill()
        victim.wait()
    assert sandbox.check("print(1)", [IOTest("", "1")]).passed


def test_cannot_read_the_tests_that_judge_it(sandbox, tmp_path):
    tests = tmp_path / "test_judge.py"
    tests.write_text(f"# {SECRET}\nfrom solution import answer\n\ndef test_answer():\n    assert answer() == 42\n")
    code = textwrap.dedent(f"""
        import glob
        def answer():
            found = [open(p).read() for p in glob.glob({str(tmp_path)!r} + "/*")]
            return 42 if not found else found
    """)
    assert [r.verdict for r in sandbox.check(code, [PytestTest(tests)]).results] == [Verdict.PASSED]
    here = Path(__file__).resolve()
    probe = f"import os\nassert not os.path.exists({str(here)!r})\nassert not os.path.exists({str(here.parent)!r})"
    assert sandbox.check("x = 1", [AssertTest(probe)]).passed


def test_no_privileges_inside(sandbox):
    out = run(sandbox, """
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        import os
        print(status["CapEff"].strip(), status["CapBnd"].strip(), status["NoNewPrivs"].strip(), os.getgroups())
    """)
    assert out.split() == ["0000000000000000", "0000000000000000", "1", "[]"]
