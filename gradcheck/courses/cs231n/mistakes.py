"""The classic CS231n mistakes, recognised from a wrong answer and the numerical gradient (judge side).

Each finding has an id (``cs231n/transposed``) and a message with the fix. They compare your
array with the numerical gradient of the same cost at the same point: a transpose or reshape, a
bias gradient summed over the wrong axis, a constant factor (N: the 1/N forgotten; 2 or 1/2), the
regularisation gradient missing or doubled (your answer short of the reference by a multiple of W),
and for the layers whose upstream gradient is redrawn here (batchnorm, layernorm, dropout: ``dout`` has
the shape of ``x``), batchnorm's and layernorm's dx without the mean or the variance term, and dropout's backward
without its mask or without the 1/p scale; a conv layer's dw summed over the wrong axes.

Not in the catalog because it is no mistake: relu's backward taking its mask from the output
(``dout * (out > 0)``) rather than the input (``x > 0``); ``out > 0`` exactly when ``x > 0``, so the
two are the same gradient everywhere, kink included (tests/test_cs231n.py pins that it passes).

Imports: numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np


def _close(a, b, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(float(np.abs(b).max(initial=0.0)), 1e-12)
    return bool(np.abs(a - b).max(initial=0.0) <= rtol * scale)


def _ratio(yours, ref) -> float | None:
    """c when yours = c * ref (the same shape, ref not zero, two elements at least: any one number is a
    multiple of another), else None."""
    y, r = np.asarray(yours, dtype=float).ravel(), np.asarray(ref, dtype=float).ravel()
    if y.shape != r.shape or r.size < 2 or not np.any(r):
        return None
    c = float(y @ r / (r @ r))
    return c if _close(y, c * r) else None


def one_array(name: str, yours, ref, n: int | None = None) -> tuple[str, str] | None:
    """A finding about one array (``name`` as reported: ``dw``, ``W1``), or None."""
    y, r = np.asarray(yours, dtype=float), np.asarray(ref, dtype=float)
    if r.ndim == 2 and y.shape == r.T.shape and y.shape != r.shape and _close(y, r.T):
        return ("cs231n/transposed", f"{name} is the transpose of the gradient: for an affine layer "
                "dw = x.reshape(N, -1).T @ dout (shape (D, M)), not dout.T @ x")
    if y.shape != r.shape and y.size == r.size and _close(y.reshape(r.shape), r):
        return ("cs231n/reshaped", f"{name} has the right values in the wrong shape {y.shape}: reshape it "
                f"to {r.shape}, the shape of the input (dx = (dout @ w.T).reshape(x.shape))")
    if y.shape != r.shape and name.lstrip("d").startswith(("b", "beta")) and r.ndim == 1:
        return ("cs231n/db-wrong-axis", f"{name} has shape {y.shape} but must be {r.shape}: sum dout over "
                "every axis but the bias's (an affine layer's dout.sum(axis=0), a temporal one's axis=(0, 1), "
                "a conv layer's axis=(0, 2, 3))")
    c = _ratio(y, r)
    if c is not None and n and abs(c - n) < 1e-6 * n:
        return ("cs231n/not-divided-by-N", f"{name} is N = {n} times the gradient: the loss is a mean over "
                "the N examples, so divide the gradient by N too")
    for factor, how in ((2.0, "twice"), (0.5, "half")):
        if c is not None and abs(c - factor) < 1e-6:
            return (f"cs231n/{'doubled' if factor == 2 else 'halved'}", f"{name} is {how} the gradient")
    return None


def reg_gradient(name: str, yours, ref, W, reg: float) -> tuple[str, str] | None:
    """The regularisation's gradient missing or doubled: ref - yours is a multiple of W."""
    if not reg:
        return None
    c = _ratio(np.asarray(ref, dtype=float) - np.asarray(yours, dtype=float), W)
    if c is None or abs(c) < 1e-9:
        return None
    if c > 0:
        return ("cs231n/reg-gradient-missing", f"{name} lacks the regularisation's gradient ({c:g} x {name} is "
                f"missing, with reg = {reg:g}): add reg * {name} (for a loss of 0.5 * reg * sum({name}**2))")
    return ("cs231n/reg-gradient-doubled", f"{name} has too much of the regularisation's gradient ({-c:g} x {name} "
            f"too much, with reg = {reg:g}): the loss's 0.5 * reg * sum({name}**2) has gradient reg * {name}")


