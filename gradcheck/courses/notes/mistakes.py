"""The notes' catalog of known mistakes, and the backward pass's steps for localisation (DESIGN §8).

Each entry computes what the wrong code returns, as a function of the reference forward pass of a
case (``ctx.fw``, ``ctx.inputs``, ``ctx.params``); the diagnosis names the entry the student's
answer reproduces. The formulas quote the notes (seed 000): Q6, Q11, Q15, Q17, eq. 5.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Mistake, sigmoid, sigmoid_prime


def _welch(ctx, *, delta3=None, fp3=None, fp2=None, scale=None, reg=None) -> dict[str, np.ndarray]:
    """The notes' backward pass with one piece replaced."""
    X, y, W2 = ctx.inputs["X"], ctx.inputs["y"], ctx.params["W2"]
    fw, m = ctx.fw, X.shape[0]
    regularised = ctx.model.regularised
    s = (1.0 / m if regularised else 1.0) if scale is None else scale
    d3 = (-(y - fw["yHat"]) * (sigmoid_prime(fw["z3"]) if fp3 is None else fp3)) if delta3 is None else delta3
    d3 = d3 * s
    d2 = (d3 @ W2.T) * (sigmoid_prime(fw["z2"]) if fp2 is None else fp2)
    grads = {"W1": X.T @ d2, "W2": fw["a2"].T @ d3}
    lam = ctx.inputs.get("Lambda", 0.0) if reg is None else reg
    if regularised:
        grads = {k: g + lam * ctx.params[k] for k, g in grads.items()}
    return grads


def entries() -> list[Mistake]:
    f, fp = sigmoid, sigmoid_prime

    def q11(ctx):
        return [{"W2": ctx.fw["a2"].T}]

    def one_of(*variants):
        return lambda ctx: [v(ctx) for v in variants]

    return [
        Mistake("welch/dJdW2-without-delta3", ("welch", "welch_reg"),
                "dJdW2 is (a2)^T, which is dz3/dW2: delta3 was dropped (the notes' own Q11 answer).",
                "dJdW2 = (a2)^T . delta3 (notes Q15).", q11),
        Mistake("welch/delta3-without-fprime", ("welch", "welch_reg"),
                "delta3 is -(y - yHat) without the factor f'(z3).",
                "delta3 = -(y - yHat) * f'(z3) (notes Q6).",
                lambda ctx: [_welch(ctx, fp3=1.0)]),
        Mistake("welch/f-instead-of-fprime", ("welch", "welch_reg"),
                "f(z) is used where f'(z) belongs.",
                "use f'(z) = e^(-z) / (1 + e^(-z))^2 (notes Q6).",
                one_of(lambda ctx: _welch(ctx, fp3=f(ctx.fw["z3"]), fp2=f(ctx.fw["z2"])),
                       lambda ctx: _welch(ctx, fp3=f(ctx.fw["z3"])),
                       lambda ctx: _welch(ctx, fp2=f(ctx.fw["z2"])))),
        Mistake("welch/fprime-of-activation", ("welch", "welch_reg"),
                "f' is applied to an activation (a2 or yHat) instead of a pre-activation (z2 or z3), "
                "or a(1 - a) is taken of z.",
                "f'(z3) and f'(z2), or equivalently yHat(1 - yHat) and a2(1 - a2) (notes Q6, Q17).",
                one_of(lambda ctx: _welch(ctx, fp3=fp(ctx.fw["yHat"]), fp2=fp(ctx.fw["a2"])),
                       lambda ctx: _welch(ctx, fp3=fp(ctx.fw["yHat"])),
                       lambda ctx: _welch(ctx, fp2=fp(ctx.fw["a2"])),
                       lambda ctx: _welch(ctx, fp3=ctx.fw["z3"] * (1 - ctx.fw["z3"]), fp2=ctx.fw["z2"] * (1 - ctx.fw["z2"])),
                       lambda ctx: _welch(ctx, fp2=ctx.fw["z2"] * (1 - ctx.fw["z2"])))),
        Mistake("welch/delta2-fprime-of-z3", ("welch", "welch_reg"),
                "delta2 uses f'(z3) instead of f'(z2).",
                "delta2 = delta3 . W2^T * f'(z2) (notes Q17).",
                lambda ctx: [_welch(ctx, fp2=fp(ctx.fw["z3"]))]),
        Mistake("welch/delta2-without-fprime", ("welch", "welch_reg"),
                "delta2 is delta3 . W2^T without the factor f'(z2).",
                "delta2 = delta3 . W2^T * f'(z2) (notes Q17).",
                lambda ctx: [_welch(ctx, fp2=1.0)]),
        Mistake("welch/divided-by-m", ("welch", "welch_reg"),
                "the gradients are divided by numExamples, but the notes' J is a sum, not a mean.",
                "drop the 1/numExamples: J = sum 1/2 (y - yHat)^2 (notes eq. 5).",
                lambda ctx: [_welch(ctx, scale=1.0 / ctx.inputs["X"].shape[0])]),
        Mistake("welch/reg-missing-1/m", ("welch_reg",),
                "the data term of the regularised gradient is not divided by numExamples.",
                "dJdW = (a2^T . delta3) / numExamples + Lambda * W.",
                lambda ctx: [_welch(ctx, scale=1.0)]),
        Mistake("welch/reg-term-missing", ("welch_reg",),
                "the regularisation term Lambda * W is missing from the gradient.",
                "add Lambda * W1 to dJdW1 and Lambda * W2 to dJdW2.",
                lambda ctx: [_welch(ctx, reg=0.0)]),
        Mistake("welch/reg-term-doubled", ("welch_reg",),
                "the regularisation term is 2 * Lambda * W: the 1/2 of (Lambda/2) sum W^2 was lost.",
                "the derivative of (Lambda/2) sum W^2 is Lambda * W.",
                lambda ctx: [_welch(ctx, reg=2.0 * ctx.inputs["Lambda"])]),
    ]


STEPS = [
    ("z2", "forward", "z2 = X . W1 (notes eq. 1)"),
    ("a2", "forward", "a2 = f(z2) (notes eq. 2)"),
    ("z3", "forward", "z3 = a2 . W2 (notes eq. 3)"),
    ("yHat", "forward", "yHat = f(z3) (notes eq. 4)"),
    ("delta3", "inter", "delta3 = -(y - yHat) * f'(z3) (notes Q6)"),
    ("W2", "grad", "dJdW2 = (a2)^T . delta3 (notes Q15)"),
    ("delta2", "inter", "delta2 = delta3 . W2^T * f'(z2) (notes Q17)"),
    ("W1", "grad", "dJdW1 = X^T . delta2 (notes Q17)"),
]
