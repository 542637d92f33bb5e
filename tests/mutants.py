"""Wrong backprop code written as students write it, one known mistake each.

Each function takes a Case's arrays and returns gradients by the names students
use. ``WELCH``, ``WELCH_REG``, ``DEEP`` and ``SCALAR`` map a catalog id to its mutant.
"""

from __future__ import annotations

import numpy as np


def f(z):
    return 1 / (1 + np.exp(-z))


def fp(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


# ---------------------------------------------------------------- the notes' network


def welch_backprop(X, y, W1, W2, *, bug=None, Lambda=None):
    m = X.shape[0]
    z2 = X @ W1
    a2 = f(z2)
    z3 = a2 @ W2
    yHat = f(z3)
    s = 1 / m if Lambda is not None else 1
    if bug == "sign":
        delta3 = (y - yHat) * fp(z3) * s
    elif bug == "no-fprime3":
        delta3 = -(y - yHat) * s
    elif bug == "f-not-fprime":
        delta3 = -(y - yHat) * f(z3) * s
    elif bug == "fprime-of-a":
        delta3 = -(y - yHat) * fp(yHat) * s
    else:
        delta3 = -(y - yHat) * fp(z3) * s
    if bug == "reg-no-1/m":
        delta3 = delta3 * m
    dJdW2 = a2.T @ delta3
    if bug == "q11":
        dJdW2 = a2.T
    if bug == "delta2-fprime-z3":
        delta2 = delta3 @ W2.T * fp(z3)
    elif bug == "delta2-no-fprime":
        delta2 = delta3 @ W2.T
    elif bug == "f-not-fprime":
        delta2 = delta3 @ W2.T * f(z2)
    elif bug == "fprime-of-a":
        delta2 = delta3 @ W2.T * fp(a2)
    else:
        delta2 = np.dot(delta3, W2.T) * a2 * (1 - a2)
    dJdW1 = X.T @ delta2
    if bug == "divided-by-m":
        dJdW1, dJdW2 = dJdW1 / m, dJdW2 / m
    if bug == "transposed":
        dJdW1 = delta2.T @ X
    if Lambda is not None and bug != "reg-missing":
        lam = 2 * Lambda if bug == "reg-doubled" else Lambda
        dJdW1, dJdW2 = dJdW1 + lam * W1, dJdW2 + lam * W2
    if bug == "swapped":
        return {"dJdW1": dJdW2, "dJdW2": dJdW1}
    return {"dJdW1": dJdW1, "dJdW2": dJdW2}


WELCH = {
    "welch/dJdW2-without-delta3": "q11",
    "welch/delta3-without-fprime": "no-fprime3",
    "welch/f-instead-of-fprime": "f-not-fprime",
    "welch/fprime-of-activation": "fprime-of-a",
    "welch/delta2-fprime-of-z3": "delta2-fprime-z3",
    "welch/delta2-without-fprime": "delta2-no-fprime",
    "welch/divided-by-m": "divided-by-m",
    "sign-flipped": "sign",
    "transposed": "transposed",
    "swapped": "swapped",
}
WELCH_REG = {
    "welch/reg-missing-1/m": "reg-no-1/m",
    "welch/reg-term-missing": "reg-missing",
    "welch/reg-term-doubled": "reg-doubled",
}


# ---------------------------------------------------------------- the course's L-layer network


def deep_backprop(X, Y, params, *, bug=None):
    L = len(params) // 2
    m = X.shape[1]
    caches, A = [], X
    for l in range(1, L + 1):
        W, b = params["W" + str(l)], params["b" + str(l)]
        Z = np.dot(W, A) + b
        caches.append((A, W, b, Z))
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(0, Z)
    AL = A
    Y = Y.reshape(AL.shape)
    grads = {}
    if bug == "dAL-denominator":
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, AL))
    else:
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(1, L + 1)):
        A_prev, W, b, Z = caches[l - 1]
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = 1 / (1 + np.exp(-dA)) if bug == "dZ-g-of-dA" else dA * s * (1 - s)
        else:
            if bug == "dZ-g-of-dA":
                dZ = np.maximum(0, dA)
            elif bug == "relu-mask-only":
                dZ = np.array(Z > 0, dtype=float)
            else:
                dZ = np.array(dA, copy=True)
                dZ[Z <= 0] = 0
        dW = 1.0 / m * np.dot(dZ, A_prev.T)
        db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
        if bug == "dW-uses-dA":
            dW = 1.0 / m * np.dot(dZ, dA.T)
        if bug == "dW-no-1/m":
            dW = np.dot(dZ, A_prev.T)
        if bug == "db-no-1/m":
            db = np.sum(dZ, axis=1, keepdims=True)
        if bug == "db-axis":
            db = 1.0 / m * np.sum(dZ, axis=0, keepdims=True)
        if bug == "planted" and l == 2:
            dW = dW * 2
        if bug == "planted" and l == 1:
            db = 4.0 / m * np.sum(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ) / m if bug == "dA-prev-1/m" else np.dot(W.T, dZ)
        grads["dW" + str(l)], grads["db" + str(l)] = dW, db
    return grads


