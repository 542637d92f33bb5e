"""The scalar networks of the seed threads: ``chain``, ``chain2`` (seed 001) and ``scalar_net`` (seed 002).

Every value is a scalar; the shape table lists the names, each of shape ``()``.

* chain: a1 = a0·w, C = (a1 − target)², ∂C/∂w = a0·2(a1 − target). No activation.
* chain2: a1 = a0·w1, a2 = a1·w2; ∂C/∂w1 = a0·w2·2(a2 − target), ∂C/∂w2 = a1·2(a2 − target).
* scalar_net: p1 = w1·x, y = f(p1), p2 = w2·y, z = f(p2), E = ½(z − d)², f the sigmoid;
  ∂E/∂w2 = (z − d)·f'(p2)·y, ∂E/∂w1 = (z − d)·f'(p2)·w2·f'(p1)·x.

Imports: numpy; :mod:`gradcheck.course`.
"""

from __future__ import annotations

import numpy as np

from ...course import Model, sigmoid, sigmoid_prime, tap


class _Scalars(Model):
    """A model whose every value is a scalar: its shape table lists names, each shape ``()``."""

    layout = "scalars"
    params: tuple[str, ...] = ()
    intermediates: tuple[str, ...] = ()
    taps: tuple[str, ...] = ()

    def param_names(self, dims=None):
        return self.params

    def dims(self, inputs, params):
        return {}

    def shape_table(self, dims):
        return {k: () for k in (*self.input_names, *self.params, *self.intermediates, "J", *self.taps)}

    def tap_names(self, dims):
        return self.taps


class Chain(_Scalars):
    """The scalar chain of seed 001, one layer and no activation.

    a1 = a0·w, C = (a1 − target)², ∂C/∂w = a0·2(a1 − target). All values are scalars.
    """

    name = "chain"
    params = ("w",)
    intermediates = ("a1",)
    taps = ("da1",)
    input_names = ("a0", "target")

    def forward(self, inputs, params, xp=np, taps=None):
        a1 = tap(inputs["a0"] * params["w"], taps, "da1")
        return {"a1": a1, "J": (a1 - inputs["target"]) ** 2}

    def backward(self, inputs, params):
        a0, w, t = (float(v) for v in (inputs["a0"], params["w"], inputs["target"]))
        da1 = 2.0 * (a0 * w - t)
        return {"w": np.float64(a0 * da1)}, {"da1": np.float64(da1)}

    def roundoff_scale(self, inputs, params):
        a0, t, w = (abs(float(v)) for v in (inputs["a0"], inputs["target"], params["w"]))
        return {"w": np.float64(a0 * 2 * (a0 * w + t))}, 8


class Chain2(_Scalars):
    """The two-layer scalar chain of seed 001, no activation.

    a1 = a0·w1, a2 = a1·w2, C = (a2 − target)²;
    ∂C/∂w1 = a0·w2·2(a2 − target), ∂C/∂w2 = a1·2(a2 − target).
    """

    name = "chain2"
    params = ("w1", "w2")
    intermediates = ("a1", "a2")
    taps = ("da2", "da1")
    input_names = ("a0", "target")

    def forward(self, inputs, params, xp=np, taps=None):
        a1 = tap(inputs["a0"] * params["w1"], taps, "da1")
        a2 = tap(a1 * params["w2"], taps, "da2")
        return {"a1": a1, "a2": a2, "J": (a2 - inputs["target"]) ** 2}

    def backward(self, inputs, params):
        a0, w1, w2, t = (float(v) for v in (inputs["a0"], params["w1"], params["w2"], inputs["target"]))
        a1 = a0 * w1
        da2 = 2.0 * (a1 * w2 - t)
        da1 = da2 * w2
        return {"w1": np.float64(a0 * da1), "w2": np.float64(a1 * da2)}, {"da2": np.float64(da2), "da1": np.float64(da1)}

    def roundoff_scale(self, inputs, params):
        a0, t, w1, w2 = (abs(float(v)) for v in (inputs["a0"], inputs["target"], params["w1"], params["w2"]))
        d = 2 * (a0 * w1 * w2 + t)
        return {"w1": np.float64(a0 * w2 * d), "w2": np.float64(a0 * w1 * d)}, 10


class ScalarNet(_Scalars):
    """The scalar net of seed 002's answer: two sigmoid units in a chain.

    p1 = w1·x, y = f(p1), p2 = w2·y, z = f(p2), E = ½(z − d)²;
    ∂E/∂w2 = (z − d)·f'(p2)·y, ∂E/∂w1 = (z − d)·f'(p2)·w2·f'(p1)·x.
    """

    name = "scalar_net"
    params = ("w1", "w2")
    intermediates = ("p1", "y", "p2", "z")
    taps = ("dp2", "dp1")
    input_names = ("x", "d")

    def forward(self, inputs, params, xp=np, taps=None):
        p1 = tap(params["w1"] * inputs["x"], taps, "dp1")
        y = sigmoid(p1, xp)
        p2 = tap(params["w2"] * y, taps, "dp2")
        z = sigmoid(p2, xp)
        return {"p1": p1, "y": y, "p2": p2, "z": z, "J": 0.5 * (z - inputs["d"]) ** 2}

    def backward(self, inputs, params):
        x, d, w1, w2 = (float(v) for v in (inputs["x"], inputs["d"], params["w1"], params["w2"]))
        fw = self.forward({"x": x, "d": d}, {"w1": w1, "w2": w2})
        dp2 = (fw["z"] - d) * sigmoid_prime(fw["p2"])
        dp1 = dp2 * w2 * sigmoid_prime(fw["p1"])
        return {"w1": np.float64(dp1 * x), "w2": np.float64(dp2 * fw["y"])}, {"dp2": np.float64(dp2), "dp1": np.float64(dp1)}

    def roundoff_scale(self, inputs, params):
        fw = self.forward(inputs, params)
        e = (abs(float(fw["z"])) + abs(float(inputs["d"]))) * sigmoid(float(fw["p2"]))
        g2 = e * abs(float(fw["y"]))
        g1 = e * abs(float(params["w2"])) * sigmoid(float(fw["p1"])) * abs(float(inputs["x"]))
        return {"w1": np.float64(g1), "w2": np.float64(g2)}, 16


CHAIN, CHAIN2, SCALAR_NET = Chain(), Chain2(), ScalarNet()
