"""Hypothesis sizes for CS231n's nets: the constructor's size arguments, and N, drawn small.

CS231n has no reference model, so what is drawn is not a network but the sizes a class is built
with (``TwoLayerNet(input_dim=2, hidden_dim=3, num_classes=2)``) and the number of examples N; the
net's own loss judges its gradients there (:class:`gradcheck.courses.cs231n.nets.Net`'s
``[hypothesis]`` item). Code hard-wired to one size (a ``3072``, a ``range(2)`` over the layers, a
``/ 6`` for the batch) passes at the fixed sizes of the other items and fails on some draw, which
Hypothesis shrinks to the smallest.

Imports: hypothesis; :mod:`gradcheck.draw`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from ...draw import check_bool, check_bounds, check_int

#: The size arguments each kind of size is known by in CS231n's constructors.
INPUTS = ("input_dim", "input_size", "D")
HIDDEN = ("hidden_dim", "hidden_size", "H")
CLASSES = ("num_classes", "output_size", "output_dim", "C")
KNOWN = (*INPUTS, *HIDDEN, *CLASSES, "hidden_dims", "num_filters", "filter_size")


def cs231n_sizes(
    arguments: Iterable[str],
    *,
    image: bool = False,
    min_width: int = 1,
    max_width: int = 5,
    max_hidden_layers: int = 3,
    max_examples: int = 6,
) -> st.SearchStrategy[dict[str, Any]]:
    """Constructor sizes for the ``arguments`` a CS231n net takes, and ``"N"``, the number of examples.

    Args:
        arguments: the constructor's argument names; those of :data:`KNOWN` are drawn, others left out.
        image: ``input_dim`` is ``(C, H, W)`` (a conv net): C in 1..3, H and W even in 2..4 (a 2x2
            pool halves them); ``filter_size`` is odd, 1..5 (``pad = (filter_size - 1) // 2`` keeps H, W).
        min_width, max_width: bounds on every other size (``num_classes`` at least 2).
        max_hidden_layers: ``hidden_dims`` is a list of 1 to this many widths.
        max_examples: N is 1 to this many.

    Example:
        >>> cs231n_sizes(["input_dim", "hidden_dim", "num_classes"]).example()  # doctest: +SKIP
        {'input_dim': 2, 'hidden_dim': 4, 'num_classes': 3, 'N': 1}
    """
    arguments = [a for a in arguments if a in KNOWN]
    check_bool("image", image)
    lo, hi = check_bounds("width", min_width, max_width)
    layers = check_int("max_hidden_layers", max_hidden_layers)
    n = check_int("max_examples", max_examples)
    width = st.integers(lo, hi)
    drawn: dict[str, st.SearchStrategy] = {}
    for a in arguments:
        if a in INPUTS and image:
            drawn[a] = st.tuples(st.integers(1, 3), st.sampled_from((2, 4)), st.sampled_from((2, 4)))
        elif a in CLASSES:
            drawn[a] = st.integers(max(lo, 2), max(hi, 2))
        elif a == "hidden_dims":
            drawn[a] = st.lists(width, min_size=1, max_size=layers)
        elif a == "num_filters":
            drawn[a] = st.integers(lo, min(hi, 3))
        elif a == "filter_size":
            drawn[a] = st.sampled_from((1, 3, 5))
        else:
            drawn[a] = width
    drawn["N"] = st.integers(1, n)
    return st.fixed_dictionaries(drawn)
