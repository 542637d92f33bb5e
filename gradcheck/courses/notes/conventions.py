"""The code the notes' students write (DESIGN §7 point 1), recognised and adapted.

* the notes' class: ``costFunctionPrime(X, y)`` (or ``cost_function_prime``) with attributes
  ``W1``, ``W2``, size attributes (resized through them), the stored ``z2``, ``a2``, ``z3``,
  ``yHat``, and optional ``costFunction``, ``getParams``, ``setParams``, ``computeGradients``,
  ``forward``, ``sigmoid``, ``sigmoidPrime``; a ``Lambda`` attribute or constructor argument
  makes it the regularised model;
* ``backprop(X, y, W1, W2)`` returning ``(dJdW1, dJdW2)`` or a dict.

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.course`,
:mod:`gradcheck.courses.notes.model`, :mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ...case import Case
from ...course import sigmoid, sigmoid_prime
from ...students.implementation import (
    Calls,
    Implementation,
    StudentError,
    as_array,
    as_cost,
    brief,
    calling,
    close,
    required_args,
    store_grads,
    unchanged,
)
from .model import DIMS, WELCH, WELCH_REG

SIZES = DIMS[1:]
GRAD_NAMES = {"W1": "dJdW1", "W2": "dJdW2"}

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
        super().__init__(name, WELCH_REG if _is_regularised(cls) else WELCH, cls)
        self.cls = cls

    def _instance(self, case: Case, calls: Calls):
        kwargs = {}
        for p in required_args(self.cls.__init__, skip_self=True):
            if p in _LAMBDA_NAMES:
                kwargs[p] = float(case.inputs.get("Lambda", 0.0))
            else:
                role = next((r for r in SIZES if p in _SPELLINGS[r]), None)
                if role is None:
                    raise StudentError(f"{self.name}()", f"{self.name}() needs an argument {p!r} that gradcheck "
                                       f"cannot supply; give it a default")
                kwargs[p] = case.dims[role]
        net = calls(self.cls, kwargs, f"{self.name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})", kwargs=True)
        # Resize a class whose sizes are attributes (the notes' 2-3-1 class), then set the weights.
        for role in SIZES:
            attr = _spelled(net, role)
            if attr is not None:
                setattr(net, attr, case.dims[role])
        for p, value in case.params.items():
            setattr(net, p, value)
        if self.reference.regularised:
            attr = next((n for n in _LAMBDA_NAMES if hasattr(net, n)), "Lambda")
            setattr(net, attr, float(case.inputs["Lambda"]))
        return net

    def _run(self, case, calls, out):
        net = self._instance(case, calls)
        method = _spelled(net, "costFunctionPrime")
        inputs = case.inputs
        what = f"{self.name}.{method}(X, y)"
        result = calls(getattr(net, method), {"X": inputs["X"], "y": inputs["y"]}, what)
        store_grads(out, case, result, what, GRAD_NAMES)
        for p, value in case.params.items():
            if not unchanged(np.asarray(getattr(net, p, value)), value):
                out.problems.append(f"{what} changed self.{p}; computing a gradient must not change the weights.")
        for name in ("z2", "a2", "z3", "yHat", "delta3", "delta2"):
            if self.reference.regularised and name.startswith("delta"):
                continue  # the notes' regularised class keeps delta3 without the 1/m of its J
            attr = _spelled(net, name)
            value = getattr(net, attr, None) if attr else None
            if isinstance(value, (np.ndarray, list)) or np.isscalar(value):
                out.intermediates[name] = as_array(value, f"self.{attr}")

    def grad_names(self, case):
        return dict(GRAD_NAMES)

    def call_lines(self, case, module, names):
        prime = _spelled(self.cls, "costFunctionPrime") or "costFunctionPrime"
        params = case.param_names
        lines = [f"from {module} import {self.name}", *_setup_lines(self, case),
                 f"{', '.join(names[p] for p in params)} = net.{prime}(X, y)"]
        return lines, {p: names[p] for p in params}

    def probe(self, case, timeout=None):
        """Call the class's other methods on ``case`` (inputs only) and keep what they return."""
        raw: dict = {}
        inputs, params = case.inputs, case.params
        Xy = {"X": inputs["X"], "y": inputs["y"]}
        with calling(timeout) as calls:
            net = self._instance(case, calls)
            name = _spelled(net, "costFunction")
            if name:
                what = f"{self.name}.{name}(X, y)"
                raw["cost"] = (what, as_array(calls(getattr(net, name), Xy, what), what))
            for role in ("sigmoid", "sigmoidPrime"):
                name = _spelled(net, role)
                if name is not None and callable(getattr(net, name)):
                    what = f"{self.name}.{name}(z)"
                    raw[role] = (what, as_array(calls(getattr(net, name), {"z": _Z}, what), what))
            if callable(getattr(net, "forward", None)):
                what = f"{self.name}.forward(X)"
                raw["forward"] = (what, as_array(calls(net.forward, {"X": inputs["X"]}, what), what))
            name = _spelled(net, "getParams")
            if name:
                what = f"{self.name}.{name}()"
                raw["getParams"] = (what, as_array(calls(getattr(net, name), {}, what), what))
            name = _spelled(net, "setParams")
            if name:
                what = f"{self.name}.{name}(params)"
                fresh = self._instance(case, calls)
                for p in ("W1", "W2"):
                    setattr(fresh, p, np.zeros_like(params[p]))
                calls(getattr(fresh, name), {"params": _flat(params)}, what)
                raw["setParams"] = (what, {p: _numbers(getattr(fresh, p, None)) for p in ("W1", "W2")})
            name = _spelled(net, "computeGradients")
            if name:
                what = f"{self.name}.{name}(X, y)"
                got = as_array(calls(getattr(net, name), Xy, what), what)
                prime = _spelled(net, "costFunctionPrime")
                prime_what = f"{self.name}.{prime}(X, y)"
                pair = calls(getattr(net, prime), Xy, prime_what)
                raw["computeGradients"] = (what, got, prime_what, [as_array(a, prime_what) for a in pair])
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        """What the probed methods got wrong, against the reference on ``case``."""
        problems: list[str] = []
        params = case.params
        flat = _flat(params)
        if "cost" in raw:
            what, value = raw["cost"]
            got, want = as_cost(value, what, []), case.expected["cost"]
            if not close(got, want):
                problems.append(f"{what} is {got!r} but J = {want!r} on this case ({_cost_formula(self.reference)}).")
        problems += _activation_problems(raw, case)
        if "getParams" in raw:
            what, got = raw["getParams"]
            got = np.asarray(got).ravel()
            if got.shape != flat.shape or not close(got, flat):
                problems.append(f"{what} must return W1 then W2, each flattened in C order "
                                f"(np.concatenate((W1.ravel(), W2.ravel()))), {flat.size} numbers; got {got.size}"
                                + ("" if got.size != flat.size else " in another order or with other values") + ".")
        if "setParams" in raw:
            what, now = raw["setParams"]
            for p in ("W1", "W2"):
                got = now[p]
                if got is None or got.shape != params[p].shape or not close(got, params[p]):
                    shown = "not an array of numbers" if got is None else brief(got)
                    problems.append(f"{what} did not set {p} to its part of params (shape {params[p].shape}, "
                                    f"W1 first, C order); self.{p} is now {shown}, expected {brief(params[p])}.")
        if "computeGradients" in raw:
            what, got, prime_what, pair = raw["computeGradients"]
            got = np.asarray(got).ravel()
            want = np.concatenate([np.asarray(a).ravel() for a in pair])
            if got.shape != want.shape or not close(got, want):
                prime = prime_what.split(".", 1)[1].split("(")[0]
                problems.append(f"{what} must equal np.concatenate((dJdW1.ravel(), dJdW2.ravel())) of "
                                f"{prime}(X, y), {want.size} numbers; got {got.size} that differ.")
        return problems


