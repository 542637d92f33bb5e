"""The judge's side of the process boundary: a submission's worker, and its implementations by proxy.

:class:`Sandbox` starts a submission's worker (:func:`gradcheck.students.worker.serve`), forked
from a server process that has imported numpy and gradcheck (``multiprocessing``'s forkserver: no
fork of the judge, whose JAX threads would not survive it), and asks it for one thing at a time
with a wall-clock limit. Past the limit, or when the worker ends on its own (``os._exit``, a
signal, memory), the whole process group is killed, and the call gets a verdict that says what
happened; the next call starts a fresh worker. :class:`RemoteImplementation` is what the plugin
judges: the adapter's own class, rebuilt without the student's code, whose student calls go to the
worker and whose comparisons run here.

Imports: the standard library, :mod:`.implementation`, :mod:`.wire`; :mod:`.worker` is imported by
the server process (by name, as multiprocessing's target).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from .implementation import Implementation, Outcome, StudentError, compare_tuple
from .wire import WireError, decode, encode

__all__ = ["RemoteImplementation", "Sandbox", "SandboxSettings"]

#: Seconds a worker gets beyond --gradcheck-timeout to answer (its own soft limit comes first).
_SLACK = 2.0
#: Seconds a worker gets to start and import the submission when there is no time limit.
_FOREVER = None
#: The folder copied as a submission's working directory holds at most this much (bytes); bigger
#: files are left out (the code reads the data it needs from its folder; gigabytes it does not).
COPY_LIMIT = 64 * 1024 * 1024
#: Workers kept running at once in one process (forked, they share most of their memory); an older one
#: is ended, and started again if needed.
MAX_OPEN = 32
_STARTING = threading.Lock()
_SKIP = {".git", "__pycache__", ".venv", "venv", "node_modules", ".ipynb_checkpoints"}


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["numpy", "gradcheck.students.worker", "gradcheck.courses.notes",
                                    "gradcheck.courses.coursera", "gradcheck.courses.scalars",
                                    "gradcheck.courses.cs231n"])
    return context


#: Workers do their linear algebra on one thread: many of them run at once, and a BLAS pool per worker
#: spinning between calls takes the cores from the others.
_ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def warm_up() -> None:
    """Start the fork server now (it imports numpy while the judge does its own work), with one BLAS thread."""
    from multiprocessing import forkserver

    _context()
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _bare_main():
    """Start a process without multiprocessing re-running the judge's ``__main__`` in it (pytest's own
    script: 0.1 s and an import of pytest in every worker, for nothing)."""
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class SandboxSettings:
    """What every worker of a run is given: the limits, the external courses, the harness files."""

    def __init__(self, timeout: float, memory: int, courses: list[tuple[str, str]], harness: list[str],
                 notebook: str = "needed"):
        self.timeout, self.memory, self.courses, self.harness = timeout, memory, courses, harness
        self.notebook = notebook


_SIGNALS = {signal.SIGSEGV: "SIGSEGV (a crash in compiled code: ctypes, or an array accessed out of bounds)",
            signal.SIGKILL: "SIGKILL (killed from outside: often the memory limit)",
            signal.SIGABRT: "SIGABRT (an abort in compiled code)", signal.SIGBUS: "SIGBUS (a crash in compiled code)",
            signal.SIGFPE: "SIGFPE (an arithmetic fault in compiled code)"}


def _copy_folder(folder: Path) -> str:
    """A temporary copy of ``folder`` (files up to :data:`COPY_LIMIT` in all) to work in."""
    target = tempfile.mkdtemp(prefix="gradcheck-submission-")
    budget = COPY_LIMIT
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not (Path(root, d) / "pyvenv.cfg").exists())
        rel = Path(root).relative_to(folder)
        for name in sorted(files):
            source = Path(root, name)
            with contextlib.suppress(OSError):
                size = source.stat().st_size
                if size > budget:
                    continue
                Path(target, rel).mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, Path(target, rel, name))
                budget -= size
    return target


class Sandbox:
    """One submission's worker process: started when first needed, restarted after a crash."""

    _open: ClassVar[list[Sandbox]] = []

    def __init__(self, path: Path, module: str, settings: SandboxSettings, *, dotted: bool = False,
                 invocation_dir: Path | None = None, root: Path | None = None, package: bool = False,
                 paths: tuple[str, ...] = ()):
        self.path, self.module, self.settings, self.dotted = Path(path), module, settings, dotted
        #: a file inside a package: imported by its dotted name (``module``) from the copy of ``root``
        self.package = package
        self.invocation_dir = invocation_dir or Path.cwd()
        #: the folder copied to work in and put first on the path: a package's root, else the file's folder
        self.root = Path(root) if root is not None else self.path.parent
        #: folders after it on the path, as they are (a folder target, where pytest runs)
        self.paths = tuple(paths)
        self.process = self.conn = None
        self.workdir: str | None = None
        self.hello: dict | None = None
        #: a .py file whose import failed once: later workers run its definitions straight away
        self.definitions_only = False

    # Life -------------------------------------------------------------------------------------
    def start(self) -> dict:
        """Start the worker; its hello: ``ok``, the implementations (or the import error), the output."""
        self.close()
        folder = self.root
        self.workdir = None if self.dotted else _copy_folder(folder)
        if self.workdir:
            rel = self.path.relative_to(folder)
            where, cwd = str(Path(self.workdir, rel)), str(Path(self.workdir, rel).parent)
        else:
            where, cwd = str(self.path), None
        sys_path = [self.workdir or str(self.invocation_dir), *self.paths]
        notebook = None
        if self.path.suffix == ".ipynb":
            from .notebook import read_cells

            notebook = {"cells": [vars(c) for c in read_cells(self.path)], "mode": self.settings.notebook}
        request = {"module": self.module, "path": where, "dotted": self.dotted or self.package, "folder": str(folder),
                   "workdir": self.workdir, "sys_path": sys_path, "cwd": cwd, "notebook": notebook,
                   "definitions_only": self.definitions_only,
                   "timeout": self.settings.timeout, "memory": self.settings.memory,
                   "courses": self.settings.courses, "harness": self.settings.harness}
        from .worker import serve

        warm_up()
        context = _context()
        parent, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, request), daemon=True)
        with _STARTING, _bare_main():
            self.process.start()
        child.close()
        self.conn = parent
        Sandbox._open.append(self)
        for idle in Sandbox._open[:-MAX_OPEN]:  # the least recently asked go first
            idle.close()
        limit = self.settings.timeout + _SLACK + 5.0 if self.settings.timeout else _FOREVER
        self.hello = self._receive(limit, "importing it")
        if self.hello.get("retrying"):  # a .py file's import failed: its definitions run, with a limit of their own
            self.hello = self._receive(limit, "importing it")
        self.definitions_only = self.definitions_only or bool(self.hello.get("definitions_only"))
        return self.hello

    def close(self) -> None:
        """End the worker and everything it started; remove its working copy."""
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
        if self.process is not None:  # nothing more is wanted from it: no graceful exit to wait for
            self._kill()
            self.process.join(1.0)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.process = self.conn = None
        self.workdir = None
        with contextlib.suppress(ValueError):
            Sandbox._open.remove(self)

    def _kill(self) -> None:
        pid = self.process.pid if self.process is not None else None
        if pid is None:
            return
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                kill()

    @classmethod
    def close_all(cls) -> None:
        for sandbox in list(cls._open):
            sandbox.close()

    # Asking ---------------------------------------------------------------------------------
    def _receive(self, limit: float | None, what: str) -> dict:
        try:
            ready = self.conn.poll(limit)
        except (OSError, EOFError):
            ready = True
        if not ready:
            self._kill()
            self.close()
            raise StudentError(what, f"{what} did not return within --gradcheck-timeout={self.settings.timeout:g} s; "
                               "its process was stopped", timed_out=True)
        try:
            data = self.conn.recv_bytes()
        except (EOFError, OSError):
            raise self._died(what) from None
        try:
            return decode(data)
        except WireError as exc:
            self.close()
            raise StudentError(what, f"the worker running {what} sent what gradcheck cannot read ({exc})",
                               crashed=True) from None

    def _died(self, what: str) -> StudentError:
        self.process.join(2.0)
        code = self.process.exitcode
        self.close()
        if code is not None and code < 0:
            name = _SIGNALS.get(-code, signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code))
            how = f"your code's process was killed by {name}"
        else:
            how = f"your code ended the process with exit code {code}"
        return StudentError(what, f"{how} while {what}", crashed=True)

    def ask(self, message: Mapping[str, Any], what: str) -> dict:
        """One request, answered; a crash, the time limit or an error of the student's is a StudentError."""
        if self.conn is None:
            hello = self.start()
            if not hello.get("ok"):
                error = hello.get("error", {})
                raise StudentError(what, f"importing the submission again failed: {error.get('message', '')}",
                                   hello.get("output", ""), exc_type=error.get("exc_type", ""),
                                   traceback_text=error.get("traceback", ""))
        if self in Sandbox._open:  # the most recently asked last
            Sandbox._open.remove(self)
            Sandbox._open.append(self)
        try:
            self.conn.send_bytes(encode(message))
        except (OSError, ValueError):
            raise self._died(what) from None
        timeout = self.settings.timeout
        reply = self._receive(timeout + _SLACK if timeout else None, what)
        if "error" in reply:
            error = reply["error"]
            raise StudentError(error.get("what") or what, error["message"], error.get("output", "") +
                               reply.get("fd_output", ""), timed_out=error.get("timed_out", False),
                               exc_type=error.get("exc_type", ""), traceback_text=error.get("traceback", ""))
        return reply


