"""Hypothesis networks of Nielsen's model: a sizes list ``[n0, ..., nL]``, one example ``(x, y)``.

Imports: hypothesis, numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.nielsen.model`,
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
    check_positive,
    distinct_lines,
    drawn_case,
    grid_array,
    named_sizes,
    named_strategy,
    weight_bound,
)
from .model import NIELSEN, NIELSEN_CE, b, w


def nielsen_cases(
    *,
    cross_entropy: bool = False,
    min_layers: int = 1,
    max_layers: int = 3,
    min_width: int = 1,
    max_width: int = 4,
    distinct_dims: bool = True,
    max_abs_z: float = 4.0,
) -> st.SearchStrategy[Case]:
    """Networks of Nielsen's model (``nielsen``, or ``nielsen_ce`` with ``cross_entropy``).

    One example as column vectors: x is (n0, 1) in [-1, 1], y is (nL, 1) of 0/1 labels (the book's
    one-hot digits), weights[l] is (n{l+1}, n{l}), biases[l] is (n{l+1}, 1), on a grid of 0.01.

    Args:
        cross_entropy: draw ``nielsen_ce`` (network2.py's CrossEntropyCost) instead of ``nielsen``.
        min_layers, max_layers: bounds on L, the number of weight layers (len(sizes) - 1).
        min_width, max_width: bounds on every size n0 .. nL.
        distinct_dims: the sizes differ from each other where the bounds allow.
        max_abs_z: every pre-activation lies in [-max_abs_z, max_abs_z] (the sigmoid not saturated).
    """
    shown = changed(nielsen_cases, locals())
    check_bool("cross_entropy", cross_entropy)
    layers = check_bounds("layers", min_layers, max_layers)
    width = check_bounds("width", min_width, max_width)
    check_bool("distinct_dims", distinct_dims)
    max_abs_z = check_positive("max_abs_z", max_abs_z)
    model = NIELSEN_CE if cross_entropy else NIELSEN

    def draw_case(draw, **_shown) -> Case:
        L = draw(st.integers(*layers))
        names = [f"n{l}" for l in range(L + 1)]
        dims = draw(named_sizes(names, [width] * (L + 1), distinct_dims))
        n = [dims[k] for k in names]
        x = grid_array(draw, (n[0], 1), 1.0)
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=n[L], max_size=n[L])), dtype=np.float64).reshape(n[L], 1)
        params: dict[str, np.ndarray] = {}
        a = x
        for l in range(L):
            W = grid_array(draw, (n[l + 1], n[l]), weight_bound(n[l]))
            bias = grid_array(draw, (n[l + 1], 1), 0.5)
            assume(distinct_lines(W))
            z = W @ a + bias
            assume(np.all(np.abs(z) <= max_abs_z))
            a = 1 / (1 + np.exp(-z))
            params[w(l)], params[b(l)] = W, bias
        return drawn_case(model, {"x": x, "y": y}, params)

    return named_strategy(draw_case, "nielsen_cases", shown)


def cases_for(model) -> st.SearchStrategy[Case]:
    """The ``[hypothesis]`` item's networks: distinct sizes mixed with small square ones."""
    ce = bool(model.cross_entropy)  # not `is NIELSEN_CE`: this module may be imported anew after the course
    return st.one_of(nielsen_cases(cross_entropy=ce),
                     nielsen_cases(cross_entropy=ce, distinct_dims=False, min_width=2, max_width=3))