def _flat(params) -> np.ndarray:
    return np.concatenate([np.asarray(params["W1"]).ravel(), np.asarray(params["W2"]).ravel()])


def _numbers(value):
    """``value`` as an array of numbers, or None when it is not one."""
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array if array.dtype.kind in "biuf" else None


#: Where the class's own sigmoid and sigmoidPrime are compared with the notes' f and f'.
_Z = np.linspace(-4.0, 4.0, 9).reshape(3, 3)


def _activation_problems(raw, case) -> list[str]:
    """``forward``, ``sigmoid`` and ``sigmoidPrime`` on their own, when the class has them."""
    problems = []
    for role, ref in (("sigmoid", sigmoid), ("sigmoidPrime", sigmoid_prime)):
        if role not in raw:
            continue
        what, got = raw[role]
        if got.shape != _Z.shape or not close(got, ref(_Z)):
            label = "f(z)" if role == "sigmoid" else "f'(z)"
            at = ""
            if got.shape == _Z.shape:
                i = np.unravel_index(int(np.argmax(np.abs(got - ref(_Z)))), _Z.shape)
                at = f": at z = {_Z[i]:g} yours is {got[i]:.8g}, {label} = {ref(_Z)[i]:.8g}"
            formula = "1/(1 + e^(-z))" if role == "sigmoid" else "e^(-z)/(1 + e^(-z))^2, i.e. f(z)(1 - f(z))"
            problems.append(f"{what} is wrong{at}; it must be {formula}.")
    if "forward" in raw:
        what, got = raw["forward"]
        want = case.expected["intermediates"]["yHat"]
        if got.shape != want.shape or not close(got, want):
            problems.append(f"{what} must return yHat = f(f(X·W1)·W2), shape {want.shape}; got shape {got.shape}"
                            + ("" if got.shape != want.shape else " with other values") + ".")
    return problems


