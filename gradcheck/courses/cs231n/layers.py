"""CS231n's layers (``layers.py``, ``layer_utils.py``, ``rnn_layers.py``) and losses, checked as the course does.

A pair ``NAME_forward(x, ...) -> (out, cache)`` / ``NAME_backward(dout, cache)`` -> the gradients of
the forward's array inputs in order (``affine_backward`` -> ``(dx, dw, db)``) is checked with a
random upstream gradient ``dout``: the backward's outputs against the numerical gradient of
``sum(out * dout)`` with respect to each array input (``eval_numerical_gradient_array``'s convention).
``NAME_backward_alt`` is checked against the same forward. A loss ``softmax_loss(x, y)`` /
``svm_loss(x, y)`` -> ``(loss, dx)`` is checked against its own loss. Examples are rows: ``x`` is
(N, D) for the dense layers, (N, C, H, W) for the convolutional ones, (N, T, D) for the temporal ones.

Inputs are drawn at small sizes with the structure each layer needs (``bn_param`` in train mode,
``conv_param``, ``pool_param``, ``dropout_param`` with a seed: the same mask in every call).
Integer inputs (labels, word indices) and the ``*_param`` dicts are not differentiated.

Kinks: a central difference straddling a kink measures the mean of the two slopes, which no right
gradient equals, and its error estimate does not show it (the cost is a black box here; a reference
model's relu pre-activations are watched instead). So the inputs are kept off them: an svm margin
(:func:`hinge_kinks`) or a relu input within a few of the largest steps of 0 is moved off its kink.

Imports: numpy; :mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...students.implementation import Calls, Implementation, StudentError, as_array, as_cost
from . import mistakes

N, D, M = 3, 4, 5  # dense: x (N, D), w (D, M)
IMG = (2, 3, 6, 6)  # conv: x (N, C, H, W)
F = 2  # conv filters


def _dense(rng) -> dict[str, Any]:
    return {"x": rng.standard_normal((N, D)), "w": rng.standard_normal((D, M)), "b": rng.standard_normal(M),
            "gamma": rng.standard_normal(M), "beta": rng.standard_normal(M)}


def _conv(rng) -> dict[str, Any]:
    return {"x": rng.standard_normal(IMG), "w": rng.standard_normal((F, IMG[1], 3, 3)), "b": rng.standard_normal(F),
            "gamma": rng.standard_normal(F), "beta": rng.standard_normal(F)}


def _norm(shape, gamma_shape) -> Callable:
    def draw(rng):
        return {"x": rng.standard_normal(shape) * 2 + 1, "gamma": rng.standard_normal(gamma_shape),
                "beta": rng.standard_normal(gamma_shape)}
    return draw


def _recurrent(step: bool, gates: int) -> Callable:
    def draw(rng):
        n, t, d, h = 2, 3, 4, 3
        x_shape = (n, d) if step else (n, t, d)
        return {"x": rng.standard_normal(x_shape), "prev_h": rng.standard_normal((n, h)),
                "h0": rng.standard_normal((n, h)), "prev_c": rng.standard_normal((n, h)),
                "Wx": rng.standard_normal((d, gates * h)) * 0.5, "Wh": rng.standard_normal((h, gates * h)) * 0.5,
                "b": rng.standard_normal(gates * h)}
    return draw


def _embedding(rng) -> dict[str, Any]:
    return {"x": rng.integers(0, 5, size=(2, 3)), "W": rng.standard_normal((5, 4))}


def _temporal(rng) -> dict[str, Any]:
    return {"x": rng.standard_normal((2, 3, 4)), "w": rng.standard_normal((4, 5)), "b": rng.standard_normal(5)}


def _scores(rng) -> dict[str, Any]:
    return {"x": rng.standard_normal((5, 4)), "y": rng.integers(0, 4, size=5)}


#: The largest relative step the difference oracles take on a black-box cost (``BLACK_BOX_LADDER``'s
#: first, 2^-8); an input closer to a kink than a few of these is moved off it.
_STEP = 2.0 ** -8
KINK_STEPS = 4


def _gap(*values) -> np.ndarray:
    """A few of the largest steps the oracles take at these values (broadcast together)."""
    scale = np.ones(np.broadcast_shapes(*(np.shape(v) for v in values)))
    for v in values:
        scale = np.maximum(scale, np.abs(v))
    return KINK_STEPS * _STEP * scale


def hinge_kinks(x: np.ndarray, y: np.ndarray, delta: float = 1.0) -> list[tuple[int, int]]:
    """The ``(i, j)`` whose svm margin ``x[i, j] - x[i, y[i]] + delta`` is within a difference step of 0.

    There the hinge ``max(0, margin)`` has a kink: a central difference straddling it measures the
    mean of the two slopes, which no right ``dx`` equals, so such an input is never judged."""
    n = np.arange(len(y))
    correct = x[n, y][:, None]
    margins = x - correct + delta
    near = np.abs(margins) < _gap(x, correct)
    near[n, y] = False
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(near))]


def off_hinge_kinks(x: np.ndarray, y: np.ndarray, delta: float = 1.0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """``x`` with every margin of :func:`hinge_kinks` moved twice the gap off its kink (its sign kept,
    0 made positive), and the places moved. Only ``x[i, j]`` moves, so no other margin changes."""
    x = np.array(x, dtype=float)
    moved = hinge_kinks(x, y, delta)
    for i, j in moved:
        correct = x[i, y[i]]
        margin = x[i, j] - correct + delta
        x[i, j] = correct - delta + (1.0 if margin >= 0 else -1.0) * 2 * float(_gap(x[i, j], correct))
    return x, moved


def off_relu_kinks(x: np.ndarray) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """``x`` with every element within a difference step of relu's kink at 0 moved twice the gap off it."""
    x = np.array(x, dtype=float)
    near = np.abs(x) < _gap(x)
    moved = [tuple(int(k) for k in idx) for idx in zip(*np.nonzero(near))]
    x[near] = np.where(x[near] >= 0, 1.0, -1.0) * 2 * _gap(x[near])
    return x, moved


