"""The code Nielsen's readers write, recognised by signature and adapted.

* network.py: ``class Network`` with ``__init__(self, sizes)``, the lists ``self.weights`` and
  ``self.biases`` (column-vector layers), and ``backprop(self, x, y)`` returning
  ``(nabla_b, nabla_w)`` for one example; the quadratic cost (``cost_derivative`` is a − y);
* network2.py: ``__init__(self, sizes, cost=CrossEntropyCost)`` with cost classes whose static
  ``fn(a, y)`` and ``delta(z, a, y)`` define the cost: the class is judged once per cost class the
  module defines, against the model whose cost that class computes (told by evaluating ``fn``).

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.nielsen.model`,
:mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ...case import Case
from ...students.implementation import Implementation, StudentError, as_array, required_args
from .model import NIELSEN, NIELSEN_CE, b, n_layers, w

SIGNATURE = "backprop(self, x, y) -> (nabla_b, nabla_w)"
#: Where a module's cost classes are told apart: fn(a, y) on these values, against each model's cost.
_A = np.array([[0.2], [0.7], [0.9]])
_Y = np.array([[0.0], [1.0], [0.0]])


def backprop_params(fn: Any) -> list[str] | None:
    """The parameters of a ``backprop`` method after ``self``, or None when it has no signature."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is inspect.Parameter.empty]
    return names[1:] if names and names[0] == "self" else names


def is_network_class(obj: Any) -> bool:
    """A class with ``backprop(self, x, y)`` and ``__init__(self, sizes, ...)``."""
    if not inspect.isclass(obj) or not callable(getattr(obj, "backprop", None)):
        return False
    init = required_args(obj.__init__, skip_self=True)
    return backprop_params(obj.backprop) == ["x", "y"] and init[:1] == ["sizes"] and len(init) == 1


def cost_classes(module: Any) -> list[tuple[str, type]]:
    """The module's network2-style cost classes (static ``fn(a, y)`` and ``delta(z, a, y)``)."""
    found = []
    for name, obj in vars(module).items():
        if inspect.isclass(obj) and callable(getattr(obj, "fn", None)) and callable(getattr(obj, "delta", None)):
            if getattr(obj, "__module__", None) == module.__name__:
                found.append((name, obj))
    return found


def model_of_cost(cost: type):
    """The model whose cost ``cost.fn`` computes (quadratic or cross-entropy), or None."""
    try:
        got = float(np.asarray(cost.fn(_A.copy(), _Y.copy())))
    except Exception:
        return None
    quadratic = 0.5 * float(np.sum((_A - _Y) ** 2))
    cross = float(np.sum(-_Y * np.log(_A) - (1 - _Y) * np.log(1 - _A)))
    if np.isclose(got, quadratic, rtol=1e-6):
        return NIELSEN
    if np.isclose(got, cross, rtol=1e-6):
        return NIELSEN_CE
    return None


class NielsenNetwork(Implementation):
    """Nielsen's ``Network(sizes)`` (network.py) or ``Network(sizes, cost=...)`` (network2.py)."""

    convention = f"Nielsen's Network(sizes) with weights, biases and {SIGNATURE}"

    def __init__(self, name: str, cls: type, model=NIELSEN, cost: tuple[str, type] | None = None):
        super().__init__(name, model, cls)
        self.cls = cls
        self.cost = cost
        self.cost_name = cost[0] if cost is not None else ""
        self.cls_name = cls.__name__

    def state(self):
        return {"cost_name": self.cost_name, "cls_name": self.cls_name}

    def grad_names(self, case: Case) -> dict[str, str]:
        L = n_layers(case.dims)
        return {**{w(l): f"nabla_w[{l}]" for l in range(L)}, **{b(l): f"nabla_b[{l}]" for l in range(L)}}

    def _run(self, case, calls, out):
        L = n_layers(case.dims)
        sizes = [case.dims[f"n{l}"] for l in range(L + 1)]
        kwargs = {"cost": self.cost[1]} if self.cost is not None else {}
        made = f"{self.cls.__name__}({sizes}" + (f", cost={self.cost_name})" if self.cost else ")")
        net = calls(self.cls, {"sizes": sizes, **kwargs}, made, kwargs=True)
        params = case.params
        net.weights = [np.array(params[w(l)]) for l in range(L)]
        net.biases = [np.array(params[b(l)]) for l in range(L)]
        if hasattr(net, "num_layers"):
            net.num_layers = L + 1
        if hasattr(net, "sizes"):
            net.sizes = sizes
        what = f"{made}.backprop(x, y)"
        result = calls(net.backprop, {"x": np.array(case.inputs["x"]), "y": np.array(case.inputs["y"])}, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(what, f"{what} returned a {type(result).__name__}; expected (nabla_b, nabla_w)")
        nabla_b, nabla_w = result
        for label, got, param in (("nabla_b", nabla_b, b), ("nabla_w", nabla_w, w)):
            if not isinstance(got, (list, tuple)) or len(got) != L:
                size = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
                raise StudentError(what, f"{what} returned {label} of {size} layers; expected a list of {L}, "
                                   f"one per weight layer (sizes {sizes})")
            for l in range(L):
                key = f"{label}[{l}]"
                out.grads[key] = as_array(got[l], f"{what}'s {key}")
                out.names[param(l)] = key

    def call_lines(self, case, module, names):
        L = n_layers(case.dims)
        sizes = [case.dims[f"n{l}"] for l in range(L + 1)]
        cost = f", cost={self.cost_name}" if self.cost_name else ""
        imports = self.cls_name
        lines = [f"from {module} import {imports}" + (f", {self.cost_name}" if self.cost_name else ""),
                 f"net = {imports}({sizes}{cost})",
                 "net.weights = [" + ", ".join(f"case.params[{w(l)!r}]" for l in range(L)) + "]",
                 "net.biases = [" + ", ".join(f"case.params[{b(l)!r}]" for l in range(L)) + "]",
                 "nabla_b, nabla_w = net.backprop(x, y)"]
        return lines, {p: names.get(p, p) for p in case.param_names}
