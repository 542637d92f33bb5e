"""Structure-aware central differences for the built-in models.

The numbers are the plain central differences (J(θ + h e_i) − J(θ − h e_i)) / 2h of
every parameter element; only the work changes. A perturbation of one weight
changes one column (``welch``: examples are rows) or one row (``deep``: examples
are columns) of one pre-activation, so each perturbed cost is evaluated from the
cached forward pass:

* ``welch``: W1[i, j] moves column j of z2 by ±h·X[:, i]; z3 moves by a rank-1
  term, and only the cost terms are recomputed. W2[j, k] moves column k of z3.
  The difference J(θ ± h e) − J(θ) is accumulated from the changed terms only,
  so it carries the round-off of those terms rather than of all of J.
* ``deep``: W[l][i, j] and b[l][i] move row i of Z[l]; the layers above are
  recomputed for a batch of perturbations at once (a rank-1 update into Z[l+1],
  then batched matrix products).

:func:`central_differences` returns the quotients and, per element, the scale of
the floating-point terms that entered each difference, from which the caller
estimates round-off (ε · scale / h).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .models import Model, sigmoid

__all__ = ["central_differences", "element_quotients", "lines", "supports"]

_CHUNK = 1 << 20  # floats per temporary block: bounds memory at any N


def supports(model: Model) -> bool:
    """Whether the model has a structure-aware path (others use plain evaluation)."""
    return model.name in ("welch", "welch_reg", "deep")


def central_differences(
    model: Model, inputs: Mapping, params: Mapping, steps: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Central difference quotients for every element of every parameter.

    Args:
        model: ``welch``, ``welch_reg`` or ``deep``.
        inputs, params: the network, float64.
        steps: per-element steps h, each shaped like its parameter.

    Returns:
        ``(quotients, scales)``: both dicts by parameter name, shaped like the
        parameters; ``scales`` bounds the magnitude of the cost terms whose
        difference forms each quotient's numerator (for a round-off estimate).
    """
    inputs = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    if model.name in ("welch", "welch_reg"):
        return _welch(model, inputs, params, steps)
    if model.name == "deep":
        return _deep(inputs, params, steps)
    raise ValueError(f"no structure-aware differences for model {model.name!r}")


# ---------------------------------------------------------------- welch


def _welch(model, inputs, params, steps):
    X, y, W1, W2 = inputs["X"], inputs["y"], params["W1"], params["W2"]
    m, n_in = X.shape
    hid, out = W2.shape
    scale = 1.0 / m if model.name == "welch_reg" else 1.0
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

    if model.name == "welch_reg":
        lam = float(inputs["Lambda"])
        for W, h, q, s in ((W1, h1, q1, s1), (W2, h2, q2, s2)):
            up, down = lam / 2 * (W + h) ** 2, lam / 2 * (W - h) ** 2
            q += (up - down) / (2 * h)
            s += up + down
    return {"W1": q1, "W2": q2}, {"W1": s1, "W2": s2}


# ---------------------------------------------------------------- deep


