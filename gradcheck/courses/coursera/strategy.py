"""Hypothesis strategies for the Coursera L-layer network: ``deep_cases``, and the mixes the ``[hypothesis]`` item draws.

Imports: hypothesis, numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.coursera.model`,
:mod:`gradcheck.draw`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ...case import Case
from ...draw import (
    changed,
    check_bool,
    check_bounds,
    check_int,
    check_positive,
    distinct_lines,
    drawn_case,
    grid_array,
    named_sizes,
    named_strategy,
    weight_bound,
)
from .model import DEEP, DEEP_REG, PLANAR


def deep_cases(
    *,
    layer_dims: Sequence[int] | None = None,
    min_layers: int | None = None,
    max_layers: int | None = None,
    min_inputs: int | None = None,
    max_inputs: int | None = None,
    min_width: int | None = None,
    max_width: int | None = None,
    min_outputs: int | None = None,
    max_outputs: int | None = None,
    min_examples: int = 1,
    max_examples: int = 5,
    distinct_dims: bool = True,
    max_abs_z: float = 4.0,
    relu_margin: float = 1e-3,
) -> st.SearchStrategy[Case]:
    """Networks of the Coursera L-layer model (``deep``): relu hidden layers, a sigmoid output.

    Examples are columns: X is (n0, m) in [-1, 1], Y is (nL, m) of 0/1 labels, W[l] is
    (n_l, n_{l-1}), b[l] is (n_l, 1). Every value is a multiple of 0.01.

    Args:
        layer_dims: fixed sizes (n0, n1, ..., nL); then only m, the weights and the data are
            drawn, and the layer and width bounds must be left out.
        min_layers, max_layers: bounds on L, the number of weight layers (default 1 to 3).
        min_inputs, max_inputs: bounds on n0 (default 1 to 4).
        min_width, max_width: bounds on the hidden widths n1 .. n(L-1) (default 1 to 5).
        min_outputs, max_outputs: bounds on nL (default 1 to 2).
        min_examples, max_examples: bounds on m.
        distinct_dims: m, n0, n1, ..., nL differ from each other where the bounds allow.
        max_abs_z: the output pre-activation Z[L] lies in [-max_abs_z, max_abs_z].
        relu_margin: every relu pre-activation Z[l], l < L, is at least this far from 0, so a
            finite difference never straddles the kink.

    No two units of a layer share their weights: every row and column of every W[l] differs
    from the others.
    """
    shown = changed(deep_cases, locals())
    if layer_dims is not None:
        given = {k: v for k, v in (("min_layers", min_layers), ("max_layers", max_layers),
                                   ("min_inputs", min_inputs), ("max_inputs", max_inputs),
                                   ("min_width", min_width), ("max_width", max_width),
                                   ("min_outputs", min_outputs), ("max_outputs", max_outputs)) if v is not None}
        if given:
            raise ValueError(f"layer_dims={layer_dims!r} fixes the sizes; leave out {', '.join(given)}")
        if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence):
            raise TypeError(f"layer_dims must be a sequence of sizes (n0, n1, ..., nL), not {layer_dims!r}")
        if len(layer_dims) < 2:
            raise ValueError(f"layer_dims={layer_dims!r} needs at least two sizes, (n0, n1)")
        fixed = tuple(check_int(f"layer_dims[{i}]", n) for i, n in enumerate(layer_dims))
        layer_ranges = None
    else:
        fixed = None
        layer_ranges = (
            check_bounds("layers", 1 if min_layers is None else min_layers, 3 if max_layers is None else max_layers),
            check_bounds("inputs", 1 if min_inputs is None else min_inputs, 4 if max_inputs is None else max_inputs),
            check_bounds("width", 1 if min_width is None else min_width, 5 if max_width is None else max_width),
            check_bounds("outputs", 1 if min_outputs is None else min_outputs, 2 if max_outputs is None else max_outputs),
        )
    m_range = check_bounds("examples", min_examples, max_examples)
    check_bool("distinct_dims", distinct_dims)
    max_abs_z = check_positive("max_abs_z", max_abs_z)
    relu_margin = check_positive("relu_margin", relu_margin, allow_zero=True)
    model = DEEP

    def draw_case(draw, **_shown) -> Case:
        if fixed is not None:
            sizes = {f"n{l}": n for l, n in enumerate(fixed)}
            values = list(range(m_range[0], m_range[1] + 1))
            if distinct_dims:
                values = [v for v in values if v not in fixed] or values
            dims = {"m": draw(st.sampled_from(values)), **sizes}
        else:
            (l_lo, l_hi), n0_range, width_range, out_range = layer_ranges
            L = draw(st.integers(l_lo, l_hi))
            names = ["m", "n0"] + [f"n{l}" for l in range(1, L)] + [f"n{L}"]
            ranges = [m_range, n0_range] + [width_range] * (L - 1) + [out_range]
            dims = draw(named_sizes(names, ranges, distinct_dims))
        L = len(dims) - 2
        n = [dims[f"n{l}"] for l in range(L + 1)]
        m = dims["m"]
        X = grid_array(draw, (n[0], m), 1.0)
        Y = np.array(draw(st.lists(st.integers(0, 1), min_size=n[L] * m, max_size=n[L] * m)),
                     dtype=np.float64).reshape(n[L], m)
        params: dict[str, np.ndarray] = {}
        A = X
        for l in range(1, L + 1):
            W = grid_array(draw, (n[l], n[l - 1]), weight_bound(n[l - 1]))
            b = grid_array(draw, (n[l], 1), 0.5)
            assume(distinct_lines(W))
            Z = W @ A + b
            if l < L:
                assume(np.all(np.abs(Z) >= relu_margin))
                A = np.maximum(Z, 0.0)
            else:
                assume(np.all(np.abs(Z) <= max_abs_z))
            params[f"W{l}"], params[f"b{l}"] = W, b
        return drawn_case(model, {"X": X, "Y": Y}, params)

    return named_strategy(draw_case, "deep_cases", shown)




def cases_for(model) -> st.SearchStrategy[Case]:
    """The ``[hypothesis]`` item's networks: distinct dimensions mixed with small square ones."""
    square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_width=2, max_width=3,
                  min_outputs=1, max_outputs=2)
    return st.one_of(deep_cases(), deep_cases(distinct_dims=False, **square))


