"""The catalog of Nielsen's network: mistakes readers of chapters 2 and 3 make in ``backprop``.

Each entry computes what the wrong code returns from the reference forward pass of a case
(``ctx.fw``: ``a0`` = x, ``z{l}``, ``a{l+1}``), by parameter name (``weights[0]``, ``biases[1]``).

Imports: numpy; :mod:`gradcheck.course`, :mod:`gradcheck.courses.nielsen.model`.
"""

from __future__ import annotations

from ...course import Mistake
from .model import b, w

BOTH = ("nielsen", "nielsen_ce")


def _backprop(ctx, *, cross_entropy: bool, output_delta=None, nabla_w=None, activation_shift: int = 0,
              hidden_only: bool = False):
    """The book's backprop with one piece replaced (``hidden_only``: in its loop over the hidden layers
    only, the output layer being written before the loop); returns grads by parameter."""
    fw, params = ctx.fw, ctx.params
    y = ctx.inputs["y"]
    L = sum(1 for k in params if k.startswith("weights["))
    aL = fw[f"a{L}"]
    if output_delta is not None:
        delta = output_delta(aL, y)
    else:
        delta = aL - y if cross_entropy else (aL - y) * aL * (1 - aL)
    grads = {}
    for l in range(L - 1, -1, -1):
        changed = not hidden_only or l < L - 1
        a_prev = fw[f"a{min(l + activation_shift, L)}"] if changed else fw[f"a{l}"]
        grads[b(l)] = delta
        grads[w(l)] = delta @ a_prev.T if nabla_w is None or not changed else nabla_w(delta, a_prev)
        if l:
            a = fw[f"a{l}"]
            delta = (params[w(l)].T @ delta) * a * (1 - a)
    return grads


def entries() -> list[Mistake]:
    return [
        Mistake("nielsen/cross-entropy-delta-times-sigma-prime", ("nielsen_ce",),
                "the cross-entropy output error is multiplied by σ'(z): with the cross-entropy cost σ'(z) "
                "cancels (the book's point in chapter 3), CrossEntropyCost.delta is a − y.",
                "delta = a − y for CrossEntropyCost (network2.py); (a − y) ⊙ σ'(z) only for QuadraticCost.",
                lambda ctx: [_backprop(ctx, cross_entropy=True, output_delta=lambda a, y: (a - y) * a * (1 - a))]),
        Mistake("nielsen/output-delta-without-sigma-prime", ("nielsen",),
                "the quadratic cost's output error lacks σ'(z): δᴸ = (a − y) is the cross-entropy's.",
                "δᴸ = ∇ₐC ⊙ σ'(zᴸ) = (a − y) ⊙ σ'(zᴸ) (BP1, chapter 2).",
                lambda ctx: [_backprop(ctx, cross_entropy=False, output_delta=lambda a, y: a - y)]),
        Mistake("nielsen/nabla-w-transposed", BOTH,
                "nabla_w is transposed: np.dot(activation, delta.T) instead of np.dot(delta, activation.T).",
                "nabla_w[l] = np.dot(delta, activations[l].transpose()), shaped like weights[l] (BP4).",
                lambda ctx: [_backprop(ctx, cross_entropy=ctx.model.cross_entropy, nabla_w=t, hidden_only=h)
                             for t in (lambda d, a: (d @ a.T).T, lambda d, a: (d @ a.T).T.reshape(d.shape[0], a.shape[0]))
                             for h in (False, True)]),
        Mistake("nielsen/layer-index-off-by-one", BOTH,
                "nabla_w uses the activation of the wrong layer (index off by one: activations[-l] for "
                "activations[-l-1]), the layer's own output instead of its input.",
                "nabla_w[-l] = np.dot(delta, activations[-l-1].transpose()): the input of that layer (BP4).",
                lambda ctx: [_backprop(ctx, cross_entropy=ctx.model.cross_entropy, activation_shift=1, hidden_only=h)
                             for h in (True, False)]),
        Mistake("nielsen/cost-derivative-sign", BOTH,
                "cost_derivative has its sign flipped, y − a instead of a − y: every gradient is negated.",
                "cost_derivative(output_activations, y) = output_activations − y (∂C/∂a for C = ½‖a − y‖²).",
                lambda ctx: [{k: -v for k, v in ctx.grads.items()}]),
    ]


def steps(L: int, cross_entropy: bool) -> list[tuple[str, str, str]]:
    """The backward pass in order, for localisation."""
    out = []
    for l in range(L - 1, -1, -1):
        if l == L - 1:
            out.append((f"delta{l}", "inter", "delta = a − y" if cross_entropy
                        else "delta = cost_derivative(a, y) * sigmoid_prime(z) = (a − y) * σ'(z)"))
        else:
            out.append((f"delta{l}", "inter", f"delta = np.dot(weights[{l + 1}].transpose(), delta) * sigmoid_prime(z)"))
        out += [(b(l), "grad", f"nabla_b[{l}] = delta"),
                (w(l), "grad", f"nabla_w[{l}] = np.dot(delta, activations[{l}].transpose())")]
    return out
