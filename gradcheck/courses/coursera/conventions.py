"""The code the Coursera course's students write (DESIGN §7 point 2), recognised and adapted.

* C1W4's ``L_model_forward(X, parameters)`` -> ``(AL, caches)`` and ``L_model_backward(AL, Y, caches)``
  -> grads (``dA`` keys of either notebook generation, matched by shape), with ``compute_cost``;
* its building blocks ``linear_backward``, ``linear_activation_backward``, ``relu_backward``,
  ``sigmoid_backward``, each checked layer by layer;
* C2W1's gradient-checking pair ``forward_propagation_n(X, Y, parameters)`` -> ``(cost, cache)``
  and ``backward_propagation_n(X, Y, cache)`` -> gradients, written for three layers, and its 1-D
  warm-up ``forward_propagation(x, theta)`` / ``backward_propagation(x, theta)``;
* C1W3's planar pair (with ``compute_cost`` as its interface), C2W1's L2 pair (with
  ``compute_cost_with_regularization``) and its dropout pair, judged with the masks in the
  student's own cache.

Examples are columns throughout.

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.coursera.model`,
:mod:`gradcheck.students.implementation`. When first needed:
:mod:`gradcheck.courses.coursera.strategy`.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...case import Case
from ...students.implementation import (
    Implementation,
    Outcome,
    StudentError,
    as_array,
    as_cost,
    calling,
    close,
    compare_tuple,
    param_of,
    required_args,
    returned,
    store_grads,
)
from .model import DEEP, DEEP_DROPOUT, DEEP_REG, PLANAR, WARM_UP, n_layers

#: the older template's own line in L_model_forward, ``assert(AL.shape == (1,X.shape[1]))``: one output unit
_ONE_OUTPUT = re.compile(r"assert\s*\(?\s*AL\.shape\s*==\s*\(\s*1\s*,")
COST_FORMULA = "J = -1/m * sum(Y*log(AL) + (1-Y)*log(1-AL))"
BLOCKS = ("linear_backward", "linear_activation_backward", "relu_backward", "sigmoid_backward")


def _match_dA(user: Mapping[str, Any], case: Case) -> tuple[dict[str, str], list[str]]:
    """Map the student's ``dA*`` keys to the model's, by shape (two notebook generations differ).

    In one generation ``dA{l}`` is the derivative with respect to ``A{l}`` (``dA0`` is
    d/dX); in the other ``dA{l}`` is the derivative with respect to ``A{l-1}``.
    """
    keys = sorted((k for k in user if re.fullmatch(r"dA\d+", k)), key=lambda k: int(k[2:]))
    if not keys:
        return {}, []
    shapes = case.shapes
    L = n_layers(case.dims)

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


def _asserts_one_output(fn: Callable) -> bool:
    """Whether ``fn``'s source keeps the older template's ``assert(AL.shape == (1,X.shape[1]))``."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return bool(_ONE_OUTPUT.search(source))


def _store_deep(out: Outcome, case: Case, grads: Any, what: str) -> None:
    if not isinstance(grads, Mapping):
        raise StudentError(what, f"{what} returned a {type(grads).__name__}; expected a dict of dW1, db1, ...")
    params = case.param_names
    store_grads(out, case, {k: v for k, v in grads.items() if param_of(str(k), params)},
                what, {p: f"d{p}" for p in params})
    mapping, notes = _match_dA(grads, case)
    for key, canon in mapping.items():
        out.intermediates[canon] = as_array(grads[key], f"{what}[{key!r}]")
    out.notes.extend(notes)
    for key, value in grads.items():
        if re.fullmatch(r"dZ\d+", str(key)):
            out.intermediates[str(key)] = as_array(value, f"{what}[{key!r}]")