def _temporal_scores(rng) -> dict[str, Any]:
    mask = rng.uniform(size=(2, 3)) > 0.3
    mask[0, 0] = True
    return {"x": rng.standard_normal((2, 3, 4)), "y": rng.integers(0, 4, size=(2, 3)), "mask": mask}


#: The layers whose inputs need a structure of their own (by name, ``_naive``/``_fast`` left off).
DRAW: dict[str, Callable] = {
    "batchnorm": _norm((6, 4), (4,)), "layernorm": _norm((6, 4), (4,)),
    "spatial_batchnorm": _norm((2, 3, 4, 4), (3,)), "spatial_groupnorm": _norm((2, 4, 3, 3), (1, 4, 1, 1)),
    "rnn_step": _recurrent(True, 1), "rnn": _recurrent(False, 1),
    "lstm_step": _recurrent(True, 4), "lstm": _recurrent(False, 4),
    "word_embedding": _embedding, "temporal_affine": _temporal,
}
#: Arguments never differentiated: drawn here, passed as they are.
PARAMS: dict[str, Callable[[Any], Any]] = {
    "bn_param": lambda rng: {"mode": "train", "eps": 1e-5, "momentum": 0.9},
    "ln_param": lambda rng: {"eps": 1e-5},
    "gn_param": lambda rng: {"eps": 1e-5},
    "dropout_param": lambda rng: {"mode": "train", "p": 0.6, "seed": 0},
    "conv_param": lambda rng: {"stride": 1, "pad": 1},
    "pool_param": lambda rng: {"pool_height": 2, "pool_width": 2, "stride": 2},
    "G": lambda rng: 2,
}
#: The losses ``NAME(x, y[, mask])`` -> ``(loss, dx)``, and how their inputs are drawn.
LOSSES = {"softmax_loss": _scores, "svm_loss": _scores, "temporal_softmax_loss": _temporal_scores}


def _args(fn) -> list[str]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def layer_name(forward: str) -> str:
    """``conv_forward_naive`` -> ``conv``; ``affine_relu_forward`` -> ``affine_relu``."""
    return forward.replace("_forward", "").removesuffix("_naive").removesuffix("_fast")


def draw_inputs(forward: str, args: list[str], rng) -> tuple[dict[str, Any], str]:
    """The forward's inputs by name, and ``""``, or ``{}`` and why they cannot be drawn."""
    layer = layer_name(forward)
    pool = dict(DRAW[layer](rng)) if layer in DRAW else (
        _conv(rng) if {"conv_param", "pool_param"} & set(args) or "conv" in layer or "pool" in layer else _dense(rng))
    if layer == "max_pool":
        pool["x"] = rng.standard_normal((2, 3, 4, 4))
    if layer == "affine":
        pool["x"] = rng.standard_normal((N, 2, 2))  # any rank: reshaped to (N, D)
    if layer == "relu":
        pool["x"] = off_relu_kinks(pool["x"])[0]
    out = {}
    for a in args:
        if a in PARAMS:
            out[a] = PARAMS[a](rng)
        elif a in pool:
            out[a] = pool[a]
        else:
            return {}, f"cannot draw inputs for {forward}({', '.join(args)}): gradcheck does not know {a!r}"
    return out, ""


