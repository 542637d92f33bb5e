"""Recognising student code (DESIGN §7) and adapting it to one internal form.

Every convention becomes an :class:`Implementation`: given a :class:`~gradcheck.Case`,
:meth:`Implementation.run` returns an :class:`Outcome` holding the gradients by the
names the student uses (``dJdW1``, ``dW1``; :attr:`Outcome.names` maps parameter names
to them), the intermediates the code exposes under the model's names (``z2``, ``dZ2``,
``dA1``), and any problem seen while running it (an argument changed in place, a
(1,)-shaped cost, ...). Student code always runs on copies, with its output captured
and under a time limit; whatever it raises comes back as :class:`StudentError`.

Recognised, in this order of precedence:

* the notes' class: ``costFunctionPrime(X, y)`` (or ``cost_function_prime``) with
  attributes ``W1``, ``W2``; a ``Lambda`` attribute or constructor argument makes it
  the regularised model;
* ``backprop(X, y, W1, W2)`` returning ``(dJdW1, dJdW2)`` or a dict;
* the course's ``L_model_forward`` / ``L_model_backward`` pair, and its building
  blocks ``linear_backward``, ``linear_activation_backward``, ``relu_backward``,
  ``sigmoid_backward``, each checked on its own;
* the course's gradient-checking pair ``forward_propagation_n`` /
  ``backward_propagation_n``;
* a function marked ``@gradcheck.implements(model)``;
* a class with a ``params`` dict and ``loss(X, y, reg)`` returning ``(loss, grads)``
  (CS231n): checked against its own loss, there being no reference model.

Nothing here imports jax or scipy.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import re
import signal
import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import Case, load_case, make_case
from .models import Model, get_model

__all__ = [
    "CONVENTIONS",
    "Block",
    "Implementation",
    "Outcome",
    "SelfConsistency",
    "StudentError",
    "StudentTimeout",
    "derived_cases",
    "implements",
    "recognise",
]

#: One line per recognised convention, for messages that list them.
CONVENTIONS = (
    "the notes' class: costFunctionPrime(X, y) -> (dJdW1, dJdW2) with attributes W1, W2 "
    "(or cost_function_prime; a Lambda attribute or argument for the regularised network)",
    "a function backprop(X, y, W1, W2) -> (dJdW1, dJdW2) or a dict",
    "the Coursera L-layer pair L_model_forward(X, parameters) -> (AL, caches) and "
    "L_model_backward(AL, Y, caches) -> grads, with its building blocks linear_backward, "
    "linear_activation_backward, relu_backward, sigmoid_backward",
    "the Coursera gradient-checking pair forward_propagation_n(X, Y, parameters) -> (cost, cache) and "
    "backward_propagation_n(X, Y, cache) -> gradients",
    "a function marked @gradcheck.implements(\"welch\") (or another model), whose parameters are named "
    "after the model's inputs and parameters",
    "a class with a params dict and loss(X, y, reg) -> (loss, grads) (the CS231n style), "
    "checked against its own loss",
)

_IMPLEMENTS_ATTR = "__gradcheck_implements__"


def implements(model: str | Model) -> Callable:
    """Mark a function as computing the gradients of a reference model.

    The function's parameters are named after the model's inputs and parameters
    (``X, y, W1, W2`` for ``"welch"``; ``X, Y, W1, b1, ...`` for ``"deep"``; ``a0,
    target, w`` for ``"chain"``) and it returns a dict (keyed by parameter name or
    by ``dJdW1``/``dW1``/``dw``) or a tuple in the model's parameter order.
    ``pytest --gradcheck`` then checks it on every worked example of that model.

    Example:
        >>> @gradcheck.implements("chain")
        ... def grad(a0, target, w):
        ...     return {"dw": a0 * 2 * (a0 * w - target)}
    """
    if callable(model) and not isinstance(model, (str, Model)):
        raise TypeError(
            "implements needs the model's name: write @gradcheck.implements(\"welch\"), "
            f"not @gradcheck.implements; the models are {', '.join(_model_names())}"
        )
    name = get_model(model).name

    def mark(fn):
        if not callable(fn):
            raise TypeError(f"@gradcheck.implements({name!r}) decorates a function, not {type(fn).__name__}")
        setattr(fn, _IMPLEMENTS_ATTR, name)
        return fn

    return mark


def _model_names():
    from .models import model_names

    return model_names()


# Running student code -----------------------------------------------------------------


class StudentError(Exception):
    """Student code raised (or misbehaved); ``what`` says which call, ``__cause__`` is the error."""

    def __init__(self, what: str, message: str = "", output: str = ""):
        self.what = what
        self.output = output
        super().__init__(message or what)


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
def _calling(timeout: float | None):
    """Calls into student code; a :class:`StudentError` leaves with what the student printed."""
    calls = _Calls(timeout)
    try:
        yield calls
    except StudentError as exc:
        exc.output = calls.output.getvalue()
        raise


class _Calls:
    """Runs student callables: copies in, mutation check, captured output, time limit."""

    def __init__(self, timeout: float | None):
        self.timeout = timeout or None
        self.output = io.StringIO()
        self.problems: list[str] = []

    def __call__(self, fn: Callable, args: Mapping[str, Any], what: str, *, kwargs: bool = False):
        given = {k: copy.deepcopy(v) for k, v in args.items()}
        kept = {k: copy.deepcopy(v) for k, v in args.items()}
        try:
            with self._limit(what), contextlib.redirect_stdout(self.output), contextlib.redirect_stderr(self.output):
                result = fn(**given) if kwargs else fn(*given.values())
        except StudentTimeout:
            raise StudentError(what, f"{what} did not return within --gradcheck-timeout={self.timeout:g} s",
                               self.output.getvalue()) from None
        except (Exception, SystemExit) as exc:
            raise StudentError(what, f"{what} raised {type(exc).__name__}: {exc}", self.output.getvalue()) from exc
        for name in kept:
            if not _same(kept[name], given[name]):
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


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return True


def _as_array(value: Any, what: str) -> np.ndarray:
    """A returned value as a float64 array; lists, tuples, jax arrays and 0-d values are fine."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentError(what, f"{what} is a {type(value).__name__}, not an array of numbers") from None
    return arr