def batchnorm_dx(yours, x, gamma, dout, eps: float = 1e-5, axis: int = 0) -> tuple[str, str] | None:
    """batchnorm's (axis 0: over the N examples) or layernorm's (axis 1: over the D features) dx without
    the mean term or the variance term."""
    layer, n_name = ("batchnorm", "N") if axis == 0 else ("layernorm", "D")
    n = x.shape[axis]
    std = np.sqrt(x.var(axis=axis, keepdims=True) + eps)
    xhat = (x - x.mean(axis=axis, keepdims=True)) / std
    g = dout * gamma
    mean_term = g.sum(axis=axis, keepdims=True)
    var_term = xhat * (g * xhat).sum(axis=axis, keepdims=True)
    fix = f"dx = ({n_name} * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)) / ({n_name} * std), sums over axis {axis}"
    if _close(yours, (n * g - var_term) / (n * std)):
        return (f"cs231n/{layer}-dx-no-mean-term", f"dx lacks the mean term: the mean depends on every x, so {fix}")
    if _close(yours, (n * g - mean_term) / (n * std)):
        return (f"cs231n/{layer}-dx-no-variance-term", "dx lacks the variance term: the variance depends on "
                f"every x, so {fix}")
    return None


def dropout_dx(yours, ref, dout, p: float) -> tuple[str, str] | None:
    if _close(yours, dout):
        return ("cs231n/dropout-mask-not-applied", "dx is dout itself: apply the forward's mask in the "
                "backward too, dx = dout * mask")
    if _close(np.asarray(yours) / p, ref) or _close(np.asarray(yours) * p, ref):
        return ("cs231n/dropout-not-scaled", "dx is dout * mask without the 1/p of inverted dropout: "
                "the mask is (rand < p) / p in the forward, and the same mask in the backward")
    return None


def hard_wired_sizes(shapes: Mapping[str, tuple[int, ...]]) -> tuple[str, str]:
    """Wrong only at sizes drawn by Hypothesis (the ``[hypothesis]`` item's finding when no other fits)."""
    at = ", ".join(f"{k} {tuple(s)}" for k, s in shapes.items())
    return ("cs231n/hard-wired-size", f"wrong at the sizes Hypothesis drew ({at}): where the items at gradcheck's "
            "fixed sizes pass, a size is hard-wired in the code (a 3072, 100 or 10, a batch size, a fixed "
            "number of layers): take every size from the arrays' shapes or the constructor's arguments")


#: A conv layer's weight w is (F, C, HH, WW): filters, channels, the filter's height and width.
CONV_AXES = ("F", "C", "HH", "WW")


def conv_dw(yours, ref) -> tuple[str, str] | None:
    """A conv layer's dw summed over the wrong axes: a wrong shape, or the gradient summed over some of
    w's own axes and broadcast back (``einsum("nf,nchw->fhw", ...)[:, None]`` sums the channels too)."""
    y, r = np.asarray(yours, dtype=float), np.asarray(ref, dtype=float)
    fix = ("dw[f, c] sums dout[n, f, i, j] * x_pad[n, c, window (i, j)] over the examples n and the output "
           "positions (i, j) only")
    if r.ndim != 4:
        return None
    if y.shape != r.shape:
        return ("cs231n/conv-dw-wrong-axes", f"dw has shape {y.shape} but must be (F, C, HH, WW) = {r.shape}, "
                f"the shape of w: {fix}")
    for k in range(1, 4):
        for axes in itertools.combinations(range(4), k):
            summed = np.broadcast_to(r.sum(axis=axes, keepdims=True), r.shape)
            if all(r.shape[a] > 1 for a in axes) and _close(y, summed):
                names = ", ".join(CONV_AXES[a] for a in axes)
                return ("cs231n/conv-dw-wrong-axes", f"dw is the gradient summed over w's own axes ({names}) "
                        f"too and broadcast back: {fix}")
    return None


def first(findings) -> Mapping[str, str] | None:
    hit = next((f for f in findings if f), None)
    return None if hit is None else {"id": hit[0], "message": hit[1]}
