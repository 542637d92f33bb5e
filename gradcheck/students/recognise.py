"""Finding the implementations in a student's module: every course's conventions, by signature.

Each registered course recognises its own conventions (``Course.recognise`` for one object,
``Course.recognise_module`` for functions that work together); here are the conventions that
belong to no course:

* a function marked ``@gradcheck.implements(model)``, called with its arguments by name.

(Conventions checked against their own cost, with no reference model, are a course's too: an
implementation of kind ``"self"`` names its checks in ``labels`` and answers ``prepare``,
``evaluate`` and ``finish`` for each.)

Nothing here imports jax or scipy.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any

from ..course import Model, courses, get_model, model_names
from .implementation import (
    Implementation,
    param_of,
    required_args,
    store_grads,
)

__all__ = ["Registered", "conventions", "implements", "recognise"]

_GENERIC = (
    "a function marked @gradcheck.implements(\"welch\") (or another model), whose parameters are named "
    "after the model's inputs and parameters",
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
        found += hits
    for course in known:
        found += course.recognise_module(module)
    return found


def conventions() -> tuple[str, ...]:
    """One line per recognised convention: every course's, then registration."""
    return (*(line for c in courses() for line in c.conventions), *_GENERIC)


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
