"""CS231n-shaped layers with four classic mistakes, one per pair (written for gradcheck's examples).

affine_backward: dw transposed; batchnorm_backward: dx without the mean term; softmax_loss: dx not
divided by N; dropout_backward: the mask not applied. relu is right.
"""

import numpy as np


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), dout.T @ x.reshape(x.shape[0], -1), dout.sum(axis=0)  # dw transposed


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def batchnorm_forward(x, gamma, beta, bn_param):
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5))
    return gamma * xhat + beta, (xhat, gamma, np.sqrt(var + bn_param.get("eps", 1e-5)))


def batchnorm_backward(dout, cache):
    xhat, gamma, std = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - xhat * np.sum(dxhat * xhat, axis=0)) / (n * std)  # the mean term is missing
    return dx, np.sum(dout * xhat, axis=0), dout.sum(axis=0)


def softmax_loss(x, y):
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(p[np.arange(n), y]).sum() / n
    p[np.arange(n), y] -= 1
    return loss, p  # not divided by N


def dropout_forward(x, dropout_param):
    np.random.seed(dropout_param.get("seed", 0))
    mask = (np.random.rand(*x.shape) < dropout_param["p"]) / dropout_param["p"]
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache):
    return dout  # the mask is not applied
