"""Nielsen's network (*Neural Networks and Deep Learning*, ch. 2): one example as a column vector.

``nielsen`` (network.py, the quadratic cost) and ``nielsen_ce`` (network2.py's ``CrossEntropyCost``).
The book's sizes list ``[n0, n1, ..., nL]`` gives ``weights[l]`` of shape (n_{l+1}, n_l) and
``biases[l]`` of shape (n_{l+1}, 1), l = 0 .. L-1, counted from 0 as the book's lists are:

z[l] = weights[l]·a[l] + biases[l]; a[0] = x; a[l+1] = σ(z[l]) at every layer, the output too.
quadratic: C = ½‖a[L] − y‖²;  cross-entropy: C = Σ −y ln a[L] − (1 − y) ln(1 − a[L]).
δ[L−1] = (a[L] − y) ⊙ σ'(z[L−1]) (quadratic) or a[L] − y (cross-entropy);
δ[l] = weights[l+1]ᵀ·δ[l+1] ⊙ σ'(z[l]); nabla_b[l] = δ[l]; nabla_w[l] = δ[l]·a[l]ᵀ.

==================  ==============
array               dims
==================  ==============
x                   (n0, 1)
y                   (nL, 1)
weights[l]          (n{l+1}, n{l})
biases[l]           (n{l+1}, 1)
z[l], delta[l]      (n{l+1}, 1)
==================  ==============

The gradient is the one example's cost's: no 1/n (the book averages over a mini-batch in
``update_mini_batch``, and regularisation lives there too, not in ``backprop``).

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...course import Model, sigmoid, tap


def n_layers(dims: Mapping[str, int]) -> int:
    """L, the number of weight layers, from the named dimensions n0, ..., nL."""
    return sum(1 for k in dims if k.startswith("n")) - 1


def w(l: int) -> str:
    return f"weights[{l}]"


def b(l: int) -> str:
    return f"biases[{l}]"


class Nielsen(Model):
    """Nielsen's sigmoid network on one example (network.py: the quadratic cost).

    x is (n0, 1), y is (nL, 1), weights[l] is (n{l+1}, n{l}), biases[l] is (n{l+1}, 1); every layer,
    the output too, is a sigmoid. C = ½‖a − y‖² (``cross_entropy``: Σ −y ln a − (1 − y) ln(1 − a)).
    """

    name = "nielsen"
    input_names = ("x", "y")
    layout = "one example as a column: x is (n0, 1); weights[0] is (n1, n0)"
    cross_entropy = False

    def param_names(self, dims=None):
        if dims is None:
            raise TypeError(f"{self.name}'s parameter names depend on its number of layers; pass dims")
        L = n_layers(dims)
        return tuple(name for l in range(L) for name in (w(l), b(l)))

    def dims(self, inputs, params):
        L = sum(1 for k in params if k.startswith("weights["))
        out = {"n0": int(np.shape(inputs["x"])[0])}
        for l in range(L):
            out[f"n{l + 1}"] = int(np.shape(params[w(l)])[0])
        return out

    def shape_table(self, dims):
        L = n_layers(dims)
        table: dict[str, tuple[str, ...]] = {"x": ("n0", "1"), "y": (f"n{L}", "1"), "J": ()}
        for l in range(L):
            table[w(l)] = (f"n{l + 1}", f"n{l}")
            table[b(l)] = table[f"z{l}"] = table[f"delta{l}"] = (f"n{l + 1}", "1")
        return table

    def tap_names(self, dims):
        return tuple(f"delta{l}" for l in range(n_layers(dims) - 1, -1, -1))

    def forward(self, inputs, params, xp=np, taps=None):
        x, y = inputs["x"], inputs["y"]
        L = sum(1 for k in params if k.startswith("weights["))
        out = {"a0": x}
        a = x
        for l in range(L):
            z = tap(params[w(l)] @ a + params[b(l)], taps, f"delta{l}")
            a = sigmoid(z, xp)
            out[f"z{l}"], out[f"a{l + 1}"] = z, a
        if self.cross_entropy:
            out["J"] = xp.sum(-y * xp.log(a) - (1 - y) * xp.log(1 - a), axis=(-2, -1))
        else:
            out["J"] = 0.5 * xp.sum((a - y) ** 2, axis=(-2, -1))
        return out

    def backward(self, inputs, params):
        x = np.asarray(inputs["x"], dtype=float)
        y = np.asarray(inputs["y"], dtype=float)
        params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        fw = self.forward({"x": x, "y": y}, params)
        L = sum(1 for k in params if k.startswith("weights["))
        aL = fw[f"a{L}"]
        s = aL * (1 - aL)
        delta = aL - y if self.cross_entropy else (aL - y) * s
        grads: dict = {}
        inter: dict = {}
        for l in range(L - 1, -1, -1):
            inter[f"delta{l}"] = delta
            grads[b(l)] = delta
            grads[w(l)] = delta @ fw[f"a{l}"].T
            if l:
                a = fw[f"a{l}"]
                delta = (params[w(l)].T @ delta) * a * (1 - a)
        order = self.param_names(self.dims({"x": x}, params))
        return {k: grads[k] for k in order}, inter

    # Hooks ------------------------------------------------------------------------------------
    def output_name(self, dims):
        return f"a{n_layers(dims)}"

    def transpose_hint(self, param):
        if not param.startswith("weights["):
            return ""
        l = int(param[len("weights["):-1])
        return (f" A transposed result usually means np.dot(delta, activations[{l}].transpose()) was written "
                f"the other way round.")

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: |a − y| bounded by a + |y|, |weights|ᵀ going down."""
        fw = self.forward(inputs, params)
        L = sum(1 for k in params if k.startswith("weights["))
        aL = fw[f"a{L}"]
        y = np.abs(np.asarray(inputs["y"], dtype=float))
        delta = (aL + y) if self.cross_entropy else (aL + y) * aL * (1 - aL)
        scale: dict[str, np.ndarray] = {}
        for l in range(L - 1, -1, -1):
            scale[b(l)] = delta
            scale[w(l)] = delta @ np.abs(fw[f"a{l}"]).T
            if l:
                a = fw[f"a{l}"]
                delta = (np.abs(params[w(l)]).T @ delta) * a * (1 - a)
        widths = sum(np.shape(params[w(l)])[0] for l in range(L))
        return scale, np.shape(inputs["x"])[0] + widths + 4 * L + 8


class NielsenCrossEntropy(Nielsen):
    """Nielsen's network2.py with ``cost=CrossEntropyCost``: C = Σ −y ln a − (1 − y) ln(1 − a), δ = a − y."""

    name = "nielsen_ce"
    cross_entropy = True


NIELSEN = Nielsen()
NIELSEN_CE = NielsenCrossEntropy()
