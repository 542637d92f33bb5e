"""Finding the implementations in a student's module: every course's conventions, by signature.

Each registered course recognises its own conventions (``Course.recognise`` for one object,
``Course.recognise_module`` for functions that work together); here are the conventions that
belong to no course:

* a function marked ``@gradcheck.implements(model)``, called with its arguments by name;
* a class with a ``params`` dict and ``loss(X, y, reg)`` returning ``(loss, grads)`` (CS231n):
  checked against its own loss, there being no reference model.

Nothing here imports jax or scipy.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..course import Model, courses, get_model, model_names
from .implementation import (
    Calls,
    Implementation,
    StudentError,
    as_array,
    as_cost,
    param_of,
    required_args,
    store_grads,
)

__all__ = ["Registered", "SelfConsistency", "conventions", "implements", "recognise"]

_GENERIC = (
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
            f"not @gradcheck.implements; the models are {', '.join(model_names())}"
        )
    name = get_model(model).name

    def mark(fn):
        if not callable(fn):
            raise TypeError(f"@gradcheck.implements({name!r}) decorates a function, not {type(fn).__name__}")
        setattr(fn, _IMPLEMENTS_ATTR, name)
        return fn

    return mark



class Registered(Implementation):
    """A function marked ``@gradcheck.implements(model)``; arguments are passed by name."""

    convention = "@gradcheck.implements"

    def __init__(self, name: str, fn: Callable, model: Model):
        super().__init__(name, model, fn)
        sig = inspect.signature(fn)
        self._var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        self._names = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        self._required = set(required_args(fn))

    def accepts(self, case):
        return set(self._required) <= set(case.inputs) | set(case.params)

    def state(self):
        return {"_names": list(self._names), "_required": sorted(self._required), "_var_kw": self._var_kw}

    def _run(self, case, calls, out):
        available = {**case.inputs, **case.params}
        args = available if self._var_kw else {k: available[k] for k in self._names if k in available}
        what = f"{self.name}({', '.join(args)})"
        result = calls(self.obj, args, what, kwargs=True)
        if isinstance(result, Mapping):
            result = {str(k): v for k, v in result.items() if param_of(str(k), case.param_names)}
        elif len(case.param_names) == 1 and not isinstance(result, (tuple, list)):
            result = (result,)
        store_grads(out, case, result, what, {p: f"d{p}" for p in case.param_names})

    def call_lines(self, case, module, names):
        params = case.param_names
        args = [a for a in self._names if a in case.inputs or a in case.params]
        defaults = [f"d{p}" for p in params]
        lines = [f"from {module} import {self.name}",
                 f"result = {self.name}({', '.join(f'{a}={a}' for a in args)})",
                 "if not isinstance(result, dict):  # a tuple in the model's parameter order",
                 f"    result = dict(zip({defaults!r}, result if isinstance(result, (tuple, list)) else [result]))"]
        return lines, {p: f"result[{names[p]!r}]" for p in params}


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
        super().__init__(name, None, cls)

    def cases(self, seed=0):
        return []

    def prepare(self, reg: float, seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        """Build the class at small sizes and data that fit its params (student code): the params to check at."""
        calls = Calls(timeout)
        kwargs = {}
        for p in required_args(self.obj.__init__, skip_self=True):
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
        self._problems = {**getattr(self, "_problems", {}), reg: (net, X, y, calls)}
        return params

    def evaluate(self, reg: float, theta: Mapping[str, Any], part: str):
        """The class's own loss (``part="loss"``) or grads (``"grads"``) at ``theta`` (student code)."""
        net, X, y, calls = self._problems[reg]
        net.params = {k: np.array(v, dtype=float) for k, v in theta.items()}
        result = calls(net.loss, {"X": X, "y": y, "reg": reg}, f"{self.name}.loss(X, y, reg={reg:g})")
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], Mapping)):
            raise StudentError(f"{self.name}.loss", f"{self.name}.loss(X, y, reg) returned a "
                               f"{type(result).__name__}; expected (loss, grads) with grads a dict")
        if part == "loss":
            return as_cost(result[0], f"{self.name}.loss(...)[0]", [])
        grads = result[1]
        missing = [k for k in theta if k not in grads]
        if missing:
            raise StudentError(f"{self.name}.loss", f"{self.name}.loss(X, y, reg)'s grads lack {', '.join(missing)}")
        return {k: as_array(grads[k], f"grads[{k!r}]") for k in theta}

    def finish(self, reg: float) -> tuple[list[str], str]:
        """The problems seen and the output printed while checking at ``reg``."""
        calls = self._problems[reg][3]
        return list(calls.problems), calls.output.getvalue()

    def problem(self, reg: float, seed: int = 0, timeout: float | None = None):
        """``(cost, grad, params, finish)`` for the oracles: the class's loss as a function of its params,
        and ``finish() -> (problems, output)``."""
        params = self.prepare(reg, seed, timeout)
        return (lambda t: self.evaluate(reg, t, "loss"), lambda t: self.evaluate(reg, t, "grads"), params,
                lambda: self.finish(reg))


# Recognising a module ---------------------------------------------------------------


def _own(module: types.ModuleType, obj: Any) -> bool:
    return getattr(obj, "__module__", None) == module.__name__


def recognise(module: types.ModuleType) -> list[Implementation]:
    """Every implementation in ``module``: its own objects in the order it defines them, each as
    the first course that recognises it; then what the courses recognise in the module as a whole."""
    found: list[Implementation] = []
    ns = vars(module)
    known = courses()
    for name, obj in list(ns.items()):
        if name.startswith("_"):
            continue
        if callable(obj) and hasattr(obj, _IMPLEMENTS_ATTR) and not inspect.isclass(obj) and (
                _own(module, obj) or name == getattr(obj, "__name__", "")):
            found.append(Registered(name, obj, get_model(getattr(obj, _IMPLEMENTS_ATTR))))
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not _own(module, obj):
            continue
        hits = next((h for h in (c.recognise(module, name, obj) for c in known) if h), [])
        if not hits and inspect.isclass(obj) and callable(getattr(obj, "loss", None)) and _looks_cs231n(obj):
            hits = [SelfConsistency(name, obj)]
        found += hits
    for course in known:
        found += course.recognise_module(module)
    return found


def conventions() -> tuple[str, ...]:
    """One line per recognised convention: every course's, then registration and self-consistency."""
    return (*(line for c in courses() for line in c.conventions), *_GENERIC)


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


def near_misses(module: types.ModuleType, found: list[Implementation]) -> list[str]:
    """The module's own classes and functions that no convention took but that resemble one (a
    function named like a convention with another signature): "not recognised: ... does not match ..."."""
    taken = {id(getattr(impl, "obj", None)) for impl in found} | {id(getattr(impl, "cls", None)) for impl in found}
    lines: list[str] = []
    for name, obj in list(vars(module).items()):
        if name.startswith("_") or id(obj) in taken or not _own(module, obj):
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        for course in courses():
            lines += [f"not recognised: {line}" for line in course.near_misses(module, name, obj)]
    return lines