def _as_cost(value: Any, what: str, notes: list[str]) -> float:
    """A returned cost as a float: a 0-d array or one of shape (1,) or (1, 1) is accepted."""
    arr = _as_array(value, what)
    if arr.size != 1:
        raise StudentError(what, f"{what} has shape {arr.shape}; a cost must be one number")
    if arr.shape:
        notes.append(f"{what} returns an array of shape {arr.shape}; it was read as the number {float(arr.ravel()[0])!r}.")
    return float(arr.ravel()[0])


# Recognising a module -----------------------------------------------------------------


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

    def __init__(self, name: str, model: str, obj: Any):
        self.name = name
        self.model = model
        self.obj = obj

    def cases(self, seed: int = 0) -> list[Case]:
        """The worked examples this implementation is checked on."""
        return [c for c in _cases_for(self.model, seed) if self.accepts(c)]

    def accepts(self, case: Case) -> bool:
        return True

    def run(self, case: Case, timeout: float | None = None) -> Outcome:
        """The implementation's gradients and intermediates on ``case``."""
        out = Outcome()
        with _calling(timeout) as calls:
            self._run(case, calls, out)
        out.problems[:0] = calls.problems
        out.output = calls.output.getvalue()
        return out

    def interface(self, case: Case, timeout: float | None = None) -> tuple[list[str], str]:
        """Problems with the implementation's other methods (cost, getParams, ...) on ``case``."""
        return [], ""

    def _run(self, case: Case, calls: _Calls, out: Outcome) -> None:
        """Fill ``out`` with the gradients; conventions judged through :meth:`run` override this."""
        raise TypeError(f"{type(self).__name__} is judged by its own items (check), not through run()")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} ({self.model})>"


def _store_grads(out: Outcome, model: Model, case: Case, result: Any, what: str, default_names: Mapping[str, str]):
    """Put a returned tuple (parameter order) or dict (any of the usual names) into ``out``."""
    params = case.param_names
    if isinstance(result, Mapping):
        for key, value in result.items():
            param = _param_of(str(key), params)
            if param is None:
                continue
            out.grads[str(key)] = _as_array(value, f"{what}[{key!r}]")
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
        out.grads[default_names[param]] = _as_array(value, f"{what}'s {default_names[param]}")
        out.names[param] = default_names[param]


def _param_of(key: str, params: tuple[str, ...]) -> str | None:
    if key in params:
        return key
    for prefix in ("dJd", "dEd", "dCd", "d"):
        if key.startswith(prefix) and key[len(prefix):] in params:
            return key[len(prefix):]
    return None


# The notes' class ---------------------------------------------------------------------

