"""The Coursera network's catalog of known mistakes, and its backward pass's steps for localisation.

Entries follow seed 002 (the question about dA[L], g(dA) for dZ, dZ·dAᵀ for dW, an extra 1/m on
dA[l−1]) and the course's gradient-checking notebook; each computes what the wrong code returns
from the reference forward pass of a case.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Mistake, sigmoid


def _deep(ctx, *, dAL=None, dZ_hidden=None, dZ_last=None, dW=None, db=None, dA_prev=None):
    """The course's backward pass with one piece replaced; returns grads by parameter."""
    fw, params = ctx.fw, ctx.params
    Y = ctx.inputs["Y"].reshape(1, -1) if ctx.inputs["Y"].ndim == 1 else ctx.inputs["Y"]
    L = sum(1 for k in params if k.startswith("W"))
    m = ctx.inputs["X"].shape[1]
    AL = fw[f"A{L}"]
    dA = -(Y / AL - (1 - Y) / (1 - AL)) if dAL is None else dAL(AL, Y)
    grads = {}
    for l in range(L, 0, -1):
        Z = fw[f"Z{l}"]
        if l == L:
            dZ = dA * AL * (1 - AL) if dZ_last is None else dZ_last(dA, Z)
        else:
            dZ = dA * (Z > 0) if dZ_hidden is None else dZ_hidden(dA, Z)
        A_prev = fw[f"A{l - 1}"]
        grads[f"W{l}"] = dZ @ A_prev.T / m if dW is None else dW(dZ, A_prev, dA, m)
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m if db is None else db(dZ, m)
        dA = params[f"W{l}"].T @ dZ if dA_prev is None else dA_prev(params[f"W{l}"], dZ, m)
    return grads


def entries() -> list[Mistake]:
    return [
        Mistake("deep/dAL-denominator", ("deep",),
                "dA[L] is -(Y/A - (1-Y)/A): the second denominator must be 1 - A (the question in seed 002).",
                "dA[L] = -(Y/A[L] - (1 - Y)/(1 - A[L])).",
                lambda ctx: [_deep(ctx, dAL=lambda A, Y: -(Y / A - (1 - Y) / A))]),
        Mistake("deep/dZ-activation-of-dA", ("deep",),
                "dZ is the activation applied to dA, g(dA), instead of dA * g'(Z) (seed 002).",
                "dZ[l] = dA[l] * g'(Z[l]); for the sigmoid output this gives dZ[L] = A[L] - Y.",
                lambda ctx: [_deep(ctx, dZ_last=lambda dA, Z: sigmoid(dA), dZ_hidden=lambda dA, Z: np.maximum(dA, 0.0)),
                             _deep(ctx, dZ_hidden=lambda dA, Z: np.maximum(dA, 0.0))]),
        Mistake("deep/dW-uses-dA", ("deep",),
                "dW is computed as dZ . dA^T instead of dZ . A[l-1]^T (seed 002).",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T.",
                lambda ctx: [_deep(ctx, dW=lambda dZ, A_prev, dA, m: dZ @ dA.T / m)]),
        Mistake("deep/dA-prev-extra-1/m", ("deep",),
                "dA[l-1] carries an extra 1/m (seed 002); only dW and db are averaged.",
                "dA[l-1] = W[l]^T . dZ[l].",
                lambda ctx: [_deep(ctx, dA_prev=lambda W, dZ, m: W.T @ dZ / m)]),
        Mistake("deep/dW-missing-1/m", ("deep",),
                "dW lacks the 1/m of the mean cost.",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T.",
                lambda ctx: [_deep(ctx, dW=lambda dZ, A_prev, dA, m: dZ @ A_prev.T)]),
        Mistake("deep/db-missing-1/m", ("deep",),
                "db lacks the 1/m of the mean cost.",
                "db[l] = (1/m) sum over columns of dZ[l] (axis=1, keepdims=True).",
                lambda ctx: [_deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=1, keepdims=True))]),
        Mistake("deep/db-wrong-axis", ("deep",),
                "db sums dZ over the wrong axis (over units instead of over examples).",
                "db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True): examples are columns.",
                lambda ctx: [_deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=0, keepdims=True) / m),
                             _deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=0) / m),
                             _deep(ctx, db=lambda dZ, m: np.sum(dZ, keepdims=True) / m)]),
        Mistake("deep/relu-backward-mask-only", ("deep",),
                "relu_backward returns the mask Z > 0 without multiplying by dA.",
                "dZ = dA * (Z > 0).",
                lambda ctx: [_deep(ctx, dZ_hidden=lambda dA, Z: (Z > 0) * 1.0)]),
    ]