def _cost_formula(model) -> str:
    if model.regularised:
        return "J = sum(0.5*(y - yHat)**2)/m + Lambda/2*(sum(W1**2) + sum(W2**2))"
    return "J = sum(0.5*(y - yHat)**2), summed over examples, no 1/m"


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


class BackpropFunction(Implementation):
    """``backprop(X, y, W1, W2)`` -> ``(dJdW1, dJdW2)`` or a dict."""

    convention = "a backprop(X, y, W1, W2) function"
    SIGNATURE = "backprop(X, y, W1, W2) -> (dJdW1, dJdW2)"

    def __init__(self, name: str, fn: Callable):
        super().__init__(name, WELCH, fn)

    @staticmethod
    def fits(fn: Callable) -> bool:
        """Whether ``fn`` can be called as backprop(X, y, W1, W2): four positional parameters, none
        other required."""
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return False
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in params if p.default is inspect.Parameter.empty
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        star = any(p.kind is p.VAR_POSITIONAL for p in params)
        return len(required) <= 4 and (len(positional) >= 4 or star) and all(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in required)

    def _run(self, case, calls, out):
        inputs, params = case.inputs, case.params
        what = f"{self.name}(X, y, W1, W2)"
        result = calls(self.obj, {"X": inputs["X"], "y": inputs["y"], "W1": params["W1"], "W2": params["W2"]}, what)
        store_grads(out, case, result, what, GRAD_NAMES)

    def grad_names(self, case):
        return dict(GRAD_NAMES)

    def call_lines(self, case, module, names):
        params = case.param_names
        lines = [f"from {module} import {self.name}",
                 f"{', '.join(names[p] for p in params)} = {self.name}(X, y, {', '.join(params)})"]
        return lines, {p: names[p] for p in params}


def _setup_lines(impl: NotesClass, case) -> list[str]:
    """The notes' class built as the adapter builds it: constructor, size attributes, weights, Lambda."""
    args = []
    for p in required_args(impl.cls.__init__, skip_self=True):
        if p in _LAMBDA_NAMES:
            args.append(f"{p}={float(case.inputs.get('Lambda', 0.0))!r}")
        else:
            role = next((r for r in SIZES if p in _SPELLINGS[r]), None)
            args.append(f"{p}={case.dims[role]}" if role else f"{p}=...")
    lines = [f"net = {impl.name}({', '.join(args)})"]
    try:
        net = impl._instance(case, Calls(5.0))
    except StudentError:
        net = None
    sizes = {}
    for role in SIZES:
        attr = _spelled(net, role) if net is not None else None
        if attr is not None:
            sizes[attr] = case.dims[role]
    if sizes:
        lines.append(f"{', '.join(f'net.{a}' for a in sizes)} = {', '.join(str(v) for v in sizes.values())}"
                     "  # gradcheck resizes the class through these")
    lines.append(f"{', '.join(f'net.{p}' for p in case.param_names)} = {', '.join(case.param_names)}")
    if impl.reference.regularised:
        attr = next((n for n in _LAMBDA_NAMES if net is not None and hasattr(net, n)), "Lambda")
        lines.append(f"net.{attr} = {float(case.inputs['Lambda'])!r}")
    return lines
