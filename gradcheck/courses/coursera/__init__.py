"""The Coursera deep-learning course (seed 002): the L-layer network, examples as columns.

Models ``deep``, ``deep_reg`` (C2W1's L2), ``planar`` (C1W3), ``deep_dropout`` (C2W1's dropout, the
masks as inputs) and ``gc_1d`` (C2W1's 1-D warm-up) (:mod:`.model`); the course's gradient-checking
case ``coursera-l3`` (data in ``fixtures/cases``) and seeded ones; C1W4's L-layer functions and
building blocks, C1W3's and C2W1's pairs, each taken only with the course's signatures, and the
near misses of those that are not (:mod:`.conventions`, ``SIGNATURES``); the catalog (:mod:`.mistakes`); Hypothesis networks (:mod:`.strategy`);
cheap differences (:mod:`.structured`).

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.course`,
:mod:`gradcheck.courses.coursera.conventions`, :mod:`gradcheck.courses.coursera.mistakes`,
:mod:`gradcheck.courses.coursera.model`. When first needed:
:mod:`gradcheck.courses.coursera.strategy`.
"""

from __future__ import annotations

import inspect

import numpy as np

from ...case import bundled, make_case
from ...course import Course
from ...students.implementation import required_args
from . import mistakes
from .conventions import (
    BLOCKS,
    Block,
    DropoutPair,
    GradientCheckingPair,
    LLayer,
    PlanarPair,
    RegularisedPair,
    WarmUpPair,
)
from .model import DEEP, DEEP_DROPOUT, DEEP_REG, PLANAR, WARM_UP, course_masks, n_layers


class CourseraCourse(Course):
    name = "coursera"
    title = "the Coursera deep-learning course: the L-layer relu/sigmoid network, examples as columns (deep)"
    models = (DEEP, DEEP_REG, PLANAR, DEEP_DROPOUT, WARM_UP)
    conventions = (
        "the Coursera L-layer pair L_model_forward(X, parameters) -> (AL, caches) and "
        "L_model_backward(AL, Y, caches) -> grads, with its building blocks linear_backward, "
        "linear_activation_backward, relu_backward, sigmoid_backward",
        "the Coursera gradient-checking pair forward_propagation_n(X, Y, parameters) -> (cost, cache) and "
        "backward_propagation_n(X, Y, cache) -> gradients",
        "the Coursera C1W3 planar pair forward_propagation(X, parameters) -> (A2, cache) and "
        "backward_propagation(parameters, cache, X, Y) -> grads (tanh hidden layer, sigmoid output)",
        "the Coursera C2W1 regularisation pair forward_propagation(X, parameters) -> (A3, cache) and "
        "backward_propagation_with_regularization(X, Y, cache, lambd) -> gradients (three layers, L2)",
        "the Coursera C2W1 dropout pair forward_propagation_with_dropout(X, parameters, keep_prob) -> (A3, cache) and "
        "backward_propagation_with_dropout(X, Y, cache, keep_prob) -> gradients (the masks D1, D2 in the cache)",
        "the Coursera C2W1 1-D warm-up forward_propagation(x, theta) -> J and backward_propagation(x, theta) -> dtheta",
    )

    def cases(self):
        return [bundled("coursera-l3")]

    def derived_cases(self, seed):
        """A 3-4-2-1 network on 5 examples: every dimension distinct."""
        rng = np.random.default_rng([seed, 2])
        sizes, m = (3, 4, 2, 1), 5
        params = {}
        for l in range(1, len(sizes)):
            params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1]))
            params[f"b{l}"] = rng.standard_normal((sizes[l], 1))
        inputs = {"X": rng.standard_normal((sizes[0], m)), "Y": (rng.uniform(size=(1, m)) > 0.5).astype(float)}
        rng = np.random.default_rng([seed, 3])
        planar = {"W1": rng.standard_normal((4, 2)), "b1": rng.standard_normal((4, 1)),
                  "W2": rng.standard_normal((1, 4)), "b2": rng.standard_normal((1, 1))}
        planar_inputs = {"X": rng.standard_normal((2, 3)), "Y": np.array([[1.0, 0.0, 1.0]])}
        D1, D2 = course_masks(sizes[1], sizes[2], m, 0.7)
        dropout = {**inputs, "keep_prob": 0.7, "D1": D1, "D2": D2}
        return [make_case(DEEP, inputs, params, name="deep-distinct-dims"),
                make_case(DEEP_DROPOUT, dropout, params, name="deep-dropout-keep-prob-0.7"),
                make_case(DEEP_REG, {**inputs, "lambd": 0.7}, params, name="deep-regularised-lambd-0.7"),
                make_case(PLANAR, planar_inputs, planar, name="planar-distinct-dims"),
                make_case(WARM_UP, {"x": 2.0}, {"theta": 4.0}, name="gc-1d-x-2-theta-4")]

    def recognise(self, module, name, obj):
        if name in BLOCKS and inspect.isfunction(obj) and _takes(obj, len(SIGNATURES[name][0])):
            return [Block(name, obj)]
        return []

    def near_misses(self, module, name, obj):
        """A function named like one of the course's that cannot be called as the course calls it."""
        if name not in SIGNATURES or not inspect.isfunction(obj):
            return []
        expected = SIGNATURES[name]
        if any(_fits(name, obj, args) for args in expected):
            return []
        shown = " or ".join(f"{name}({', '.join(args)})" for args in expected)
        return [f"{name}{_signature(obj)} does not match the Coursera course's {shown}"]

    def recognise_module(self, module):
        ns = vars(module)
        found = []
        if _pair(ns, "L_model_forward", "L_model_backward"):
            found.append(LLayer(module))
        if _pair(ns, "forward_propagation_n", "backward_propagation_n"):
            found.append(GradientCheckingPair(module))
        if PlanarPair.fits(module):
            found.append(PlanarPair(module))
        if RegularisedPair.fits(module):
            found.append(RegularisedPair(module))
        if WarmUpPair.fits(module):
            found.append(WarmUpPair(module))
        if DropoutPair.fits(module):
            found.append(DropoutPair(module))
        return found

    def mistakes(self):
        return (tuple(mistakes.entries()) + tuple(mistakes.regularised_entries()) + tuple(mistakes.planar_entries())
                + tuple(mistakes.dropout_entries()))

    def steps(self, model, dims):
        return mistakes.steps(n_layers(dims)) if model in (DEEP, DEEP_REG) else None

    def strategy(self, model):
        from .strategy import cases_for, planar_cases

        if model is DEEP_REG:
            from .strategy import regularised_cases

            return regularised_cases()
        if model is WARM_UP:
            from .strategy import warm_up_cases

            return warm_up_cases()
        if model is DEEP_DROPOUT:
            from .strategy import dropout_cases

            return dropout_cases()
        return planar_cases() if model is PLANAR else cases_for(model)

    def sized_strategy(self, model, dims):
        from .strategy import sized_cases

        return sized_cases(model, dims) if model is DEEP else None

    def usual_dims(self, model):
        return ({"m": 3, "n0": 4, "n1": 5, "n2": 3, "n3": 1},) if model is DEEP else ()

    def size_variants(self, model, base):
        """Each size alone, and the number of layers L (hidden widths kept or padded with 2)."""
        variants = super().size_variants(model, base)
        L = len(base) - 2
        variants[("L", L)] = [_with_layers(base, other) for other in range(1, 5) if other != L]
        return variants