_SPELLINGS = {
    "costFunctionPrime": ("costFunctionPrime", "cost_function_prime"),
    "costFunction": ("costFunction", "cost_function"),
    "getParams": ("getParams", "get_params"),
    "setParams": ("setParams", "set_params"),
    "computeGradients": ("computeGradients", "compute_gradients"),
    "sigmoidPrime": ("sigmoidPrime", "sigmoid_prime"),
    "yHat": ("yHat", "y_hat", "yhat"),
    "inputLayerSize": ("inputLayerSize", "input_layer_size"),
    "hiddenLayerSize": ("hiddenLayerSize", "hidden_layer_size"),
    "outputLayerSize": ("outputLayerSize", "output_layer_size"),
}
_LAMBDA_NAMES = ("Lambda", "lambda_", "Lambda_", "lam", "lmbda", "reg_lambda")


def _spelled(obj: Any, role: str) -> str | None:
    for name in _SPELLINGS.get(role, (role,)):
        if hasattr(obj, name):
            return name
    return None


class NotesClass(Implementation):
    """The notes' ``Neural_Network``: ``costFunctionPrime(X, y)`` with attributes ``W1``, ``W2``."""

    convention = "the notes' class (costFunctionPrime)"
    has_interface = True

    def __init__(self, name: str, cls: type):
        super().__init__(name, "welch_reg" if _is_regularised(cls) else "welch", cls)
        self.cls = cls

    def _instance(self, case: Case, calls: _Calls):
        kwargs = {}
        for p in _required(self.cls.__init__, skip_self=True):
            if p in _LAMBDA_NAMES:
                kwargs[p] = float(case.inputs.get("Lambda", 0.0))
            else:
                role = next((r for r in ("inputLayerSize", "hiddenLayerSize", "outputLayerSize")
                             if p in _SPELLINGS[r]), None)
                if role is None:
                    raise StudentError(f"{self.name}()", f"{self.name}() needs an argument {p!r} that gradcheck "
                                       f"cannot supply; give it a default")
                kwargs[p] = case.dims[role]
        net = calls(self.cls, kwargs, f"{self.name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})", kwargs=True)
        # Resize a class whose sizes are attributes (the notes' 2-3-1 class), then set the weights.
        for role in ("inputLayerSize", "hiddenLayerSize", "outputLayerSize"):
            attr = _spelled(net, role)
            if attr is not None:
                setattr(net, attr, case.dims[role])
        for p, value in case.params.items():
            setattr(net, p, value)
        if self.model == "welch_reg":
            attr = next((n for n in _LAMBDA_NAMES if hasattr(net, n)), "Lambda")
            setattr(net, attr, float(case.inputs["Lambda"]))
        return net

    def _run(self, case, calls, out):
        net = self._instance(case, calls)
        method = _spelled(net, "costFunctionPrime")
        inputs = case.inputs
        what = f"{self.name}.{method}(X, y)"
        result = calls(getattr(net, method), {"X": inputs["X"], "y": inputs["y"]}, what)
        _store_grads(out, get_model(self.model), case, result, what, {"W1": "dJdW1", "W2": "dJdW2"})
        for p, value in case.params.items():
            if not _same(np.asarray(getattr(net, p, value)), value):
                out.problems.append(f"{what} changed self.{p}; computing a gradient must not change the weights.")
        for name in ("z2", "a2", "z3", "yHat", "delta3", "delta2"):
            if self.model == "welch_reg" and name.startswith("delta"):
                continue  # the notes' regularised class keeps delta3 without the 1/m of its J
            attr = _spelled(net, name)
            value = getattr(net, attr, None) if attr else None
            if isinstance(value, (np.ndarray, list)) or np.isscalar(value):
                out.intermediates[name] = _as_array(value, f"self.{attr}")

    def interface(self, case, timeout=None):
        problems: list[str] = []
        notes: list[str] = []
        inputs, params = case.inputs, case.params
        flat = np.concatenate([params["W1"].ravel(), params["W2"].ravel()])
        with _calling(timeout) as calls:
            net = self._instance(case, calls)
            cost_name = _spelled(net, "costFunction")
            if cost_name:
                what = f"{self.name}.{cost_name}(X, y)"
                got = _as_cost(calls(getattr(net, cost_name), {"X": inputs["X"], "y": inputs["y"]}, what), what, notes)
                want = case.expected["cost"]
                if not _close(got, want):
                    problems.append(f"{what} is {got!r} but J = {want!r} on this case ({_cost_formula(self.model)}).")
            problems += _notes_activation_problems(self, net, case, calls)
            name = _spelled(net, "getParams")
            if name:
                what = f"{self.name}.{name}()"
                got = _as_array(calls(getattr(net, name), {}, what), what).ravel()
                if got.shape != flat.shape or not _close(got, flat):
                    problems.append(f"{what} must return W1 then W2, each flattened in C order "
                                    f"(np.concatenate((W1.ravel(), W2.ravel()))), {flat.size} numbers; got {got.size}"
                                    + ("" if got.size != flat.size else " in another order or with other values") + ".")
            name = _spelled(net, "setParams")
            if name:
                what = f"{self.name}.{name}(params)"
                fresh = self._instance(case, calls)
                for p in ("W1", "W2"):
                    setattr(fresh, p, np.zeros_like(params[p]))
                calls(getattr(fresh, name), {"params": flat}, what)
                for p in ("W1", "W2"):
                    got = np.asarray(getattr(fresh, p, None), dtype=float)
                    if got.shape != params[p].shape or not _close(got, params[p]):
                        problems.append(f"{what} did not set {p} to its part of params (shape {params[p].shape}, "
                                        f"W1 first, C order); self.{p} is now {_brief(got)}, expected {_brief(params[p])}.")
            name = _spelled(net, "computeGradients")
            if name:
                what = f"{self.name}.{name}(X, y)"
                got = _as_array(calls(getattr(net, name), {"X": inputs["X"], "y": inputs["y"]}, what), what).ravel()
                prime = _spelled(net, "costFunctionPrime")
                d1, d2 = (np.asarray(a, dtype=float) for a in calls(getattr(net, prime), {"X": inputs["X"], "y": inputs["y"]},
                                                                        f"{self.name}.{prime}(X, y)"))
                want = np.concatenate([d1.ravel(), d2.ravel()])
                if got.shape != want.shape or not _close(got, want):
                    problems.append(f"{what} must equal np.concatenate((dJdW1.ravel(), dJdW2.ravel())) of "
                                    f"{prime}(X, y), {want.size} numbers; got {got.size} that differ.")
        return calls.problems + problems, calls.output.getvalue()


