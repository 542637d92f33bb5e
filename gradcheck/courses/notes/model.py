"""The guided notes' network (seed 000): ``welch`` and its regularised variant ``welch_reg``.

Examples are rows, no biases. f(z) = 1/(1+e^(−z)), f'(z) = e^(−z)/(1+e^(−z))².
z2 = X·W1, a2 = f(z2), z3 = a2·W2, yHat = f(z3), J = Σ ½(y − yHat)² (summed, no 1/m).
δ3 = −(y − yHat) ⊙ f'(z3); dJdW2 = a2ᵀ·δ3; δ2 = (δ3·W2ᵀ) ⊙ f'(z2); dJdW1 = Xᵀ·δ2.

=========  ==================================================
array      dims
=========  ==================================================
X          (numExamples, inputLayerSize)
y          (numExamples, outputLayerSize)
W1         (inputLayerSize, hiddenLayerSize), dJdW1 the same
W2         (hiddenLayerSize, outputLayerSize), dJdW2 the same
z2, a2     (numExamples, hiddenLayerSize), delta2 the same
z3, yHat   (numExamples, outputLayerSize), delta3 the same
J          a scalar (the notes write (1, outputLayerSize))
=========  ==================================================

Imports: numpy; :mod:`gradcheck.course`. When first needed:
:mod:`gradcheck.courses.notes.structured`.
"""

from __future__ import annotations

import numpy as np

from ...course import Model, sigmoid, sigmoid_prime, tap

DIMS = ("numExamples", "inputLayerSize", "hiddenLayerSize", "outputLayerSize")


class Welch(Model):
    """The guided notes' 2-layer network (seed 000). Examples are rows, no biases.

    z2 = X·W1, a2 = f(z2), z3 = a2·W2, yHat = f(z3), J = Σ ½(y − yHat)².
    X is (numExamples, inputLayerSize); W1 is (inputLayerSize, hiddenLayerSize);
    W2 is (hiddenLayerSize, outputLayerSize); y is (numExamples, outputLayerSize).
    """

    name = "welch"
    input_names = ("X", "y")
    layout = "examples are rows; W1 is (inputLayerSize, hiddenLayerSize)"
    regularised = False

    def param_names(self, dims=None):
        return ("W1", "W2")

    def dims(self, inputs, params):
        m, n_in = np.shape(inputs["X"])
        hid, out = np.shape(params["W2"])
        return dict(zip(DIMS, (m, n_in, hid, out)))

    def shape_table(self, dims):
        m, i, h, o = DIMS
        table = {
            "X": (m, i), "y": (m, o), "W1": (i, h), "W2": (h, o),
            "z2": (m, h), "a2": (m, h), "z3": (m, o), "yHat": (m, o), "J": (),
            "delta3": (m, o), "delta2": (m, h),
        }
        if self.regularised:
            table["Lambda"] = ()
        return table

    def tap_names(self, dims):
        return ("delta3", "delta2")

    def scale(self, inputs) -> float:
        """The factor on ½Σ(y − yHat)²: 1, or 1/numExamples for the regularised cost."""
        return 1.0 / np.shape(inputs["X"])[0] if self.regularised else 1.0

    def forward(self, inputs, params, xp=np, taps=None):
        X, y, W1, W2 = inputs["X"], inputs["y"], params["W1"], params["W2"]
        z2 = tap(X @ W1, taps, "delta2")
        a2 = sigmoid(z2, xp)
        z3 = tap(a2 @ W2, taps, "delta3")
        yHat = sigmoid(z3, xp)
        J = 0.5 * xp.sum((y - yHat) ** 2) * self.scale(inputs)
        if self.regularised:
            J = J + inputs["Lambda"] / 2.0 * (xp.sum(W1**2) + xp.sum(W2**2))
        return {"z2": z2, "a2": a2, "z3": z3, "yHat": yHat, "J": J}

    def backward(self, inputs, params):
        X, y, W1, W2 = (np.asarray(a, dtype=float) for a in (inputs["X"], inputs["y"], params["W1"], params["W2"]))
        fw = self.forward({**inputs, "X": X, "y": y}, {"W1": W1, "W2": W2})
        delta3 = -(y - fw["yHat"]) * sigmoid_prime(fw["z3"]) * self.scale(inputs)
        delta2 = (delta3 @ W2.T) * sigmoid_prime(fw["z2"])
        grads = {"W1": X.T @ delta2, "W2": fw["a2"].T @ delta3}
        if self.regularised:
            grads = {"W1": grads["W1"] + inputs["Lambda"] * W1, "W2": grads["W2"] + inputs["Lambda"] * W2}
        return grads, {"delta3": delta3, "delta2": delta2}

    # Hooks ------------------------------------------------------------------------------------
    def structure(self):
        from .structured import NotesStructure

        return NotesStructure(self)

    def output_name(self, dims):
        return "yHat"

    def transpose_hint(self, param):
        src = {"W1": ("X", "delta2"), "W2": ("a2", "delta3")}.get(param)
        if not src:
            return ""
        return f" A transposed result usually means {src[0]}.T @ {src[1]} was written as {src[1]}.T @ {src[0]}."

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: every difference (y − yHat) replaced by the sum of
        magnitudes and f'(z) by f(z), which bounds the terms of every usual way to write f'."""
        fw = self.forward(inputs, params)
        X, y, W2 = (np.abs(np.asarray(a, dtype=float)) for a in (inputs["X"], inputs["y"], params["W2"]))
        m = X.shape[0]
        d3 = (y + fw["yHat"]) * sigmoid(fw["z3"]) * self.scale(inputs)
        d2 = (d3 @ W2.T) * sigmoid(fw["z2"])
        scale = {"W1": X.T @ d2, "W2": fw["a2"].T @ d3}
        if self.regularised:
            lam = abs(float(inputs["Lambda"]))
            scale = {k: v + lam * np.abs(params[k]) for k, v in scale.items()}
        return scale, m + sum(np.shape(X)) + sum(np.shape(W2)) + 8


class WelchRegularised(Welch):
    """The notes' network with L2 regularisation (the lesson's later part).

    J = Σ ½(y − yHat)² / numExamples + (Lambda/2)(ΣW1² + ΣW2²);
    dJdW = (unregularised form)/numExamples + Lambda·W. ``delta3`` and ``delta2``
    are the derivatives of this J, so they carry the 1/numExamples.
    """

    name = "welch_reg"
    input_names = ("X", "y", "Lambda")
    regularised = True


WELCH = Welch()
WELCH_REG = WelchRegularised()
