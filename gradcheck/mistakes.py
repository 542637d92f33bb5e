"""The catalog of known backpropagation mistakes, and the diagnosis that names them.

Each :class:`Mistake` computes what the wrong code would return, as a function of
the reference forward pass of a case. The diagnosis evaluates every entry on the
user's case and names the one whose gradients the user's answer reproduces;
generic mistakes (a scale factor, a transpose, two gradients swapped) are found
per parameter. When nothing matches, :func:`localise` names the first quantity
along the backward pass that is wrong, using whatever the submission exposes.

Matching tolerance: catalog entries are discrete alternatives that differ from the
truth and from each other by O(1) relative amounts on the asymmetric cases, so any
tolerance between round-off (~1e-12 in float64) and ~1e-2 separates them. We use
1e-6 relative to the array's largest entry (1e-3 for float32 answers): a thousand
times above a float32-free round-off error, four orders below the entries' spread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .models import sigmoid, sigmoid_prime
from .shapes import canonical_name

__all__ = ["CATALOG", "Diagnosis", "Mistake", "diagnose", "localise"]

MATCH_RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-3}


@dataclass(frozen=True)
class Mistake:
    """One known mistake: what the wrong code computes, why, and the fix with its reference."""

    id: str
    model: str
    explanation: str
    fix: str
    wrong: Callable[[Context], list[dict[str, np.ndarray]]] = field(repr=False)


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on a wrong answer: a catalog id and a message (or ``"localised"``)."""

    id: str
    message: str
    params: tuple[str, ...] = ()
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "message": self.message}


class Context:
    """The reference forward and backward pass of a case, as float64 numpy arrays."""

    def __init__(self, case):
        self.case = case
        self.model = case.model
        self.inputs = {k: np.asarray(v, dtype=float) for k, v in case.inputs.items()}
        self.params = {k: np.asarray(v, dtype=float) for k, v in case.params.items()}
        self.fw = self.model.forward(self.inputs, self.params)
        self.grads, self.inter = self.model.backward(self.inputs, self.params)


# ---------------------------------------------------------------- welch


def _welch(ctx: Context, *, delta3=None, fp3=None, fp2=None, scale=None, reg=None) -> dict[str, np.ndarray]:
    """The notes' backward pass with one piece replaced."""
    X, y, W2 = ctx.inputs["X"], ctx.inputs["y"], ctx.params["W2"]
    fw, m = ctx.fw, X.shape[0]
    regularised = ctx.model.name == "welch_reg"
    s = (1.0 / m if regularised else 1.0) if scale is None else scale
    d3 = (-(y - fw["yHat"]) * (sigmoid_prime(fw["z3"]) if fp3 is None else fp3)) if delta3 is None else delta3
    d3 = d3 * s
    d2 = (d3 @ W2.T) * (sigmoid_prime(fw["z2"]) if fp2 is None else fp2)
    grads = {"W1": X.T @ d2, "W2": fw["a2"].T @ d3}
    lam = ctx.inputs.get("Lambda", 0.0) if reg is None else reg
    if regularised:
        grads = {k: g + lam * ctx.params[k] for k, g in grads.items()}
    return grads


