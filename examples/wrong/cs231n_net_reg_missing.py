"""A CS231n-shaped TwoLayerNet whose W1 gradient lacks the regularisation term (written for gradcheck's examples).

reg is a constructor argument, loss(X, y=None) as in assignment 2: right at reg = 0, wrong at reg > 0.
"""

import numpy as np


class TwoLayerNet:
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
                       "W2": weight_scale * np.random.randn(hidden_dim, num_classes), "b2": np.zeros(num_classes)}

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h = np.maximum(0, X @ W1 + b1)
        scores = h @ W2 + b2
        if y is None:
            return scores
        n = X.shape[0]
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(n), y]).mean() + 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dscores = p
        dscores[np.arange(n), y] -= 1
        dscores /= n
        dh = (dscores @ W2.T) * (h > 0)
        grads = {"W1": X.T @ dh, "b1": dh.sum(axis=0),  # + self.reg * W1 is missing
                 "W2": h.T @ dscores + self.reg * W2, "b2": dscores.sum(axis=0)}
        return loss, grads
