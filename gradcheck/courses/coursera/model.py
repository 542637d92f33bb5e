"""The Coursera L-layer network (seed 002): ``deep``. Examples are columns.

Z[l] = W[l]·A[l−1] + b[l]; A[0] = X; A[l] = relu(Z[l]) for l < L; A[L] = σ(Z[L]).
J = −(1/m) Σ [Y log A[L] + (1 − Y) log(1 − A[L])].
dA[L] = −(Y/A[L] − (1−Y)/(1−A[L])); dZ[l] = dA[l] ⊙ g'(Z[l]) (so dZ[L] = A[L] − Y);
dW[l] = (1/m) dZ[l]·A[l−1]ᵀ; db[l] = (1/m) Σ_columns dZ[l]; dA[l−1] = W[l]ᵀ·dZ[l].

===============  =====================
array            dims
===============  =====================
X = A0           (n0, m)
Y                (nL, m); a 1-D Y of length m is accepted
W[l], dW[l]      (n_l, n_{l−1})
b[l], db[l]      (n_l, 1)
Z, A, dZ, dA [l]  (n_l, m)
===============  =====================

Careful: dW and db are derivatives of the mean cost J, while dA and dZ are derivatives of the summed
loss m·J, as in the course's code. relu'(0) may be taken as 0 or 1.

Imports: numpy; :mod:`gradcheck.course`. When first needed:
:mod:`gradcheck.courses.coursera.structured`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...course import Model, sigmoid, tap


def n_layers(dims: Mapping[str, int]) -> int:
    """L, the number of weight layers, from the named dimensions m, n0, ..., nL."""
    return sum(1 for k in dims if k.startswith("n")) - 1


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

    n_layers = staticmethod(n_layers)

    def param_names(self, dims=None):
        if dims is None:
            raise TypeError("deep's parameter names depend on its number of layers; pass dims")
        L = n_layers(dims)
        return tuple(name for l in range(1, L + 1) for name in (f"W{l}", f"b{l}"))

    def dims(self, inputs, params):
        L = sum(1 for k in params if k.startswith("W"))
        n0, m = np.shape(inputs["X"])
        out = {"m": m, "n0": n0}
        for l in range(1, L + 1):
            out[f"n{l}"] = np.shape(params[f"W{l}"])[0]
        return out

    def shape_table(self, dims):
        L = n_layers(dims)
        table: dict[str, tuple[str, ...]] = {"X": ("n0", "m"), "Y": (f"n{L}", "m"), "J": ()}
        for l in range(1, L + 1):
            table[f"W{l}"] = (f"n{l}", f"n{l-1}")
            table[f"b{l}"] = (f"n{l}", "1")
        for l in range(0, L + 1):
            if l:
                table[f"Z{l}"] = table[f"dZ{l}"] = (f"n{l}", "m")
            table[f"A{l}"] = table[f"dA{l}"] = (f"n{l}", "m")
        return table

    def tap_names(self, dims):
        L = n_layers(dims)
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
        out = {"A0": tap(X, taps, "dA0")}
        A = out["A0"]
        for l in range(1, L + 1):
            Z = tap(params[f"W{l}"] @ A + params[f"b{l}"], taps, f"dZ{l}")
            A = sigmoid(Z, xp) if l == L else xp.maximum(Z, 0.0)
            A = tap(A, taps, f"dA{l}")
            out[f"Z{l}"], out[f"A{l}"] = Z, A
        # The course's gradient-checking notebook writes the cost exactly so.
        logprobs = -xp.log(A) * Y + -xp.log(1 - A) * (1 - Y)
        out["J"] = 1.0 / m * xp.sum(logprobs)
        return out

    def backward(self, inputs, params):
        X = np.asarray(inputs["X"], dtype=float)
        Y = np.asarray(inputs["Y"], dtype=float)
        Y = Y.reshape(1, -1) if Y.ndim == 1 else Y
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
            dZ = AL - Y if l == L else inter[f"dA{l}"] * (Z > 0)
            inter[f"dZ{l}"] = dZ
            grads[f"W{l}"] = dZ @ fw[f"A{l-1}"].T / m
            grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            inter[f"dA{l-1}"] = params[f"W{l}"].T @ dZ
        order = self.param_names(self.dims({"X": X}, params))
        return {k: grads[k] for k in order}, inter

    # Hooks ------------------------------------------------------------------------------------
    def relu_preactivations(self, dims):
        return tuple(f"Z{l}" for l in range(1, n_layers(dims)))

    def structure(self):
        from .structured import DeepStructure

        return DeepStructure()

    def output_name(self, dims):
        return f"A{n_layers(dims)}"

    def transpose_hint(self, param):
        if not param.startswith("W"):
            return ""
        l = int(param[1:])
        return f" A transposed result usually means dZ{l} @ A{l - 1}.T was written as A{l - 1} @ dZ{l}.T."

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: A − Y replaced by (A + Y)/(1 − A), which bounds the
        terms of dA[L]·σ'(Z[L]) written either way, and |W|ᵀ going down."""
        fw = self.forward(inputs, params)
        L = sum(1 for k in params if k.startswith("W"))
        m = np.shape(inputs["X"])[1]
        Y = np.abs(np.asarray(inputs["Y"], dtype=float)).reshape(-1, m)
        AL = fw[f"A{L}"]
        dZ = (AL + Y) / (1.0 - AL)
        scale: dict[str, np.ndarray] = {}
        for l in range(L, 0, -1):
            A_prev = np.abs(fw[f"A{l-1}"])
            scale[f"W{l}"] = dZ @ A_prev.T / m
            scale[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                dZ = (np.abs(params[f"W{l}"]).T @ dZ) * (fw[f"Z{l-1}"] > 0)
        widths = sum(np.shape(params[f"W{l}"])[0] for l in range(1, L + 1))
        return scale, m + np.shape(inputs["X"])[0] + widths + 4 * L + 8


DEEP = Deep()


class DeepRegularised(Deep):
    """C2W1's "Regularization" network: ``deep`` with the L2 term, ``deep_reg``. Examples are columns.

    J = cross-entropy + (1/m)(λ/2) Σ_l ‖W[l]‖² with λ = ``lambd`` (an input, as the course spells it);
    dW[l] gains (λ/m) W[l]; db, dZ and dA are unchanged.
    """

    name = "deep_reg"
    input_names = ("X", "Y", "lambd")

    def shape_table(self, dims):
        return {**super().shape_table(dims), "lambd": ()}

    def forward(self, inputs, params, xp=np, taps=None):
        out = super().forward(inputs, params, xp, taps)
        m = inputs["X"].shape[1]
        L = sum(1 for k in params if k.startswith("W"))
        l2 = sum(xp.sum(params[f"W{l}"] ** 2, axis=(-2, -1)) for l in range(1, L + 1))
        # the base class's backward pass runs this forward on X and Y alone, for its intermediates only
        out["J"] = out["J"] + inputs.get("lambd", 0.0) / (2 * m) * l2
        return out

    def backward(self, inputs, params):
        grads, inter = super().backward(inputs, params)
        m = np.shape(inputs["X"])[1]
        lambd = float(inputs["lambd"])
        for k in grads:
            if k.startswith("W"):
                grads[k] = grads[k] + lambd / m * np.asarray(params[k], dtype=float)
        return grads, inter

    def roundoff_scale(self, inputs, params):
        scale, ops = super().roundoff_scale(inputs, params)
        m = np.shape(inputs["X"])[1]
        lambd = abs(float(inputs["lambd"]))
        for k in scale:
            if k.startswith("W"):
                scale[k] = scale[k] + lambd / m * np.abs(np.asarray(params[k], dtype=float))
        return scale, ops + 2


DEEP_REG = DeepRegularised()


class Planar(Model):
    """C1W3's planar network ("Planar data classification with one hidden layer"): ``planar``.

    Examples are columns. Z1 = W1·X + b1, A1 = tanh(Z1), Z2 = W2·A1 + b2, A2 = σ(Z2);
    J = −(1/m) Σ [Y log A2 + (1 − Y) log(1 − A2)]. X is (n_x, m), Y is (n_y, m), W1 is (n_h, n_x),
    b1 is (n_h, 1), W2 is (n_y, n_h), b2 is (n_y, 1): the course's own size names.

    dZ2 = A2 − Y; dW2 = (1/m) dZ2·A1ᵀ; db2 = (1/m) Σ dZ2; dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²);
    dW1 = (1/m) dZ1·Xᵀ; db1 = (1/m) Σ dZ1.
    """

    name = "planar"
    input_names = ("X", "Y")
    layout = "examples are columns; W1 is (n_h, n_x)"

    def param_names(self, dims=None):
        return ("W1", "b1", "W2", "b2")

    def dims(self, inputs, params):
        n_x, m = np.shape(inputs["X"])
        return {"m": m, "n_x": n_x, "n_h": np.shape(params["W1"])[0], "n_y": np.shape(params["W2"])[0]}

    def shape_table(self, dims):
        return {"X": ("n_x", "m"), "Y": ("n_y", "m"), "J": (), "W1": ("n_h", "n_x"), "b1": ("n_h", "1"),
                "W2": ("n_y", "n_h"), "b2": ("n_y", "1"), "Z1": ("n_h", "m"), "A1": ("n_h", "m"),
                "Z2": ("n_y", "m"), "A2": ("n_y", "m")}

    def forward(self, inputs, params, xp=np, taps=None):
        X, Y = inputs["X"], inputs["Y"]
        m = X.shape[1]
        Z1 = params["W1"] @ X + params["b1"]
        A1 = xp.tanh(Z1)
        Z2 = params["W2"] @ A1 + params["b2"]
        A2 = sigmoid(Z2, xp)
        logprobs = Y * xp.log(A2) + (1 - Y) * xp.log(1 - A2)
        return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "J": -xp.sum(logprobs, axis=(-2, -1)) / m}

    def backward(self, inputs, params):
        X = np.asarray(inputs["X"], dtype=float)
        Y = np.asarray(inputs["Y"], dtype=float)
        params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        fw = self.forward({"X": X, "Y": Y}, params)
        m = X.shape[1]
        dZ2 = fw["A2"] - Y
        dZ1 = (params["W2"].T @ dZ2) * (1 - fw["A1"] ** 2)
        grads = {"W1": dZ1 @ X.T / m, "b1": np.sum(dZ1, axis=1, keepdims=True) / m,
                 "W2": dZ2 @ fw["A1"].T / m, "b2": np.sum(dZ2, axis=1, keepdims=True) / m}
        return grads, {}

    def output_name(self, dims):
        return "A2"

    def transpose_hint(self, param):
        prev = {"W1": "X", "W2": "A1"}.get(param)
        return f" A transposed result usually means dZ{param[1]} @ {prev}.T was written as {prev} @ dZ{param[1]}.T." if prev else ""

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: A2 − Y bounded by A2 + |Y|, |W2|ᵀ going down."""
        fw = self.forward(inputs, params)
        X = np.abs(np.asarray(inputs["X"], dtype=float))
        m = X.shape[1]
        dZ2 = fw["A2"] + np.abs(np.asarray(inputs["Y"], dtype=float))
        dZ1 = (np.abs(params["W2"]).T @ dZ2) * (1 + fw["A1"] ** 2)
        scale = {"W1": dZ1 @ X.T / m, "b1": np.sum(dZ1, axis=1, keepdims=True) / m,
                 "W2": dZ2 @ np.abs(fw["A1"]).T / m, "b2": np.sum(dZ2, axis=1, keepdims=True) / m}
        return scale, m + X.shape[0] + np.shape(params["W1"])[0] + 16


PLANAR = Planar()


def course_masks(n1: int, n2: int, m: int, keep_prob: float) -> tuple[np.ndarray, np.ndarray]:
    """The masks C2W1's ``forward_propagation_with_dropout`` draws: ``np.random.seed(1)``, then
    ``np.random.rand(*A1.shape) < keep_prob`` and the same for A2 (as 0/1 floats)."""
    rng = np.random.RandomState(1)
    D1 = (rng.rand(n1, m) < keep_prob).astype(float)
    D2 = (rng.rand(n2, m) < keep_prob).astype(float)
    return D1, D2


class DeepDropout(Deep):
    """C2W1's "Regularization" network with dropout on both hidden layers: ``deep_dropout``. Columns are examples.

    The three-layer ``deep`` net with A1 = relu(Z1) ⊙ D1 / keep_prob and A2 = relu(Z2) ⊙ D2 / keep_prob,
    the masks ``D1`` (n1, m), ``D2`` (n2, m) fixed inputs (0 or 1), as are ``keep_prob``, X and Y;
    J is the cross-entropy of A3. dA[l] gains ⊙ D[l] / keep_prob, so dZ[l] = W[l+1]ᵀ·dZ[l+1] ⊙ D[l] /
    keep_prob ⊙ relu'(Z[l]).
    """

    name = "deep_dropout"
    input_names = ("X", "Y", "keep_prob", "D1", "D2")

    def shape_table(self, dims):
        return {**super().shape_table(dims), "keep_prob": (), "D1": ("n1", "m"), "D2": ("n2", "m")}

    def tap_names(self, dims):
        return ()

    def structure(self):
        return None

    def forward(self, inputs, params, xp=np, taps=None):
        X, Y = inputs["X"], inputs["Y"]
        keep = inputs["keep_prob"]
        m = X.shape[1]
        out = {"A0": X}
        A = X
        for l in (1, 2, 3):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            A = sigmoid(Z, xp) if l == 3 else xp.maximum(Z, 0.0) * inputs[f"D{l}"] / keep
            out[f"Z{l}"], out[f"A{l}"] = Z, A
        logprobs = -xp.log(A) * Y + -xp.log(1 - A) * (1 - Y)
        out["J"] = 1.0 / m * xp.sum(logprobs, axis=(-2, -1))
        return out

    def backward(self, inputs, params):
        inputs = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
        params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        fw = self.forward(inputs, params)
        keep = float(inputs["keep_prob"])
        m = inputs["X"].shape[1]
        grads: dict = {}
        dZ = fw["A3"] - inputs["Y"]
        for l in (3, 2, 1):
            grads[f"W{l}"] = dZ @ fw[f"A{l - 1}"].T / m
            grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                dA = params[f"W{l}"].T @ dZ * inputs[f"D{l - 1}"] / keep
                dZ = dA * (fw[f"Z{l - 1}"] > 0)
        return {k: grads[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")}, {}

    def roundoff_scale(self, inputs, params):
        """``deep``'s bound on the masked forward pass, widened by 1/keep_prob for each rescaled layer."""
        scale, ops = super().roundoff_scale(inputs, params)
        widen = 1.0 / float(inputs["keep_prob"]) ** 2
        return {k: v * widen for k, v in scale.items()}, ops + 4


DEEP_DROPOUT = DeepDropout()


class WarmUp(Model):
    """C2W1's gradient-checking warm-up, ``gc_1d``: J(θ) = θ·x for a number x, so dJ/dθ = x.

    ``forward_propagation(x, theta)`` returns J; ``backward_propagation(x, theta)`` returns dtheta.
    Every array is a scalar ().
    """

    name = "gc_1d"
    input_names = ("x",)
    layout = "one number x and one parameter theta: J = theta * x"

    def param_names(self, dims=None):
        return ("theta",)

    def dims(self, inputs, params):
        return {}

    def shape_table(self, dims):
        return {"x": (), "theta": (), "J": ()}

    def forward(self, inputs, params, xp=np, taps=None):
        return {"J": params["theta"] * inputs["x"]}

    def backward(self, inputs, params):
        x = np.asarray(inputs["x"], dtype=float)
        return {"theta": x * np.ones_like(np.asarray(params["theta"], dtype=float))}, {}

    def roundoff_scale(self, inputs, params):
        return {"theta": np.abs(np.asarray(inputs["x"], dtype=float))}, 4


WARM_UP = WarmUp()
