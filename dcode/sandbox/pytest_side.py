"""pytest in the test's process (stdlib and pytest only): the project's tests against the candidate's module.

The module under test is a proxy here (`_RemoteModule`): every import of its name gets
the proxy, never the file, so none of the candidate's code runs in this process; its
attributes come from the candidate's process over the channel (split.py). One event
per test, named by node id; collection errors are reported as such, with pytest's text.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import signal
import sys
import types


def _sibling(name: str):
    """A module of this package: loaded by path inside the sandbox, imported normally in the parent."""
    return sys.modules.get(f"_dcode_sandbox_{name}") or importlib.import_module(f"dcode.sandbox.{name}")


harness = _sibling("harness")
_exit_status, _fail, _shutdown, _stop, WORKDIR = (harness._exit_status, harness._fail, harness._shutdown,
                                                    harness._stop, harness.WORKDIR)


class _RemoteModule(types.ModuleType):
    """The test's view of the candidate's module: attributes come from the candidate's process.

    Setting an attribute sets it there too (monkeypatch of a dependency reaches the
    candidate's functions; a function the test passes crosses as a callback).
    """

    def __getattribute__(self, name: str) -> object:
        if name == "__dict__":  # what monkeypatch and mock.patch read to restore a patch: the candidate's names now
            own = super().__getattribute__("__dict__")
            names = _CHANNEL[0].request("names") if _CHANNEL else {}
            return {**own, **(names if isinstance(names, dict) else {})}
        return super().__getattribute__(name)

    def __getattr__(self, name: str) -> object:
        if name == "__all__":  # `from module import *`: the module's own list, else its public names
            try:
                return list(_CHANNEL[0].request("getattr", 0, name))
            except AttributeError:
                return [n for n in dir(self) if not n.startswith("_")]
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _CHANNEL[0].request("getattr", 0, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name.startswith("__") and name.endswith("__"):
            super().__setattr__(name, value)
        else:
            _CHANNEL[0].request("setattr", 0, name, value)

    def __delattr__(self, name: str) -> None:
        _CHANNEL[0].request("delattr", 0, name)

    def __dir__(self) -> list[str]:
        names = _CHANNEL[0].request("names")
        return sorted(names) if isinstance(names, dict) else []


_CHANNEL: list = []


class _RemoteFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of the module under test get the proxy, never the file: its code must not run here."""

    def __init__(self, name: str, path: str, error: BaseException | None) -> None:
        self.name, self.path, self.error = name, path, error

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin=self.path)

    def create_module(self, spec):
        module = _RemoteModule(spec.name)
        module.__file__ = self.path
        return module

    def exec_module(self, module) -> None:
        if self.error is not None:
            raise self.error


def forget(req: dict) -> None:
    """In a candidate forked from a test's process (a restart): its proxies must not shadow the real module."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _RemoteFinder)]
    if isinstance(sys.modules.get(req.get("module", "")), _RemoteModule):
        del sys.modules[req["module"]]
    _CHANNEL.clear()


def run_pytest(judge) -> None:
    """pytest here, on the project's files; the module under test answers from the candidate's process."""
    req = judge.req
    error: BaseException | None = None
    if not judge.start():
        first = judge.relayed[0] if judge.relayed else {}
        error = ImportError(f"importing {req['module']} failed: {first.get('type', 'SystemExit')}: "
                            f"{first.get('message', 'exited with status %s' % judge.exit_status)}")
    _CHANNEL[:] = [judge.ch]
    sys.meta_path.insert(0, _RemoteFinder(req["module"], os.path.join(harness.WORKDIR, req["module_path"]), error))
    run_pytest_here(req, judge.reporter, judge.finish)


def run_pytest_here(req: dict, reporter, finish) -> None:
    """pytest on the project the server laid out in the working dir; one event per test, named by node id.

    Runs in the test's process (split.py): the module under test is already a proxy there.
    Collection errors are reported as such, with pytest's own message.
    """
    sys.path.insert(0, WORKDIR)  # as `python -m pytest` run in the project folder puts its cwd first
    sys.argv = ["pytest"]
    try:
        import pytest
    except ImportError:
        _stop(reporter, 1, "test", "ImportError",
              "pytest is not installed in this interpreter's environment")

    per_test = float(req.get("test_timeout_s") or 0)

    class SandboxTestTimeout(BaseException):
        """Raised by the per-test alarm; a BaseException so `except Exception` in code under test can't eat it."""

    def alarm(signum, frame):
        raise SandboxTestTimeout(f"test ran longer than {per_test:g} s")

    def crash(report) -> str:
        reprcrash = getattr(report.longrepr, "reprcrash", None)
        return str(getattr(reprcrash, "message", "") or "")[:2000]

    class Collect:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_setup(self, item) -> None:
            if per_test > 0:
                signal.signal(signal.SIGALRM, alarm)
                signal.setitimer(signal.ITIMER_REAL, per_test)

        @pytest.hookimpl(trylast=True)
        def pytest_runtest_teardown(self, item) -> None:
            signal.setitimer(signal.ITIMER_REAL, 0)

        def pytest_collectreport(self, report) -> None:
            if report.failed:
                reporter.event(event="collect_error", node=report.nodeid,
                               longrepr=str(report.longrepr)[-4000:], crash=crash(report))

        def pytest_collection_finish(self, session) -> None:
            reporter.event(event="collected", nodes=[item.nodeid for item in session.items])

        def pytest_runtest_logreport(self, report) -> None:
            reporter.event(event="test", node=report.nodeid, when=report.when, outcome=report.outcome,
                           duration=report.duration, xfail=bool(getattr(report, "wasxfail", False)),
                           longrepr=str(report.longrepr)[-4000:] if report.longrepr else "",
                           crash=crash(report) if report.longrepr else "")

    args = [*(req.get("targets") or ["."]), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "--rootdir", WORKDIR, "-o", "addopts=", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    try:
        status = pytest.main(args, plugins=[Collect()])
    except SystemExit as e:
        status = _exit_status(e)
    except BaseException as e:
        _fail(reporter, e, event="error", phase="test")
    reporter.event(event="pytest_exit", status=int(status))
    finish()
    _shutdown(0)
