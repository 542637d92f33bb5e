"""The worker: one submission's own process, where its code is imported and called (DESIGN §7a).

:func:`serve` runs in a process forked from a server that has imported numpy and gradcheck (never
from the judge, which may have started JAX's threads). Before the submission is imported it
becomes the leader of a process group of its own (so the judge can end it with every child and
thread it starts), limits its memory, sends its file descriptors 0-2 away from the terminal (what
the code prints is captured and capped), works in a temporary copy of the submission's folder,
and watches the autodiff libraries and gradcheck's own references. Then it imports the
submission, recognises its implementations and answers the judge's requests, one at a time.

A request carries a call's inputs only (a case's name, model, inputs and parameters: never its
expected values); a reply carries arrays, the student's traceback as text, the output and what the
code used. Replies are :mod:`.wire` messages, never pickles.

Imports: numpy, the standard library, :mod:`gradcheck.course`, :mod:`gradcheck.case`,
:mod:`.implementation`, :mod:`.recognise`, :mod:`.wire`; :mod:`.notebook` for a notebook.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.abc
import importlib.util
import os
import re
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..case import Case
from ..course import courses, entry_point_courses, get_model, load_course
from . import implementation
from .implementation import OUTPUT_CAP, StudentError, calling, cap, student_frames_text
from .recognise import near_misses, recognise
from .wire import encode

__all__ = ["CallInputs", "serve"]

_RECURSION = sys.getrecursionlimit()


class CallInputs:
    """What student code gets of a case: its name, model, inputs and parameters. No expected values."""

    def __init__(self, name: str, model, inputs: Mapping[str, Any], params: Mapping[str, Any]):
        self.name, self.model = name, model
        self._inputs = {k: np.asarray(v) for k, v in inputs.items()}
        self._params = {k: np.asarray(v) for k, v in params.items()}

    @property
    def inputs(self) -> dict:
        return {k: v.copy() for k, v in self._inputs.items()}

    @property
    def params(self) -> dict:
        return {k: v.copy() for k, v in self._params.items()}

    @property
    def dims(self) -> dict:
        return self.model.dims(self._inputs, self._params)

    @property
    def param_names(self) -> tuple[str, ...]:
        return self.model.param_names(self.dims)

    @property
    def shapes(self) -> dict:
        return self.model.shapes(self.dims)

    @property
    def shape_table(self) -> dict:
        return self.model.shape_table(self.dims)

    @property
    def expected(self):
        raise AttributeError("gradcheck gives student code a case's inputs only, never its expected values")


# Watching what the code uses ------------------------------------------------------------------------
USED: list[str] = []
_AUTODIFF = {
    "jax": ("grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian", "linearize"),
    "autograd": ("grad", "elementwise_grad", "value_and_grad", "jacobian", "holomorphic_grad"),
    "torch": (),
    "tensorflow": (),
}


def _note(what: str, fn):
    @functools.wraps(fn)
    def watched(*args, **kwargs):
        if what not in USED:
            USED.append(what)
        return fn(*args, **kwargs)

    return watched


def _patch(module) -> None:
    name = module.__name__
    for attr in _AUTODIFF.get(name, ()):
        if callable(getattr(module, attr, None)):
            setattr(module, attr, _note(f"{name}.{attr}", getattr(module, attr)))
    if name == "torch":
        autograd = getattr(module, "autograd", None)
        for attr in ("grad", "backward"):
            if autograd is not None and callable(getattr(autograd, attr, None)):
                setattr(autograd, attr, _note(f"torch.autograd.{attr}", getattr(autograd, attr)))
        tensor = getattr(module, "Tensor", None)
        if tensor is not None:
            tensor.backward = _note("torch.Tensor.backward", tensor.backward)
    if name == "tensorflow":
        tape = getattr(module, "GradientTape", None)
        if tape is not None:
            tape.gradient = _note("tensorflow.GradientTape.gradient", tape.gradient)


class _Patching(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _patch(module)


class _Watch(importlib.abc.MetaPathFinder):
    """Wraps the autodiff libraries' gradient functions as they are imported, to note their use."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _AUTODIFF:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            spec.loader = _Patching(spec.loader)
        return spec