def _welch_entries() -> list[Mistake]:
    f, fp = sigmoid, sigmoid_prime

    def q11(ctx):
        return [{"W2": ctx.fw["a2"].T}]

    def one_of(*variants):
        return lambda ctx: [v(ctx) for v in variants]

    return [
        Mistake("welch/dJdW2-without-delta3", "welch",
                "dJdW2 is (a2)^T, which is dz3/dW2: delta3 was dropped (the notes' own Q11 answer).",
                "dJdW2 = (a2)^T . delta3 (notes Q15).", q11),
        Mistake("welch/delta3-without-fprime", "welch",
                "delta3 is -(y - yHat) without the factor f'(z3).",
                "delta3 = -(y - yHat) * f'(z3) (notes Q6).",
                lambda ctx: [_welch(ctx, fp3=1.0)]),
        Mistake("welch/f-instead-of-fprime", "welch",
                "f(z) is used where f'(z) belongs.",
                "use f'(z) = e^(-z) / (1 + e^(-z))^2 (notes Q6).",
                one_of(lambda ctx: _welch(ctx, fp3=f(ctx.fw["z3"]), fp2=f(ctx.fw["z2"])),
                       lambda ctx: _welch(ctx, fp3=f(ctx.fw["z3"])),
                       lambda ctx: _welch(ctx, fp2=f(ctx.fw["z2"])))),
        Mistake("welch/fprime-of-activation", "welch",
                "f' is applied to an activation (a2 or yHat) instead of a pre-activation (z2 or z3), "
                "or a(1 - a) is taken of z.",
                "f'(z3) and f'(z2), or equivalently yHat(1 - yHat) and a2(1 - a2) (notes Q6, Q17).",
                one_of(lambda ctx: _welch(ctx, fp3=fp(ctx.fw["yHat"]), fp2=fp(ctx.fw["a2"])),
                       lambda ctx: _welch(ctx, fp3=fp(ctx.fw["yHat"])),
                       lambda ctx: _welch(ctx, fp2=fp(ctx.fw["a2"])),
                       lambda ctx: _welch(ctx, fp3=ctx.fw["z3"] * (1 - ctx.fw["z3"]), fp2=ctx.fw["z2"] * (1 - ctx.fw["z2"])),
                       lambda ctx: _welch(ctx, fp2=ctx.fw["z2"] * (1 - ctx.fw["z2"])))),
        Mistake("welch/delta2-fprime-of-z3", "welch",
                "delta2 uses f'(z3) instead of f'(z2).",
                "delta2 = delta3 . W2^T * f'(z2) (notes Q17).",
                lambda ctx: [_welch(ctx, fp2=fp(ctx.fw["z3"]))]),
        Mistake("welch/delta2-without-fprime", "welch",
                "delta2 is delta3 . W2^T without the factor f'(z2).",
                "delta2 = delta3 . W2^T * f'(z2) (notes Q17).",
                lambda ctx: [_welch(ctx, fp2=1.0)]),
        Mistake("welch/divided-by-m", "welch",
                "the gradients are divided by numExamples, but the notes' J is a sum, not a mean.",
                "drop the 1/numExamples: J = sum 1/2 (y - yHat)^2 (notes eq. 5).",
                lambda ctx: [_welch(ctx, scale=1.0 / ctx.inputs["X"].shape[0])]),
        Mistake("welch/reg-missing-1/m", "welch_reg",
                "the data term of the regularised gradient is not divided by numExamples.",
                "dJdW = (a2^T . delta3) / numExamples + Lambda * W.",
                lambda ctx: [_welch(ctx, scale=1.0)]),
        Mistake("welch/reg-term-missing", "welch_reg",
                "the regularisation term Lambda * W is missing from the gradient.",
                "add Lambda * W1 to dJdW1 and Lambda * W2 to dJdW2.",
                lambda ctx: [_welch(ctx, reg=0.0)]),
        Mistake("welch/reg-term-doubled", "welch_reg",
                "the regularisation term is 2 * Lambda * W: the 1/2 of (Lambda/2) sum W^2 was lost.",
                "the derivative of (Lambda/2) sum W^2 is Lambda * W.",
                lambda ctx: [_welch(ctx, reg=2.0 * ctx.inputs["Lambda"])]),
    ]


# ---------------------------------------------------------------- deep


