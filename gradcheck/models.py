"""The reference networks of the seed documents, each written once.

Every model's math is written against an array namespace ``xp`` (``numpy`` or
``jax.numpy``), so the numpy reference, the finite-difference oracle and the
JAX oracle all evaluate the same expressions.

A model never stores data: inputs and parameters are passed in as dicts keyed
by the exact names below, and every method is a pure function of them.

=============  =====================  ==========================================
model          inputs                 parameters
=============  =====================  ==========================================
``welch``      ``X``, ``y``           ``W1``, ``W2``
``welch_reg``  ``X``, ``y``,          ``W1``, ``W2``
               ``Lambda``
``deep``       ``X``, ``Y``           ``W1``, ``b1``, ..., ``WL``, ``bL``
``chain``      ``a0``, ``target``     ``w``
``chain2``     ``a0``, ``target``     ``w1``, ``w2``
``scalar_net`` ``x``, ``d``           ``w1``, ``w2``
=============  =====================  ==========================================

``taps`` are zero arrays added to intermediates (``z2``, ``Z1``, ``A1``, ...)
during the forward pass. Differentiating the cost with respect to a tap gives
the derivative with respect to that intermediate, which is how the JAX oracle
obtains ``delta3`` or ``dZ2`` without a second copy of the math.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

import numpy as np

Arrays = Mapping[str, Any]

__all__ = ["Model", "get_model", "model_names", "sigmoid", "sigmoid_prime"]


def sigmoid(z, xp=np):
    """The logistic function 1 / (1 + e^(-z)), as the notes write it."""
    return 1.0 / (1.0 + xp.exp(-z))


def sigmoid_prime(z, xp=np):
    """f'(z) = e^(-z) / (1 + e^(-z))^2, the notes' form of the derivative."""
    e = xp.exp(-z)
    return e / (1.0 + e) ** 2


def _tap(value, taps: Arrays | None, name: str):
    if taps is not None and name in taps:
        return value + taps[name]
    return value


class Model(abc.ABC):
    """A reference network: its names, shape table, cost, forward and backward pass.

    Subclasses define ``name``, ``input_names``, :meth:`param_names`,
    :meth:`dims`, :meth:`shape_table`, :meth:`forward` and :meth:`backward`.
    """

    name: str = ""
    input_names: tuple[str, ...] = ()
    #: Intermediates whose derivatives the backward pass exposes, in backward order.
    layout: str = ""

    @abc.abstractmethod
    def param_names(self, dims: Mapping[str, int] | None = None) -> tuple[str, ...]:
        ...

    @abc.abstractmethod
    def dims(self, inputs: Arrays, params: Arrays) -> dict[str, int]:
        """The named dimensions of a network, read off its inputs and parameters."""
        ...

    @abc.abstractmethod
    def shape_table(self, dims: Mapping[str, int]) -> dict[str, tuple[str, ...]]:
        """Each named array's shape as a tuple of dimension names (``()`` for scalars).

        Gradients are listed under their parameter's name; the backward pass's
        intermediates (``delta3``, ``dZ2``, ...) under their own.
        """
        ...

    @abc.abstractmethod
    def forward(self, inputs: Arrays, params: Arrays, xp=np, taps: Arrays | None = None) -> dict:
        """The forward pass: every intermediate by name, and the cost under ``"J"``."""
        ...

    @abc.abstractmethod
    def backward(self, inputs: Arrays, params: Arrays) -> tuple[dict, dict]:
        """The analytic backward pass in numpy: ``(grads by parameter, intermediate grads)``."""
        ...

    # Derived, shared by every model.
    def cost(self, inputs: Arrays, params: Arrays, xp=np, taps: Arrays | None = None):
        """The scalar cost J."""
        return self.forward(inputs, params, xp=xp, taps=taps)["J"]

    def tap_names(self, dims: Mapping[str, int]) -> tuple[str, ...]:
        """Intermediates that accept a tap, keyed like :meth:`backward`'s second dict."""
        return ()

    def tap_scale(self, inputs: Arrays) -> float:
        """Factor from d(cost)/d(tap) to the convention of the intermediate gradient."""
        return 1.0

    def shapes(self, dims: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
        """Each named array's shape in numbers."""
        return {k: tuple(dims[d] for d in v) for k, v in self.shape_table(dims).items()}

    def gradients(self, inputs: Arrays, params: Arrays) -> dict:
        """The analytic gradient of the cost, by parameter name."""
        return self.backward(inputs, params)[0]

    def __repr__(self) -> str:
        return f"<gradcheck model {self.name!r}>"


class Welch(Model):
    """The guided notes' 2-layer network (seed 000). Examples are rows, no biases.

    z2 = X·W1, a2 = f(z2), z3 = a2·W2, yHat = f(z3), J = Σ ½(y − yHat)².
    X is (numExamples, inputLayerSize); W1 is (inputLayerSize, hiddenLayerSize);
    W2 is (hiddenLayerSize, outputLayerSize); y is (numExamples, outputLayerSize).
    """

    name = "welch"
    input_names = ("X", "y")
    layout = "examples are rows; W1 is (inputLayerSize, hiddenLayerSize)"
    _regularised = False

    def param_names(self, dims=None):
        return ("W1", "W2")

    def dims(self, inputs, params):
        m, n_in = np.shape(inputs["X"])
        hid, out = np.shape(params["W2"])
        return {"numExamples": m, "inputLayerSize": n_in, "hiddenLayerSize": hid, "outputLayerSize": out}

    def shape_table(self, dims):
        m, i, h, o = "numExamples", "inputLayerSize", "hiddenLayerSize", "outputLayerSize"
        table = {
            "X": (m, i), "y": (m, o), "W1": (i, h), "W2": (h, o),
            "z2": (m, h), "a2": (m, h), "z3": (m, o), "yHat": (m, o), "J": (),
            "delta3": (m, o), "delta2": (m, h),
        }
        if self._regularised:
            table["Lambda"] = ()
        return table

    def tap_names(self, dims):
        return ("delta3", "delta2")

    def _scale(self, inputs) -> float:
        return 1.0 / np.shape(inputs["X"])[0] if self._regularised else 1.0

    def forward(self, inputs, params, xp=np, taps=None):
        X, y, W1, W2 = inputs["X"], inputs["y"], params["W1"], params["W2"]
        z2 = _tap(X @ W1, taps, "delta2")
        a2 = sigmoid(z2, xp)
        z3 = _tap(a2 @ W2, taps, "delta3")
        yHat = sigmoid(z3, xp)
        J = 0.5 * xp.sum((y - yHat) ** 2) * self._scale(inputs)
        if self._regularised:
            J = J + inputs["Lambda"] / 2.0 * (xp.sum(W1**2) + xp.sum(W2**2))
        return {"z2": z2, "a2": a2, "z3": z3, "yHat": yHat, "J": J}

    def backward(self, inputs, params):
        X, y, W1, W2 = (np.asarray(a, dtype=float) for a in (inputs["X"], inputs["y"], params["W1"], params["W2"]))
        fw = self.forward({**inputs, "X": X, "y": y}, {"W1": W1, "W2": W2})
        s = self._scale(inputs)
        delta3 = -(y - fw["yHat"]) * sigmoid_prime(fw["z3"]) * s
        delta2 = (delta3 @ W2.T) * sigmoid_prime(fw["z2"])
        grads = {"W1": X.T @ delta2, "W2": fw["a2"].T @ delta3}
        if self._regularised:
            grads = {"W1": grads["W1"] + inputs["Lambda"] * W1, "W2": grads["W2"] + inputs["Lambda"] * W2}
        return grads, {"delta3": delta3, "delta2": delta2}


class WelchRegularised(Welch):
    """The notes' network with L2 regularisation (the lesson's later part).

    J = Σ ½(y − yHat)² / numExamples + (Lambda/2)(ΣW1² + ΣW2²);
    dJdW = (unregularised form)/numExamples + Lambda·W. ``delta3`` and ``delta2``
    are the derivatives of this J, so they carry the 1/numExamples.
    """

    name = "welch_reg"
    input_names = ("X", "y", "Lambda")
    _regularised = True


class Deep(Model):
    """The Coursera L-layer network (seed 002). Examples are columns.

    Z[l] = W[l]·A[l−1] + b[l], A[0] = X, A[l] = relu(Z[l]) for l < L, A[L] = σ(Z[L]);
    J = −(1/m) Σ [Y log A[L] + (1 − Y) log(1 − A[L])].
    W[l] is (n_l, n_{l−1}), b[l] is (n_l, 1), X is (n0, m), Y is (nL, m).

    Convention: the gradients dW[l], db[l] are derivatives of the mean cost J,
    but the intermediates dA[l] and dZ[l] are derivatives of the summed loss m·J,
    as in the course's code (dZ[L] = A[L] − Y).
    """

    name = "deep"
    input_names = ("X", "Y")
    layout = "examples are columns; W1 is (n1, n0)"

    @staticmethod
    def n_layers(dims: Mapping[str, int]) -> int:
        return sum(1 for k in dims if k.startswith("n")) - 1

    def param_names(self, dims=None):
        if dims is None:
            raise TypeError("deep's parameter names depend on its number of layers; pass dims")
        L = self.n_layers(dims)
        return tuple(name for l in range(1, L + 1) for name in (f"W{l}", f"b{l}"))

    def dims(self, inputs, params):
        L = sum(1 for k in params if k.startswith("W"))
        n0, m = np.shape(inputs["X"])
        out = {"m": m, "n0": n0}
        for l in range(1, L + 1):
            out[f"n{l}"] = np.shape(params[f"W{l}"])[0]
        return out

    def shape_table(self, dims):
        L = self.n_layers(dims)
        table: dict[str, tuple[str, ...]] = {"X": ("n0", "m"), "Y": (f"n{L}", "m"), "J": ()}
        for l in range(1, L + 1):
            table[f"W{l}"] = (f"n{l}", f"n{l-1}")
            table[f"b{l}"] = (f"n{l}", "1")
        for l in range(0, L + 1):
            if l:
                table[f"Z{l}"] = table[f"dZ{l}"] = (f"n{l}", "m")
            table[f"A{l}"] = table[f"dA{l}"] = (f"n{l}", "m")
        return table

    def shapes(self, dims):
        return super().shapes({**dims, "1": 1})

    def tap_names(self, dims):
        L = self.n_layers(dims)
        names = []
        for l in range(L, 0, -1):
            names += [f"dA{l}", f"dZ{l}"]
        return tuple(names) + ("dA0",)

    def tap_scale(self, inputs):
        return float(np.shape(inputs["X"])[1])

    def forward(self, inputs, params, xp=np, taps=None):
        X, Y = inputs["X"], inputs["Y"]
        L = sum(1 for k in params if k.startswith("W"))
        m = X.shape[1]
        out = {"A0": _tap(X, taps, "dA0")}
        A = out["A0"]
        for l in range(1, L + 1):
            Z = _tap(params[f"W{l}"] @ A + params[f"b{l}"], taps, f"dZ{l}")
            A = sigmoid(Z, xp) if l == L else xp.maximum(Z, 0.0)
            A = _tap(A, taps, f"dA{l}")
            out[f"Z{l}"], out[f"A{l}"] = Z, A
        # The course's gradient-checking notebook writes the cost exactly so.
        logprobs = -xp.log(A) * Y + -xp.log(1 - A) * (1 - Y)
        out["J"] = 1.0 / m * xp.sum(logprobs)
        return out

    def backward(self, inputs, params):
        X = np.asarray(inputs["X"], dtype=float)
        Y = np.asarray(inputs["Y"], dtype=float).reshape(1, -1) if np.ndim(inputs["Y"]) == 1 else np.asarray(inputs["Y"], dtype=float)
        params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        fw = self.forward({"X": X, "Y": Y}, params)
        L = sum(1 for k in params if k.startswith("W"))
        m = X.shape[1]
        grads: dict = {}
        inter: dict = {}
        AL = fw[f"A{L}"]
        inter[f"dA{L}"] = -(Y / AL - (1 - Y) / (1 - AL))
        for l in range(L, 0, -1):
            Z = fw[f"Z{l}"]
            if l == L:
                dZ = AL - Y
            else:
                dZ = inter[f"dA{l}"] * (Z > 0)
            inter[f"dZ{l}"] = dZ
            grads[f"W{l}"] = dZ @ fw[f"A{l-1}"].T / m
            grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            inter[f"dA{l-1}"] = params[f"W{l}"].T @ dZ
        order = self.param_names(self.dims({"X": X}, params))
        return {k: grads[k] for k in order}, inter


class _Scalars(Model):
    """A model whose every value is a scalar: its shape table lists names, each shape ``()``."""

    layout = "scalars"
    params: tuple[str, ...] = ()
    intermediates: tuple[str, ...] = ()
    taps: tuple[str, ...] = ()

    def param_names(self, dims=None):
        return self.params

    def dims(self, inputs, params):
        return {}

    def shape_table(self, dims):
        return {k: () for k in (*self.input_names, *self.params, *self.intermediates, "J", *self.taps)}

    def tap_names(self, dims):
        return self.taps


class Chain(_Scalars):
    """The scalar chain of seed 001, one layer and no activation.

    a1 = a0·w, C = (a1 − target)², ∂C/∂w = a0·2(a1 − target). All values are scalars.
    """

    name = "chain"
    params = ("w",)
    intermediates = ("a1",)
    taps = ("da1",)
    input_names = ("a0", "target")

    def forward(self, inputs, params, xp=np, taps=None):
        a1 = _tap(inputs["a0"] * params["w"], taps, "da1")
        return {"a1": a1, "J": (a1 - inputs["target"]) ** 2}

    def backward(self, inputs, params):
        a0, w, t = (float(v) for v in (inputs["a0"], params["w"], inputs["target"]))
        da1 = 2.0 * (a0 * w - t)
        return {"w": np.float64(a0 * da1)}, {"da1": np.float64(da1)}


class Chain2(_Scalars):
    """The two-layer scalar chain of seed 001, no activation.

    a1 = a0·w1, a2 = a1·w2, C = (a2 − target)²;
    ∂C/∂w1 = a0·w2·2(a2 − target), ∂C/∂w2 = a1·2(a2 − target).
    """

    name = "chain2"
    params = ("w1", "w2")
    intermediates = ("a1", "a2")
    taps = ("da2", "da1")
    input_names = ("a0", "target")

    def forward(self, inputs, params, xp=np, taps=None):
        a1 = _tap(inputs["a0"] * params["w1"], taps, "da1")
        a2 = _tap(a1 * params["w2"], taps, "da2")
        return {"a1": a1, "a2": a2, "J": (a2 - inputs["target"]) ** 2}

    def backward(self, inputs, params):
        a0, w1, w2, t = (float(v) for v in (inputs["a0"], params["w1"], params["w2"], inputs["target"]))
        a1 = a0 * w1
        da2 = 2.0 * (a1 * w2 - t)
        da1 = da2 * w2
        return {"w1": np.float64(a0 * da1), "w2": np.float64(a1 * da2)}, {"da2": np.float64(da2), "da1": np.float64(da1)}


class ScalarNet(_Scalars):
    """The scalar net of seed 002's answer: two sigmoid units in a chain.

    p1 = w1·x, y = f(p1), p2 = w2·y, z = f(p2), E = ½(z − d)²;
    ∂E/∂w2 = (z − d)·f'(p2)·y, ∂E/∂w1 = (z − d)·f'(p2)·w2·f'(p1)·x.
    """

    name = "scalar_net"
    params = ("w1", "w2")
    intermediates = ("p1", "y", "p2", "z")
    taps = ("dp2", "dp1")
    input_names = ("x", "d")

    def forward(self, inputs, params, xp=np, taps=None):
        p1 = _tap(params["w1"] * inputs["x"], taps, "dp1")
        y = sigmoid(p1, xp)
        p2 = _tap(params["w2"] * y, taps, "dp2")
        z = sigmoid(p2, xp)
        return {"p1": p1, "y": y, "p2": p2, "z": z, "J": 0.5 * (z - inputs["d"]) ** 2}

    def backward(self, inputs, params):
        x, d, w1, w2 = (float(v) for v in (inputs["x"], inputs["d"], params["w1"], params["w2"]))
        fw = self.forward({"x": x, "d": d}, {"w1": w1, "w2": w2})
        dp2 = (fw["z"] - d) * sigmoid_prime(fw["p2"])
        dp1 = dp2 * w2 * sigmoid_prime(fw["p1"])
        return {"w1": np.float64(dp1 * x), "w2": np.float64(dp2 * fw["y"])}, {"dp2": np.float64(dp2), "dp1": np.float64(dp1)}


_MODELS: dict[str, Model] = {m.name: m for m in (Welch(), WelchRegularised(), Deep(), Chain(), Chain2(), ScalarNet())}


def model_names() -> tuple[str, ...]:
    """The names of the built-in reference models."""
    return tuple(_MODELS)


def get_model(name: str | Model) -> Model:
    """The reference model called ``name`` (a :class:`Model` passes through)."""
    if isinstance(name, Model):
        return name
    try:
        return _MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; the reference models are {', '.join(model_names())}"
        ) from None