def single_output_cases() -> st.SearchStrategy[Case]:
    """The ``[hypothesis]`` networks for the older C1W4 template, which asserts ``AL.shape == (1, m)``:
    its contract is one output unit, so every drawn network has nL = 1."""
    square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_width=2, max_width=3)
    return st.one_of(deep_cases(min_outputs=1, max_outputs=1),
                     deep_cases(distinct_dims=False, min_outputs=1, max_outputs=1, **square))


def three_layer_cases() -> st.SearchStrategy[Case]:
    """Three-layer networks only: the course's gradient-checking pair is written for exactly three."""
    square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_width=2, max_width=3)
    return st.one_of(deep_cases(min_layers=3, max_layers=3),
                     deep_cases(min_layers=3, max_layers=3, distinct_dims=False, **square))


def sized_cases(model, dims) -> st.SearchStrategy[Case]:
    """Networks with exactly the sizes ``dims`` (used to probe hard-wired code)."""
    L = len(dims) - 2
    return deep_cases(layer_dims=[dims[f"n{l}"] for l in range(L + 1)], min_examples=dims["m"],
                      max_examples=dims["m"], distinct_dims=False)


def planar_cases(*, min_examples: int = 1, max_examples: int = 5, max_hidden: int = 5,
                 distinct_dims: bool = True) -> st.SearchStrategy[Case]:
    """Networks of C1W3's planar model (``planar``): n_x inputs, a tanh hidden layer of n_h units, one
    sigmoid output unit (the course's binary labels, Y is (1, m)); examples are columns, values on a
    grid of 0.01, Z2 within [-4, 4]."""
    shown = changed(planar_cases, locals())
    m_range = check_bounds("examples", min_examples, max_examples)
    hidden = check_bounds("hidden", 1, max_hidden)
    check_bool("distinct_dims", distinct_dims)

    def draw_case(draw, **_shown) -> Case:
        dims = draw(named_sizes(["m", "n_x", "n_h"], [m_range, (1, 3), hidden], distinct_dims))
        m, n_x, n_h = dims["m"], dims["n_x"], dims["n_h"]
        X = grid_array(draw, (n_x, m), 1.0)
        Y = np.array(draw(st.lists(st.integers(0, 1), min_size=m, max_size=m)), dtype=np.float64).reshape(1, m)
        W1 = grid_array(draw, (n_h, n_x), weight_bound(n_x))
        assume(distinct_lines(W1))
        b1 = grid_array(draw, (n_h, 1), 0.5)
        W2 = grid_array(draw, (1, n_h), weight_bound(n_h))
        b2 = grid_array(draw, (1, 1), 0.5)
        Z2 = W2 @ np.tanh(W1 @ X + b1) + b2
        assume(np.all(np.abs(Z2) <= 4.0))
        return drawn_case(PLANAR, {"X": X, "Y": Y}, {"W1": W1, "b1": b1, "W2": W2, "b2": b2})

    return st.one_of(named_strategy(draw_case, "planar_cases", shown))


#: The course's own regularisation strength (C2W1, "Regularization": lambd = 0.7).
LAMBD = 0.7


def regularised_cases(lambd: float = LAMBD) -> st.SearchStrategy[Case]:
    """C2W1's three-layer networks with the L2 term (``deep_reg``): :func:`three_layer_cases` with ``lambd``."""
    lambd = check_positive("lambd", lambd)
    return three_layer_cases().map(
        lambda case: drawn_case(DEEP_REG, {**case.inputs, "lambd": np.float64(lambd)}, case.params))


#: The course's keep_prob in C2W1's dropout notebook.
KEEP_PROB = 0.86


def dropout_cases(keep_prob: float = KEEP_PROB) -> st.SearchStrategy[Case]:
    """C2W1's three-layer networks with dropout (``deep_dropout``): :func:`three_layer_cases` with the
    course's masks for their sizes (``np.random.seed(1)``) and ``keep_prob``."""
    from .model import DEEP_DROPOUT, course_masks

    keep_prob = check_positive("keep_prob", keep_prob)

    def with_masks(case):
        dims = case.dims
        D1, D2 = course_masks(dims["n1"], dims["n2"], dims["m"], keep_prob)
        return drawn_case(DEEP_DROPOUT, {**case.inputs, "keep_prob": np.float64(keep_prob), "D1": D1, "D2": D2},
                          case.params)

    return three_layer_cases().map(with_masks)


def warm_up_cases() -> st.SearchStrategy[Case]:
    """C2W1's 1-D warm-up (``gc_1d``): x and theta numbers on a grid of 0.01 in [-4, 4]."""
    from ...draw import scalar
    from .model import WARM_UP

    @st.composite
    def draw_case(draw):
        return drawn_case(WARM_UP, {"x": scalar(draw, -4.0, 4.0)}, {"theta": scalar(draw, -4.0, 4.0)})

    return draw_case()
