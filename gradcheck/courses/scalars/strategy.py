"""Hypothesis strategies for the scalar networks: ``chain_cases`` and ``scalar_net_cases``.

Imports: hypothesis; :mod:`gradcheck.case`, :mod:`gradcheck.course`,
:mod:`gradcheck.courses.scalars.model`, :mod:`gradcheck.draw`.
"""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from ...case import Case
from ...course import sigmoid
from ...draw import (
    changed,
    check_positive,
    drawn_case,
    named_strategy,
    scalar,
)
from .model import CHAIN, CHAIN2, SCALAR_NET


def chain_cases(*, layers: int = 1, max_abs_value: float = 10.0) -> st.SearchStrategy[Case]:
    """The scalar chain of seed 001: ``chain`` (``layers=1``) or ``chain2`` (``layers=2``).

    a0, the weights and the target are multiples of 0.01 in [-max_abs_value, max_abs_value].
    """
    shown = changed(chain_cases, locals())
    if isinstance(layers, bool) or layers not in (1, 2):
        raise ValueError(f"layers={layers!r} must be 1 (model chain) or 2 (model chain2)")
    bound = check_positive("max_abs_value", max_abs_value)
    model = CHAIN if layers == 1 else CHAIN2

    def draw_case(draw, **_shown) -> Case:
        inputs = {"a0": scalar(draw, -bound, bound), "target": scalar(draw, -bound, bound)}
        names = ("w",) if layers == 1 else ("w1", "w2")
        return drawn_case(model, inputs, {k: scalar(draw, -bound, bound) for k in names})

    return named_strategy(draw_case, "chain_cases", shown)


def scalar_net_cases(*, max_abs_z: float = 4.0) -> st.SearchStrategy[Case]:
    """The scalar net of seed 002's answer (``scalar_net``): x in [-2, 2], d in [0, 1], w1, w2 in [-3, 3].

    Both pre-activations p1 = w1·x and p2 = w2·f(p1) lie in [-max_abs_z, max_abs_z].
    """
    shown = changed(scalar_net_cases, locals())
    max_abs_z = check_positive("max_abs_z", max_abs_z)
    model = SCALAR_NET

    def draw_case(draw, **_shown) -> Case:
        x, d = scalar(draw, -2.0, 2.0), scalar(draw, 0.0, 1.0)
        w1, w2 = scalar(draw, -3.0, 3.0), scalar(draw, -3.0, 3.0)
        assume(abs(w1 * x) <= max_abs_z and abs(w2 * sigmoid(w1 * x)) <= max_abs_z)
        return drawn_case(model, {"x": x, "d": d}, {"w1": w1, "w2": w2})

    return named_strategy(draw_case, "scalar_net_cases", shown)