def _deep(ctx: Context, *, dAL=None, dZ_hidden=None, dZ_last=None, dW=None, db=None, dA_prev=None):
    """The course's backward pass with one piece replaced; returns grads by parameter."""
    fw, params = ctx.fw, ctx.params
    Y = ctx.inputs["Y"].reshape(1, -1) if ctx.inputs["Y"].ndim == 1 else ctx.inputs["Y"]
    L = sum(1 for k in params if k.startswith("W"))
    m = ctx.inputs["X"].shape[1]
    AL = fw[f"A{L}"]
    dA = -(Y / AL - (1 - Y) / (1 - AL)) if dAL is None else dAL(AL, Y)
    grads = {}
    for l in range(L, 0, -1):
        Z = fw[f"Z{l}"]
        if l == L:
            dZ = dA * AL * (1 - AL) if dZ_last is None else dZ_last(dA, Z)
        else:
            dZ = dA * (Z > 0) if dZ_hidden is None else dZ_hidden(dA, Z)
        A_prev = fw[f"A{l - 1}"]
        grads[f"W{l}"] = dZ @ A_prev.T / m if dW is None else dW(dZ, A_prev, dA, m)
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m if db is None else db(dZ, m)
        dA = params[f"W{l}"].T @ dZ if dA_prev is None else dA_prev(params[f"W{l}"], dZ, m)
    return grads


def _deep_entries() -> list[Mistake]:
    return [
        Mistake("deep/dAL-denominator", "deep",
                "dA[L] is -(Y/A - (1-Y)/A): the second denominator must be 1 - A (the question in seed 002).",
                "dA[L] = -(Y/A[L] - (1 - Y)/(1 - A[L])).",
                lambda ctx: [_deep(ctx, dAL=lambda A, Y: -(Y / A - (1 - Y) / A))]),
        Mistake("deep/dZ-activation-of-dA", "deep",
                "dZ is the activation applied to dA, g(dA), instead of dA * g'(Z) (seed 002).",
                "dZ[l] = dA[l] * g'(Z[l]); for the sigmoid output this gives dZ[L] = A[L] - Y.",
                lambda ctx: [_deep(ctx, dZ_last=lambda dA, Z: sigmoid(dA), dZ_hidden=lambda dA, Z: np.maximum(dA, 0.0)),
                             _deep(ctx, dZ_hidden=lambda dA, Z: np.maximum(dA, 0.0))]),
        Mistake("deep/dW-uses-dA", "deep",
                "dW is computed as dZ . dA^T instead of dZ . A[l-1]^T (seed 002).",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T.",
                lambda ctx: [_deep(ctx, dW=lambda dZ, A_prev, dA, m: dZ @ dA.T / m)]),
        Mistake("deep/dA-prev-extra-1/m", "deep",
                "dA[l-1] carries an extra 1/m (seed 002); only dW and db are averaged.",
                "dA[l-1] = W[l]^T . dZ[l].",
                lambda ctx: [_deep(ctx, dA_prev=lambda W, dZ, m: W.T @ dZ / m)]),
        Mistake("deep/dW-missing-1/m", "deep",
                "dW lacks the 1/m of the mean cost.",
                "dW[l] = (1/m) dZ[l] . A[l-1]^T.",
                lambda ctx: [_deep(ctx, dW=lambda dZ, A_prev, dA, m: dZ @ A_prev.T)]),
        Mistake("deep/db-missing-1/m", "deep",
                "db lacks the 1/m of the mean cost.",
                "db[l] = (1/m) sum over columns of dZ[l] (axis=1, keepdims=True).",
                lambda ctx: [_deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=1, keepdims=True))]),
        Mistake("deep/db-wrong-axis", "deep",
                "db sums dZ over the wrong axis (over units instead of over examples).",
                "db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True): examples are columns.",
                lambda ctx: [_deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=0, keepdims=True) / m),
                             _deep(ctx, db=lambda dZ, m: np.sum(dZ, axis=0) / m),
                             _deep(ctx, db=lambda dZ, m: np.sum(dZ, keepdims=True) / m)]),
        Mistake("deep/relu-backward-mask-only", "deep",
                "relu_backward returns the mask Z > 0 without multiplying by dA.",
                "dZ = dA * (Z > 0).",
                lambda ctx: [_deep(ctx, dZ_hidden=lambda dA, Z: (Z > 0) * 1.0)]),
    ]