#: The course's functions and the arguments it calls them with (by position; blocks by count alone).
SIGNATURES = {
    "L_model_forward": (("X", "parameters"),),
    "L_model_backward": (("AL", "Y", "caches"),),
    "forward_propagation_n": (("X", "Y", "parameters"),),
    "backward_propagation_n": (("X", "Y", "cache"),),
    "forward_propagation": (("X", "parameters"), ("x", "theta")),
    "backward_propagation": (("parameters", "cache", "X", "Y"), ("x", "theta")),
    "backward_propagation_with_regularization": (("X", "Y", "cache", "lambd"),),
    "forward_propagation_with_dropout": (("X", "parameters", "keep_prob"),),
    "backward_propagation_with_dropout": (("X", "Y", "cache", "keep_prob"),),
    "linear_backward": (("dZ", "cache"),),
    "linear_activation_backward": (("dA", "cache", "activation"),),
    "relu_backward": (("dA", "cache"),),
    "sigmoid_backward": (("dA", "cache"),),
}


#: Taken by how many arguments they accept (the names students give them vary); the others by name.
BY_COUNT = (*BLOCKS, "L_model_forward", "L_model_backward", "forward_propagation_n", "backward_propagation_n")


def _takes(fn, n: int) -> bool:
    """Whether ``fn`` can be called with ``n`` positional arguments."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    params = list(sig.parameters.values())
    if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    return len(required) <= n and (len(positional) >= n or varargs)


def _fits(name: str, fn, args: tuple[str, ...]) -> bool:
    """The course's pairs are taken by their required parameters' names, the blocks by their count."""
    if name in BY_COUNT:
        return _takes(fn, len(args))
    required = tuple(required_args(fn))
    if name == "forward_propagation_with_dropout":
        return required[:2] == args[:2] and _takes(fn, 3)
    return required == args


def _pair(ns, forward: str, backward: str) -> bool:
    """Both functions are there and can be called as the course calls them."""
    return all(callable(ns.get(name)) and (not inspect.isfunction(ns[name]) or _fits(name, ns[name], SIGNATURES[name][0]))
               for name in (forward, backward))


def _signature(fn) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"


def _with_layers(dims, L: int) -> dict[str, int]:
    """``dims`` with L weight layers: hidden widths kept or padded with 2, the same n0 and output."""
    old_L = len(dims) - 2
    hidden = [dims[f"n{l}"] for l in range(1, old_L)] + [2] * L
    sizes = [dims["n0"], *hidden[: L - 1], dims[f"n{old_L}"]]
    return {"m": dims["m"], **{f"n{l}": n for l, n in enumerate(sizes)}}


COURSE = CourseraCourse()