def _brief(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=4, separator=", ", threshold=12).replace("\n", "")


def _notes_activation_problems(self, net, case: Case, calls: _Calls) -> list[str]:
    """``forward``, ``sigmoid`` and ``sigmoidPrime`` on their own, when the class has them."""
    from .models import sigmoid, sigmoid_prime

    problems = []
    z = np.linspace(-4.0, 4.0, 9).reshape(3, 3)
    for role, ref in (("sigmoid", sigmoid), ("sigmoidPrime", sigmoid_prime)):
        name = _spelled(net, role)
        if name is None or not callable(getattr(net, name)):
            continue
        what = f"{self.name}.{name}(z)"
        got = _as_array(calls(getattr(net, name), {"z": z}, what), what)
        if got.shape != z.shape or not _close(got, ref(z)):
            label = "f(z)" if role == "sigmoid" else "f'(z)"
            at = ""
            if got.shape == z.shape:
                i = np.unravel_index(int(np.argmax(np.abs(got - ref(z)))), z.shape)
                at = f": at z = {z[i]:g} yours is {got[i]:.8g}, {label} = {ref(z)[i]:.8g}"
            formula = "1/(1 + e^(-z))" if role == "sigmoid" else "e^(-z)/(1 + e^(-z))^2, i.e. f(z)(1 - f(z))"
            problems.append(f"{what} is wrong{at}; it must be {formula}.")
    if callable(getattr(net, "forward", None)):
        what = f"{self.name}.forward(X)"
        got = _as_array(calls(net.forward, {"X": case.inputs["X"]}, what), what)
        want = case.expected["intermediates"]["yHat"]
        if got.shape != want.shape or not _close(got, want):
            problems.append(f"{what} must return yHat = f(f(X·W1)·W2), shape {want.shape}; got shape {got.shape}"
                            + ("" if got.shape != want.shape else " with other values") + ".")
    return problems


def _cost_formula(model: str) -> str:
    if model == "welch_reg":
        return "J = sum(0.5*(y - yHat)**2)/m + Lambda/2*(sum(W1**2) + sum(W2**2))"
    if model == "welch":
        return "J = sum(0.5*(y - yHat)**2), summed over examples, no 1/m"
    return "J = -1/m * sum(Y*log(AL) + (1-Y)*log(1-AL))"


def _close(a, b, rtol: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(b), 1e-6 * scale) + 1e-300))