def differentiated(inputs: Mapping[str, Any]) -> list[str]:
    """The float array inputs, in order: what the backward returns gradients of."""
    return [k for k, v in inputs.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]


class _Checked(Implementation):
    """Shared by pairs and losses: a cost and its gradients, by the worker, against each other."""

    kind = "self"

    def cases(self, seed=0):
        return []

    def data(self, label: str) -> dict:
        return {}

    def finish(self, label: str) -> tuple[list[str], str]:
        calls = self._state[label]["calls"]
        quiet = [p for p in calls.problems if "_param in place" not in p]  # bn_param's running mean, by design
        return quiet, calls.output.getvalue()

    def problem(self, label: str, seed: int = 0, timeout: float | None = None):
        params = self.prepare(label, seed, timeout)
        return (lambda t: self.evaluate(label, t, "loss"), lambda t: self.evaluate(label, t, "grads"), params,
                lambda: self.finish(label))


class LayerPair(_Checked):
    """``NAME_forward`` / ``NAME_backward`` (or ``NAME_backward_alt``) of a CS231n module."""

    convention = ("a CS231n layer pair NAME_forward(x, ...) -> (out, cache), NAME_backward(dout, cache) -> grads "
                  "(or several outputs: lstm_step_forward -> (next_h, next_c, cache), backward(dnext_h, dnext_c, cache))")

    def __init__(self, name: str, module, forward: str):
        super().__init__(name, None, getattr(module, name))
        self.forward_name = forward
        self.forward = getattr(module, forward)
        self.args = _args(self.forward)
        self.douts = _args(self.obj)[:-1]  # one upstream gradient per output: dout, or dnext_h and dnext_c
        self.unchecked = draw_inputs(forward, self.args, np.random.default_rng(0))[1]
        self.labels = ["dout"]

    def state(self):
        return {"forward_name": self.forward_name, "args": list(self.args), "douts": list(self.douts),
                "unchecked": self.unchecked, "labels": list(self.labels)}

    def title(self, label: str) -> str:
        call = f"{self.forward_name}({', '.join(self.args)})"
        summed = " + ".join(f"sum({call}[{i}] * {d})" for i, d in enumerate(self.douts))
        return (f"{self.name}({', '.join(self.douts)}, cache) against the numerical gradient of {summed}, "
                f"{' and '.join(self.douts)} drawn at random")

    def _forward(self, label: str, theta: Mapping[str, Any]):
        st = self._state[label]
        inputs = {**st["inputs"], **{k[1:]: np.array(v, dtype=float) for k, v in theta.items()}}
        np.random.seed(0)  # dropout: the same mask in every call
        result = st["calls"](self.forward, {a: inputs[a] for a in self.args}, f"{self.forward_name}(...)")
        k = len(self.douts)
        if not (isinstance(result, (tuple, list)) and len(result) == k + 1):
            outs = "out" if k == 1 else ", ".join(d[1:] for d in self.douts)
            raise StudentError(self.forward_name, f"{self.forward_name} returned a {type(result).__name__}"
                               f"{f' of {len(result)}' if isinstance(result, (tuple, list)) else ''}; expected "
                               f"({outs}, cache), one output per upstream gradient of {self.name}")
        return [as_array(r, f"{self.forward_name}(...)[{i}]") for i, r in enumerate(result[:k])], result[k]

    def prepare(self, label: str, seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        if self.unchecked:
            raise StudentError(self.forward_name, f"not checked: {self.unchecked}")
        rng = np.random.default_rng([seed, 231])
        inputs, _ = draw_inputs(self.forward_name, self.args, rng)
        calls = Calls(timeout)
        self._state = {**getattr(self, "_state", {}), label: {"inputs": inputs, "calls": calls}}
        theta = {f"d{k}": inputs[k] for k in differentiated(inputs)}
        outs, _ = self._forward(label, theta)
        self._state[label]["dout"] = [rng.standard_normal(out.shape) for out in outs]
        return theta

    def diagnose(self, label: str, theta, yours, ref, wrong, seed: int = 0):
        """The catalog's finding on the wrong arrays (judge side: no student code runs here)."""
        layer = layer_name(self.forward_name)
        found = []
        if layer in ("batchnorm", "layernorm", "dropout") and "dx" in wrong and "dx" in yours:
            rng = np.random.default_rng([seed, 231])
            inputs, _ = draw_inputs(self.forward_name, self.args, rng)
            dout = rng.standard_normal(np.shape(theta["dx"]))  # as prepare drew it: out has the shape of x
            if layer == "dropout":
                found.append(mistakes.dropout_dx(yours["dx"], ref["dx"], dout, inputs["dropout_param"]["p"]))
            else:
                found.append(mistakes.batchnorm_dx(yours["dx"], theta["dx"], theta["dgamma"], dout,
                                                   axis=0 if layer == "batchnorm" else 1))
        if "conv" in layer and "dw" in wrong and "dw" in yours:
            found.append(mistakes.conv_dw(yours["dw"], ref["dw"]))
        found += [mistakes.one_array(k, yours[k], ref[k], np.shape(theta["dx"])[0] if "dx" in theta else None)
                  for k in wrong if k in yours and k in ref]
        return mistakes.first(found)

    def evaluate(self, label: str, theta: Mapping[str, Any], part: str):
        st = self._state[label]
        outs, cache = self._forward(label, theta)
        if part == "loss":
            return float(sum(np.sum(out * dout) for out, dout in zip(outs, st["dout"])))
        what = f"{self.name}({', '.join(self.douts)}, cache)"
        grads = st["calls"](self.obj, {**dict(zip(self.douts, st["dout"])), "cache": cache}, what)
        names = list(theta)
        if len(names) == 1 and not isinstance(grads, (tuple, list)):
            grads = (grads,)
        if not isinstance(grads, (tuple, list)) or len(grads) != len(names):
            count = len(grads) if isinstance(grads, (tuple, list)) else 1
            raise StudentError(self.name, f"{what} returned {count} value(s); expected {len(names)}: "
                               f"({', '.join(names)}), the gradients of {self.forward_name}'s array inputs in order")
        return {k: as_array(g, f"{self.name}: {k}") for k, g in zip(names, grads)}


class Loss(_Checked):
    """``softmax_loss(x, y)`` / ``svm_loss(x, y)`` / ``temporal_softmax_loss(x, y, mask)`` -> ``(loss, dx)``:
    dx against the loss itself."""

    convention = "a CS231n loss softmax_loss(x, y), svm_loss(x, y) or temporal_softmax_loss(x, y, mask) -> (loss, dx)"

    def __init__(self, name: str, fn):
        super().__init__(name, None, fn)
        self.args = _args(fn)[:3 if name.startswith("temporal") else 2]
        self.labels = ["loss"]

    def state(self):
        return {"labels": list(self.labels), "args": list(self.args)}

    def inputs(self, seed: int = 0) -> dict[str, Any]:
        """The drawn ``x``, ``y`` (and ``mask``); for ``svm_loss``, every margin off its kink (:func:`off_hinge_kinks`)."""
        inputs = LOSSES[self.name](np.random.default_rng([seed, 231]))
        if self.name == "svm_loss":
            inputs["x"], self.moved = off_hinge_kinks(inputs["x"], inputs["y"])
        return inputs

    def title(self, label: str) -> str:
        call = f"{self.name}({', '.join(self.args)})"
        return f"{call}[1] against its own loss {call}[0], on drawn scores x and labels y"

    def prepare(self, label: str, seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        inputs = self.inputs(seed)
        rest = {k: v for k, v in inputs.items() if k != "x"}
        self._state = {**getattr(self, "_state", {}), label: {"rest": rest, "calls": Calls(timeout)}}
        return {"dx": inputs["x"]}

    def diagnose(self, label: str, theta, yours, ref, wrong, seed: int = 0):
        if "dx" not in yours:
            return None
        return mistakes.first([mistakes.one_array("dx", yours["dx"], ref["dx"], np.shape(theta["dx"])[0])])

    def evaluate(self, label: str, theta: Mapping[str, Any], part: str):
        st = self._state[label]
        what = f"{self.name}({', '.join(self.args)})"
        args = {"x": np.array(theta["dx"], dtype=float), **st["rest"]}
        result = st["calls"](self.obj, {a: args[a] for a in self.args}, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(self.name, f"{what} returned a {type(result).__name__}; expected (loss, dx)")
        if part == "loss":
            return as_cost(result[0], f"{what}[0]", [])
        return {"dx": as_array(result[1], f"{what}[1]")}


def recognise(module, name: str, obj: Any) -> list:
    """A backward whose forward is in the module (first argument ``x``), or a loss of ``(x, y)``."""
    if not inspect.isfunction(obj):
        return []
    if name in LOSSES and _args(obj)[:2] == ["x", "y"] and (name.startswith("temporal") or len(_args(obj)) == 2):
        return [Loss(name, obj)]
    if "_backward" not in name:
        return []
    forward = name.replace("_backward", "_forward").removesuffix("_alt")
    fn = vars(module).get(forward)
    if not inspect.isfunction(fn) or _args(fn)[:1] != ["x"] or len(_args(obj)) < 2:
        return []
    return [LayerPair(name, module, forward)]
