"""Structure-aware central differences for the notes' network (``welch``, ``welch_reg``).

The numbers are the plain central differences (J(θ + h e_i) − J(θ − h e_i)) / 2h of every
parameter element; only the work changes. Examples are rows, so W1[i, j] moves column j of z2 by
±h·X[:, i]; z3 then moves by a rank-1 term, and only the cost terms are recomputed. W2[j, k]
moves column k of z3. The difference J(θ ± h e) − J(θ) is accumulated from the changed terms
only, so it carries the round-off of those terms rather than of all of J; the scales returned
with the quotients bound those terms (the caller's round-off estimate is ε · scale / h).

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...course import Structure, sigmoid

_CHUNK = 1 << 20  # floats per temporary block: bounds memory at any N


class NotesStructure(Structure):
    """All elements' quotients, chosen elements' quotients, and directions, from the cached forward pass."""

    def __init__(self, model):
        self.model = model

    def _parts(self, inputs: Mapping, params: Mapping):
        """X, y, the weights (float64), the cost's factor on ½Σ(y − ŷ)² and Lambda (0 unregularised)."""
        X, y = np.asarray(inputs["X"], dtype=np.float64), np.asarray(inputs["y"], dtype=np.float64)
        W = {k: np.asarray(params[k], dtype=np.float64) for k in ("W1", "W2")}
        lam = float(inputs["Lambda"]) if self.model.regularised else 0.0
        return X, y, W, self.model.scale(inputs), lam

    def differences(self, inputs, params, steps):
        return _all_elements(*self._parts(inputs, params), steps)

    def quotients(self, inputs, params, names):
        return _element_quotients(*self._parts(inputs, params), names)

    def lines(self, inputs, params, names):
        return _lines(*self._parts(inputs, params), names)


