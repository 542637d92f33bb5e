"""Running student code, and the base every convention's adapter builds on.

Every convention becomes an :class:`Implementation`: given a :class:`~gradcheck.Case`,
:meth:`Implementation.run` returns an :class:`Outcome` holding the gradients by the names the
student uses (``dJdW1``, ``dW1``; :attr:`Outcome.names` maps parameter names to them), the
intermediates the code exposes under the model's names (``z2``, ``dZ2``, ``dA1``), and any
problem seen while running it (an argument changed in place, a (1,)-shaped cost, ...). Student
code always runs through :class:`Calls`: on copies, with its output captured and under a time
limit; whatever it raises comes back as :class:`StudentError`.

The courses' adapters (``gradcheck/courses/*/conventions.py``) subclass :class:`Implementation`
and use the helpers here; :mod:`gradcheck.students.recognise` finds them in a module.

Imports: numpy, and :mod:`gradcheck.case` for types. Never jax or scipy.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import re
import signal
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tolerance import BLOCK_RTOL, INTERFACE_RTOL, INTERFACE_RTOL_LOW

if TYPE_CHECKING:
    from ..case import Case
    from ..course import Model

__all__ = [
    "Calls",
    "CappedOutput",
    "Implementation",
    "Outcome",
    "StudentError",
    "StudentTimeout",
    "as_array",
    "as_cost",
    "brief",
    "calling",
    "cap",
    "close",
    "compare_tuple",
    "param_of",
    "required_args",
    "returned",
    "store_grads",
    "time_limit",
    "unchanged",
]


class StudentError(Exception):
    """Student code raised (or misbehaved); ``what`` says which call, ``__cause__`` is the error.

    Coming from a worker process, there is no ``__cause__``: ``exc_type`` and ``traceback_text`` hold
    the student's exception and traceback (gradcheck's frames hidden) as text. ``timed_out`` says the
    call ran past the time limit; ``crashed`` that the student's process ended during it.
    """

    def __init__(self, what: str, message: str = "", output: str = "", *, timed_out: bool = False,
                 crashed: bool = False, exc_type: str = "", traceback_text: str = ""):
        self.what = what
        self.output = output
        self.timed_out = timed_out
        self.crashed = crashed
        self.exc_type = exc_type
        self.traceback_text = traceback_text
        super().__init__(message or what)


#: Set in a worker process: student code's BaseExceptions (KeyboardInterrupt, SystemExit) are verdicts
#: there; in the judge's own process Ctrl-C still stops the run.
CATCH_ALL = False
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
#: Files of harness code besides the package (courses loaded from outside it), hidden from tracebacks.
HARNESS_FILES: set[str] = set()


def harness_frame(filename: str) -> bool:
    """Whether a traceback frame is gradcheck's (or Python's import machinery's), not the student's."""
    return (filename.startswith(_PACKAGE_DIR) or filename.startswith("<frozen") or "importlib" in filename
            or filename in HARNESS_FILES)


def student_frames_text(exc: BaseException, replace: Mapping[str, str] | None = None) -> str:
    """The student's part of ``exc``'s traceback, then the exception line, as text."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not harness_frame(f.filename)]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in traceback.format_list(frames))
    lines.extend(s.rstrip("\n") for s in traceback.format_exception_only(type(exc), exc))
    text = "\n".join(lines)
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return notebook_places(text)


def notebook_places(text: str) -> str:
    """Traceback places in a notebook's cells as students read them: ``"homework.ipynb", cell 7, line 3``."""
    return re.sub(r'"([^"\n]*?\.ipynb), (cell \d+)", line (\d+)', r'"\1", \2, line \3', text)


class StudentTimeout(Exception):
    """Raised inside student code when it runs past ``--gradcheck-timeout``."""


@dataclass
class Outcome:
    """What an implementation gave on one case.

    Attributes:
        grads: the gradients by the student's own names (``dJdW1``, ``dW1``, ``W1``).
        names: parameter name -> the student's name for its gradient.
        intermediates: exposed intermediates under the model's names (``z2``, ``dZ2``, ``dA1``).
        problems: sentences about misbehaviour that is wrong whatever the numbers say.
        notes: sentences worth showing that are not failures.
        output: what the code printed.
        cost: the code's own cost, when it computes one.
    """

    grads: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    intermediates: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    output: str = ""
    cost: float | None = None


@contextlib.contextmanager
def calling(timeout: float | None):
    """Calls into student code; a :class:`StudentError` leaves with what the student printed."""
    calls = Calls(timeout)
    try:
        yield calls
    except StudentError as exc:
        exc.output = calls.output.getvalue()
        raise