atexit.register(Sandbox.close_all)


def _spec(case) -> dict:
    """What a worker is given of a case: its name, model, inputs and parameters."""
    return {"name": case.name, "model": case.model.name, "inputs": case.inputs, "params": case.params}


def shell(descriptor: Mapping[str, Any]) -> Implementation:
    """The adapter a worker described, rebuilt here without the student's code (``obj`` is None)."""
    from ..course import get_model

    module = importlib.import_module(descriptor["module"])
    cls = module
    for part in descriptor["qualname"].split("."):
        cls = getattr(cls, part)
    impl = cls.__new__(cls)
    model = get_model(descriptor["model"]) if descriptor["model"] else None
    Implementation.__init__(impl, descriptor["name"], model, None)
    impl.__dict__.update(descriptor.get("state", {}))
    return impl


class RemoteImplementation:
    """An implementation judged here whose student code runs in its submission's worker."""

    def __init__(self, descriptor: Mapping[str, Any], sandbox: Sandbox, allow_autodiff: bool = False):
        self.shell = shell(descriptor)
        self.index = descriptor["index"]
        #: where a notebook defines it ("homework.ipynb, cell 7, line 3"); empty for a module
        self.where = descriptor.get("where", "")
        self.sandbox = sandbox
        self.allow_autodiff = allow_autodiff

    def __getattr__(self, name: str):
        return getattr(self.__dict__["shell"], name)

    def __repr__(self) -> str:
        return f"<remote {self.shell!r}>"

    def _ask(self, op: str, what: str, **fields) -> dict:
        return self.sandbox.ask({"op": op, "impl": self.index, "timeout": self.sandbox.settings.timeout, **fields}, what)

    def _used(self, reply: Mapping[str, Any]) -> list[str]:
        used = [u for u in reply.get("used", ()) if not self.allow_autodiff]
        if not used:
            return []
        return [f"gradients not hand-written (computed with {', '.join(used)}): --gradcheck checks backpropagation "
                "you write yourself; --gradcheck-allow-autodiff accepts them"]

    def run(self, case, timeout: float | None = None) -> Outcome:
        what = f"{self.shell.name} ran on {case.name}"
        reply = self._ask("run", what, case=_spec(case))
        o = reply["outcome"]
        used = self._used(reply)
        if used:
            raise StudentError(what, used[0], o["output"])
        out = Outcome(grads=o["grads"], names=o["names"], intermediates=o["intermediates"],
                      problems=o["problems"], notes=o["notes"],
                      output=o["output"] + reply.get("fd_output", ""), cost=o["cost"])
        return out

    def interface(self, case, timeout: float | None = None) -> tuple[list[str], str]:
        reply = self._ask("probe", f"{self.shell.name}'s other methods ran on {case.name}", case=_spec(case))
        problems = self._used(reply) + reply["problems"] + self.shell.interface_problems(case, reply["raw"])
        return problems, reply["output"] + reply.get("fd_output", "")

    def check(self, case, timeout: float | None = None) -> tuple[list[str], str]:
        steps = self.shell.plan(case)
        reply = self._ask("block", f"{self.shell.name} ran on {case.name}",
                          steps=[{k: v for k, v in s.items() if k != "want"} for s in steps])
        problems = self._used(reply) + reply["problems"]
        for step, got in zip(steps, reply["got"]):
            problems += compare_tuple(got, step["want"], step["what"])
        return problems, reply["output"] + reply.get("fd_output", "")

    def problem(self, label: str, seed: int = 0, timeout: float | None = None):
        name = self.shell.name
        params = self._ask("prepare", f"{name} was set up for {label}", label=label, seed=seed)["params"]
        what = self.shell.title(label)

        def evaluate(theta, part):
            return self._ask("evaluate", what, label=label, theta={k: theta[k] for k in theta}, part=part)["value"]

        def finish():
            reply = self._ask("finish", what, label=label)
            return self._used(reply) + reply["problems"], reply["output"] + reply.get("fd_output", "")

        return (lambda t: float(evaluate(t, "loss")), lambda t: evaluate(t, "grads"), params, finish)

    def call_lines(self, case, module: str, names: Mapping[str, str]):
        try:
            reply = self._ask("call_lines", f"{self.shell.name} was set up on {case.name}", case=_spec(case),
                              module=module, names=dict(names))
        except StudentError:
            return [], {}
        return reply["lines"], reply["got"]
