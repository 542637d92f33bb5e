"""The guided notes (seed 000): the Welch-style 2-layer sigmoid network, examples as rows, no biases.

Models ``welch`` and ``welch_reg`` (:mod:`.model`); the worked examples of Q11 and Q16 with their
asymmetric twins and the regularised case (data in ``fixtures/cases``); the students' class and
``backprop`` function (:mod:`.conventions`); the catalog (:mod:`.mistakes`); Hypothesis networks
(:mod:`.strategy`, imported when first asked for); cheap differences (:mod:`.structured`).
"""

from __future__ import annotations

import inspect

import numpy as np

from ...case import bundled, make_case
from ...course import Course
from . import mistakes
from .conventions import _SPELLINGS, BackpropFunction, NotesClass
from .model import WELCH, WELCH_REG

CASES = ("single-example", "three-examples", "single-example-asymmetric", "three-examples-asymmetric",
         "three-examples-regularised")


class NotesCourse(Course):
    name = "notes"
    title = "the guided notes: a 2-layer sigmoid network, examples as rows (welch, welch_reg)"
    models = (WELCH, WELCH_REG)
    conventions = (
        "the notes' class: costFunctionPrime(X, y) -> (dJdW1, dJdW2) with attributes W1, W2 "
        "(or cost_function_prime; a Lambda attribute or argument for the regularised network)",
        "a function backprop(X, y, W1, W2) -> (dJdW1, dJdW2) or a dict",
    )

    def cases(self):
        return [bundled(name) for name in CASES]

    def derived_cases(self, seed):
        """A network with every dimension distinct (m = 4, in = 3, hid = 5, one output, since the
        notes' costFunction sums over examples only), and its regularised twin."""
        rng = np.random.default_rng(seed)
        m, n_in, hid, out = 4, 3, 5, 1
        X = rng.uniform(0.0, 1.0, (m, n_in))
        y = rng.uniform(0.0, 1.0, (m, out))
        W = {"W1": rng.standard_normal((n_in, hid)), "W2": rng.standard_normal((hid, out))}
        return [make_case(WELCH, {"X": X, "y": y}, W, name="distinct-dims"),
                make_case(WELCH_REG, {"X": X, "y": y, "Lambda": 1e-3}, W, name="distinct-dims-regularised")]

    def recognise(self, module, name, obj):
        if inspect.isclass(obj):
            if any(hasattr(obj, s) for s in _SPELLINGS["costFunctionPrime"]):
                return [NotesClass(name, obj)]
        elif name == "backprop" and inspect.isfunction(obj) and BackpropFunction.fits(obj):
            return [BackpropFunction(name, obj)]
        return []

    def near_misses(self, module, name, obj):
        if name == "backprop" and inspect.isfunction(obj) and not BackpropFunction.fits(obj):
            return [f"{name}{_signature(obj)} does not match the notes' {BackpropFunction.SIGNATURE}"]
        return []

    def mistakes(self):
        return tuple(mistakes.entries())

    def steps(self, model, dims):
        return list(mistakes.STEPS)

    def strategy(self, model):
        from .strategy import cases_for

        return cases_for(model)

    def sized_strategy(self, model, dims):
        from .strategy import sized_cases

        return sized_cases(model, dims)

    def usual_dims(self, model):
        return ({"numExamples": 3, "inputLayerSize": 2, "hiddenLayerSize": 3, "outputLayerSize": 1},
                {"numExamples": 1, "inputLayerSize": 2, "hiddenLayerSize": 3, "outputLayerSize": 1})


COURSE = NotesCourse()


def _signature(fn) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"