# ---------------------------------------------------------------- chains


def _chain_output(ctx: Context):
    a0, t = ctx.inputs["a0"], ctx.inputs["target"]
    if ctx.model.name == "chain":
        a1 = a0 * ctx.params["w"]
        return [{"w": np.float64(a1 * 2 * (a1 - t))}]
    w1, w2 = ctx.params["w1"], ctx.params["w2"]
    a1, a2 = a0 * w1, a0 * w1 * w2
    return [{"w1": np.float64(a1 * w2 * 2 * (a2 - t)), "w2": np.float64(a2 * 2 * (a2 - t))},
            {"w2": np.float64(a2 * 2 * (a2 - t))}]


def _chain_entries() -> list[Mistake]:
    return [
        Mistake("chain/da-dw-is-output", "chain",
                "da(L)/dw is taken as a(L), the layer's output, instead of its input a(L-1) (seed 001).",
                "da(L)/dw(L) = a(L-1): for a1 = a0 * w, dC/dw = a0 * 2(a1 - target).",
                _chain_output),
    ]


CATALOG: tuple[Mistake, ...] = (*_welch_entries(), *_deep_entries(), *_chain_entries())
GENERIC_IDS = ("sign-flipped", "scaled", "transposed", "swapped", "zero", "not-finite", "wrong-shape")

_APPLIES = {"welch": ("welch",), "welch_reg": ("welch", "welch_reg"), "deep": ("deep",),
            "chain": ("chain",), "chain2": ("chain",), "scalar_net": ()}


# ---------------------------------------------------------------- matching


def _as_array(v) -> np.ndarray | None:
    try:
        arr = np.asarray(v)
        return arr if arr.dtype.kind in "fiub" else None
    except Exception:
        return None


def _rtol(user: np.ndarray) -> float:
    return MATCH_RTOL.get(user.dtype, MATCH_RTOL[np.dtype(np.float64)])


def _same(user: np.ndarray | None, cand: np.ndarray) -> bool:
    if user is None:
        return False
    cand = np.asarray(cand, dtype=float)
    if user.shape != cand.shape:
        if user.size != cand.size or cand.size != 1:
            return False
        user = user.reshape(cand.shape)
    if not np.all(np.isfinite(user)):
        return False
    scale = max(np.max(np.abs(cand), initial=0.0), np.finfo(float).tiny)
    return bool(np.max(np.abs(user.astype(float) - cand), initial=0.0) <= _rtol(user) * scale)


_NAMED_FACTORS = [(Fraction(2), "2"), (Fraction(4), "4"), (Fraction(1, 2), "1/2"), (Fraction(1, 4), "1/4")]


def _name_factor(c: float, m: int | None) -> str | None:
    candidates = list(_NAMED_FACTORS)
    if m and m > 1:
        candidates += [(Fraction(m), f"m = {m}"), (Fraction(1, m), f"1/m = 1/{m}")]
    for frac, label in candidates:
        if abs(c - float(frac)) <= 1e-6 * abs(float(frac)):
            return label
    return None


