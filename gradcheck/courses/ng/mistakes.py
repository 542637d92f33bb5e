"""The catalog of ex4: mistakes students make in the regularised gradient of ``nnCostFunction``.

Each entry computes what the wrong code returns from a case's reference gradients (``ctx.grads``),
by parameter name (``Theta1``, ``Theta2``). They differ from the right answer only when
``lambda_`` is not 0, and only in the regularisation or the bias column.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Mistake

MODELS = ("ng_ex4",)
THETAS = ("Theta1", "Theta2")


def _changed(ctx, change, which=THETAS):
    """The reference gradients with ``change(grad, theta, lambda_, m)`` applied to the Thetas in ``which``."""
    grads = {k: np.array(v, dtype=float) for k, v in ctx.grads.items()}
    lam, m = float(ctx.inputs["lambda_"]), ctx.inputs["X"].shape[0]
    for k in which:
        grads[k] = change(grads[k], np.asarray(ctx.params[k], dtype=float), lam, m)
    return grads


def _bias_regularised(g, theta, lam, m):
    g = g.copy()
    g[:, 0] += lam / m * theta[:, 0]
    return g


def _reg_without_1_over_m(g, theta, lam, m):
    g = g.copy()
    g[:, 1:] += (lam - lam / m) * theta[:, 1:]
    return g


def _bias_column_dropped(g, theta, lam, m):
    g = g.copy()
    g[:, 0] = 0.0
    return g


def _variants(ctx, change):
    return [_changed(ctx, change, which) for which in (THETAS, ("Theta1",), ("Theta2",))]


def entries() -> list[Mistake]:
    return [
        Mistake("ng_ex4/bias-column-regularised", MODELS,
                "the bias column (column 0) of Theta is regularised: lambda_/m * Theta was added to every column, "
                "the bias unit's weights too.",
                "Theta1_grad[:, 1:] += lambda_/m * Theta1[:, 1:] (and Theta2 alike): ex4's regularisation skips "
                "the first column (ex4.pdf, 2.5 Regularized Neural Networks).",
                lambda ctx: _variants(ctx, _bias_regularised)),
        Mistake("ng_ex4/regularisation-without-1-over-m", MODELS,
                "the regularisation term of the gradient lacks the 1/m: lambda_ * Theta instead of lambda_/m * Theta.",
                "Theta_grad = (1/m) Delta + (lambda_/m) Theta, the bias column excepted (the derivative of "
                "lambda_/(2m) sum Theta[:, 1:]**2).",
                lambda ctx: _variants(ctx, _reg_without_1_over_m)),
        Mistake("ng_ex4/bias-column-dropped-from-gradient", MODELS,
                "the gradient's bias column (column 0) is left at zero: only Theta_grad[:, 1:] was filled in.",
                "Theta1_grad = (1/m) d2.T @ a1 with a1's column of ones, so column 0 is (1/m) sum of d2; only "
                "the regularisation skips it.",
                lambda ctx: _variants(ctx, _bias_column_dropped)),
    ]
