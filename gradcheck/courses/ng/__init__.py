"""Ng's Machine Learning, exercise 4 (the Python ports): ``nnCostFunction``, examples as rows.

Model ``ng_ex4`` (:mod:`.model`); cases (below); the ports' ``nnCostFunction(nn_params,
input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)`` -> ``(J, grad)``
(:mod:`.conventions`); the catalog (:mod:`.mistakes`); Hypothesis networks (:mod:`.strategy`).

Cases and their provenance. ex4's published numbers (J = 0.287629 at the provided weights,
0.383770 with lambda = 1, 0.576051 with lambda = 3) are for ex4data1.mat and ex4weights.mat, which
gradcheck does not ship, so they are not cases. What is public and reproducible is the debugging
network of the exercise's ``checkNNGradients``: 3 inputs, 5 hidden units, 3 labels, 5 examples,
weights ``debugInitializeWeights`` (sin(1), sin(2), ... filled column by column, divided by 10),
X made the same way and y = 1 + mod(1:m, 3); the exercise checks it with lambda = 0 and with
lambda = 3. Its expected gradients are computed by the model's backward pass (and agree with the
oracles; tests/test_ng.py checks them against central differences). Its sizes are not all distinct,
so a seeded asymmetric network with every size different is added.

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.course`, this folder's modules. When first
needed: :mod:`gradcheck.courses.ng.strategy`.
"""

from __future__ import annotations

import inspect

import numpy as np

from ...case import make_case
from ...course import Course
from . import mistakes
from .conventions import SIGNATURE, NnCostFunction, fits, positional
from .model import NG_EX4


def debug_weights(fan_out: int, fan_in: int) -> np.ndarray:
    """ex4's ``debugInitializeWeights``: sin(1 .. numel) / 10 in a (fan_out, 1 + fan_in) matrix, column-major."""
    return np.sin(np.arange(1, fan_out * (fan_in + 1) + 1)).reshape((fan_out, fan_in + 1), order="F") / 10


def debug_network(lambda_: float):
    """``checkNNGradients(lambda_)``'s network: (inputs, params), the labels one-hot (y = 1 + mod(1:m, 3))."""
    n, h, K, m = 3, 5, 3, 5
    y = 1 + np.mod(np.arange(1, m + 1), K)
    inputs = {"X": debug_weights(m, n - 1), "Y": np.eye(K)[y - 1], "lambda_": float(lambda_)}
    return inputs, {"Theta1": debug_weights(h, n), "Theta2": debug_weights(K, h)}


class NgCourse(Course):
    name = "ng"
    title = "Ng's Machine Learning ex4: a sigmoid network with bias columns, one-vs-all, examples as rows (ng_ex4)"
    models = (NG_EX4,)
    conventions = (f"Ng's ex4 (Python ports): {SIGNATURE}, Theta1 and Theta2 unrolled, labels numbered as the port "
                   "numbers them",)

    def derived_cases(self, seed):
        """checkNNGradients' network with lambda = 0 and 3, and a seeded network with every size distinct."""
        rng = np.random.default_rng([seed, 4])
        n, h, K, m = 4, 2, 3, 5
        inputs = {"X": rng.uniform(-1, 1, (m, n)), "Y": np.eye(K)[[0, 2, 1, 2, 0]], "lambda_": 1.0}
        params = {"Theta1": rng.uniform(-1, 1, (h, n + 1)), "Theta2": rng.uniform(-1, 1, (K, h + 1))}
        return [make_case(NG_EX4, *debug_network(0.0), name="ex4-checkNNGradients"),
                make_case(NG_EX4, *debug_network(3.0), name="ex4-checkNNGradients-lambda-3"),
                make_case(NG_EX4, inputs, params, name="ex4-distinct-dims")]

    def recognise(self, module, name, obj):
        return [NnCostFunction(name, obj)] if fits(name, obj) else []

    def near_misses(self, module, name, obj):
        """A function named nnCostFunction that does not take ex4's seven arguments."""
        if name != "nnCostFunction" or not inspect.isfunction(obj) or fits(name, obj):
            return []
        names = positional(obj)
        why = "it takes its arguments as *args" if names is None else f"it takes {len(names)} arguments, not 7"
        return [f"{name}{_signature(obj)} does not match ex4's {SIGNATURE} ({why})"]

    def mistakes(self):
        return tuple(mistakes.entries())

    def strategy(self, model):
        from .strategy import cases_for

        return cases_for(model)


COURSE = NgCourse()


def _signature(fn) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"