def _deep(inputs, params, steps):
    X = inputs["X"]
    Y = inputs["Y"].reshape(1, -1) if inputs["Y"].ndim == 1 else inputs["Y"]
    L = sum(1 for k in params if k.startswith("W"))
    m = X.shape[1]
    A, Z = [X], [None]
    for l in range(1, L + 1):
        Z.append(params[f"W{l}"] @ A[-1] + params[f"b{l}"])
        A.append(sigmoid(Z[l]) if l == L else np.maximum(Z[l], 0.0))

    def loss(AL, Y=Y):
        return -Y * np.log(AL) - (1 - Y) * np.log(1 - AL)

    base_rows = loss(A[L])  # (nL, m)
    base_J = np.sum(base_rows) / m

    def perturbed_costs(l, rows, dz):
        """Cost differences J' − J for a batch: variant b adds dz[b] to row rows[b] of Z[l]."""
        z_rows = Z[l][rows] + dz  # (B, m)
        if l == L:
            new = loss(sigmoid(z_rows), Y[rows])
            old = base_rows[rows]
            return np.sum(new - old, axis=1) / m, np.sum(np.abs(new) + np.abs(old), axis=1) / m
        da = np.maximum(z_rows, 0.0) - A[l][rows]  # (B, m)
        Zn = Z[l + 1][None] + params[f"W{l + 1}"][:, rows].T[:, :, None] * da[:, None, :]
        for k in range(l + 1, L + 1):
            An = sigmoid(Zn) if k == L else np.maximum(Zn, 0.0)
            if k == L:
                terms = loss(An)
                total = np.sum(terms, axis=(1, 2)) / m
                return total - base_J, (np.sum(np.abs(terms), axis=(1, 2)) / m + abs(base_J))
            Zn = params[f"W{k + 1}"] @ An + params[f"b{k + 1}"]
        raise AssertionError("unreachable")

    quotients, scales = {}, {}
    for l in range(1, L + 1):
        A_prev = A[l - 1]
        n_l, n_prev = params[f"W{l}"].shape
        for name, width in ((f"W{l}", n_prev), (f"b{l}", 1)):
            h = np.asarray(steps[name], dtype=np.float64).reshape(n_l, width)
            # Variant (i, j): row i of Z[l] moves by ±h·A_prev[j, :] (or ±h for the bias).
            rows = np.repeat(np.arange(n_l), width)
            source = np.tile(A_prev if name.startswith("W") else np.ones((1, m)), (n_l, 1))
            hflat = h.reshape(-1)
            downstream = sum(params[f"W{k}"].shape[0] for k in range(l + 1, L + 1)) or 1
            batch = max(1, _CHUNK // max(1, m * downstream))
            q = np.empty(rows.size)
            s = np.empty(rows.size)
            for b0 in range(0, rows.size, batch):
                sl = slice(b0, b0 + batch)
                up, sup = perturbed_costs(l, rows[sl], hflat[sl, None] * source[sl])
                dn, sdn = perturbed_costs(l, rows[sl], -hflat[sl, None] * source[sl])
                q[sl] = (up - dn) / (2 * hflat[sl])
                s[sl] = sup + sdn
            quotients[name] = q.reshape(params[name].shape)
            scales[name] = s.reshape(params[name].shape)
    order = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]
    return {k: quotients[k] for k in order}, {k: scales[k] for k in order}


# ---------------------------------------------------------------- chosen elements (welch)


def _welch_parts(model: Model, inputs: Mapping, params: Mapping, what: str):
    """X, y, the weights (float64), the cost's factor on ½Σ(y − ŷ)² and Lambda (0 for ``welch``)."""
    if model.name not in ("welch", "welch_reg"):
        raise ValueError(f"no structure-aware {what} for model {model.name!r}")
    X, y = np.asarray(inputs["X"], dtype=np.float64), np.asarray(inputs["y"], dtype=np.float64)
    W = {k: np.asarray(params[k], dtype=np.float64) for k in ("W1", "W2")}
    regularised = model.name == "welch_reg"
    return X, y, W, 1.0 / X.shape[0] if regularised else 1.0, float(inputs["Lambda"]) if regularised else 0.0


def element_quotients(model: Model, inputs: Mapping, params: Mapping, names: tuple[str, ...]):
    """A function ``(flat indices, steps) -> central difference quotients`` of chosen elements.

    For ``welch``/``welch_reg``: the forward pass is cached once; each chosen element then
    costs one column of sigmoids (W1) or one column of outputs (W2), whatever the network's
    size. Flat indices follow ``names``' order (C order within each array).
    """
    X, y, W, scale, lam = _welch_parts(model, inputs, params, "element differences")
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


# ---------------------------------------------------------------- directions (welch)


def lines(model: Model, inputs: Mapping, params: Mapping, names: tuple[str, ...]):
    """A function ``u -> φ``, φ(t) = J(θ + t·u), for fast mode's directional differences.

    For ``welch``/``welch_reg`` z2 is linear in W1: along u, z2 moves by t·(X U1), one matrix
    product per direction, after which each φ(t) costs the sigmoids of z2 and one product with
    W2 + t·U2 instead of the whole forward pass. The regulariser is a quadratic in t, written
    out. Flat directions follow ``names``' order, as :func:`element_quotients`.
    """
    X, y, W, scale, lam = _welch_parts(model, inputs, params, "directions")
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
