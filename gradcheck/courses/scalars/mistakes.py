"""The scalar chains' catalog of known mistakes (seed 001: da(L)/dw taken as a(L) instead of a(L−1)).

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Mistake


def _chain_output(ctx):
    a0, t = ctx.inputs["a0"], ctx.inputs["target"]
    if "w" in ctx.params:  # one layer
        a1 = a0 * ctx.params["w"]
        return [{"w": np.float64(a1 * 2 * (a1 - t))}]
    w1, w2 = ctx.params["w1"], ctx.params["w2"]
    a1, a2 = a0 * w1, a0 * w1 * w2
    return [{"w1": np.float64(a1 * w2 * 2 * (a2 - t)), "w2": np.float64(a2 * 2 * (a2 - t))},
            {"w2": np.float64(a2 * 2 * (a2 - t))}]


def entries() -> list[Mistake]:
    return [
        Mistake("chain/da-dw-is-output", ("chain", "chain2"),
                "da(L)/dw is taken as a(L), the layer's output, instead of its input a(L-1) (seed 001).",
                "da(L)/dw(L) = a(L-1): for a1 = a0 * w, dC/dw = a0 * 2(a1 - target).",
                _chain_output),
    ]
