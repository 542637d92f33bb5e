"""A conv net in the shape of CS231n's assignment 2 cnn.py, written for gradcheck's examples.

conv - relu - 2x2 max pool - affine - relu - affine - softmax; x is (N, C, H, W); reg set in the
constructor; float32 by default, as the assignment's.
"""

import numpy as np

from .layer_utils import affine_relu_backward, affine_relu_forward
from .layers import (
    affine_backward,
    affine_forward,
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32):
        C, H, W = input_dim
        self.reg, self.dtype, self.filter_size = reg, dtype, filter_size
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        p = self.params
        conv_param = {"stride": 1, "pad": (self.filter_size - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        a, conv_cache = conv_forward_naive(X, p["W1"], p["b1"], conv_param)
        r, relu_cache = relu_forward(a)
        pooled, pool_cache = max_pool_forward_naive(r, pool_param)
        h, hidden_cache = affine_relu_forward(pooled, p["W2"], p["b2"])
        scores, out_cache = affine_forward(h, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads["W3"], grads["b3"] = affine_backward(dscores, out_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dh, hidden_cache)
        dr = max_pool_backward_naive(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = conv_backward_naive(relu_backward(dr, relu_cache), conv_cache)
        for k in ("W1", "W2", "W3"):
            loss += 0.5 * self.reg * np.sum(p[k] * p[k])
            grads[k] = grads[k] + self.reg * p[k]
        return loss, grads