def _generic(name: str, label: str, user: np.ndarray | None, ref: np.ndarray, m: int | None) -> tuple[str, str] | None:
    """A generic finding for one array, as (id, message), or None."""
    if user is None:
        return None
    if user.size and not np.all(np.isfinite(user)):
        bad = int(np.sum(~np.isfinite(user)))
        return "not-finite", f"{label} has {bad} non-finite entries (nan or inf): look for a log of 0 or an overflow."
    if user.shape == ref.shape or user.size == ref.size == 1:
        u = user.reshape(ref.shape).astype(float)
        if np.all(u == 0) and np.any(ref != 0):
            return "zero", f"{label} is all zeros: the gradient was never written or was reset."
        denom = float(np.sum(ref * ref))
        if denom > 0:
            c = float(np.sum(u * ref) / denom)
            if c != 0 and abs(c - 1) > 1e-6 and _same(user.reshape(ref.shape), c * ref):
                if abs(c + 1) <= 1e-6:
                    return "sign-flipped", f"{label} has the wrong sign: it is -1 times the true gradient."
                named = _name_factor(c, m)
                factor = named if named else f"{c:.6g}"
                return "scaled", f"{label} is {factor} times the true gradient."
    if user.ndim == 2 and user.shape == ref.shape[::-1] and _same(user.T, ref):
        return "transposed", f"{label} is the transpose of the true gradient."
    if user.shape != ref.shape and not (user.size == ref.size == 1):
        return "wrong-shape", f"{label} has shape {user.shape} but must be {ref.shape}."
    return None


def diagnose(grads: Mapping[str, Any], case, *, wrong: list[str] | None = None,
             labels: Mapping[str, str] | None = None,
             intermediates: Mapping[str, Any] | None = None) -> Diagnosis | None:
    """Name the mistake behind wrong gradients, or None if nothing is wrong.

    Args:
        grads: the user's gradients, by parameter name or the names users write.
        case: the :class:`~gradcheck.Case` they were computed on (asymmetric weights
            make catalog entries distinguishable).
        wrong: the parameters already judged wrong (default: those not matching the reference).
        labels: how to call each parameter in messages (the user's own names).
        intermediates: what the submission exposes (``z2``, ``delta3``, ``dZ2``, ...), used to
            localise a mistake the catalog does not know.

    Returns:
        A :class:`Diagnosis` with a catalog id, a generic id (``scaled``, ``transposed``, ...),
        or ``"unknown"`` when nothing matches; None when every gradient is right.
    """
    ctx = Context(case)
    table, names = case.shape_table, case.param_names
    user: dict[str, np.ndarray | None] = {}
    given: dict[str, str] = {}
    for k, v in grads.items():
        canon = canonical_name(k, table, names)
        if canon in names:
            user[canon] = _as_array(v)
            given[canon] = k
    labels = {**given, **(labels or {})}
    if wrong is None:
        wrong = [k for k in names if k in user and not _same(user[k], ctx.grads[k])]
    if not wrong:
        return None

    found = _catalog_matches(ctx, user, wrong)
    if found:
        first, *others = found
        return Diagnosis(first.id, f"{first.explanation} Fix: {first.fix}", tuple(wrong), tuple(o.id for o in others))

    swap = _swapped(ctx, user, wrong, labels)
    if swap:
        return swap
    m = _n_examples(ctx)
    findings = {k: _generic(k, labels.get(k, k), user.get(k), ctx.grads[k], m) for k in wrong}
    if all(findings.values()):
        ids = {f[0] for f in findings.values()}
        ident = ids.pop() if len(ids) == 1 else "several"
        return Diagnosis(ident, " ".join(f[1] for f in findings.values()), tuple(wrong))
    where = localise(grads, case, intermediates=intermediates, labels=labels)
    return Diagnosis("unknown", where or "no known mistake matches.", tuple(wrong))


def _n_examples(ctx: Context) -> int | None:
    dims = ctx.case.dims
    return dims.get("numExamples") or dims.get("m")


def _catalog_matches(ctx: Context, user, wrong) -> list[Mistake]:
    hits = []
    for entry in CATALOG:
        if entry.model not in _APPLIES.get(ctx.model.name, ()):
            continue
        for variant in entry.wrong(ctx):
            touched = [k for k in variant if not _same(np.asarray(variant[k]), ctx.grads[k])]
            if not touched or not set(wrong) <= set(variant):
                continue
            if all(_same(user.get(k), variant[k]) for k in variant):
                hits.append(entry)
                break
    return hits


