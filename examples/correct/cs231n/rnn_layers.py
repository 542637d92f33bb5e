"""Recurrent layers in the shape of CS231n's assignment 3 rnn_layers.py, written for gradcheck's examples.

x is (N, T, D) for sequences, (N, D) for one step; h is (N, H); Wx (D, H), Wh (H, H), b (H,) for the
rnn, (D, 4H), (H, 4H), (4H,) for the lstm (gates i, f, o, g in that order; c is (N, H)).
"""

import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    steps, h = [], h0
    for t in range(x.shape[1]):
        h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        steps.append((h, cache))
    return np.stack([s[0] for s in steps], axis=1), [s[1] for s in steps]


def rnn_backward(dh, cache):
    x0 = cache[0][0]
    n, t_len, h_dim = dh.shape
    dx = np.zeros((n, t_len, x0.shape[1]))
    dWx, dWh = np.zeros_like(cache[0][2]), np.zeros_like(cache[0][3])
    db, dprev = np.zeros(h_dim), np.zeros((n, h_dim))
    for t in reversed(range(t_len)):
        dx[:, t], dprev, dwx, dwh, dbt = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx, dWh, db = dWx + dwx, dWh + dwh, db + dbt
    return dx, dprev, dWx, dWh, db


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    h = prev_h.shape[1]
    i, f, o, g = _sigmoid(a[:, :h]), _sigmoid(a[:, h:2 * h]), _sigmoid(a[:, 2 * h:3 * h]), np.tanh(a[:, 3 * h:])
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    return o * tc, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    h, c, hs, caches = h0, np.zeros_like(h0), [], []
    for t in range(x.shape[1]):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def lstm_backward(dh, cache):
    n, t_len, h_dim = dh.shape
    dx = np.zeros((n, t_len, cache[0][0].shape[1]))
    dWx, dWh, db = np.zeros_like(cache[0][3]), np.zeros_like(cache[0][4]), np.zeros(4 * h_dim)
    dprev_h, dprev_c = np.zeros((n, h_dim)), np.zeros((n, h_dim))
    for t in reversed(range(t_len)):
        dx[:, t], dprev_h, dprev_c, dwx, dwh, dbt = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, cache[t])
        dWx, dWh, db = dWx + dwx, dWh + dwh, db + dbt
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    return x @ w + b, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    n, t, d = x.shape
    flat = dout.reshape(n * t, -1)
    return dout @ w.T, x.reshape(n * t, d).T @ flat, flat.sum(axis=0)


def temporal_softmax_loss(x, y, mask):
    """x (N, T, V) scores, y (N, T) labels, mask (N, T): the loss summed over kept steps, divided by N."""
    n, t, v = x.shape
    flat, labels, keep = x.reshape(n * t, v), y.reshape(n * t), mask.reshape(n * t)
    p = np.exp(flat - flat.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.sum(keep * np.log(p[np.arange(n * t), labels])) / n
    dx = p.copy()
    dx[np.arange(n * t), labels] -= 1
    return loss, (dx * keep[:, None] / n).reshape(n, t, v)