def _watch() -> None:
    """Note every use of an autodiff library and of gradcheck's own references (models, expected values)."""
    sys.meta_path.insert(0, _Watch())
    for name in _AUTODIFF:
        if name in sys.modules:
            _patch(sys.modules[name])
    for course in courses():
        for model in course.models:
            for attr in ("backward", "gradients"):
                setattr(model, attr, _note(f"gradcheck's {model.name} model ({attr})", getattr(model, attr)))
    expected = Case.expected
    Case.expected = property(_note("gradcheck's worked examples (Case.expected)", expected.fget))
    import gradcheck.judge as judge

    judge.numerical_gradient = _note("gradcheck.numerical_gradient", judge.numerical_gradient)
    sys.modules["gradcheck"].numerical_gradient = judge.numerical_gradient


# The process ---------------------------------------------------------------------------------------
class _Output:
    """fds 1 and 2 point to a file: output from C code, os.write and leftover threads lands there."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        self.read_at = 0

    def new(self) -> str:
        """What reached the fds since the last call, capped."""
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
        end = os.lseek(self.file.fileno(), 0, os.SEEK_END)
        size = end - self.read_at
        if size <= 0:
            return ""
        head = os.pread(self.file.fileno(), min(size, OUTPUT_CAP), self.read_at)
        self.read_at = end
        text = head.decode(errors="replace")
        return text if size <= OUTPUT_CAP else f"{text}\n[... {size - OUTPUT_CAP} bytes of output dropped ...]"


def _limit(memory: int) -> None:
    if memory:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _import(request: Mapping[str, Any], retrying: Callable[[], None] = lambda: None):
    """The submission, imported under its own name from its working copy: ``(module, output, notes,
    error)``. A ``.py`` file whose import raises or runs past the time limit (a training loop, data
    the grader lacks, a plot at the bottom of the file) is run again as a notebook is by default: its
    imports, definitions and the assignments they use (``retrying()`` is called first, so that the
    judge gives the second try a time limit of its own). ``notes`` then say so and what was not run,
    and ``error`` is the import's own exception, the verdict if nothing is recognised that way."""
    out = implementation.CappedOutput()
    name, path = request["module"], request["path"]
    notes: list[str] = []
    error: BaseException | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        what = f"{Path(path).name} took longer than --gradcheck-timeout={request['timeout']:g} s"
        if request.get("notebook") is not None:
            from .notebook import NOTES, Cell, run_notebook

            cells = [Cell(**c) for c in request["notebook"]["cells"]]
            with implementation.time_limit(request["timeout"], what):
                module = run_notebook(name, path, cells, request["notebook"]["mode"])
            notes = list(NOTES)
        elif request.get("dotted"):
            with implementation.time_limit(request["timeout"], what):
                module = importlib.import_module(name)
        elif request.get("definitions_only"):  # an earlier worker of this file found its import failing
            module, notes = _definitions_only(name, path, None, request["timeout"], what)
        else:
            try:
                with implementation.time_limit(request["timeout"], what):
                    spec = importlib.util.spec_from_file_location(name, path)
                    module = importlib.util.module_from_spec(spec)
                    sys.modules[name] = module
                    spec.loader.exec_module(module)
            except SyntaxError:
                raise
            except Exception as exc:  # StudentTimeout included; SystemExit and the like stay verdicts
                error = exc
                retrying()
                try:
                    module, notes = _definitions_only(name, path, exc, request["timeout"], what)
                except BaseException:
                    raise error from None  # the import's own failure is the verdict, not the second try's
    return module, out.getvalue(), notes, error


def _definitions_only(name: str, path: str, exc: BaseException | None, timeout: float | None, what: str):
    """The .py file run as a notebook is by default, and the notes: why (``exc``, the import's failure;
    None when an earlier worker saw it) and what was not run."""
    from .notebook import NOTES, Cell, run_notebook

    sys.modules.pop(name, None)
    text = Path(path).read_text(errors="replace")
    with implementation.time_limit(timeout, what):
        module = run_notebook(name, path, [Cell(1, text, text)], "needed", script=True)
    why = ("an earlier import of it failed" if exc is None else
           f"importing it took longer than --gradcheck-timeout={timeout:g} s"
           if isinstance(exc, implementation.StudentTimeout) else
           f"importing it raised {type(exc).__name__}: {str(exc)[:120]}")
    return module, [f"{why}; graded on its imports, definitions and the assignments they use", *NOTES]