def _swapped(ctx: Context, user, wrong, labels) -> Diagnosis | None:
    if len(wrong) != 2:
        return None
    a, b = wrong
    if _same(user.get(a), ctx.grads[b]) and _same(user.get(b), ctx.grads[a]):
        la, lb = labels.get(a, a), labels.get(b, b)
        return Diagnosis("swapped", f"{la} and {lb} are in each other's places: the pair is returned in swapped order.",
                         (a, b))
    return None


# ---------------------------------------------------------------- localisation

_WELCH_STEPS = [
    ("z2", "forward", "z2 = X . W1 (notes eq. 1)"),
    ("a2", "forward", "a2 = f(z2) (notes eq. 2)"),
    ("z3", "forward", "z3 = a2 . W2 (notes eq. 3)"),
    ("yHat", "forward", "yHat = f(z3) (notes eq. 4)"),
    ("delta3", "inter", "delta3 = -(y - yHat) * f'(z3) (notes Q6)"),
    ("W2", "grad", "dJdW2 = (a2)^T . delta3 (notes Q15)"),
    ("delta2", "inter", "delta2 = delta3 . W2^T * f'(z2) (notes Q17)"),
    ("W1", "grad", "dJdW1 = X^T . delta2 (notes Q17)"),
]


def _deep_steps(L: int):
    steps = []
    for l in range(1, L + 1):
        steps += [(f"Z{l}", "forward", f"Z{l} = W{l} . A{l - 1} + b{l}"), (f"A{l}", "forward", f"A{l} = g(Z{l})")]
    for l in range(L, 0, -1):
        if l == L:
            steps.append((f"dA{l}", "inter", f"dA{L} = -(Y / A{L} - (1 - Y) / (1 - A{L}))"))
        steps += [
            (f"dZ{l}", "inter", f"dZ{l} = dA{l} * g'(Z{l})" + (f" = A{L} - Y" if l == L else "")),
            (f"W{l}", "grad", f"dW{l} = (1/m) dZ{l} . A{l - 1}^T"),
            (f"b{l}", "grad", f"db{l} = (1/m) sum of dZ{l} over columns (axis=1, keepdims=True)"),
            (f"dA{l - 1}", "inter", f"dA{l - 1} = W{l}^T . dZ{l} (no 1/m)"),
        ]
    return steps


def localise(grads: Mapping[str, Any], case, *, intermediates: Mapping[str, Any] | None = None,
             labels: Mapping[str, str] | None = None) -> str | None:
    """The first wrong quantity along the backward pass, as a message, or None if none is wrong.

    Uses the gradients and whatever intermediates the submission exposes
    (the notes' class stores z2, a2, z3, yHat; the course's grads hold dA and dZ).
    """
    ctx = Context(case)
    table, names = case.shape_table, case.param_names
    exposed: dict[str, np.ndarray | None] = {}
    shown: dict[str, str] = dict(labels or {})
    for source in (intermediates or {}, grads):
        for k, v in source.items():
            canon = canonical_name(k, table, names)
            if canon is not None:
                exposed[canon] = _as_array(v)
                shown.setdefault(canon, k)
    if ctx.model.name.startswith("welch"):
        steps = _WELCH_STEPS
    elif ctx.model.name == "deep":
        steps = _deep_steps(len(names) // 2)
    else:
        steps = [(k, "grad", f"d{k}") for k in names]
    reference = {**ctx.fw, **ctx.inter, **ctx.grads}
    right = []
    for name, _, formula in steps:
        if name not in exposed:
            continue
        if _same(exposed[name], reference[name]):
            right.append(shown.get(name, name))
            continue
        prefix = ", ".join(f"{r} right" for r in right)
        wrong_part = f"{shown.get(name, name)} wrong"
        return f"{prefix + ', ' if prefix else ''}{wrong_part}: look at {formula}."
    return None