#: What one reply may carry of what student code printed: its start and its end, this many characters
#: in all, with a note of how much was dropped between them.
OUTPUT_CAP = 64 * 1024


def _cut(head: str, dropped: int, tail: str) -> str:
    return f"{head}\n[... {dropped} characters of output dropped ...]\n{tail}" if dropped else head + tail


def cap(text: str, limit: int = OUTPUT_CAP) -> str:
    """``text`` cut to about ``limit`` characters, its start and end kept, with a note of what was dropped."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return _cut(text[:half], len(text) - 2 * half, text[-half:])


class CappedOutput(io.TextIOBase):
    """A text stream that keeps only what :func:`cap` would keep of all written to it: the rest is counted
    and dropped as it is written, so a print of 100 MB costs no 100 MB buffer. (It keeps a little less
    than OUTPUT_CAP, so that cap() leaves its note whole.)"""

    def __init__(self, kept: int = OUTPUT_CAP - 128):
        self._half = kept // 2
        self._head = ""
        self._tail: list[str] = []
        self._tail_size = 0
        self._dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        n = len(text)
        if len(self._head) < self._half:
            taken = text[:self._half - len(self._head)]
            self._head += taken
            text = text[len(taken):]
        if text:
            self._tail.append(text)
            self._tail_size += len(text)
            if self._tail_size > 2 * self._half:  # trimmed now and then, not on every write
                self._dropped += self._tail_size - self._half
                self._tail, self._tail_size = ["".join(self._tail)[-self._half:]], self._half
        return n

    def getvalue(self) -> str:
        tail = "".join(self._tail)
        dropped = self._dropped + max(0, len(tail) - self._half)
        return _cut(self._head, dropped, tail[-self._half:] if dropped else tail)


class Calls:
    """Runs student callables: copies in, mutation check, captured output, time limit."""

    def __init__(self, timeout: float | None):
        self.timeout = timeout or None
        self.output = CappedOutput()
        self.problems: list[str] = []

    def __call__(self, fn: Callable, args: Mapping[str, Any], what: str, *, kwargs: bool = False):
        given = {k: copy.deepcopy(v) for k, v in args.items()}
        kept = {k: copy.deepcopy(v) for k, v in args.items()}
        try:
            with self._limit(what), contextlib.redirect_stdout(self.output), contextlib.redirect_stderr(self.output):
                result = fn(**given) if kwargs else fn(*given.values())
        except StudentTimeout:
            raise StudentError(what, f"{what} did not return within --gradcheck-timeout={self.timeout:g} s",
                               self.output.getvalue(), timed_out=True) from None
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) and not CATCH_ALL:
                raise
            raise StudentError(what, f"{what} raised {type(exc).__name__}: {exc}", self.output.getvalue()) from exc
        for name in kept:
            if not unchanged(kept[name], given[name]):
                self.problems.append(
                    f"{what} changed its argument {name} in place. gradcheck passed a copy, so the check "
                    f"goes on, but a caller's {name} would be corrupted: work on a copy (e.g. {name}.copy())."
                )
        return result

    def _limit(self, what: str):
        return time_limit(self.timeout, what)


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str):
    """Raise :class:`StudentTimeout` in the block after ``seconds`` (main thread, POSIX; else no limit)."""
    usable = seconds and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise StudentTimeout(what)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def unchanged(a: Any, b: Any) -> bool:
    """Whether ``b`` is still exactly ``a`` (arrays, dicts and sequences element by element): a mutation check."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(unchanged(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(unchanged(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return True


def as_array(value: Any, what: str) -> np.ndarray:
    """A returned value as an array in its own dtype (float32 stays float32, complex stays complex, for
    the judge to judge); lists, tuples, jax arrays and 0-d values are fine; anything else is an error."""
    try:
        arr = np.asarray(value)
    except Exception:
        arr = None
    if arr is not None and arr.dtype.kind in "biufc":
        return arr
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentError(what, f"{what} is a {type(value).__name__}, not an array of numbers") from None


class Number(float):
    """A float that remembers the dtype the student's code computed it in (for :func:`close`)."""

    dtype: np.dtype

    def __new__(cls, value: Any, dtype: Any):
        number = super().__new__(cls, value)
        number.dtype = np.dtype(dtype)
        return number


