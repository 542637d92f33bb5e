"""Nielsen's *Neural Networks and Deep Learning* (network.py, network2.py): one example as a column.

Models ``nielsen`` (the quadratic cost) and ``nielsen_ce`` (network2.py's CrossEntropyCost)
(:mod:`.model`); seeded asymmetric cases (the book publishes no worked gradients); the readers'
``Network(sizes)`` with ``backprop(x, y)`` (:mod:`.conventions`); the catalog (:mod:`.mistakes`);
Hypothesis networks (:mod:`.strategy`).

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.course`, this folder's modules. When first
needed: :mod:`gradcheck.courses.nielsen.strategy`.
"""

from __future__ import annotations

import inspect

import numpy as np

from ...case import make_case
from ...course import Course
from . import mistakes
from .conventions import SIGNATURE, NielsenNetwork, backprop_params, cost_classes, is_network_class, model_of_cost
from .model import NIELSEN, NIELSEN_CE, b, n_layers, w

#: The seeded cases' sizes: every size distinct, and a deeper net with a repeated width.
_SIZES = {"nielsen-distinct-dims": (3, 4, 2), "nielsen-four-layers": (2, 3, 3, 4, 1)}


class NielsenCourse(Course):
    name = "nielsen"
    title = "Nielsen's Neural Networks and Deep Learning: sigmoid layers, one example as a column (nielsen)"
    models = (NIELSEN, NIELSEN_CE)
    conventions = (
        f"Nielsen's network.py: Network(sizes) with lists weights, biases and {SIGNATURE}, the quadratic cost",
        "Nielsen's network2.py: Network(sizes, cost=QuadraticCost or CrossEntropyCost), cost classes with "
        "static fn(a, y) and delta(z, a, y)",
    )

    def derived_cases(self, seed):
        """Seeded asymmetric networks for each model (the book has no published gradients)."""
        out = []
        for model in self.models:
            rng = np.random.default_rng([seed, 7, int(model.cross_entropy)])
            for name, sizes in _SIZES.items():
                params = {}
                for l in range(len(sizes) - 1):
                    params[w(l)] = rng.standard_normal((sizes[l + 1], sizes[l]))
                    params[b(l)] = rng.standard_normal((sizes[l + 1], 1))
                y = np.zeros((sizes[-1], 1))
                y[rng.integers(sizes[-1])] = 1.0
                inputs = {"x": rng.uniform(-1, 1, (sizes[0], 1)), "y": y}
                suffix = "-ce" if model.cross_entropy else ""
                out.append(make_case(model, inputs, params, name=name + suffix))
        return out

    def recognise(self, module, name, obj):
        if not is_network_class(obj):
            return []
        try:
            takes_cost = "cost" in inspect.signature(obj.__init__).parameters
        except (TypeError, ValueError):
            takes_cost = False
        costs = cost_classes(module) if takes_cost else []
        found = []
        for cost in costs:
            model = model_of_cost(cost[1])
            if model is not None:
                found.append(NielsenNetwork(f"{name}.{cost[0]}", obj, model, cost))
        return found or [NielsenNetwork(name, obj)]

    def near_misses(self, module, name, obj):
        """A ``backprop`` taking (x, y, ...) that is not Network(sizes).backprop(self, x, y)."""
        expected = f"Nielsen's Network(sizes).{SIGNATURE}"
        if inspect.isfunction(obj) and name == "backprop" and (backprop_params(obj) or [])[:2] == ["x", "y"]:
            return [f"{name}{_signature(obj)} does not match {expected} (a method of the network, one example)"]
        if inspect.isclass(obj) and callable(getattr(obj, "backprop", None)) and not is_network_class(obj):
            return [f"{name}.backprop{_signature(obj.backprop)} with {name}{_signature(obj.__init__)} does not "
                    f"match {expected}"]
        return []

    def mistakes(self):
        return tuple(mistakes.entries())

    def steps(self, model, dims):
        return mistakes.steps(n_layers(dims), model.cross_entropy)

    def strategy(self, model):
        from .strategy import cases_for

        return cases_for(model)


COURSE = NielsenCourse()


def _signature(fn) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"