def _required(fn: Callable, *, skip_self: bool = False) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    names = [p.name for p in sig.parameters.values()
             if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return names[1:] if skip_self and names and names[0] == "self" else names


def _is_regularised(cls: type) -> bool:
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    if any(n in params for n in _LAMBDA_NAMES) or any(hasattr(cls, n) for n in _LAMBDA_NAMES):
        return True
    try:
        source = inspect.getsource(cls.__init__)
    except (OSError, TypeError):
        return False
    return bool(re.search(r"self\.(" + "|".join(_LAMBDA_NAMES) + r")\s*=", source))


# The plain function -------------------------------------------------------------------


class BackpropFunction(Implementation):
    """``backprop(X, y, W1, W2)`` -> ``(dJdW1, dJdW2)`` or a dict."""

    convention = "a backprop(X, y, W1, W2) function"

    def __init__(self, name: str, fn: Callable):
        super().__init__(name, "welch", fn)

    def _run(self, case, calls, out):
        inputs, params = case.inputs, case.params
        what = f"{self.name}(X, y, W1, W2)"
        result = calls(self.obj, {"X": inputs["X"], "y": inputs["y"], "W1": params["W1"], "W2": params["W2"]}, what)
        _store_grads(out, get_model("welch"), case, result, what, {"W1": "dJdW1", "W2": "dJdW2"})


# The course's L-layer functions -------------------------------------------------------


def _match_dA(user: Mapping[str, Any], case: Case) -> tuple[dict[str, str], list[str]]:
    """Map the student's ``dA*`` keys to the model's, by shape (two notebook generations differ).

    In one generation ``dA{l}`` is the derivative with respect to ``A{l}`` (``dA0`` is
    d/dX); in the other ``dA{l}`` is the derivative with respect to ``A{l-1}``.
    """
    keys = sorted((k for k in user if re.fullmatch(r"dA\d+", k)), key=lambda k: int(k[2:]))
    if not keys:
        return {}, []
    shapes = case.shapes
    L = get_model("deep").n_layers(case.dims)

    def fits(offset):
        return all(0 <= int(k[2:]) - offset <= L and np.shape(user[k]) == shapes[f"dA{int(k[2:]) - offset}"]
                   for k in keys)

    fitting = [o for o in (0, 1) if fits(o)]
    if len(fitting) == 1:
        offset = fitting[0]
    elif "dA0" in keys:
        offset = 0
    elif f"dA{L}" in keys:
        offset = 1
    else:
        offset = 0
    mapping = {k: f"dA{int(k[2:]) - offset}" for k in keys if 0 <= int(k[2:]) - offset <= L}
    notes = []
    if offset == 1:
        notes.append("Your grads number dA one layer up (dA{l} holds the derivative with respect to A{l-1}, as in "
                     "an older version of the course notebook); they were matched by shape: "
                     + ", ".join(f"your {k} is {v}" for k, v in mapping.items()) + ".")
    return mapping, notes


def _store_deep(out: Outcome, case: Case, grads: Any, what: str) -> None:
    if not isinstance(grads, Mapping):
        raise StudentError(what, f"{what} returned a {type(grads).__name__}; expected a dict of dW1, db1, ...")
    params = case.param_names
    _store_grads(out, get_model("deep"), case, {k: v for k, v in grads.items() if _param_of(str(k), params)},
                 what, {p: f"d{p}" for p in params})
    mapping, notes = _match_dA(grads, case)
    for key, canon in mapping.items():
        out.intermediates[canon] = _as_array(grads[key], f"{what}[{key!r}]")
    out.notes.extend(notes)
    for key, value in grads.items():
        if re.fullmatch(r"dZ\d+", str(key)):
            out.intermediates[str(key)] = _as_array(value, f"{what}[{key!r}]")


class LLayer(Implementation):
    """``L_model_forward(X, parameters)`` then ``L_model_backward(AL, Y, caches)``."""

    convention = "the course's L_model_forward / L_model_backward"
    has_interface = True

    def __init__(self, module: types.ModuleType):
        super().__init__("L_model_backward", "deep", module)

    def _forward(self, case, calls):
        inputs = case.inputs
        what = "L_model_forward(X, parameters)"
        result = calls(self.obj.L_model_forward, {"X": inputs["X"], "parameters": case.params}, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(what, f"{what} returned a {type(result).__name__}; expected (AL, caches)")
        return _as_array(result[0], "AL"), result[1]

    def _run(self, case, calls, out):
        AL, caches = self._forward(case, calls)
        L = get_model("deep").n_layers(case.dims)
        out.intermediates[f"A{L}"] = AL
        what = "L_model_backward(AL, Y, caches)"
        grads = calls(self.obj.L_model_backward, {"AL": AL, "Y": case.inputs["Y"], "caches": caches}, what)
        _store_deep(out, case, grads, what)

    def interface(self, case, timeout=None):
        problems: list[str] = []
        with _calling(timeout) as calls:
            if hasattr(self.obj, "compute_cost"):
                AL, _ = self._forward(case, calls)
                what = "compute_cost(AL, Y)"
                got = _as_cost(calls(self.obj.compute_cost, {"AL": AL, "Y": case.inputs["Y"]}, what), what, [])
                want = float(get_model("deep").forward(case.inputs, case.params)["J"])
                if not _close(got, want):
                    problems.append(f"{what} is {got!r} but J = {want!r} here ({_cost_formula('deep')}).")
        return calls.problems + problems, calls.output.getvalue()


class GradientCheckingPair(Implementation):
    """``forward_propagation_n(X, Y, parameters)`` then ``backward_propagation_n(X, Y, cache)``."""

    convention = "the course's forward_propagation_n / backward_propagation_n"
    has_interface = True

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation_n", "deep", module)

    def accepts(self, case):
        return get_model("deep").n_layers(case.dims) == 3

    def _forward(self, case, calls):
        inputs = case.inputs
        what = "forward_propagation_n(X, Y, parameters)"
        result = calls(self.obj.forward_propagation_n, {"X": inputs["X"], "Y": inputs["Y"], "parameters": case.params}, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(what, f"{what} returned a {type(result).__name__}; expected (cost, cache)")
        return result

    def _run(self, case, calls, out):
        _cost, cache = self._forward(case, calls)
        what = "backward_propagation_n(X, Y, cache)"
        inputs = case.inputs
        grads = calls(self.obj.backward_propagation_n, {"X": inputs["X"], "Y": inputs["Y"], "cache": cache}, what)
        _store_deep(out, case, grads, what)

    def interface(self, case, timeout=None):
        problems: list[str] = []
        with _calling(timeout) as calls:
            cost, _ = self._forward(case, calls)
            what = "forward_propagation_n(X, Y, parameters)'s cost"
            got = _as_cost(cost, what, [])
            want = case.expected["cost"]
            if not _close(got, want):
                problems.append(f"{what} is {got!r} but J = {want!r} here ({_cost_formula('deep')}).")
        return calls.problems + problems, calls.output.getvalue()


class Block(Implementation):
    """One of the course's building blocks, checked layer by layer against the reference pass."""

    kind = "block"
    convention = "a building block of the course's L-layer network"

    def __init__(self, name: str, fn: Callable):
        super().__init__(name, "deep", fn)

    def check(self, case: Case, timeout: float | None = None) -> tuple[list[str], str]:
        """Problems found calling the block on every layer of ``case``, and the output it printed."""
        model = get_model("deep")
        inputs, params = case.inputs, case.params
        fw = model.forward(inputs, params)
        _, inter = model.backward(inputs, params)
        grads = case.expected["grads"]
        L = model.n_layers(case.dims)
        problems: list[str] = []
        with _calling(timeout) as calls:
            for l in range(L, 0, -1):
                act = "sigmoid" if l == L else "relu"
                linear_cache = (fw[f"A{l - 1}"], params[f"W{l}"], params[f"b{l}"])
                linear_want = {"dA_prev": inter[f"dA{l - 1}"], "dW": grads[f"W{l}"], "db": grads[f"b{l}"]}
                if self.name == "linear_backward":
                    what = f"linear_backward(dZ{l}, cache) on layer {l}"
                    got = calls(self.obj, {"dZ": inter[f"dZ{l}"], "cache": linear_cache}, what)
                    problems += _compare_tuple(got, linear_want, what)
                elif self.name == "linear_activation_backward":
                    what = f"linear_activation_backward(dA{l}, cache, {act!r}) on layer {l}"
                    got = calls(self.obj, {"dA": inter[f"dA{l}"], "cache": (linear_cache, fw[f"Z{l}"]),
                                           "activation": act}, what)
                    problems += _compare_tuple(got, linear_want, what)
                elif (self.name, act) in (("relu_backward", "relu"), ("sigmoid_backward", "sigmoid")):
                    what = f"{self.name}(dA{l}, cache=Z{l}) on layer {l}"
                    got = calls(self.obj, {"dA": inter[f"dA{l}"], "cache": fw[f"Z{l}"]}, what)
                    if l == L:  # dZ[L] = dA[L] * sigma'(Z[L]), the derivative of the summed loss
                        want = inter[f"dA{l}"] * (fw[f"A{l}"] * (1 - fw[f"A{l}"]))
                    else:
                        want = inter[f"dZ{l}"]
                    problems += _compare_tuple((got,), {"dZ": want}, what)
        return calls.problems + problems, calls.output.getvalue()


def _compare_tuple(got: Any, want: Mapping[str, np.ndarray], what: str) -> list[str]:
    names = list(want)
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        n = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
        return [f"{what} returned {n}; expected ({', '.join(names)})."]
    problems = []
    for name, value in zip(names, got):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            problems.append(f"{what}: {name} is a {type(value).__name__}, not an array.")
            continue
        ref = np.asarray(want[name], dtype=float)
        if arr.shape != ref.shape:
            problems.append(f"{what}: {name} has shape {arr.shape} but must be {ref.shape}.")
            continue
        err = np.abs(arr - ref) / np.maximum(np.maximum(np.abs(arr), np.abs(ref)), 1e-8 * max(np.max(np.abs(ref), initial=0), 1e-12))
        if np.max(err, initial=0) > 1e-7:
            i = np.unravel_index(int(np.argmax(err)), err.shape)
            idx = ", ".join(map(str, i))
            bad = int(np.sum(err > 1e-7))
            problems.append(
                f"{what}: {name} is wrong. Mismatched elements: {bad} / {err.size}; worst [{idx}]: "
                f"yours {arr[i]:.8g}, expected {ref[i]:.8g} (max relative difference {err[i]:.2g})."
            )
    return problems


# Registered with @implements --------------------------------------------------------


class Registered(Implementation):
    """A function marked ``@gradcheck.implements(model)``; arguments are passed by name."""

    convention = "@gradcheck.implements"

    def __init__(self, name: str, fn: Callable, model: str):
        super().__init__(name, model, fn)
        sig = inspect.signature(fn)
        self._var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        self._names = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        self._required = set(_required(fn))

    def accepts(self, case):
        return self._required <= set(case.inputs) | set(case.params)

    def _run(self, case, calls, out):
        available = {**case.inputs, **case.params}
        args = available if self._var_kw else {k: available[k] for k in self._names if k in available}
        what = f"{self.name}({', '.join(args)})"
        result = calls(self.obj, args, what, kwargs=True)
        if isinstance(result, Mapping):
            result = {str(k): v for k, v in result.items() if _param_of(str(k), case.param_names)}
        elif len(case.param_names) == 1 and not isinstance(result, (tuple, list)):
            result = (result,)
        _store_grads(out, case.model, case, result, what, {p: f"d{p}" for p in case.param_names})


# Self-consistency (CS231n) ----------------------------------------------------------

_SMALL_SIZES = {
    "input_size": 4, "input_dim": 4, "D": 4,
    "hidden_size": 5, "hidden_dim": 5, "H": 5,
    "output_size": 3, "num_classes": 3, "output_dim": 3, "C": 3,
}
_NUM_EXAMPLES = 6


class SelfConsistency(Implementation):
    """A class with a ``params`` dict and ``loss(X, y, reg)`` -> ``(loss, grads)``.

    There is no reference model: the gradients are checked against the class's own
    loss, on data drawn to fit the parameters' shapes (integer class labels).
    """

    kind = "self"
    convention = "a class with params and loss(X, y, reg) (self-consistency)"
    regs = (0.0, 0.1)

    def __init__(self, name: str, cls: type):
        super().__init__(name, "", cls)

    def cases(self, seed=0):
        return []

    def problem(self, reg: float, seed: int = 0, timeout: float | None = None):
        """``(cost, grad, params, calls)`` for the oracles: the class's loss as a function of its params."""
        calls = _Calls(timeout)
        kwargs = {}
        for p in _required(self.obj.__init__, skip_self=True):
            if p not in _SMALL_SIZES:
                raise StudentError(f"{self.name}()", f"{self.name}() needs an argument {p!r} that gradcheck cannot "
                                   f"supply (it supplies {', '.join(sorted(_SMALL_SIZES))}); give it a default")
            kwargs[p] = _SMALL_SIZES[p]
        net = calls(self.obj, kwargs, f"{self.name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})", kwargs=True)
        if not isinstance(getattr(net, "params", None), dict) or not net.params:
            raise StudentError(f"{self.name}()", f"{self.name}() has no params dict to check")
        rng = np.random.default_rng(seed)
        params = {k: rng.standard_normal(np.shape(v)) * 0.5 for k, v in net.params.items()}
        shapes = [np.shape(v) for v in params.values()]
        first = next((s for s in shapes if len(s) >= 2), None)
        if first is None:
            raise StudentError(f"{self.name}()", f"{self.name}().params has no 2-D weight matrix to size the data by")
        last = shapes[-1]
        n_classes = last[-1] if last else 2
        X = rng.standard_normal((_NUM_EXAMPLES, first[0]))
        y = rng.integers(0, n_classes, size=_NUM_EXAMPLES)
        loss = net.loss

        def run(theta):
            net.params = {k: np.array(v, dtype=float) for k, v in theta.items()}
            result = calls(loss, {"X": X, "y": y, "reg": reg}, f"{self.name}.loss(X, y, reg={reg:g})")
            if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], Mapping)):
                raise StudentError(f"{self.name}.loss", f"{self.name}.loss(X, y, reg) returned a "
                                   f"{type(result).__name__}; expected (loss, grads) with grads a dict")
            return result

        def cost(theta):
            return _as_cost(run(theta)[0], f"{self.name}.loss(...)[0]", [])

        def grad(theta):
            grads = run(theta)[1]
            missing = [k for k in theta if k not in grads]
            if missing:
                raise StudentError(f"{self.name}.loss", f"{self.name}.loss(X, y, reg)'s grads lack {', '.join(missing)}")
            return {k: _as_array(grads[k], f"grads[{k!r}]") for k in theta}

        return cost, grad, params, calls


