"""A student's backprop for the tanh network, with one mistake: tanh' taken of z1 instead of a1."""

import numpy as np


def tanh_prime(a):
    """The derivative of tanh, written in terms of the activation a = tanh(z)."""
    return 1 - a**2


def tanh_backprop(X, y, W1, b1, W2, b2):
    # forward
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    yhat = a1 @ W2 + b2

    # backward: J = 1/2 * sum((y - yhat)**2)
    dyhat = yhat - y
    dW2 = a1.T @ dyhat
    db2 = np.sum(dyhat, axis=0)
    dz1 = (dyhat @ W2.T) * tanh_prime(z1)  # the mistake: the helper wants a1, not z1
    dW1 = X.T @ dz1
    db1 = np.sum(dz1, axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
