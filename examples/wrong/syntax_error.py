"""A submission that does not parse: a missing colon. It fails its own item; the others still run."""
import numpy as np


def backprop(X, y, W1, W2)
    return np.zeros_like(W1), np.zeros_like(W2)