def _dtype_name(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        try:
            dtype = np.asarray(value).dtype
        except Exception:
            return ""
    return np.dtype(dtype).name


def as_cost(value: Any, what: str, notes: list[str]) -> float:
    """A returned cost as a float (a :class:`Number` that keeps the dtype it was computed in):
    a 0-d array or one of shape (1,) or (1, 1) is accepted."""
    arr = as_array(value, what)
    if arr.size != 1:
        raise StudentError(what, f"{what} has shape {arr.shape}; a cost must be one number")
    if arr.dtype.kind == "c":
        raise StudentError(what, f"{what} is complex ({arr.ravel()[0]!r}); a cost is a real number")
    if arr.shape:
        notes.append(f"{what} returns an array of shape {arr.shape}; it was read as the number {float(arr.ravel()[0])!r}.")
    return Number(arr.ravel()[0], arr.dtype if arr.dtype.kind == "f" else np.float64)



# The base of every adapter -----------------------------------------------------------------


class Implementation:
    """One thing in a submission that computes gradients of a reference model.

    Attributes:
        name: the student's name for it (``Neural_Network``, ``backprop``, ``L_model_backward``).
        convention: a short description of the convention recognised.
        model: the reference model's name.
    """

    kind = "reference"
    convention = ""
    has_interface = False

    def __init__(self, name: str, model: Model | None, obj: Any):
        self.name = name
        self.reference = model
        self.model = model.name if model is not None else ""
        self.obj = obj

    @property
    def course(self):
        """The course of the reference model (None for self-consistency)."""
        return getattr(self.reference, "course", None)

    def cases(self, seed: int = 0) -> list[Case]:
        """The worked examples (and the course's derived cases) this implementation is checked on."""
        course = self.course
        if course is None:
            return []
        return [c for c in [*course.cases(), *course.derived_cases(seed)]
                if c.model is self.reference and self.accepts(c)]

    def strategy(self):
        """The networks the ``[hypothesis]`` item draws for this implementation (None: no such item)."""
        course = self.course
        return course.strategy(self.reference) if course is not None else None

    def offers_strategy(self) -> bool:
        """Whether :meth:`strategy` can give networks, told without building them (nor importing
        Hypothesis): this convention or its course provides the hook."""
        from ..course import Course

        course = self.course
        own = type(self).strategy is not Implementation.strategy
        return own or (course is not None and type(course).strategy is not Course.strategy)

    def state(self) -> dict:
        """What the judge's side needs of this adapter besides its class, name and model (plain data):
        a worker describes its implementations so, and the judge rebuilds them without the code."""
        return {}

    def grad_names(self, case: Case) -> dict[str, str]:
        """Parameter name -> how this convention names its gradient (``W1`` -> ``dW1``)."""
        return {p: f"d{p}" for p in case.param_names}

    def call_lines(self, case: Case, module: str, names: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
        """Python lines that call this code on ``case`` (its arrays named as in ``as_code``), and
        parameter -> the expression holding its gradient afterwards; ``([], {})`` when not offered."""
        return [], {}

    def accepts(self, case: Case) -> bool:
        return True

    def run(self, case: Case, timeout: float | None = None) -> Outcome:
        """The implementation's gradients and intermediates on ``case``."""
        out = Outcome()
        with calling(timeout) as calls:
            self._run(case, calls, out)
        out.problems[:0] = calls.problems
        out.output = calls.output.getvalue()
        return out

    def interface(self, case: Case, timeout: float | None = None) -> tuple[list[str], str]:
        """Problems with the implementation's other methods (cost, getParams, ...) on ``case``, and the
        output they printed: :meth:`probe` (student code, inputs only), then :meth:`interface_problems`."""
        raw, problems, output = self.probe(case, timeout)
        return problems + self.interface_problems(case, raw), output

    def probe(self, case: Case, timeout: float | None = None) -> tuple[dict, list[str], str]:
        """Call the implementation's other methods on ``case``'s inputs: ``(what they returned, problems
        seen while calling, output)``. Runs beside the student's code; it never sees expected values."""
        return {}, [], ""

    def interface_problems(self, case: Case, raw: dict) -> list[str]:
        """What :meth:`probe`'s values get wrong against the reference on ``case`` (the judge's side)."""
        return []

    def _run(self, case: Case, calls: Calls, out: Outcome) -> None:
        """Fill ``out`` with the gradients; conventions judged through :meth:`run` override this."""
        raise TypeError(f"{type(self).__name__} is judged by its own items (check), not through run()")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} ({self.model})>"


def store_grads(out: Outcome, case: Case, result: Any, what: str, default_names: Mapping[str, str]) -> None:
    """Put a returned tuple (parameter order) or dict (any of the usual names) into ``out``."""
    params = case.param_names
    if isinstance(result, Mapping):
        for key, value in result.items():
            param = param_of(str(key), params)
            if param is None:
                continue
            out.grads[str(key)] = as_array(value, f"{what}[{key!r}]")
            out.names[param] = str(key)
        missing = [p for p in params if p not in out.names]
        if missing:
            raise StudentError(
                what, f"{what} returned a dict without {', '.join(default_names[p] for p in missing)} "
                f"(its keys: {', '.join(map(repr, result))})"
            )
        return
    if isinstance(result, np.ndarray) or not isinstance(result, (tuple, list)):
        raise StudentError(
            what, f"{what} returned a {type(result).__name__}; expected a tuple "
            f"({', '.join(default_names[p] for p in params)}) or a dict"
        )
    if len(result) != len(params):
        raise StudentError(
            what, f"{what} returned {len(result)} values; expected {len(params)}: "
            f"({', '.join(default_names[p] for p in params)})"
        )
    for param, value in zip(params, result):
        out.grads[default_names[param]] = as_array(value, f"{what}'s {default_names[param]}")
        out.names[param] = default_names[param]


def param_of(key: str, params: tuple[str, ...]) -> str | None:
    if key in params:
        return key
    for prefix in ("dJd", "dEd", "dCd", "d"):
        if key.startswith(prefix) and key[len(prefix):] in params:
            return key[len(prefix):]
    return None


def close(a, b, rtol: float = INTERFACE_RTOL) -> bool:
    """Whether the student's value ``a`` equals the reference ``b`` to ``rtol``, or to the wider
    tolerance of ``a``'s own precision when the code computed it in float32 or float16."""
    low = INTERFACE_RTOL_LOW.get(_dtype_name(a))
    if low is not None:
        rtol = max(rtol, low)
    kind = complex if np.iscomplexobj(a) or np.iscomplexobj(b) else float  # an imaginary part is not dropped
    a, b = np.asarray(a, dtype=kind), np.asarray(b, dtype=kind)
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-6 * scale) + 1e-300))


