"""Hypothesis networks of ex4's model: rows are examples, labels one-hot, at least three of them.

Imports: hypothesis, numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.ng.model`,
:mod:`gradcheck.draw`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ...case import Case
from ...draw import (
    changed,
    check_bool,
    check_bounds,
    distinct_lines,
    drawn_case,
    grid_array,
    named_sizes,
    named_strategy,
    weight_bound,
)
from .model import NG_EX4


def ng_ex4_cases(
    *,
    min_examples: int = 1,
    max_examples: int = 5,
    max_inputs: int = 4,
    max_hidden: int = 4,
    min_labels: int = 3,
    max_labels: int = 5,
    distinct_dims: bool = True,
) -> st.SearchStrategy[Case]:
    """Networks of ex4's model (``ng_ex4``).

    X is (m, input_layer_size) in [-1, 1], Y one-hot (m, num_labels), Theta1 is
    (hidden_layer_size, input_layer_size + 1), Theta2 is (num_labels, hidden_layer_size + 1), on a
    grid of 0.01; ``lambda_`` is 0, 1 or 3 (ex4's own values); z3 within [-4, 4].

    Args:
        min_examples, max_examples: bounds on m.
        max_inputs, max_hidden: upper bounds on input_layer_size and hidden_layer_size.
        min_labels, max_labels: bounds on num_labels (ex4 lets code assume at least 3).
        distinct_dims: the sizes differ from each other where the bounds allow.
    """
    shown = changed(ng_ex4_cases, locals())
    examples = check_bounds("examples", min_examples, max_examples)
    inputs = check_bounds("inputs", 1, max_inputs)
    hidden = check_bounds("hidden", 1, max_hidden)
    labels = check_bounds("labels", min_labels, max_labels)
    check_bool("distinct_dims", distinct_dims)

    def draw_case(draw, **_shown) -> Case:
        names = ["m", "input_layer_size", "hidden_layer_size", "num_labels"]
        dims = draw(named_sizes(names, [examples, inputs, hidden, labels], distinct_dims))
        m, n, h, K = (dims[k] for k in names)
        X = grid_array(draw, (m, n), 1.0)
        y = draw(st.lists(st.integers(0, K - 1), min_size=m, max_size=m))
        T1 = grid_array(draw, (h, n + 1), weight_bound(n + 1))
        T2 = grid_array(draw, (K, h + 1), weight_bound(h + 1))
        assume(distinct_lines(T1[:, 1:]) and distinct_lines(T2[:, 1:]))
        lam = draw(st.sampled_from([0.0, 1.0, 3.0]))
        a2 = np.c_[np.ones(m), 1 / (1 + np.exp(-(np.c_[np.ones(m), X] @ T1.T)))]
        assume(np.all(np.abs(a2 @ T2.T) <= 4.0))
        return drawn_case(NG_EX4, {"X": X, "Y": np.eye(K)[y], "lambda_": np.float64(lam)},
                          {"Theta1": T1, "Theta2": T2})

    return named_strategy(draw_case, "ng_ex4_cases", shown)


def cases_for(model) -> st.SearchStrategy[Case]:
    """The ``[hypothesis]`` item's networks: distinct sizes mixed with small square ones."""
    return st.one_of(ng_ex4_cases(), ng_ex4_cases(distinct_dims=False, max_inputs=3, max_hidden=3, max_labels=3))
