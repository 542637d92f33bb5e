"""Hypothesis strategies for the notes' network: ``welch_cases``, and the mixes the ``[hypothesis]`` item draws.

Imports hypothesis (only when a strategy is asked for: the course's hooks import this module lazily).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ...case import Case
from ...course import sigmoid
from ...draw import (
    changed,
    check_bool,
    check_bounds,
    check_positive,
    distinct_lines,
    drawn_case,
    grid_array,
    named_sizes,
    named_strategy,
    weight_bound,
)
from .model import DIMS, WELCH, WELCH_REG


def welch_cases(
    *,
    regularised: bool = False,
    min_examples: int = 1,
    max_examples: int = 5,
    min_inputs: int = 1,
    max_inputs: int = 4,
    min_hidden: int = 1,
    max_hidden: int = 5,
    min_outputs: int = 1,
    max_outputs: int = 3,
    distinct_dims: bool = True,
    max_abs_z: float = 4.0,
    min_lambda: float | None = None,
    max_lambda: float | None = None,
) -> st.SearchStrategy[Case]:
    """Networks of the notes' model (``welch``, or ``welch_reg`` with ``regularised=True``).

    Examples are rows: X is (numExamples, inputLayerSize), y is (numExamples, outputLayerSize)
    with targets in [0, 1], W1 is (inputLayerSize, hiddenLayerSize), W2 is (hiddenLayerSize,
    outputLayerSize). Every value is a multiple of 0.01.

    Args:
        regularised: draw ``welch_reg`` cases, with ``Lambda`` in [min_lambda, max_lambda].
        min_examples, max_examples: bounds on numExamples (m).
        min_inputs, max_inputs: bounds on inputLayerSize.
        min_hidden, max_hidden: bounds on hiddenLayerSize.
        min_outputs, max_outputs: bounds on outputLayerSize.
        distinct_dims: m, inputLayerSize, hiddenLayerSize and outputLayerSize differ from each
            other where the bounds allow (a transposed array then has the wrong shape).
        max_abs_z: every pre-activation z2, z3 lies in [-max_abs_z, max_abs_z], where the
            sigmoid is not saturated.
        min_lambda, max_lambda: bounds on Lambda, only with ``regularised=True`` (default 0.001
            to 0.1; Lambda is drawn with two significant digits).

    No two hidden units (nor two inputs, nor two outputs) share their weights: every row and
    every column of W1 and of W2 differs from the others.

    Example:
        >>> welch_cases(min_hidden=2, max_hidden=4).example().dims  # doctest: +SKIP
        {'numExamples': 1, 'inputLayerSize': 3, 'hiddenLayerSize': 2, 'outputLayerSize': 4}
    """
    shown = changed(welch_cases, locals())
    check_bool("regularised", regularised)
    ranges = [
        check_bounds("examples", min_examples, max_examples),
        check_bounds("inputs", min_inputs, max_inputs),
        check_bounds("hidden", min_hidden, max_hidden),
        check_bounds("outputs", min_outputs, max_outputs),
    ]
    check_bool("distinct_dims", distinct_dims)
    max_abs_z = check_positive("max_abs_z", max_abs_z)
    if not regularised and (min_lambda is not None or max_lambda is not None):
        given = "min_lambda" if min_lambda is not None else "max_lambda"
        value = min_lambda if min_lambda is not None else max_lambda
        raise ValueError(f"{given}={value!r} needs regularised=True; the unregularised model has no Lambda")
    min_lambda = check_positive("min_lambda", 0.001 if min_lambda is None else min_lambda, allow_zero=True)
    max_lambda = check_positive("max_lambda", 0.1 if max_lambda is None else max_lambda, allow_zero=True)
    if min_lambda > max_lambda:
        raise ValueError(f"min_lambda={min_lambda!r} is greater than max_lambda={max_lambda!r}")
    model = WELCH_REG if regularised else WELCH
    dims_strategy = named_sizes(DIMS, ranges, distinct_dims)

    def draw_case(draw, **_shown) -> Case:
        dims = draw(dims_strategy)
        m, n_in, hid, out = (dims[k] for k in DIMS)
        X = grid_array(draw, (m, n_in), 1.0)
        y = grid_array(draw, (m, out), 1.0, lo=0.0)
        W1 = grid_array(draw, (n_in, hid), weight_bound(n_in))
        W2 = grid_array(draw, (hid, out), weight_bound(hid))
        assume(distinct_lines(W1) and distinct_lines(W2))
        z2 = X @ W1
        assume(np.all(np.abs(z2) <= max_abs_z))
        assume(np.all(np.abs(sigmoid(z2) @ W2) <= max_abs_z))
        inputs = {"X": X, "y": y}
        if regularised:
            lam = float(f"{draw(st.floats(min_lambda, max_lambda)):.2g}")
            inputs["Lambda"] = np.float64(min(max(lam, min_lambda), max_lambda))
        return drawn_case(model, inputs, {"W1": W1, "W2": W2})

    return named_strategy(draw_case, "welch_cases", shown)




def cases_for(model) -> st.SearchStrategy[Case]:
    """The ``[hypothesis]`` item's networks: distinct dimensions (a transposed array has the wrong
    shape) mixed with small square ones, sizes 2 and 3 only, which catch code that orients its
    arrays by their shapes and so transposes only square ones."""
    reg = model.regularised
    square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_hidden=2, max_hidden=3,
                  min_outputs=2, max_outputs=3)
    return st.one_of(welch_cases(regularised=reg), welch_cases(regularised=reg, distinct_dims=False, **square))


def sized_cases(model, dims) -> st.SearchStrategy[Case]:
    """Networks with exactly the sizes ``dims`` (used to probe hard-wired code)."""
    m, n_in, hid, out = (dims[k] for k in DIMS)
    return welch_cases(regularised=model.regularised, distinct_dims=False, min_examples=m, max_examples=m,
                       min_inputs=n_in, max_inputs=n_in, min_hidden=hid, max_hidden=hid, min_outputs=out,
                       max_outputs=out)