def _all_elements(X, y, W, scale, lam, steps):
    """Central difference quotients for every element of W1 and W2, and the scales of their terms."""
    W1, W2 = W["W1"], W["W2"]
    m, n_in = X.shape
    hid, out = W2.shape
    z2 = X @ W1
    a2 = sigmoid(z2)
    z3 = a2 @ W2
    base = (y - sigmoid(z3)) ** 2  # (m, out)

    def delta_terms(z3_new):
        """0.5·scale·Σ[(y − f(z3'))² − (y − f(z3))²] over examples and outputs, and its term scale."""
        terms = (y - sigmoid(z3_new)) ** 2
        return 0.5 * scale * np.sum(terms - base, axis=(-2, -1)), 0.5 * scale * np.sum(terms + base, axis=(-2, -1))

    # W1[i, j]: column j of z2 moves by ±h·X[:, i]; z3 moves by (Δa2 column) ⊗ W2[j, :].
    q1, s1 = np.empty_like(W1), np.empty_like(W1)
    h1 = np.asarray(steps["W1"], dtype=np.float64)
    cols = max(1, _CHUNK // max(1, n_in * m * out))
    for j0 in range(0, hid, cols):
        j = slice(j0, min(hid, j0 + cols))
        diffs, mags = [], []
        for sign in (1.0, -1.0):
            # (n_in, jc, m): the perturbed column j of z2 for each input row i.
            z2_new = z2[:, j].T[None, :, :] + sign * h1[:, j][:, :, None] * X.T[:, None, :]
            da2 = sigmoid(z2_new) - a2[:, j].T[None, :, :]
            z3_new = z3[None, None, :, :] + da2[..., None] * W2[j][None, :, None, :]
            d, s = delta_terms(z3_new)
            diffs.append(d)
            mags.append(s)
        q1[:, j] = (diffs[0] - diffs[1]) / (2 * h1[:, j])
        s1[:, j] = mags[0] + mags[1]

    # W2[j, k]: column k of z3 moves by ±h·a2[:, j].
    h2 = np.asarray(steps["W2"], dtype=np.float64)
    q2, s2 = np.empty_like(W2), np.empty_like(W2)
    for k in range(out):
        yk, basek = y[:, k], base[:, k]
        diffs, mags = [], []
        for sign in (1.0, -1.0):
            z3k = z3[:, k][None, :] + sign * h2[:, k][:, None] * a2.T  # (hid, m)
            terms = (yk[None, :] - sigmoid(z3k)) ** 2
            diffs.append(0.5 * scale * np.sum(terms - basek[None, :], axis=1))
            mags.append(0.5 * scale * np.sum(terms + basek[None, :], axis=1))
        q2[:, k] = (diffs[0] - diffs[1]) / (2 * h2[:, k])
        s2[:, k] = mags[0] + mags[1]

    if lam:
        for Wk, h, q, s in ((W1, h1, q1, s1), (W2, h2, q2, s2)):
            up, down = lam / 2 * (Wk + h) ** 2, lam / 2 * (Wk - h) ** 2
            q += (up - down) / (2 * h)
            s += up + down
    return {"W1": q1, "W2": q2}, {"W1": s1, "W2": s2}


# ---------------------------------------------------------------- chosen elements


def _element_quotients(X, y, W, scale, lam, names: tuple[str, ...]):
    """A function ``(flat indices, steps) -> central difference quotients`` of chosen elements.

    The forward pass is cached once; each chosen element then
    costs one column of sigmoids (W1) or one column of outputs (W2), whatever the network's
    size. Flat indices follow ``names``' order (C order within each array).
    """
    z2 = X @ W["W1"]
    a2 = sigmoid(z2)
    z3 = a2 @ W["W2"]
    base = (y - sigmoid(z3)) ** 2
    offsets, start = {}, 0
    for k in names:
        offsets[k] = start
        start += W[k].size

    def w1(i, j, h):  # (S,) each: column j of z2 moves by h·X[:, i]
        da2 = sigmoid(z2[:, j].T + h[:, None] * X[:, i].T) - a2[:, j].T  # (S, m)
        terms = (y[None] - sigmoid(z3[None] + da2[:, :, None] * W["W2"][j][:, None, :])) ** 2
        return 0.5 * scale * np.sum(terms - base[None], axis=(1, 2))

    def w2(j, k, h):  # column k of z3 moves by h·a2[:, j]
        terms = (y[:, k].T - sigmoid(z3[:, k].T + h[:, None] * a2[:, j].T)) ** 2
        return 0.5 * scale * np.sum(terms - base[:, k].T, axis=1)

    def quotients(idx: np.ndarray, steps: np.ndarray) -> np.ndarray:
        out = np.empty(idx.size)
        for name, move in (("W1", w1), ("W2", w2)):
            local = idx - offsets[name]
            mine = (local >= 0) & (local < W[name].size)
            if not mine.any():
                continue
            r, c = np.unravel_index(local[mine], W[name].shape)
            h = steps[mine]
            values = W[name][r, c]
            up, down = move(r, c, h), move(r, c, -h)
            if lam:
                up = up + lam / 2 * ((values + h) ** 2 - values ** 2)
                down = down + lam / 2 * ((values - h) ** 2 - values ** 2)
            out[mine] = (up - down) / (2 * h)
        return out

    return quotients


# ---------------------------------------------------------------- directions


def _lines(X, y, W, scale, lam, names: tuple[str, ...]):
    """A function ``u -> φ``, φ(t) = J(θ + t·u), for fast mode's directional differences.

    z2 is linear in W1: along u, z2 moves by t·(X U1), one matrix
    product per direction, after which each φ(t) costs the sigmoids of z2 and one product with
    W2 + t·U2 instead of the whole forward pass. The regulariser is a quadratic in t, written
    out. Flat directions follow ``names``' order, as :func:`_element_quotients`.
    """
    z2 = X @ W["W1"]
    spans, start = {}, 0
    for k in names:
        spans[k] = slice(start, start + W[k].size)
        start += W[k].size
    squares = float(np.sum(W["W1"] ** 2) + np.sum(W["W2"] ** 2)) if lam else 0.0

    def line(u: np.ndarray):
        U = {k: u[spans[k]].reshape(W[k].shape) for k in ("W1", "W2")}
        moved = X @ U["W1"]
        if lam:
            cross = float(np.vdot(W["W1"], U["W1"]) + np.vdot(W["W2"], U["W2"]))
            length = float(np.vdot(U["W1"], U["W1"]) + np.vdot(U["W2"], U["W2"]))

        def phi(t: float) -> float:
            a2 = sigmoid(z2 + t * moved)
            J = 0.5 * scale * float(np.sum((y - sigmoid(a2 @ (W["W2"] + t * U["W2"]))) ** 2))
            if lam:
                J += lam / 2 * (squares + 2 * t * cross + t * t * length)
            return J

        return phi

    return line