#: A Python 2 print statement: ``print "..."``, ``print x``, ``print`` alone (not print(...) nor print = ...).
_PRINT_STATEMENT = re.compile(r"^\s*print(\s*$|\s+[^\s(=]|\s*>>)")


def python2_line(exc: SyntaxError) -> int | None:
    """The first print statement's line when a file that Python 3 cannot parse is Python 2 code."""
    try:
        text = Path(exc.filename).read_text(errors="replace") if exc.filename else ""
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if _PRINT_STATEMENT.match(line) and not line.lstrip().startswith("#"):
            return number
    return None


def _error(exc: BaseException, replace: Mapping[str, str]) -> dict:
    """A student's exception as text for the judge."""
    if isinstance(exc, StudentError):
        cause = exc.__cause__
        return {"what": exc.what, "message": str(exc), "output": cap(exc.output), "timed_out": exc.timed_out,
                "exc_type": type(cause).__name__ if cause is not None else "",
                "traceback": student_frames_text(cause, replace) if cause is not None else ""}
    if isinstance(exc, implementation.StudentTimeout):
        return {"what": "import", "message": f"TimeoutError: importing {exc.args[0] if exc.args else 'it'}",
                "timed_out": True, "exc_type": "TimeoutError", "traceback": "", "output": ""}
    if isinstance(exc, SyntaxError):
        line = python2_line(exc)
        if line is not None:
            return {"what": "", "exc_type": "SyntaxError", "traceback": "", "output": "", "timed_out": False,
                    "message": f"this is Python 2 code (print statement at line {line}); a Python 3 port is needed"}
    return {"what": "", "message": f"{type(exc).__name__}: {exc}", "exc_type": type(exc).__name__,
            "traceback": student_frames_text(exc, replace), "output": "", "timed_out": False}


def _describe(impl, index: int, notebook: str = "") -> dict:
    cls = type(impl)
    return {"index": index, "module": cls.__module__, "qualname": cls.__qualname__, "name": impl.name,
            "model": impl.model, "state": impl.state(), "where": _where(impl.obj, notebook) if notebook else ""}


def _where(obj, notebook: str) -> str:
    """The notebook cell that defines ``obj`` (a function, or a class by its first method): "cell 7"."""
    code = getattr(obj, "__code__", None)
    if code is None and isinstance(obj, type):
        code = next((f.__code__ for f in vars(obj).values() if hasattr(f, "__code__")), None)
    match = re.search(r", (cell \d+)$", getattr(code, "co_filename", ""))
    if not match:
        return ""
    line = code.co_firstlineno
    if isinstance(obj, type):  # the class statement itself, above its first method
        import linecache

        lines = linecache.getlines(code.co_filename)
        line = next((i + 1 for i in range(min(line, len(lines)) - 1, -1, -1)
                     if re.match(rf"\s*class\s+{re.escape(obj.__name__)}\b", lines[i])), line)
    return f"{notebook}, {match.group(1)}, line {line}"


def _outcome(out) -> dict:
    return {"grads": dict(out.grads), "names": dict(out.names), "intermediates": dict(out.intermediates),
            "problems": list(out.problems), "notes": list(out.notes), "output": cap(out.output), "cost": out.cost}


def _case(spec: Mapping[str, Any]) -> CallInputs:
    return CallInputs(spec["name"], get_model(spec["model"]), spec["inputs"], spec["params"])