# Derived cases ----------------------------------------------------------------------


def derived_cases(seed: int = 0) -> list[Case]:
    """Cases of sizes the worked examples lack (every dimension distinct, so transposes surface)."""
    return list(_derived(seed))


_DERIVED: dict[int, tuple[Case, ...]] = {}


def _derived(seed: int) -> tuple[Case, ...]:
    if seed not in _DERIVED:
        rng = np.random.default_rng(seed)
        m, n_in, hid, out = 4, 3, 5, 1  # one output: the notes' costFunction sums over examples only
        X = rng.uniform(0.0, 1.0, (m, n_in))
        y = rng.uniform(0.0, 1.0, (m, out))
        W = {"W1": rng.standard_normal((n_in, hid)), "W2": rng.standard_normal((hid, out))}
        welch = make_case("welch", {"X": X, "y": y}, W, name="distinct-dims")
        reg = make_case("welch_reg", {"X": X, "y": y, "Lambda": 1e-3}, W, name="distinct-dims-regularised")
        sizes, m = (3, 4, 2, 1), 5
        deep_params = {}
        for l in range(1, len(sizes)):
            deep_params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1]))
            deep_params[f"b{l}"] = rng.standard_normal((sizes[l], 1))
        deep = make_case("deep", {"X": rng.standard_normal((sizes[0], m)),
                                  "Y": (rng.uniform(size=(1, m)) > 0.5).astype(float)}, deep_params,
                         name="deep-distinct-dims")
        _DERIVED[seed] = (welch, reg, deep)
    return _DERIVED[seed]


