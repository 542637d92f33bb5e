"""Structure-aware central differences for the Coursera L-layer network (``deep``).

The numbers are the plain central differences of every parameter element; only the work changes.
Examples are columns, so W[l][i, j] and b[l][i] move row i of Z[l]; the layers above are recomputed
for a batch of perturbations at once (a rank-1 update into Z[l+1], then batched matrix products).
The scales returned with the quotients bound the magnitude of the cost terms each difference changed.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Structure, sigmoid

_CHUNK = 1 << 20  # floats per temporary block: bounds memory at any N


class DeepStructure(Structure):
    """Every element's central difference quotient from the cached forward pass."""

    def differences(self, inputs, params, steps):
        inputs = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
        params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        return _deep(inputs, params, steps)


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
