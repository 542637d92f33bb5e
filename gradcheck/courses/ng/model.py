"""Ng's Machine Learning ex4 (the Python ports of ``nnCostFunction``): ``ng_ex4``. Examples are rows.

a1 = [1, X]; z2 = a1·Theta1ᵀ; a2 = [1, σ(z2)]; z3 = a2·Theta2ᵀ; h = a3 = σ(z3), a column of ones
(the bias unit) put in front of each layer's activations;
J = (1/m) Σᵢ Σₖ [−Yᵢₖ log hᵢₖ − (1 − Yᵢₖ) log(1 − hᵢₖ)] + (λ/2m) (Σ Theta1[:, 1:]² + Σ Theta2[:, 1:]²),
one-vs-all over num_labels output units, the bias columns not regularised.
δ3 = h − Y; δ2 = δ3·Theta2[:, 1:] ⊙ σ'(z2); Theta2_grad = (1/m) δ3ᵀ·a2; Theta1_grad = (1/m) δ2ᵀ·a1,
plus (λ/m) Theta with its bias column (column 0) zeroed.

==============  ===========================================
array           dims
==============  ===========================================
X               (m, input_layer_size)
Y               (m, num_labels): the labels one-hot (the adapter passes y as the port numbers it)
lambda\\_         ()
Theta1          (hidden_layer_size, input_layer_size + 1)
Theta2          (num_labels, hidden_layer_size + 1)
z2              (m, hidden_layer_size)
a3              (m, num_labels)
==============  ===========================================

The student's ``nn_params`` is Theta1 then Theta2 unrolled (in C or Fortran order, as the port
reshapes), and ``grad`` is unrolled the same way; the adapter rolls and unrolls.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Model, sigmoid

IN1, HID1 = "input_layer_size + 1", "hidden_layer_size + 1"


def _with_bias(a, xp):
    """``a`` with a column of ones in front of its last axis (the bias unit)."""
    return xp.concatenate([xp.ones(a.shape[:-1] + (1,)), a], axis=-1)


def _t(a, xp):
    return xp.swapaxes(a, -1, -2)


class NgEx4(Model):
    """ex4's three-layer sigmoid network: rows are examples, Theta1 is (hidden_layer_size, input_layer_size + 1).

    J = (1/m) Σ −Y log h − (1 − Y) log(1 − h) + (λ/2m)(Σ Theta1[:, 1:]² + Σ Theta2[:, 1:]²);
    inputs X (m, input_layer_size), Y one-hot (m, num_labels) and ``lambda_``.
    """

    name = "ng_ex4"
    input_names = ("X", "Y", "lambda_")
    layout = "examples are rows; Theta1 is (hidden_layer_size, input_layer_size + 1), bias column first"

    def param_names(self, dims=None):
        return ("Theta1", "Theta2")

    def dims(self, inputs, params):
        m, n = np.shape(inputs["X"])
        h, K = int(np.shape(params["Theta1"])[0]), int(np.shape(params["Theta2"])[0])
        return {"m": int(m), "input_layer_size": int(n), "hidden_layer_size": h, "num_labels": K,
                IN1: int(n) + 1, HID1: h + 1}

    def shape_table(self, dims):
        return {"X": ("m", "input_layer_size"), "Y": ("m", "num_labels"), "lambda_": (), "J": (),
                "Theta1": ("hidden_layer_size", IN1), "Theta2": ("num_labels", HID1),
                "z2": ("m", "hidden_layer_size"), "a3": ("m", "num_labels")}

    def forward(self, inputs, params, xp=np, taps=None):
        X, Y = inputs["X"], inputs["Y"]
        T1, T2 = params["Theta1"], params["Theta2"]
        m = X.shape[0]
        a1 = _with_bias(X, xp)
        z2 = a1 @ _t(T1, xp)
        a2 = _with_bias(sigmoid(z2, xp), xp)
        z3 = a2 @ _t(T2, xp)
        a3 = sigmoid(z3, xp)
        J = xp.sum(-Y * xp.log(a3) - (1 - Y) * xp.log(1 - a3), axis=(-2, -1)) / m
        reg = xp.sum(T1[..., :, 1:] ** 2, axis=(-2, -1)) + xp.sum(T2[..., :, 1:] ** 2, axis=(-2, -1))
        J = J + inputs.get("lambda_", 0.0) / (2 * m) * reg
        return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3, "J": J}

    def backward(self, inputs, params):
        X = np.asarray(inputs["X"], dtype=float)
        Y = np.asarray(inputs["Y"], dtype=float)
        lam = float(inputs["lambda_"])
        T1, T2 = (np.asarray(params[k], dtype=float) for k in ("Theta1", "Theta2"))
        fw = self.forward({"X": X, "Y": Y, "lambda_": lam}, {"Theta1": T1, "Theta2": T2})
        m = X.shape[0]
        d3 = fw["a3"] - Y
        s = fw["a2"][:, 1:]
        d2 = (d3 @ T2[:, 1:]) * s * (1 - s)
        grads = {"Theta1": d2.T @ fw["a1"] / m + lam / m * _unbiased(T1),
                 "Theta2": d3.T @ fw["a2"] / m + lam / m * _unbiased(T2)}
        return grads, {}

    def output_name(self, dims):
        return "a3"

    def transpose_hint(self, param):
        prev = {"Theta1": "a1", "Theta2": "a2"}.get(param)
        delta = {"Theta1": "d2", "Theta2": "d3"}.get(param)
        return (f" A transposed result usually means {delta}.T @ {prev} was written as {prev}.T @ {delta}."
                if prev else "")

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: h − Y bounded by h + |Y|, |Theta2| going down."""
        fw = self.forward(inputs, params)
        m = np.shape(inputs["X"])[0]
        lam = abs(float(inputs["lambda_"]))
        T1, T2 = (np.abs(np.asarray(params[k], dtype=float)) for k in ("Theta1", "Theta2"))
        d3 = fw["a3"] + np.abs(np.asarray(inputs["Y"], dtype=float))
        s = fw["a2"][:, 1:]
        d2 = (d3 @ T2[:, 1:]) * s * (1 - s)
        scale = {"Theta1": d2.T @ np.abs(fw["a1"]) / m + lam / m * T1, "Theta2": d3.T @ np.abs(fw["a2"]) / m + lam / m * T2}
        n, h, K = np.shape(inputs["X"])[1], T1.shape[0], T2.shape[0]
        return scale, m + n + h + K + 16


def _unbiased(theta: np.ndarray) -> np.ndarray:
    """``theta`` with its bias column (column 0) zeroed: the regularisation skips it."""
    out = np.array(theta, dtype=float)
    out[:, 0] = 0.0
    return out


NG_EX4 = NgEx4()