DEEP = {
    "deep/dAL-denominator": "dAL-denominator",
    "deep/dZ-activation-of-dA": "dZ-g-of-dA",
    "deep/dW-uses-dA": "dW-uses-dA",
    "deep/dA-prev-extra-1/m": "dA-prev-1/m",
    "deep/dW-missing-1/m": "dW-no-1/m",
    "deep/db-missing-1/m": "db-no-1/m",
    "deep/db-wrong-axis": "db-axis",
    "deep/relu-backward-mask-only": "relu-mask-only",
}


def planar_backprop(X, Y, params, *, bug=None):
    """C1W3's backward_propagation as students write it; ``bug`` plants a wrong tanh derivative."""
    m = X.shape[1]
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.tanh(Z1)
    A2 = f(params["W2"] @ A1 + params["b2"])
    dZ2 = A2 - Y
    prime = {"1-A1": 1 - A1, "of-Z1": 1 - Z1 ** 2}.get(bug, 1 - A1 ** 2)
    dZ1 = params["W2"].T @ dZ2 * prime
    return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


PLANAR = {"planar/tanh-derivative-1-minus-A1": "1-A1", "planar/tanh-derivative-of-Z1": "of-Z1"}


def deep_reg_backprop(X, Y, params, lambd, *, bug=None):
    """C2W1's backward_propagation_with_regularization: deep_backprop plus the L2 term; ``bug`` plants
    a wrong L2 factor."""
    grads = deep_backprop(X, Y, params)
    m = X.shape[1]
    factor = {"no-1/m": lambd, "2-lambd": 2 * lambd / m, "none": 0.0}.get(bug, lambd / m)
    return {k: v + factor * params[k[1:]] if k.startswith("dW") else v for k, v in grads.items()}


DEEP_REG = {"deep_reg/L2-without-1/m": "no-1/m", "deep_reg/L2-with-2-lambd": "2-lambd", "deep_reg/L2-missing": "none"}


def dropout_backprop(X, Y, params, keep_prob, D1, D2, *, bug=None):
    """C2W1's backward_propagation_with_dropout on its own forward pass with the masks D1, D2; ``bug``
    plants dA not divided by keep_prob, or dA without its mask (relu' then taken from Z)."""
    m = X.shape[1]
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.maximum(Z1, 0) * D1 / keep_prob
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = np.maximum(Z2, 0) * D2 / keep_prob
    A3 = f(params["W3"] @ A2 + params["b3"])
    dZ3 = A3 - Y
    out = {"dW3": dZ3 @ A2.T / m, "db3": dZ3.sum(axis=1, keepdims=True) / m}
    dA2 = params["W3"].T @ dZ3
    dA2 = dA2 if bug == "no-mask" else dA2 * D2
    dA2 = dA2 if bug == "not-rescaled" else dA2 / keep_prob
    dZ2 = dA2 * (Z2 > 0)
    out.update(dW2=dZ2 @ A1.T / m, db2=dZ2.sum(axis=1, keepdims=True) / m)
    dA1 = params["W2"].T @ dZ2
    dA1 = dA1 if bug == "no-mask" else dA1 * D1
    dA1 = dA1 if bug == "not-rescaled" else dA1 / keep_prob
    dZ1 = dA1 * (Z1 > 0)
    out.update(dW1=dZ1 @ X.T / m, db1=dZ1.sum(axis=1, keepdims=True) / m)
    return out


DROPOUT = {"deep_dropout/dA-not-rescaled-by-keep-prob": "not-rescaled", "deep_dropout/mask-not-applied": "no-mask"}


# ---------------------------------------------------------------- Ng's ex4