def _planar(ctx, *, tanh_prime=None):
    """C1W3's backward pass with tanh's derivative replaced; returns grads by parameter."""
    fw, params, X, Y = ctx.fw, ctx.params, ctx.inputs["X"], ctx.inputs["Y"]
    m = X.shape[1]
    dZ2 = fw["A2"] - Y
    A1 = fw["A1"]
    dZ1 = (params["W2"].T @ dZ2) * (1 - A1 ** 2 if tanh_prime is None else tanh_prime(A1, fw["Z1"]))
    return {"W1": dZ1 @ X.T / m, "b1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "W2": dZ2 @ A1.T / m, "b2": np.sum(dZ2, axis=1, keepdims=True) / m}


def _l2(ctx, factor):
    """C2W1's gradients with the L2 term (λ/m)·W replaced by ``factor(λ, m)``·W."""
    grads = dict(ctx.grads)
    m, lambd = ctx.inputs["X"].shape[1], float(ctx.inputs["lambd"])
    for k in grads:
        if k.startswith("W"):
            grads[k] = grads[k] - lambd / m * ctx.params[k] + factor(lambd, m) * ctx.params[k]
    return grads


def regularised_entries() -> list[Mistake]:
    return [
        Mistake("deep_reg/L2-without-1/m", ("deep_reg",),
                "the L2 term of dW lacks the 1/m: lambd * W instead of lambd/m * W.",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T + (lambd/m) W[l] (the derivative of (1/m)(lambd/2) sum W^2).",
                lambda ctx: [_l2(ctx, lambda lambd, m: lambd)]),
        Mistake("deep_reg/L2-with-2-lambd", ("deep_reg",),
                "the L2 term of dW is 2 lambd/m * W: the 1/2 of the cost's (lambd/2m) sum W^2 was dropped.",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T + (lambd/m) W[l].",
                lambda ctx: [_l2(ctx, lambda lambd, m: 2 * lambd / m)]),
        Mistake("deep_reg/L2-missing", ("deep_reg",),
                "dW has no L2 term: the gradient of the unregularised cost.",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T + (lambd/m) W[l].",
                lambda ctx: [_l2(ctx, lambda lambd, m: 0.0)]),
    ]


def planar_entries() -> list[Mistake]:
    return [
        Mistake("planar/tanh-derivative-1-minus-A1", ("planar",),
                "tanh's derivative is taken as 1 - A1 instead of 1 - A1**2.",
                "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)): tanh'(z) = 1 - tanh(z)^2.",
                lambda ctx: [_planar(ctx, tanh_prime=lambda A1, Z1: 1 - A1)]),
        Mistake("planar/tanh-derivative-of-Z1", ("planar",),
                "tanh's derivative is computed from Z1, 1 - Z1**2, instead of from A1 = tanh(Z1).",
                "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)).",
                lambda ctx: [_planar(ctx, tanh_prime=lambda A1, Z1: 1 - Z1 ** 2)]),
    ]


def steps(L: int) -> list[tuple[str, str, str]]:
    """The L-layer backward pass in order, for localisation."""
    out = []
    for l in range(1, L + 1):
        out += [(f"Z{l}", "forward", f"Z{l} = W{l} . A{l - 1} + b{l}"), (f"A{l}", "forward", f"A{l} = g(Z{l})")]
    for l in range(L, 0, -1):
        if l == L:
            out.append((f"dA{l}", "inter", f"dA{L} = -(Y / A{L} - (1 - Y) / (1 - A{L}))"))
        out += [
            (f"dZ{l}", "inter", f"dZ{l} = dA{l} * g'(Z{l})" + (f" = A{L} - Y" if l == L else "")),
            (f"W{l}", "grad", f"dW{l} = (1/m) dZ{l} . A{l - 1}^T"),
            (f"b{l}", "grad", f"db{l} = (1/m) sum of dZ{l} over columns (axis=1, keepdims=True)"),
            (f"dA{l - 1}", "inter", f"dA{l - 1} = W{l}^T . dZ{l} (no 1/m)"),
        ]
    return out


def _dropout(ctx, *, rescale=(True, True), mask=(True, True)):
    """C2W1's backward_propagation_with_dropout with dA2 / dA1 not divided by keep_prob, or without the mask
    (then relu's derivative taken from Z, as a student who drops the mask line writes it)."""
    fw, params, inputs = ctx.fw, ctx.params, ctx.inputs
    keep, m = float(inputs["keep_prob"]), inputs["X"].shape[1]
    grads = {}
    dZ = fw["A3"] - inputs["Y"]
    for l in (3, 2, 1):
        grads[f"W{l}"] = dZ @ fw[f"A{l - 1}"].T / m
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            k = l - 2  # 1 for dA2, 0 for dA1
            dA = params[f"W{l}"].T @ dZ
            if mask[k]:
                dA = dA * inputs[f"D{l - 1}"]
            if rescale[k]:
                dA = dA / keep
            dZ = dA * (fw[f"Z{l - 1}"] > 0)
    return grads


def dropout_entries() -> list[Mistake]:
    both = ((False, False), (True, False), (False, True))
    return [
        Mistake("deep_dropout/dA-not-rescaled-by-keep-prob", ("deep_dropout",),
                "dA is masked but not divided by keep_prob in the backward pass, though the forward pass divided A.",
                "dA2 = np.dot(W3.T, dZ3) * D2 / keep_prob (and dA1 alike): the backward pass scales as the forward did.",
                lambda ctx: [_dropout(ctx, rescale=r) for r in both]),
        Mistake("deep_dropout/mask-not-applied", ("deep_dropout",),
                "the mask D is not applied to dA in the backward pass: the units shut down in the forward pass get "
                "gradient.",
                "dA2 = np.dot(W3.T, dZ3) * D2 / keep_prob (and dA1 alike), the same D2 as in the forward pass's cache.",
                lambda ctx: [_dropout(ctx, mask=k) for k in both]),
    ]