def _cases_for(model: str, seed: int) -> list[Case]:
    from .cases import case_names

    bundled = [load_case(n) for n in case_names()]
    return [c for c in bundled + list(_derived(seed)) if c.model.name == model]


# Recognising a module ---------------------------------------------------------------


def _own(module: types.ModuleType, obj: Any) -> bool:
    return getattr(obj, "__module__", None) == module.__name__


def recognise(module: types.ModuleType) -> list[Implementation]:
    """Every implementation in ``module``, in the order the module defines them."""
    found: list[Implementation] = []
    ns = vars(module)
    for name, obj in list(ns.items()):
        if name.startswith("_"):
            continue
        if inspect.isclass(obj) and _own(module, obj):
            if any(hasattr(obj, s) for s in _SPELLINGS["costFunctionPrime"]):
                found.append(NotesClass(name, obj))
            elif callable(getattr(obj, "loss", None)) and _looks_cs231n(obj):
                found.append(SelfConsistency(name, obj))
        elif callable(obj) and hasattr(obj, _IMPLEMENTS_ATTR) and (_own(module, obj) or name == getattr(obj, "__name__", "")):
            found.append(Registered(name, obj, getattr(obj, _IMPLEMENTS_ATTR)))
        elif name == "backprop" and inspect.isfunction(obj) and _own(module, obj):
            found.append(BackpropFunction(name, obj))
    if callable(ns.get("L_model_forward")) and callable(ns.get("L_model_backward")):
        found.append(LLayer(module))
    if callable(ns.get("forward_propagation_n")) and callable(ns.get("backward_propagation_n")):
        found.append(GradientCheckingPair(module))
    for name in ("linear_backward", "linear_activation_backward", "relu_backward", "sigmoid_backward"):
        obj = ns.get(name)
        if inspect.isfunction(obj) and _own(module, obj):
            found.append(Block(name, obj))
    return found


def _looks_cs231n(cls: type) -> bool:
    try:
        params = inspect.signature(cls.loss).parameters
    except (TypeError, ValueError):
        return False
    if "reg" in params:
        return True
    try:
        return "self.params" in inspect.getsource(cls)
    except (OSError, TypeError):
        return False