def ng_ex4_grad(X, Y, Theta1, Theta2, lambda_, *, bug=None):
    """ex4's Theta1_grad, Theta2_grad as a port's student writes them (a loop over the examples, the
    Deltas accumulated); ``bug`` plants a mistake in the regularisation or the bias column."""
    m = X.shape[0]
    D1, D2 = np.zeros_like(Theta1), np.zeros_like(Theta2)
    for t in range(m):
        a1 = np.r_[1.0, X[t]]
        z2 = Theta1 @ a1
        a2 = np.r_[1.0, f(z2)]
        d3 = f(Theta2 @ a2) - Y[t]
        d2 = Theta2[:, 1:].T @ d3 * fp(z2)
        D1 += np.outer(d2, a1)
        D2 += np.outer(d3, a2)
    grads = {}
    for name, D, T in (("Theta1_grad", D1, Theta1), ("Theta2_grad", D2, Theta2)):
        g = D / m
        if bug == "bias-regularised":
            g = g + lambda_ / m * T
        elif bug == "no-1/m":
            g[:, 1:] += lambda_ * T[:, 1:]
        elif bug == "bias-dropped":
            g[:, 0] = 0.0
            g[:, 1:] += lambda_ / m * T[:, 1:]
        else:
            g[:, 1:] += lambda_ / m * T[:, 1:]
        grads[name] = g
    return grads


NG_EX4 = {"ng_ex4/bias-column-regularised": "bias-regularised", "ng_ex4/regularisation-without-1-over-m": "no-1/m",
          "ng_ex4/bias-column-dropped-from-gradient": "bias-dropped"}


# ---------------------------------------------------------------- Nielsen's network.py / network2.py


def nielsen_backprop(x, y, weights, biases, *, cross_entropy=False, bug=None):
    """backprop(x, y) as the book's readers write it (output layer first, then a loop over the hidden
    layers), keyed nabla_b[l] / nabla_w[l]; ``bug`` plants one of the catalog's mistakes."""
    activations, zs = [x], []
    for W, b in zip(weights, biases):
        zs.append(W @ activations[-1] + b)
        activations.append(f(zs[-1]))
    a = activations[-1]
    derivative = (y - a) if bug == "sign" else (a - y)
    if cross_entropy:
        delta = derivative * fp(zs[-1]) if bug == "ce-times-sigma-prime" else derivative
    else:
        delta = derivative if bug == "no-sigma-prime" else derivative * fp(zs[-1])
    L = len(weights)
    nabla_b, nabla_w = [None] * L, [None] * L
    nabla_b[-1], nabla_w[-1] = delta, delta @ activations[-2].T
    for layer in range(2, L + 1):
        delta = (weights[-layer + 1].T @ delta) * fp(zs[-layer])
        nabla_b[-layer] = delta
        if bug == "transposed":
            nabla_w[-layer] = activations[-layer - 1] @ delta.T
        elif bug == "off-by-one":
            nabla_w[-layer] = delta @ activations[-layer].T
        else:
            nabla_w[-layer] = delta @ activations[-layer - 1].T
    return {**{f"nabla_w[{l}]": nabla_w[l] for l in range(L)}, **{f"nabla_b[{l}]": nabla_b[l] for l in range(L)}}


NIELSEN = {
    "nielsen/output-delta-without-sigma-prime": "no-sigma-prime",
    "nielsen/nabla-w-transposed": "transposed",
    "nielsen/layer-index-off-by-one": "off-by-one",
    "nielsen/cost-derivative-sign": "sign",
}
NIELSEN_CE = {"nielsen/cross-entropy-delta-times-sigma-prime": "ce-times-sigma-prime"}


# ---------------------------------------------------------------- scalar chains and the scalar net


def chain_grad(a0, target, w, *, bug=None):
    a1 = a0 * w
    if bug == "output":
        return {"dw": a1 * 2 * (a1 - target)}
    if bug == "no-2":
        return {"dw": a0 * (a1 - target)}
    return {"dw": a0 * 2 * (a1 - target)}


def scalar_net_grad(x, d, w1, w2, *, bug=None):
    y = f(w1 * x)
    z = f(w2 * y)
    dEdz = (d - z) if bug == "d-z" else (z - d)
    return {"dw2": dEdz * z * (1 - z) * y, "dw1": dEdz * z * (1 - z) * w2 * y * (1 - y) * x}