def required_args(fn: Callable, *, skip_self: bool = False) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    names = [p.name for p in sig.parameters.values()
             if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return names[1:] if skip_self and names and names[0] == "self" else names


def brief(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=4, separator=", ", threshold=12).replace("\n", "")


def returned(value: Any) -> dict:
    """What a call returned, described for the judge: ``{"items": [...]}`` for a tuple or list (each item
    an array of numbers, or ``{"type": name}``), else ``{"type": name}``."""
    if isinstance(value, (tuple, list)):
        items = []
        for item in value:
            try:
                array = np.asarray(item)
            except Exception:
                array = None
            items.append(array if array is not None and array.dtype.kind in "biufc" else {"type": type(item).__name__})
        return {"items": items}
    return {"type": type(value).__name__}


def compare_tuple(got: Mapping[str, Any], want: Mapping[str, np.ndarray], what: str) -> list[str]:
    """What is wrong with a returned tuple (described by :func:`returned`) against the values it must hold."""
    names = list(want)
    items = got.get("items")
    if items is None or len(items) != len(names):
        n = len(items) if items is not None else got["type"]
        return [f"{what} returned {n}; expected ({', '.join(names)})."]
    problems = []
    for name, value in zip(names, items):
        if isinstance(value, Mapping):
            problems.append(f"{what}: {name} is a {value['type']}, not an array.")
            continue
        if value.dtype.kind == "c":
            problems.append(f"{what}: {name} is complex ({value.dtype}); it must be real.")
            continue
        arr = np.asarray(value, dtype=float)
        ref = np.asarray(want[name], dtype=float)
        if arr.shape != ref.shape:
            problems.append(f"{what}: {name} has shape {arr.shape} but must be {ref.shape}.")
            continue
        err = np.abs(arr - ref) / np.maximum(np.maximum(np.abs(arr), np.abs(ref)), 1e-8 * max(np.max(np.abs(ref), initial=0), 1e-12))
        if np.max(err, initial=0) > BLOCK_RTOL:
            i = np.unravel_index(int(np.argmax(err)), err.shape)
            idx = ", ".join(map(str, i))
            bad = int(np.sum(err > BLOCK_RTOL))
            problems.append(
                f"{what}: {name} is wrong. Mismatched elements: {bad} / {err.size}; worst [{idx}]: "
                f"yours {arr[i]:.8g}, expected {ref[i]:.8g} (max relative difference {err[i]:.2g})."
            )
    return problems
