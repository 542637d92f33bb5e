"""The diagnosis: which known mistake a wrong answer reproduces, or where it first goes wrong.

Each course's catalog (:class:`~gradcheck.course.Mistake` entries, from ``Course.mistakes``)
computes what the wrong code would return, as a function of the reference forward pass of a
case. The diagnosis evaluates every entry of the case's course on the
user's case and names the one whose gradients the user's answer reproduces;
generic mistakes (a scale factor, a transpose, two gradients swapped) are found
per parameter. When nothing matches, :func:`localise` names the first quantity
along the backward pass that is wrong, using whatever the submission exposes.

Matching tolerance: catalog entries are discrete alternatives that differ from the
truth and from each other by O(1) relative amounts on the asymmetric cases, so any
tolerance between round-off (~1e-12 in float64) and ~1e-2 separates them. We use
1e-6 relative to the array's largest entry (1e-3 for float32 answers): a thousand
times above a float32-free round-off error, four orders below the entries' spread.

Imports: numpy; :mod:`gradcheck.course`, :mod:`gradcheck.shapes`, :mod:`gradcheck.tolerance`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .course import Mistake, course_of, courses
from .shapes import canonical_name
from .tolerance import MATCH_RTOL as _MATCH_RTOL

__all__ = ["Diagnosis", "Mistake", "catalog", "diagnose", "localise"]

MATCH_RTOL = {np.dtype(k): v for k, v in _MATCH_RTOL.items()}


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


GENERIC_IDS = ("sign-flipped", "scaled", "proportional", "transposed", "swapped", "zero", "not-finite",
               "wrong-shape")



def catalog() -> tuple[Mistake, ...]:
    """Every registered course's catalog, course by course."""
    return tuple(entry for course in courses() for entry in course.mistakes())


def _entries(model) -> list[Mistake]:
    """The catalog entries that apply to ``model`` (its course's; none for a model outside a course)."""
    course = course_of(model)
    return [e for e in (course.mistakes() if course is not None else ()) if model.name in e.models]


# ---------------------------------------------------------------- matching


def _as_array(v) -> np.ndarray | None:
    try:
        arr = np.asarray(v)
        return arr if arr.dtype.kind in "fiub" else None
    except Exception:
        return None


def _rtol(user: np.ndarray) -> float:
    return MATCH_RTOL.get(user.dtype, MATCH_RTOL[np.dtype(np.float64)])


def _matches(user: np.ndarray | None, cand: np.ndarray) -> bool:
    """Whether the user's array reproduces ``cand`` within MATCH_RTOL of its largest entry."""
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


def _factor_words(m: int | None) -> str:
    """The factors a ``scaled`` finding names, as a list in words: "2, 4, 1/2, 1/4, m = 3 or 1/m = 1/3"."""
    words = [label for _, label in _NAMED_FACTORS]
    words += [f"m = {m}", f"1/m = 1/{m}"] if m and m > 1 else []
    return f"{', '.join(words[:-1])} or {words[-1]}"


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
            if c != 0 and abs(c - 1) > 1e-6 and _matches(user.reshape(ref.shape), c * ref):
                if abs(c + 1) <= 1e-6:
                    return "sign-flipped", f"{label} has the wrong sign: it is -1 times the true gradient."
                named = _name_factor(c, m)
                if named:
                    return "scaled", f"{label} is {named} times the true gradient."
                return "proportional", (f"{label} is proportional to the true gradient, by {c:.6g}, which is no "
                                        f"simple factor ({_factor_words(m)}): not a missing average or a doubled "
                                        "term, but a constant multiplied in, or a wrong formula that is "
                                        "proportional on this case.")
    if user.ndim == 2 and user.shape == ref.shape[::-1] and _matches(user.T, ref):
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
        wrong = [k for k in names if k in user and not _matches(user[k], ctx.grads[k])]
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
    for entry in _entries(ctx.model):
        for variant in entry.wrong(ctx):
            touched = [k for k in variant if not _matches(np.asarray(variant[k]), ctx.grads[k])]
            if not touched or not set(wrong) <= set(variant):
                continue
            if all(_matches(user.get(k), variant[k]) for k in variant):
                hits.append(entry)
                break
    return hits


def _swapped(ctx: Context, user, wrong, labels) -> Diagnosis | None:
    if len(wrong) != 2:
        return None
    a, b = wrong
    if _matches(user.get(a), ctx.grads[b]) and _matches(user.get(b), ctx.grads[a]):
        la, lb = labels.get(a, a), labels.get(b, b)
        return Diagnosis("swapped", f"{la} and {lb} are in each other's places: the pair is returned in swapped order.",
                         (a, b))
    return None


# ---------------------------------------------------------------- localisation

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
    course = course_of(ctx.model)
    steps = course.steps(ctx.model, case.dims) if course is not None else None
    if steps is None:  # no steps from the course: the gradients in the model's order
        steps = [(k, "grad", f"d{k}") for k in names]
    reference = {**ctx.fw, **ctx.inter, **ctx.grads}
    right = []
    for name, _, formula in steps:
        if name not in exposed:
            continue
        if _matches(exposed[name], reference[name]):
            right.append(shown.get(name, name))
            continue
        prefix = ", ".join(f"{r} right" for r in right)
        wrong_part = f"{shown.get(name, name)} wrong"
        return f"{prefix + ', ' if prefix else ''}{wrong_part}: look at {formula}."
    return None
