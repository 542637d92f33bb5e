"""Nets in the shape of CS231n's assignment 2 fc_net.py, written for gradcheck's examples.

W1 is (D, H): examples are rows. ``reg`` is set in the constructor, as the assignment does.
"""

import numpy as np

from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class TwoLayerNet:
    """affine - relu - affine - softmax, default sizes as the assignment's (3072 inputs, 100 hidden)."""

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
                       "W2": weight_scale * np.random.randn(hidden_dim, num_classes), "b2": np.zeros(num_classes)}

    def loss(self, X, y=None):
        h, cache1 = affine_forward(X, self.params["W1"], self.params["b1"])
        a, cache_relu = relu_forward(h)
        scores, cache2 = affine_forward(a, self.params["W2"], self.params["b2"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        W1, W2 = self.params["W1"], self.params["W2"]
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        da, dW2, db2 = affine_backward(dscores, cache2)
        dx, dW1, db1 = affine_backward(relu_backward(da, cache_relu), cache1)
        grads = {"W1": dW1 + self.reg * W1, "b1": db1, "W2": dW2 + self.reg * W2, "b2": db2}
        return loss, grads


class FullyConnectedNet:
    """{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization, self.reg, self.dtype = normalization, reg, dtype
        self.use_dropout = dropout_keep_ratio != 1
        self.num_layers = 1 + len(hidden_dims)
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = (weight_scale * np.random.randn(dims[i], dims[i + 1])).astype(dtype)
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1], dtype=dtype)
            if normalization and i < self.num_layers - 1:
                self.params[f"gamma{i + 1}"] = np.ones(dims[i + 1], dtype=dtype)
                self.params[f"beta{i + 1}"] = np.zeros(dims[i + 1], dtype=dtype)
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed
        self.norm_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        self.dropout_param["mode"] = mode
        for p in self.norm_params:
            p["mode"] = mode
        caches, out = [], X
        for i in range(1, self.num_layers):
            out, fc = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            norm = None
            if self.normalization == "batchnorm":
                out, norm = batchnorm_forward(out, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                              self.norm_params[i - 1])
            elif self.normalization == "layernorm":
                out, norm = layernorm_forward(out, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                              self.norm_params[i - 1])
            out, relu = relu_forward(out)
            drop = None
            if self.use_dropout:
                out, drop = dropout_forward(out, self.dropout_param)
            caches.append((fc, norm, relu, drop))
        L = self.num_layers
        scores, last = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        if mode == "test":
            return scores
        loss, dout = softmax_loss(scores, y)
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last)
        for i in range(L - 1, 0, -1):
            fc, norm, relu, drop = caches[i - 1]
            if drop is not None:
                dout = dropout_backward(dout, drop)
            dout = relu_backward(dout, relu)
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm)
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        return loss, grads
