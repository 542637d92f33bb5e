"""The Coursera deep-learning course (seed 002): the L-layer network, examples as columns.

Model ``deep`` (:mod:`.model`); the course's gradient-checking case ``coursera-l3`` (data in
``fixtures/cases``); C1W4's L-layer functions and building blocks and C2W1's gradient-checking pair
(:mod:`.conventions`); the catalog (:mod:`.mistakes`); Hypothesis networks (:mod:`.strategy`);
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
from . import mistakes
from .conventions import BLOCKS, Block, GradientCheckingPair, LLayer, PlanarPair, RegularisedPair
from .model import DEEP, DEEP_REG, PLANAR, n_layers


class CourseraCourse(Course):
    name = "coursera"
    title = "the Coursera deep-learning course: the L-layer relu/sigmoid network, examples as columns (deep)"
    models = (DEEP, DEEP_REG, PLANAR)
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
        return [make_case(DEEP, inputs, params, name="deep-distinct-dims"),
                make_case(DEEP_REG, {**inputs, "lambd": 0.7}, params, name="deep-regularised-lambd-0.7"),
                make_case(PLANAR, planar_inputs, planar, name="planar-distinct-dims")]

    def recognise(self, module, name, obj):
        if name in BLOCKS and inspect.isfunction(obj):
            return [Block(name, obj)]
        return []

    def recognise_module(self, module):
        ns = vars(module)
        found = []
        if callable(ns.get("L_model_forward")) and callable(ns.get("L_model_backward")):
            found.append(LLayer(module))
        if callable(ns.get("forward_propagation_n")) and callable(ns.get("backward_propagation_n")):
            found.append(GradientCheckingPair(module))
        if PlanarPair.fits(module):
            found.append(PlanarPair(module))
        if RegularisedPair.fits(module):
            found.append(RegularisedPair(module))
        return found

    def mistakes(self):
        return tuple(mistakes.entries()) + tuple(mistakes.regularised_entries()) + tuple(mistakes.planar_entries())

    def steps(self, model, dims):
        return mistakes.steps(n_layers(dims)) if model is not PLANAR else None

    def strategy(self, model):
        from .strategy import cases_for, planar_cases

        if model is DEEP_REG:
            from .strategy import regularised_cases

            return regularised_cases()
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


def _with_layers(dims, L: int) -> dict[str, int]:
    """``dims`` with L weight layers: hidden widths kept or padded with 2, the same n0 and output."""
    old_L = len(dims) - 2
    hidden = [dims[f"n{l}"] for l in range(1, old_L)] + [2] * L
    sizes = [dims["n0"], *hidden[: L - 1], dims[f"n{old_L}"]]
    return {"m": dims["m"], **{f"n{l}": n for l, n in enumerate(sizes)}}


COURSE = CourseraCourse()