class LLayer(Implementation):
    """``L_model_forward(X, parameters)`` then ``L_model_backward(AL, Y, caches)``."""

    convention = "the course's L_model_forward / L_model_backward"
    has_interface = True

    def __init__(self, module: types.ModuleType):
        super().__init__("L_model_backward", DEEP, module)
        #: the template asserts one output unit (its contract): only such networks are drawn or probed
        self.single_output = _asserts_one_output(module.L_model_forward)

    def state(self):
        return {"single_output": self.single_output}

    def accepts(self, case):
        return not getattr(self, "single_output", False) or case.dims[f"n{n_layers(case.dims)}"] == 1

    def strategy(self):
        from .strategy import cases_for, single_output_cases

        return single_output_cases() if getattr(self, "single_output", False) else cases_for(DEEP)

    def _forward(self, case, calls):
        inputs = case.inputs
        what = "L_model_forward(X, parameters)"
        result = calls(self.obj.L_model_forward, {"X": inputs["X"], "parameters": case.params}, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(what, f"{what} returned a {type(result).__name__}; expected (AL, caches)")
        return as_array(result[0], "AL"), result[1]

    def _run(self, case, calls, out):
        AL, caches = self._forward(case, calls)
        L = n_layers(case.dims)
        out.intermediates[f"A{L}"] = AL
        what = "L_model_backward(AL, Y, caches)"
        grads = calls(self.obj.L_model_backward, {"AL": AL, "Y": case.inputs["Y"], "caches": caches}, what)
        _store_deep(out, case, grads, what)

    def probe(self, case, timeout=None):
        raw: dict = {}
        with calling(timeout) as calls:
            if hasattr(self.obj, "compute_cost"):
                AL, _ = self._forward(case, calls)
                what = "compute_cost(AL, Y)"
                raw["cost"] = (what, as_array(calls(self.obj.compute_cost, {"AL": AL, "Y": case.inputs["Y"]}, what), what))
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        return _cost_problems(raw, float(DEEP.forward(case.inputs, case.params)["J"]), COST_FORMULA)

    def call_lines(self, case, module, names):
        return _pair_lines(case, module, names, ("L_model_forward", "AL, caches", "X, parameters"),
                           ("L_model_backward", "AL, Y, caches"))


class GradientCheckingPair(Implementation):
    """``forward_propagation_n(X, Y, parameters)`` then ``backward_propagation_n(X, Y, cache)``."""

    convention = "the course's forward_propagation_n / backward_propagation_n"
    has_interface = True

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation_n", DEEP, module)

    def accepts(self, case):
        return n_layers(case.dims) == 3

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

    def probe(self, case, timeout=None):
        with calling(timeout) as calls:
            cost, _ = self._forward(case, calls)
            what = "forward_propagation_n(X, Y, parameters)'s cost"
            raw = {"cost": (what, as_array(cost, what))}
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        what, value = raw["cost"]
        got, want = as_cost(value, what, []), case.expected["cost"]
        return [] if close(got, want) else [f"{what} is {got!r} but J = {want!r} here ({COST_FORMULA})."]

    def strategy(self):
        from .strategy import three_layer_cases

        return three_layer_cases()

    def call_lines(self, case, module, names):
        return _pair_lines(case, module, names, ("forward_propagation_n", "cost, cache", "X, Y, parameters"),
                           ("backward_propagation_n", "X, Y, cache"))


def _forward_pair(calls, fn, case, output: str, what: str = "forward_propagation(X, parameters)",
                  extra: Mapping[str, Any] | None = None, kwargs: bool = False) -> tuple:
    """``forward_propagation(X, parameters, ...)``'s ``(output, cache)``, or the student's error saying so."""
    result = calls(fn, {"X": case.inputs["X"], "parameters": case.params, **(extra or {})}, what,
                   **({"kwargs": True} if kwargs else {}))
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise StudentError(what, f"{what} returned a {type(result).__name__}; expected ({output}, cache)")
    return result[0], result[1]


def _cost_problems(raw: Mapping[str, Any], want: float, formula: str) -> list[str]:
    """The ``[interface]`` verdict on a cost the student's function returned: right, or what J is here."""
    if "cost" not in raw:
        return []
    what, value = raw["cost"]
    got = as_cost(value, what, [])
    return [] if close(got, want) else [f"{what} is {got!r} but J = {want!r} here ({formula})."]


def _pair_lines(case, module: str, names, forward: tuple[str, str, str], backward: tuple[str, str]):
    """The lines that call a forward/backward pair on a case: ``(name, what it returns, its arguments)``."""
    params = case.param_names
    lines = [f"from {module} import {forward[0]}, {backward[0]}",
             f"parameters = {{{', '.join(f'{p!r}: {p}' for p in params)}}}",
             f"{forward[1]} = {forward[0]}({forward[2]})",
             f"grads = {backward[0]}({backward[1]})"]
    return lines, {p: f"grads[{names[p]!r}]" for p in params}


class Block(Implementation):
    """One of the course's building blocks, checked layer by layer against the reference pass."""

    kind = "block"
    convention = "a building block of the course's L-layer network"

    def __init__(self, name: str, fn: Callable):
        super().__init__(name, DEEP, fn)

    def plan(self, case: Case) -> list[dict]:
        """The calls that check the block on every layer of ``case``: what each is, its arguments (the
        reference pass's values) and the values it must return (the judge's side)."""
        inputs, params = case.inputs, case.params
        fw = DEEP.forward(inputs, params)
        _, inter = DEEP.backward(inputs, params)
        grads = case.expected["grads"]
        L = n_layers(case.dims)
        steps = []
        for l in range(L, 0, -1):
            act = "sigmoid" if l == L else "relu"
            linear_cache = (fw[f"A{l - 1}"], params[f"W{l}"], params[f"b{l}"])
            linear_want = {"dA_prev": inter[f"dA{l - 1}"], "dW": grads[f"W{l}"], "db": grads[f"b{l}"]}
            if self.name == "linear_backward":
                steps.append({"what": f"linear_backward(dZ{l}, cache) on layer {l}",
                              "args": {"dZ": inter[f"dZ{l}"], "cache": linear_cache}, "want": linear_want})
            elif self.name == "linear_activation_backward":
                steps.append({"what": f"linear_activation_backward(dA{l}, cache, {act!r}) on layer {l}",
                              "args": {"dA": inter[f"dA{l}"], "cache": (linear_cache, fw[f"Z{l}"]), "activation": act},
                              "want": linear_want})
            elif (self.name, act) in (("relu_backward", "relu"), ("sigmoid_backward", "sigmoid")):
                # dZ[L] = dA[L] * sigma'(Z[L]), the derivative of the summed loss
                want = inter[f"dA{l}"] * (fw[f"A{l}"] * (1 - fw[f"A{l}"])) if l == L else inter[f"dZ{l}"]
                steps.append({"what": f"{self.name}(dA{l}, cache=Z{l}) on layer {l}",
                              "args": {"dA": inter[f"dA{l}"], "cache": fw[f"Z{l}"]}, "want": {"dZ": want}, "single": True})
        return steps

    def call_block(self, steps: list[dict], timeout: float | None = None) -> tuple[list[dict], list[str], str]:
        """Call the block with each step's arguments (student code, inputs only): what it returned, described."""
        got = []
        with calling(timeout) as calls:
            for step in steps:
                value = calls(self.obj, step["args"], step["what"])
                got.append(returned((value,) if step.get("single") else value))
        return got, calls.problems, calls.output.getvalue()

    def check(self, case: Case, timeout: float | None = None) -> tuple[list[str], str]:
        """Problems found calling the block on every layer of ``case``, and the output it printed."""
        steps = self.plan(case)
        got, problems, output = self.call_block([{k: v for k, v in s.items() if k != "want"} for s in steps], timeout)
        for step, value in zip(steps, got):
            problems += compare_tuple(value, step["want"], step["what"])
        return problems, output


class PlanarPair(Implementation):
    """C1W3's ``forward_propagation(X, parameters)`` -> ``(A2, cache)`` then
    ``backward_propagation(parameters, cache, X, Y)`` -> grads (tanh hidden layer, sigmoid output)."""

    convention = "the course's C1W3 forward_propagation / backward_propagation (planar, tanh hidden layer)"

    #: the signatures that make a module C1W3's (the C2W1 warm-up's pair takes (x, theta) instead)
    FORWARD = ("X", "parameters")
    BACKWARD = ("parameters", "cache", "X", "Y")

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation", PLANAR, module)
        #: the module's compute_cost(A2, Y) or, in the older notebook, compute_cost(A2, Y, parameters)
        cost = vars(module).get("compute_cost")
        args = tuple(required_args(cost)) if inspect.isfunction(cost) else ()
        self.cost_args = list(args) if len(args) in (2, 3) else []
        self.has_interface = bool(self.cost_args)

    def state(self):
        return {"cost_args": self.cost_args, "has_interface": self.has_interface}

    @classmethod
    def fits(cls, module: types.ModuleType) -> bool:
        ns = vars(module)
        fw, bw = ns.get("forward_propagation"), ns.get("backward_propagation")
        return (callable(fw) and callable(bw) and tuple(required_args(fw)) == cls.FORWARD
                and tuple(required_args(bw)) == cls.BACKWARD)

    def _run(self, case, calls, out):
        inputs = case.inputs
        A2, cache = _forward_pair(calls, self.obj.forward_propagation, case, "A2")
        A2 = as_array(A2, "A2")
        what = "backward_propagation(parameters, cache, X, Y)"
        grads = calls(self.obj.backward_propagation,
                      {"parameters": case.params, "cache": cache, "X": inputs["X"], "Y": inputs["Y"]}, what)
        if not isinstance(grads, Mapping):
            raise StudentError(what, f"{what} returned a {type(grads).__name__}; expected a dict of dW1, db1, dW2, db2")
        params = case.param_names
        store_grads(out, case, {k: v for k, v in grads.items() if param_of(str(k), params)}, what,
                    {p: f"d{p}" for p in params})
        out.intermediates["A2"] = A2

    def probe(self, case, timeout=None):
        raw: dict = {}
        with calling(timeout) as calls:
            if self.cost_args:
                A2, _ = _forward_pair(calls, self.obj.forward_propagation, case, "A2")
                args = {"A2": as_array(A2, "A2"), "Y": case.inputs["Y"], "parameters": case.params}
                what = f"compute_cost({', '.join(['A2', 'Y', 'parameters'][:len(self.cost_args)])})"
                value = calls(self.obj.compute_cost, dict(list(args.items())[:len(self.cost_args)]), what)
                raw["cost"] = (what, as_array(value, what))
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        return _cost_problems(raw, float(PLANAR.cost(case.inputs, case.params)),
                              "J = -1/m * sum(Y*log(A2) + (1-Y)*log(1-A2))")

    def strategy(self):
        from .strategy import planar_cases

        return planar_cases()

    def call_lines(self, case, module, names):
        return _pair_lines(case, module, names, ("forward_propagation", "A2, cache", "X, parameters"),
                           ("backward_propagation", "parameters, cache, X, Y"))


class RegularisedPair(Implementation):
    """C2W1's ``forward_propagation(X, parameters)`` -> ``(A3, cache)`` then
    ``backward_propagation_with_regularization(X, Y, cache, lambd)`` -> gradients (three layers, L2)."""

    convention = "the course's C2W1 backward_propagation_with_regularization (L2, three layers)"

    FORWARD = ("X", "parameters")
    BACKWARD = ("X", "Y", "cache", "lambd")

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation_with_regularization", DEEP_REG, module)
        cost = vars(module).get("compute_cost_with_regularization")
        self.has_interface = inspect.isfunction(cost) and tuple(required_args(cost)) == ("A3", "Y", "parameters", "lambd")

    def state(self):
        return {"has_interface": self.has_interface}

    def probe(self, case, timeout=None):
        raw: dict = {}
        with calling(timeout) as calls:
            if self.has_interface:
                inputs = case.inputs
                A3, _ = _forward_pair(calls, self.obj.forward_propagation, case, "A3")
                lambd = float(inputs["lambd"])
                what = f"compute_cost_with_regularization(A3, Y, parameters, {lambd!r})"
                value = calls(self.obj.compute_cost_with_regularization,
                              {"A3": as_array(A3, "A3"), "Y": inputs["Y"], "parameters": case.params,
                               "lambd": lambd}, what)
                raw["cost"] = (what, as_array(value, what))
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        return _cost_problems(raw, float(DEEP_REG.cost(case.inputs, case.params)),
                              f"{COST_FORMULA} + lambd/(2m) * sum of every W**2")

    @classmethod
    def fits(cls, module: types.ModuleType) -> bool:
        ns = vars(module)
        fw, bw = ns.get("forward_propagation"), ns.get("backward_propagation_with_regularization")
        return (callable(fw) and callable(bw) and tuple(required_args(fw)) == cls.FORWARD
                and tuple(required_args(bw)) == cls.BACKWARD)

    def accepts(self, case):
        return n_layers(case.dims) == 3

    def _run(self, case, calls, out):
        inputs = case.inputs
        _, cache = _forward_pair(calls, self.obj.forward_propagation, case, "A3")
        what = "backward_propagation_with_regularization(X, Y, cache, lambd)"
        grads = calls(self.obj.backward_propagation_with_regularization,
                      {"X": inputs["X"], "Y": inputs["Y"], "cache": cache, "lambd": float(inputs["lambd"])}, what)
        _store_deep(out, case, grads, what)

    def strategy(self):
        from .strategy import regularised_cases

        return regularised_cases()

    def call_lines(self, case, module, names):
        lines, got = _pair_lines(case, module, names, ("forward_propagation", "A3, cache", "X, parameters"),
                                 ("backward_propagation_with_regularization", f"X, Y, cache, {float(case.inputs['lambd'])!r}"))
        return lines, got


#: C2W1's dropout cache, as forward_propagation_with_dropout returns it
DROPOUT_CACHE = ("Z1", "D1", "A1", "W1", "b1", "Z2", "D2", "A2", "W2", "b2", "Z3", "A3", "W3", "b3")


def _dropout_cache(case) -> tuple:
    """The course's cache for ``case``, built with the case's masks (the reference forward pass)."""
    fw = DEEP_DROPOUT.forward(case.inputs, case.params)
    values = {**fw, "D1": case.inputs["D1"], "D2": case.inputs["D2"], **case.params}
    return tuple(np.array(values[k], dtype=float) for k in DROPOUT_CACHE)


class DropoutPair(Implementation):
    """C2W1's ``forward_propagation_with_dropout(X, parameters, keep_prob)`` -> ``(A3, cache)`` then
    ``backward_propagation_with_dropout(X, Y, cache, keep_prob)`` -> gradients, judged with the masks
    D1, D2 of the student's own cache (the case's masks are the course's: ``np.random.seed(1)``)."""

    convention = "the course's C2W1 forward_propagation_with_dropout / backward_propagation_with_dropout"

    FORWARD = ("X", "parameters")
    BACKWARD = ("X", "Y", "cache", "keep_prob")

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation_with_dropout", DEEP_DROPOUT, module)

    @classmethod
    def fits(cls, module: types.ModuleType) -> bool:
        ns = vars(module)
        fw, bw = ns.get("forward_propagation_with_dropout"), ns.get("backward_propagation_with_dropout")
        if not (callable(fw) and callable(bw)):
            return False
        try:
            takes_keep = "keep_prob" in inspect.signature(fw).parameters
        except (TypeError, ValueError):
            return False
        return (takes_keep and tuple(required_args(fw))[:2] == cls.FORWARD
                and tuple(required_args(bw)) == cls.BACKWARD)

    def _run(self, case, calls, out):
        inputs = case.inputs
        keep = float(inputs["keep_prob"])
        what = f"forward_propagation_with_dropout(X, parameters, keep_prob={keep!r})"
        _, cache = _forward_pair(calls, self.obj.forward_propagation_with_dropout, case, "A3", what,
                                 {"keep_prob": keep}, kwargs=True)
        if not (isinstance(cache, (tuple, list)) and len(cache) == len(DROPOUT_CACHE)):
            raise StudentError(what, f"{what}'s cache is not the course's tuple ({', '.join(DROPOUT_CACHE)})")
        masks = [np.asarray(cache[DROPOUT_CACHE.index(k)]) for k in ("D1", "D2")]
        same = all(mask.shape == np.shape(inputs[k]) and np.array_equal(mask.astype(float), inputs[k])
                   for mask, k in zip(masks, ("D1", "D2")))
        if not same:
            cache = _dropout_cache(case)
            out.notes.append(f"{what}'s masks D1, D2 are not the course's (np.random.seed(1), then "
                             "np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob, then the same for A2): the backward "
                             "pass was judged on the course's cache built with the course's masks.")
        what = f"backward_propagation_with_dropout(X, Y, cache, {keep!r})"
        grads = calls(self.obj.backward_propagation_with_dropout,
                      {"X": inputs["X"], "Y": inputs["Y"], "cache": cache, "keep_prob": keep}, what)
        if not isinstance(grads, Mapping):
            raise StudentError(what, f"{what} returned a {type(grads).__name__}; expected a dict of dW1, db1, ...")
        params = case.param_names
        store_grads(out, case, {k: v for k, v in grads.items() if param_of(str(k), params)}, what,
                    {p: f"d{p}" for p in params})

    def strategy(self):
        from .strategy import dropout_cases

        return dropout_cases()

    def call_lines(self, case, module, names):
        keep = float(case.inputs["keep_prob"])
        return _pair_lines(case, module, names, ("forward_propagation_with_dropout", "A3, cache",
                                                 f"X, parameters, keep_prob={keep!r}"),
                           ("backward_propagation_with_dropout", f"X, Y, cache, {keep!r}"))


class WarmUpPair(Implementation):
    """C2W1's 1-D warm-up: ``forward_propagation(x, theta)`` -> J = theta * x and
    ``backward_propagation(x, theta)`` -> dtheta."""

    convention = "the course's C2W1 1-D gradient-checking warm-up forward_propagation(x, theta) / backward_propagation(x, theta)"
    has_interface = True
    SIGNATURE = ("x", "theta")

    def __init__(self, module: types.ModuleType):
        super().__init__("backward_propagation", WARM_UP, module)

    @classmethod
    def fits(cls, module: types.ModuleType) -> bool:
        ns = vars(module)
        fw, bw = ns.get("forward_propagation"), ns.get("backward_propagation")
        return (callable(fw) and callable(bw) and tuple(required_args(fw)) == cls.SIGNATURE
                and tuple(required_args(bw)) == cls.SIGNATURE)

    def grad_names(self, case):
        return {"theta": "dtheta"}

    def _args(self, case):
        return {"x": float(case.inputs["x"]), "theta": float(case.params["theta"])}

    def _run(self, case, calls, out):
        what = "backward_propagation(x, theta)"
        out.grads["dtheta"] = as_array(calls(self.obj.backward_propagation, self._args(case), what), what)
        out.names["theta"] = "dtheta"

    def probe(self, case, timeout=None):
        with calling(timeout) as calls:
            what = "forward_propagation(x, theta)"
            raw = {"cost": (what, as_array(calls(self.obj.forward_propagation, self._args(case), what), what))}
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        what, value = raw["cost"]
        got, want = as_cost(value, what, []), float(case.inputs["x"]) * float(case.params["theta"])
        return [] if close(got, want) else [f"{what} is {got!r} but J = theta * x = {want!r} here."]

    def strategy(self):
        from .strategy import warm_up_cases

        return warm_up_cases()

    def call_lines(self, case, module, names):
        return ([f"from {module} import backward_propagation",
                 f"dtheta = backward_propagation({float(case.inputs['x'])!r}, {float(case.params['theta'])!r})"],
                {"theta": "dtheta"})
