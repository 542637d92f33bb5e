"""A plain function for the notes' network, returning a dict. Correct."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(X, y, W1, W2):
    z2 = X @ W1
    a2 = sigmoid(z2)
    z3 = a2 @ W2
    yHat = sigmoid(z3)
    delta3 = -(y - yHat) * yHat * (1 - yHat)
    delta2 = delta3 @ W2.T * a2 * (1 - a2)
    return {"dJdW1": X.T @ delta2, "dJdW2": a2.T @ delta3}