def _answer(impls, message: Mapping[str, Any]) -> dict:
    op, impl = message["op"], impls[message["impl"]]
    timeout = message.get("timeout")
    if op == "run":
        return {"outcome": _outcome(impl.run(_case(message["case"]), timeout))}
    if op == "probe":
        raw, problems, output = impl.probe(_case(message["case"]), timeout)
        return {"raw": raw, "problems": problems, "output": cap(output)}
    if op == "block":
        got, problems, output = impl.call_block(message["steps"], timeout)
        return {"got": got, "problems": problems, "output": cap(output)}
    if op == "prepare":
        return {"params": impl.prepare(message["label"], message["seed"], timeout)}
    if op == "evaluate":
        return {"value": impl.evaluate(message["label"], message["theta"], message["part"])}
    if op == "finish":
        problems, output = impl.finish(message["label"])
        return {"problems": problems, "output": cap(output)}
    if op == "call_lines":
        with calling(5.0):
            lines, got = impl.call_lines(_case(message["case"]), message["module"], message["names"])
        return {"lines": lines, "got": got}
    raise ValueError(f"unknown request {op!r}")


_PID: list[int] = []


def _reset() -> None:
    """Undo what student code may have changed that the worker's own code relies on; a process the
    student's code forked, arriving here, ends at once (only the worker itself talks to the judge)."""
    if _PID and os.getpid() != _PID[0]:
        os._exit(0)
    sys.setrecursionlimit(_RECURSION)
    np.seterr(all="ignore")
    warnings.resetwarnings()
    warnings.simplefilter("ignore")


def serve(conn, request: dict) -> None:
    """The worker's life: set up, import the submission, say what it holds, then answer until told to stop."""
    os.setsid()
    _PID.append(os.getpid())
    _limit(request.get("memory", 0))
    output = _Output()
    implementation.CATCH_ALL = True
    implementation.HARNESS_FILES.update(request.get("harness", ()))
    replace = {request["workdir"]: request["folder"]} if request.get("workdir") else {}
    if request.get("workdir"):
        os.chdir(request["workdir"])
    paths = request["sys_path"]
    sys.path[0:0] = [paths] if isinstance(paths, str) else paths
    if request.get("cwd"):
        os.chdir(request["cwd"])
    entry_point_courses()  # the same courses as the judge: installed ones, then those named
    for spec, base in request.get("courses", ()):
        load_course(spec, base)
    _watch()
    started = time.perf_counter()

    def refuse(exc: BaseException, printed: str = "") -> None:
        conn.send_bytes(encode({"ok": False, "error": _error(exc, replace), "output": cap(printed + output.new()),
                                "seconds": time.perf_counter() - started}))

    try:
        module, printed, notes, import_error = _import(request, lambda: conn.send_bytes(encode({"retrying": True})))
    except BaseException as exc:  # anything at import, SystemExit and KeyboardInterrupt included, is a verdict
        _reset()
        refuse(exc)
        return
    _reset()
    try:
        impls = recognise(module)
        if import_error is not None and not impls:  # its definitions alone hold nothing to grade either
            refuse(import_error, printed)
            return
        names = sorted(n for n, v in vars(module).items()
                       if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module.__name__)
        notebook = Path(request["path"]).name if request.get("notebook") is not None else ""
        hello = {"ok": True, "implementations": [_describe(impl, i, notebook) for i, impl in enumerate(impls)],
                 "names": names, "notes": notes, "near_misses": near_misses(module, impls),
                 "definitions_only": bool(notes) and request.get("notebook") is None}
    except BaseException as exc:
        _reset()
        refuse(exc)
        return
    conn.send_bytes(encode({**hello, "output": cap(printed + output.new()), "used": list(USED),
                            "seconds": time.perf_counter() - started}))
    from .wire import decode

    while True:
        try:
            message = decode(conn.recv_bytes())
        except EOFError:
            return
        if message.get("op") == "exit":
            return
        started = time.perf_counter()
        try:
            reply = _answer(impls, message)
        except BaseException as exc:
            reply = {"error": _error(exc, replace)}
        _reset()
        reply.update(used=list(USED), fd_output=output.new(), seconds=time.perf_counter() - started)
        try:
            data = encode(reply)
        except Exception as exc:  # the code returned something that cannot be sent
            data = encode({"error": {"what": "", "message": f"the code returned what cannot be judged ({exc})",
                                     "exc_type": "", "traceback": "", "output": "", "timed_out": False},
                           "used": list(USED), "fd_output": "", "seconds": 0.0})
        conn.send_bytes(data)
