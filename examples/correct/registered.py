"""Gradients in no course's convention, registered with @gradcheck.implements. Correct."""
import gradcheck


@gradcheck.implements("chain")
def chain_gradient(a0, target, w):
    """The one-layer scalar chain: C = (a0*w - target)**2."""
    return {"dw": a0 * 2 * (a0 * w - target)}


@gradcheck.implements("scalar_net")
def scalar_net_gradient(x, d, w1, w2):
    """The scalar net of seed 002's answer, returned as a tuple in parameter order (w1, w2)."""
    f = lambda p: 1 / (1 + __import__("math").exp(-p))  # noqa: E731
    y = f(w1 * x)
    z = f(w2 * y)
    dp2 = (z - d) * z * (1 - z)
    return dp2 * w2 * y * (1 - y) * x, dp2 * y
