"""A plain backprop that returns its pair in swapped order. Wrong."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(X, y, W1, W2):
    a2 = sigmoid(X @ W1)
    yHat = sigmoid(a2 @ W2)
    delta3 = -(y - yHat) * yHat * (1 - yHat)
    delta2 = delta3 @ W2.T * a2 * (1 - a2)
    return a2.T @ delta3, X.T @ delta2
