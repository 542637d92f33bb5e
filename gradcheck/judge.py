"""The judge: is each gradient right, and if not, where and by how much (on arrays only; the report renders it).

A gradient is judged element by element against each oracle's reference value r ± e
(e the oracle's own error estimate). An element is wrong for that oracle when

    |yours − r| > safety · (e + floor),   floor = ulps · ε(your dtype) · scale,

- ``safety`` (default 10) covers the uncertainty of the error estimates themselves;
- ``floor`` is your computation's own round-off: ``ulps`` (16 for float64, 256 for float32)
  ulps of ``scale``, the largest |r| over the whole gradient, or |J|/max(|θ|, 1) when larger
  (an array that is small because its terms cancel still carries their round-off). A float32
  gradient's floor also adds, per element, how far the exact gradient moves when the data are
  rounded to float32: that much a float32 implementation cannot help being off.

The error estimates: central differences measure theirs (Richardson's |R(h) − R(h/2)| plus the
cost's measured noise over h, see :mod:`gradcheck.oracles`); scipy's forward differences the
same way, at first order. JAX differentiates the model's own float64 expressions exactly, so
its only error is round-off, and it measures that on itself: its gradient is evaluated again
with every intermediate moved by a couple of ulps in a seeded ± pattern (a float64 pass is
exact arithmetic on intermediates that each carry such roundings), and the per-element spread,
plus a floor of a few ulps of the array's magnitude, is its estimate (``JAX_MOVE_ULPS``,
``JAX_PATTERNS``, ``JAX_FLOOR_ULPS`` in the tolerance table). Each oracle's error bar is its own: none comes
from another oracle or from the model's analytic backward pass.

No fixed rtol is involved: a correct float64 gradient sits near 1e-10 of the central
differences and 1e-15 of JAX, so a relative error of 1e-6 in one element is seen, and a
correct implementation (float64 or float32) is not failed.

Before anyone is judged the oracles must agree with each other within
``safety · (e_a + e_b + floor)``; if they do not, the report says so and judges nobody. The
model's analytic numpy backward pass is a fourth reference that judges nobody: it must agree
with every oracle by the same rule (its own error being its float64 round-off, the floor), and
when it does not, that is an oracle problem too.

Imports: numpy; :mod:`gradcheck.course`, :mod:`gradcheck.oracles`, :mod:`gradcheck.oracles.fast`,
:mod:`gradcheck.report`, :mod:`gradcheck.shapes`, :mod:`gradcheck.tolerance`. When first needed:
:mod:`gradcheck.diagnosis`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .course import Model
from .oracles import (
    BLACK_BOX_LADDER,
    LADDER,
    STRUCTURED_LADDER,
    STRUCTURED_SHORT_LADDER,
    STRUCTURED_WIDE_LIMIT,
    InPlaceCost,
    Kink,
    OracleUnavailable,
    central_differences,
    course_difference,
    flatten,
    largest_finite,
    loop_batch_cost,
    loop_quotients,
    model_batch_cost,
    scipy_check,
    structured_differences,
    unflatten,
    verified_differences,
)
from .oracles.fast import SAMPLES, fast_differences
from .oracles.scipy import sample_elements
from .report import ANALYTIC_PROBLEM, ArrayResult, GradientMismatch, OracleResult, Report, _index, _num, _small
from .report import TITLES as _TITLES
from .shapes import canonical_name, shape_problems
from .tolerance import JAX_FLOOR_ULPS, JAX_MOVE_ULPS, JAX_PATTERNS, SAFETY, ULPS

__all__ = [
    "ORACLES",
    "ArrayResult",
    "GradientMismatch",
    "OracleResult",
    "Report",
    "assert_gradients",
    "check_function",
    "check_gradients",
    "numerical_gradient",
]

ORACLES = ("fd", "scipy", "jax")
MODES = ("full", "fast", "auto")
#: Seconds that ``mode="auto"`` allows a full check before it checks fast.
BUDGET = 10.0
#: Most accurate first: the oracle whose value the one-line summaries compare against.
_PRECISION_ORDER = ("jax", "analytic", "forward", "fd", "scipy")
_DIFFERENCE_BASED = ("fd", "scipy")


# Small pieces -------------------------------------------------------------------------------
@dataclass
class _Ref:
    """One oracle's value of one array, with its per-element error estimate."""

    value: np.ndarray
    err: np.ndarray
    excluded: np.ndarray | None = None  # elements this oracle must not judge (kinks)
    alt: np.ndarray | None = None  # another accepted value (relu'(0) = 1 where the value takes 0)

    def take(self, flat: np.ndarray) -> _Ref:
        """The reference at the flat positions ``flat`` only, as 1-d arrays."""

        def pick(a):
            return None if a is None else np.reshape(a, -1)[flat]

        return _Ref(pick(self.value), pick(self.err), pick(self.excluded), pick(self.alt))


def _dtype_name(value: Any) -> str:
    dtype = np.asarray(value).dtype
    return dtype.name if dtype.kind == "f" and dtype.itemsize < 8 else "float64"


def _validate_oracles(oracles: Iterable[str] | str) -> tuple[str, ...]:
    chosen = (oracles,) if isinstance(oracles, str) else tuple(oracles)
    unknown = [o for o in chosen if o not in ORACLES]
    if unknown or not chosen:
        raise ValueError(f"oracles={chosen!r}: choose one or more of {', '.join(map(repr, ORACLES))}")
    return chosen


# Judging one array ------------------------------------------------------------------------------
def _floor(refs: Mapping[str, _Ref], dtype: str, ulps: float | None, scale: float) -> float:
    """The user's own round-off: ulps · ε(dtype) · max(the array's magnitude, ``scale``)."""
    own = max((largest_finite(r.value) for r in refs.values()), default=0.0)
    eps = float(np.finfo(np.dtype(dtype)).eps)
    return (ULPS[dtype] if ulps is None else ulps) * eps * max(own, scale)


def _gradient_scale(refs, cost: float, theta: np.ndarray) -> float:
    """The magnitude below which a gradient's elements are round-off of its terms.

    The largest reference value over all parameters, or |J| / max(|θ|, 1) (a gradient's
    natural size) when that is larger: an array that is small because its terms cancel
    still carries the round-off of those terms.
    """
    largest = max((largest_finite(r.value) for by in refs.values() for r in by.values()),
                  default=0.0)
    natural = abs(cost) / max(1.0, float(np.max(np.abs(theta), initial=0.0)))
    return max(largest, natural) or 1.0


def _compare(user: np.ndarray, ref: _Ref, floor, safety: float):
    """Per-element difference, tolerance and mismatch mask of ``user`` against one oracle."""
    diff = np.abs(user - ref.value)
    if ref.alt is not None:
        diff = np.fmin(diff, np.abs(user - ref.alt))
    tol = safety * (ref.err + floor)
    bad = ~(diff <= tol)  # nan counts as a mismatch
    if ref.excluded is not None:
        bad &= ~ref.excluded
    rel = diff / np.maximum(np.maximum(np.abs(user), np.abs(ref.value)), np.maximum(floor, np.finfo(float).tiny))
    return diff, tol, bad, rel


def _as_user_array(name: str, value: Any, expected: tuple[int, ...], shape_message: str):
    """The user's value as float64 in the expected shape, or None and what is wrong with it."""
    raw = np.asarray(value)
    if raw.dtype.kind == "c":
        return None, tuple(raw.shape), (f"{name} is complex ({raw.dtype}): the gradient of a real cost is real, "
                                        "and gradcheck does not drop an imaginary part")
    if raw.dtype.kind not in "fiub":
        return None, None, shape_message or f"{name} is not an array of numbers ({type(value).__name__})"
    user = raw.astype(np.float64)
    if not shape_message and user.size != int(np.prod(expected, dtype=int)):
        shape_message = f"{name} has shape {user.shape} but must be {tuple(expected)}"
    return (None if shape_message else user.reshape(expected)), tuple(user.shape), shape_message


def _judge(name: str, target: str, kind: str, value: Any, refs: Mapping[str, _Ref], *, table_dims: tuple[str, ...],
           shape_message: str, safety: float, ulps: float | None, fallback: float,
           rounding: np.ndarray | None = None) -> ArrayResult:
    """The verdict on one array against every oracle's reference."""
    primary = next(o for o in _PRECISION_ORDER if o in refs)
    expected = refs[primary].value.shape
    result = ArrayResult(name, target, kind, "WRONG", expected_shape=tuple(expected), dims=table_dims,
                         dtype=_dtype_name(value), safety=safety)
    user, result.shape, result.shape_message = _as_user_array(name, value, expected, shape_message)
    if user is None:
        return result
    floor = _floor(refs, result.dtype, ulps, fallback)
    if result.dtype != "float64" and rounding is not None:
        floor = floor + np.abs(rounding).reshape(expected)
    result.floor, result.total = float(np.max(floor, initial=0.0)), user.size
    judged = _few_judged(refs, user.size)
    if judged is None:
        _score(result, user, refs, primary, floor, safety)
        return result
    # Fast mode judges a sample: score those elements only, and say where they are.
    _score(result, user.reshape(-1)[judged], {o: r.take(judged) for o, r in refs.items()}, primary,
           floor if np.ndim(floor) == 0 else np.reshape(floor, -1)[judged], safety)
    result.excluded += user.size - judged.size
    if result.worst is not None:
        result.worst["index"] = [int(i) for i in np.unravel_index(int(judged[result.worst["index"][0]]), user.shape)]
    return result


def _few_judged(refs: Mapping[str, _Ref], size: int) -> np.ndarray | None:
    """The flat positions some oracle judges, when every oracle leaves most elements out; else None."""
    if size < 64 or any(r.excluded is None for r in refs.values()):
        return None
    left_out = np.logical_and.reduce([r.excluded.reshape(-1) for r in refs.values()])
    judged = np.flatnonzero(~left_out)
    return judged if 2 * judged.size < size else None


def _score(result: ArrayResult, user: np.ndarray, refs: Mapping[str, _Ref], primary: str, floor, safety: float):
    """Fill ``result``'s counts, largest errors and worst element from every oracle's comparison."""
    excluded = np.zeros(user.shape, dtype=bool)
    bad_any = np.zeros(user.shape, dtype=bool)
    ratios, tols = {}, {}
    for oracle, ref in refs.items():
        diff, tols[oracle], bad, rel = _compare(user, ref, floor, safety)
        judged = ~ref.excluded if ref.excluded is not None else np.ones(user.shape, dtype=bool)
        excluded |= ~judged
        bad_any |= bad
        result.by_oracle[oracle] = {"mismatched": int(bad.sum()), "max_abs": float(np.max(diff, where=judged, initial=0.0)),
                                    "max_rel": float(np.max(rel, where=judged, initial=0.0))}
        with np.errstate(all="ignore"):
            ratios[oracle] = np.where(judged, np.nan_to_num(diff / tols[oracle], nan=np.inf, posinf=np.inf), -1.0)
    result.worst = _worst(user, refs, primary, ratios, bad_any)
    if result.worst is not None:
        result.worst["tolerance"] = {o: float(tols[o][tuple(result.worst["index"])]) for o in refs}
    result.excluded = int(excluded.sum())
    result.mismatched = int(bad_any.sum())
    result.max_abs = result.by_oracle[primary]["max_abs"]
    result.max_rel = result.by_oracle[primary]["max_rel"]
    result.status = "WRONG" if result.mismatched else "ok"


def _worst(user: np.ndarray, refs: Mapping[str, _Ref], primary: str, ratios: Mapping[str, np.ndarray],
           bad: np.ndarray) -> dict | None:
    """The element to show: the largest absolute difference among mismatches, else the closest call."""
    if not user.size:
        return None
    if bad.any():
        diff = np.nan_to_num(np.abs(user - refs[primary].value), nan=np.inf)
        flat = int(np.argmax(np.where(bad, diff, -1.0)))
    else:
        flat = int(np.argmax(np.max(np.stack(list(ratios.values())), axis=0)))
    index = np.unravel_index(flat, user.shape)
    return {"index": [int(i) for i in index], "yours": float(user[index]),
            "refs": {o: [float(r.value[index]), float(r.err[index])] for o, r in refs.items()}}


def _agreement(target: str, refs: Mapping[str, _Ref], floor: float, safety: float) -> list[str]:
    """Disagreements between pairs of oracles on one array, as report lines."""
    problems = []
    names = list(refs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ra, rb = refs[a], refs[b]
            skip = np.zeros(ra.value.shape, dtype=bool)
            for r in (ra, rb):
                if r.excluded is not None:
                    skip |= r.excluded
            diff = np.abs(ra.value - rb.value)
            bad = ~(diff <= safety * (ra.err + rb.err + floor)) & ~skip
            if bad.any():
                index = np.unravel_index(int(np.argmax(np.where(bad, diff, -1.0))), ra.value.shape)
                problems.append(
                    f"oracle problem: {_TITLES[a]} and {_TITLES[b]} disagree on {target}{_index(index)}: "
                    f"{_num(ra.value[index])} ±{_small(ra.err[index])} vs {_num(rb.value[index])} ±{_small(rb.err[index])}"
                    f" ({int(bad.sum())} of {bad.size} elements)")
    return problems


_ANALYTIC_PROBLEM = ANALYTIC_PROBLEM


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _analytic_problems(analytic: Callable[[], tuple[dict, dict]], refs: Mapping[str, Mapping[str, _Ref]],
                       names: Iterable[str], floor_of: Callable[[Mapping[str, _Ref]], Any], safety: float) -> list[str]:
    """The model's analytic backward pass against every oracle, as report lines (empty when it agrees).

    The same rule as :func:`_agreement`: |analytic − r| ≤ safety · (e_r + e_analytic + floor), where
    the analytic pass's own error e_analytic is its float64 round-off, the floor again. It judges
    nobody: a disagreement is an oracle problem, which leaves every gradient not judged.
    """
    try:
        grads = analytic()[0]
    except Exception as exc:  # a broken reference is gradcheck's problem, not the user's
        return [f"{_ANALYTIC_PROBLEM} raised {type(exc).__name__}: {exc}"]
    problems = []
    for k in names:
        per = {o: by[k] for o, by in refs.items() if k in by}
        if not per:
            continue
        shape = next(iter(per.values())).value.shape
        try:
            value = np.asarray(grads[k], dtype=np.float64).reshape(shape)
        except (KeyError, TypeError, ValueError):
            problems.append(f"{_ANALYTIC_PROBLEM} gives no gradient of {k} with its shape {shape}")
            continue
        floor = floor_of(per)
        diffs, bads = {}, {}
        for o, r in per.items():
            diff = np.abs(value - r.value)
            if r.alt is not None:
                diff = np.fmin(diff, np.abs(value - r.alt))
            bad = ~(diff <= safety * (r.err + floor + floor))
            if r.excluded is not None:
                bad &= ~r.excluded
            if bad.any():
                diffs[o], bads[o] = diff, bad
        if not bads:
            continue
        either = np.logical_or.reduce(list(bads.values()))
        worst = np.max(np.stack([np.where(bads[o], diffs[o], -1.0) for o in bads]), axis=0)
        index = np.unravel_index(int(np.argmax(worst)), shape)
        values = ", ".join(f"{_TITLES[o]} {_num(per[o].value[index])} ±{_small(per[o].err[index])}" for o in bads)
        problems.append(f"{_ANALYTIC_PROBLEM} disagrees with {_and([_TITLES[o] for o in bads])} on {k}{_index(index)}: "
                        f"analytic {_num(value[index])} vs {values} ({int(either.sum())} of {either.size} elements)")
    return problems


def verify_analytic(case, *, safety: float = SAFETY) -> list[str]:
    """The model's analytic backward pass against central differences on ``case``, by the rule of
    :func:`_analytic_problems`: the disagreements as report lines, empty when it agrees.

    For those who judge by the analytic pass for speed (the ``[hypothesis]`` item): one central
    difference of a small network tells whether it may be trusted. Elements whose steps cross a
    relu kink are left out; a network whose cost is not finite cannot be verified (empty).
    """
    model, inputs, params, names = case.model, case.inputs, case.params, case.param_names
    with np.errstate(all="ignore"):
        cost = float(model.cost(inputs, params))
    if not math.isfinite(cost):
        return []
    theta, layout = flatten(params, names)
    fd = central_differences(model_batch_cost(model, inputs, layout, model.relu_preactivations(case.dims)), theta)
    refs = {"fd": _flat_refs(fd.grad, fd.err, layout)}
    _exclude_kinks(refs, fd.kinks, layout, [], None)
    scale = _gradient_scale(refs, cost, theta)
    return _analytic_problems(lambda: model.backward(inputs, params), refs, names,
                              lambda per: _floor(per, "float64", None, scale), safety)


# Gathering references for a case ---------------------------------------------------------------
def _user_arrays(given: Mapping[str, Any] | None, table: Mapping[str, Any], params: tuple[str, ...],
                 *, kind: str, inputs: Iterable[str]) -> dict[str, tuple[str, Any]]:
    """The user's arrays keyed by the model's names: target -> (user's name, value)."""
    out: dict[str, tuple[str, Any]] = {}
    for name, value in (given or {}).items():
        target = canonical_name(name, table, params)
        if kind == "gradient":
            valid = target in params
            known = ", ".join(params)
        else:
            valid = target is not None and target not in params and target not in inputs
            known = ", ".join(k for k in table if k not in params and k not in inputs)
        if not valid and kind == "gradient" and target is not None and target not in inputs:
            raise ValueError(f"{name!r} is an intermediate, not a parameter's gradient: pass it in intermediates= "
                             f"(the gradients are {known})")
        if not valid:
            raise ValueError(f"{name!r} is not a {kind} of this model; the {kind}s are {known}"
                             + (" (also written dJd<name> or d<name>)" if kind == "gradient" else ""))
        if target in out:
            raise ValueError(f"{out[target][0]!r} and {name!r} both name the {kind} of {target}; give one")
        out[target] = (name, value)
    return out


def _shape_message(name: str, value: Any, case) -> str:
    try:
        problems = shape_problems({name: value}, case)
    except (ValueError, TypeError):
        return ""
    return problems[0] if problems else ""


def _param_masks(kinks: list[Kink], layout, exact_only: bool) -> dict[str, np.ndarray]:
    """Kink-affected flat parameter indices as per-parameter boolean masks."""
    n = sum(int(np.prod(s, dtype=int)) for _, s in layout)
    flat = np.zeros(n, dtype=bool)
    for kink in kinks:
        if kink.exact or not exact_only:
            flat[kink.affected] = True
    return unflatten(flat, layout)


def _kink_note(kink: Kink, layout, jax_used: bool) -> str:
    names = []
    offsets, start = [], 0
    for name, shape in layout:
        size = int(np.prod(shape, dtype=int))
        offsets.append((name, shape, start, start + size))
        start += size
    for i in kink.affected[:6]:
        for name, shape, lo, hi in offsets:
            if lo <= i < hi:
                names.append(f"{name}{_index(np.unravel_index(int(i - lo), shape)) if shape else ''}")
    more = f" and {len(kink.affected) - 6} more" if len(kink.affected) > 6 else ""
    where = "exactly at 0: relu'(0) = 0 and = 1 are both accepted" if kink.exact else \
        f"= {_small(kink.value)}, within the step of 0"
    affected = ", ".join(names) + more
    judged = ("judged by jax only" if jax_used else "not judged") if kink.exact else \
        "excluded from the difference-based verdicts"
    return f"kink at {kink.where} ({where}): {affected} {judged}"


def _jax_references(model: Model, inputs, params) -> tuple[dict, dict, str]:
    """JAX's gradients with error estimates of its own, as references for parameters and intermediates.

    JAX differentiates the very float64 expressions of the model, so its only error is
    round-off. That is measured on JAX alone (see :func:`gradcheck._jax.roundoff_spread`): the
    gradient is evaluated again with every intermediate moved by ``JAX_MOVE_ULPS`` ulps in
    ``JAX_PATTERNS`` seeded ± patterns, and the largest per-element spread is the condition of
    the gradient with respect to its roundings times their size. To it is added a floor of
    ``JAX_FLOOR_ULPS`` ulps of the array's largest element, for elements where the evaluations
    happen to round alike. Neither the analytic backward pass nor another oracle enters it.

    Returns:
        ``(gradient refs, intermediate refs, note)``; the note is ``""`` unless every pattern
        would have moved a relu pre-activation off its kink (the estimate is then the floor alone).
    """
    from .oracles import remembered

    grads, inter, g_spread, i_spread, used = remembered.roundoff_spread(model, inputs, params, ulps=JAX_MOVE_ULPS,
                                                                        patterns=JAX_PATTERNS)
    eps = float(np.finfo(np.float64).eps)

    def ref(value, spread):
        return _Ref(value, spread + JAX_FLOOR_ULPS * eps * largest_finite(value))

    note = "" if used else (f"jax's error estimate is its floor alone ({JAX_FLOOR_ULPS:g} ulps of each array's "
                            "magnitude): moving the intermediates by round-off would move a relu pre-activation "
                            "off its kink")
    return ({k: ref(v, g_spread[k]) for k, v in grads.items()},
            {k: ref(v, i_spread[k]) for k, v in inter.items()}, note)


def check_gradients(grads: Mapping[str, Any], case, *, oracles: Iterable[str] | str = ORACLES,
                    intermediates: Mapping[str, Any] | None = None, safety: float = SAFETY,
                    ulps: float | None = None, mode: str = "full", budget: float = BUDGET,
                    seed: int = 0) -> Report:
    """Judge a user's gradients on a case against the oracles, and say what is wrong and where.

    Args:
        grads: gradients by parameter, under the model's names (``"W1"``) or the names users
            write (``"dJdW1"``, ``"dW1"``, ``"dw"``); W1's gradient has W1's shape.
        case: a :class:`gradcheck.Case` (its model, inputs and parameters).
        oracles: any of ``"fd"`` (central differences, Richardson, error estimates),
            ``"scipy"`` (``check_grad`` and ``approx_fprime``), ``"jax"`` (``jax.grad`` in float64).
        intermediates: your intermediates by name (``z2``, ``a2``, ``yHat``, ``delta3``,
            ``delta2``; ``Z1``, ``A1``, ``dZ2``, ``dA1``): forward values are judged against the
            reference forward pass, backward ones against JAX's tap gradients (not judged, with
            a note, when JAX is not among the oracles: the analytic backward pass judges nobody).
        safety: factor on the error estimates.
        ulps: your round-off in ulps of each array's magnitude (default 16 for float64, 256 for float32).
        mode: ``"full"`` (every element), ``"fast"`` (the fd oracle checks random projections and
            sampled elements per array, see :mod:`gradcheck.fast`; the scipy oracle differences its
            own sample of every array) or ``"auto"`` (full when its estimated time fits in
            ``budget`` seconds, else fast).
        budget: seconds for ``mode="auto"``.
        seed: fast mode's random directions and samples.

    Returns:
        A :class:`Report`; ``str(report)`` is the human report.

    Raises:
        OracleUnavailable: ``oracles="jax"`` (or jax and oracles that could not run) where jax
            cannot be imported; with another oracle running, jax is left out with a note instead.

    Example:
        >>> report = check_gradients({"dJdW1": dJdW1, "dJdW2": dJdW2}, load_case("three-examples"))
        >>> report.ok, report.wrong
        (False, ['W1'])
    """
    oracles = _validate_oracles(oracles)
    if not all(hasattr(case, a) for a in ("model", "inputs", "params", "dims")):
        raise TypeError(f"check_gradients(grads, case): case must be a gradcheck.Case, got {type(case).__name__}; "
                        "use gradcheck.load_case(name) or gradcheck.make_case(model, inputs, params)")
    model, inputs, params, dims = case.model, case.inputs, case.params, case.dims
    table, names = model.shape_table(dims), model.param_names(dims)
    user = _user_arrays(grads, table, names, kind="gradient", inputs=model.input_names)
    user_inter = _user_arrays(intermediates, table, names, kind="intermediate", inputs=model.input_names)
    theta, layout = flatten(params, names)
    _validate_mode(mode, budget)
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        cost = float(model.cost(inputs, params))
    if not math.isfinite(cost):
        return _unjudgeable(case.name, model.name, user, names, table, oracles, cost)
    if mode == "auto":
        mode = _choose_mode(mode, budget, _full_estimate(model, inputs, params, names, theta.size,
                                                         time.perf_counter() - started, budget, oracles))
    # The analytic backward pass, run once: checked against the oracles, and for float32's rounding shift.
    analytic = functools.cache(lambda: model.backward(inputs, params))

    refs: dict[str, dict[str, _Ref]] = {}
    results: dict[str, OracleResult] = {}
    notes: list[str] = []

    kinks: list[Kink] = []
    watch = model.relu_preactivations(dims)
    fast = None
    if mode == "fast" and "fd" in oracles:
        fast = _model_fast(model, inputs, params, names, theta, layout, user, safety, seed)
        refs["fd"] = _fast_refs(fast, layout)
    if mode == "fast" and watch and ("fd" in oracles or "scipy" in oracles):
        notes.append("fast mode does not look for relu kinks: a sampled element or projection whose step "
                     "crosses one may be misjudged; check this network in full mode to be sure")
    scipy_sample = _scipy_sample(mode, layout, seed)
    if mode != "fast" and ("fd" in oracles or ("scipy" in oracles and watch)):
        if watch or model.structure() is None:
            fd = central_differences(model_batch_cost(model, inputs, layout, watch), theta, ladder=LADDER)
        else:  # the same differences from the cached forward pass, a rank-1 update per element
            fd = structured_differences(model, inputs, params, names)
        kinks = fd.kinks
        if "fd" in oracles and fast is None:
            refs["fd"] = _flat_refs(fd.grad, fd.err, layout)
    if "scipy" in oracles:
        message = _scipy_refs(user, layout, theta, lambda t: float(model.cost(inputs, unflatten(t, layout))),
                              refs, results, safety, scipy_sample)
        if message:
            notes.append(message)
    inter_refs: dict[str, _Ref] = {}
    alt = None
    jax, no_jax = _load_jax(results, notes, (model, inputs, params)) if "jax" in oracles else (None, None)
    if jax is not None:
        refs["jax"], inter_refs, jax_note = _jax_references(model, inputs, params)
        if jax_note:
            notes.append(jax_note)
        if any(k.exact for k in kinks):
            alt = jax.model_gradients(model, inputs, params, relu_prime_at_zero=1)[0]
    if not refs:
        raise _none_ran(oracles, notes, no_jax)
    _exclude_kinks(refs, kinks, layout, notes, alt)
    if kinks and "scipy" in results and results["scipy"].available:
        results["scipy"].message = "its norm and difference include the elements at a relu kink"
    results = _summaries(oracles, refs, results)
    scale = _gradient_scale(refs, cost, theta)
    # The analytic backward pass is a fourth reference: it must agree with the oracles, and judges nobody.
    doubts = _analytic_problems(analytic, refs, names, lambda per: _floor(per, "float64", ulps, scale), safety)
    report = _assemble(case.name, model.name, user, refs, names, table, case, safety, ulps, results, notes, scale,
                       rounding=lambda dtype: _rounding_shift(model, inputs, params, analytic()[0], dtype),
                       sampled=fast is not None or scipy_sample is not None, more_problems=doubts)
    if report.oracle_problems:
        report.oracle_problems += _saturation_hint(model, inputs, params)
    report.intermediates = _judge_intermediates(user_inter, model, inputs, params, inter_refs, table, case,
                                                safety, ulps, report.notes)
    _apply_fast(report, fast)
    _apply_scipy_sample(report, scipy_sample, theta.size, seed, fast is not None)
    if not report.ok and not report.oracle_problems:
        report.diagnosis = _diagnosis(report, grads, intermediates, case)
    return report


def _diagnosis(report: Report, grads, intermediates, case):
    """The likely mistake: the catalog's entry, a generic finding, or the first wrong step."""
    from .diagnosis import Diagnosis, diagnose, localise

    labels = {k: r.name for k, r in report.params.items()}
    try:
        if report.wrong:
            return diagnose(grads, case, wrong=report.wrong, labels=labels, intermediates=intermediates)
        where = localise(grads, case, intermediates=intermediates, labels=labels)
        return Diagnosis("unknown", where, ()) if where else None
    except Exception as exc:  # a verdict stands without its diagnosis
        report.notes.append(f"no diagnosis: the diagnosis itself failed ({type(exc).__name__}: {exc})")
        return None


def _model_fast(model: Model, inputs, params, names, theta, layout, user, safety: float, seed: int):
    """Fast mode on a built-in model: sampled elements and directions from the cached forward pass where it has one."""
    structure = model.structure()
    quotients = structure.quotients(inputs, params, names) if structure is not None else None
    line = structure.lines(inputs, params, names) if structure is not None else None
    if quotients is None or line is None:
        f = InPlaceCost(lambda p: model.cost(inputs, p), theta, layout)
        quotients, line = loop_quotients(f), f.line
    return fast_differences(line, quotients, theta, layout, _user_flat(user, layout), safety=safety, seed=seed)


def _full_estimate(model: Model, inputs, params, names, n: int, one_cost: float, budget: float,
                   oracles: tuple[str, ...] = ("fd",)) -> float:
    """Seconds a full check is expected to take: for fd, structured quotients timed on a few elements,
    else 2N evaluations per step of the ladder; for scipy, N + 14 evaluations (its truncation pass
    is needed only where a verdict can change)."""
    scipy = (n + 14) * one_cost if "scipy" in oracles else 0.0
    if "fd" not in oracles:
        return scipy
    plain = 2 * n * len(LADDER) * one_cost  # the plain path's evaluations: more than the structured one's work
    structure = model.structure()
    quotients = structure.quotients(inputs, params, names) if plain > budget and structure is not None else None
    if quotients is None:
        return plain + scipy
    started = time.perf_counter()
    few = np.arange(min(n, 64))
    quotients(few, np.full(few.size, 1e-4))
    ladder = STRUCTURED_LADDER if n <= STRUCTURED_WIDE_LIMIT else STRUCTURED_SHORT_LADDER
    return (time.perf_counter() - started) * len(ladder) * n / max(1, few.size) + scipy


def _saturation_hint(model: Model, inputs, params) -> list[str]:
    """Why oracles disagree on a sound model: a sigmoid output rounded to within a hair of 0 or 1."""
    name = model.output_name(model.dims(inputs, params))
    if name is None:
        return []
    out = np.asarray(model.forward(inputs, params)[name], dtype=np.float64)
    closest = float(np.min(np.minimum(out, 1.0 - out), initial=1.0))
    if closest >= 1e-6:
        return []
    return [f"hint: the output {name} comes within {_small(closest)} of 0 or 1, where the cost keeps few "
            "significant digits and its derivatives cannot be computed alike; try smaller weights"]


def _unjudgeable(case_name: str, model_name: str, user, names, table, oracles, cost: float,
                 why: str = " (an output saturated to exactly 0 or 1, or an overflow)") -> Report:
    """A report for a network whose cost is not finite: nothing can be differentiated there."""
    params = {k: ArrayResult(user[k][0] if k in user else k, k, "gradient", "not judged", dims=table[k]) for k in names}
    problem = (f"the cost is not finite ({cost}) at these parameters{why}, "
               "so no oracle can differentiate it; check where the cost is finite")
    results = {o: OracleResult(o, _TITLES[o], available=False, message=problem) for o in oracles}
    return Report(case_name, model_name, params, {}, results, [], [problem])


def _load_jax(results: dict, notes: list[str], worked: tuple | None = None):
    """The JAX oracle's module and None; or, when jax cannot be imported, None (with a note) and the
    :class:`OracleUnavailable` to raise if no other oracle runs.

    With ``worked = (model, inputs, params)``: the module of its remembered answers
    (:mod:`gradcheck.oracles.remembered`), without importing jax when it has them already.
    """
    from .oracles import remembered

    if worked is not None and remembered.remembers(*worked, ulps=JAX_MOVE_ULPS, patterns=JAX_PATTERNS):
        return remembered, None
    try:
        from .oracles import jax as _jax
    except ImportError as exc:
        hint = "pip install -U jax" if "too old" in str(exc) else "pip install jax"
        results["jax"] = OracleResult("jax", _TITLES["jax"], available=False, message=f"jax cannot be imported: {exc}")
        notes.append(f"jax oracle not used: jax cannot be imported ({exc}); {hint}")
        return None, OracleUnavailable(f"the jax oracle cannot run: jax cannot be imported ({exc}); "
                                       f"install it with {hint}")
    return (remembered if worked is not None else _jax), None


def _none_ran(oracles: tuple[str, ...], notes: list[str], missing: OracleUnavailable | None) -> Exception:
    """The error when no requested oracle could run: ``missing`` when jax, the one asked for, is not installed."""
    return missing or ValueError(f"none of the oracles {oracles!r} could run: {'; '.join(notes)}")


def _flat_refs(values: np.ndarray, errors: np.ndarray, layout) -> dict[str, _Ref]:
    """Per-parameter references from flat values and error estimates."""
    errs = unflatten(errors, layout)
    return {k: _Ref(v, errs[k]) for k, v in unflatten(values, layout).items()}


def _summaries(oracles: tuple[str, ...], refs, results: dict[str, OracleResult]) -> dict[str, OracleResult]:
    """One :class:`OracleResult` per requested oracle, in the requested order, with its largest error."""
    out = {}
    for o in oracles:
        out[o] = results.get(o) or OracleResult(o, _TITLES[o], available=o in refs)
        if o in refs:
            out[o].max_err = max(largest_finite(r.err) for r in refs[o].values())  # inf: not sampled
    return out


def _scipy_refs(user, layout, theta, flat_cost, refs, results, safety, elements: np.ndarray | None = None) -> str:
    """Run the scipy oracle: approx_fprime always (on ``elements`` only, when given: fast mode's
    sample), check_grad's norm when every gradient has its size and all elements ran; returns a note."""
    user_flat = None
    if all(k in user and np.size(user[k][1]) == int(np.prod(s, dtype=int)) and not np.iscomplexobj(user[k][1])
           for k, s in layout):
        try:
            user_flat, _ = flatten({k: np.asarray(user[k][1], dtype=np.float64) for k, _ in layout},
                                   tuple(k for k, _ in layout))
        except (TypeError, ValueError):
            user_flat = None
    if elements is not None and user_flat is None:
        user_flat = _user_flat(user, layout)  # nan where missing: those sampled elements get the truncation pass
    check = scipy_check(flat_cost, theta, user_flat, safety=safety, elements=elements)
    refs["scipy"] = _flat_refs(check.grad, check.err, layout)
    results["scipy"] = OracleResult("scipy", _TITLES["scipy"], norm=check.norm, difference=check.difference,
                                    threshold=check.threshold)
    if check.sampled is not None:
        skipped = unflatten(~check.sampled, layout)
        for k, ref in refs["scipy"].items():
            ref.excluded = skipped[k].reshape(ref.value.shape)
        results["scipy"].message = "check_grad's norm and difference not computed: only a sample was differenced"
        return ""
    if user_flat is None:
        return ("scipy check_grad not run: it needs every gradient as numbers, each with its parameter's size; "
                "the per-element view (approx_fprime) judged the rest")
    return ""


def _exclude_kinks(refs, kinks: list[Kink], layout, notes: list[str], alt: dict | None) -> None:
    """Kink-affected elements: the difference-based oracles skip them; JAX judges them, and where a
    pre-activation is exactly 0 accepts relu'(0) = 0 (its value) or 1 (``alt``)."""
    if not kinks:
        return
    near = _param_masks(kinks, layout, exact_only=False)
    for oracle, by_param in refs.items():
        for k, ref in by_param.items():
            if oracle in _DIFFERENCE_BASED:
                ref.excluded = near[k].reshape(ref.value.shape)
            elif alt is not None:
                ref.alt = alt[k]
    notes += [_kink_note(k, layout, "jax" in refs) for k in kinks]


def _assemble(case_name, model_name, user, refs, names, table, case, safety, ulps, results, notes,
              fallback: float, rounding: Callable[[np.dtype], dict] | None = None, sampled: bool = False,
              more_problems: Iterable[str] = ()) -> Report:
    """Check the oracles agree (and ``more_problems``: the analytic pass's), then judge every parameter's gradient."""
    problems: list[str] = []
    for k in names:
        per = {o: refs[o][k] for o in refs}
        if per:
            problems += _agreement(k, per, _floor(per, "float64", ulps, fallback), safety)
    problems += more_problems
    params: dict[str, ArrayResult] = {}
    shifts: dict[np.dtype, dict] = {}  # rounding shifts, computed once per low precision
    for k in names:
        if k not in user:
            params[k] = ArrayResult(k, k, "gradient", "missing", dims=table[k])
            continue
        name, value = user[k]
        per = {o: refs[o][k] for o in refs}
        low = _dtype_name(value) != "float64" and rounding is not None
        if low and np.asarray(value).dtype not in shifts:
            shifts[np.asarray(value).dtype] = rounding(np.asarray(value).dtype)
        result = _judge(name, k, "gradient", value, per, table_dims=table[k],
                        shape_message=_shape_message(name, value, case) if case is not None else "",
                        safety=safety, ulps=ulps, fallback=fallback,
                        rounding=shifts[np.asarray(value).dtype][k] if low else None)
        if problems and result.status == "WRONG" and not result.shape_message:
            result.status = "not judged"
        params[k] = result
        if result.dtype != "float64":
            notes.append(_float_note(name, result.dtype, ulps))
    report = Report(case_name, model_name, params, {}, results, notes, problems, safety)
    if not sampled:  # against sampled elements only, the course's difference would mislead
        _course_difference(report, user, refs, names)
    return report


def _closer(ref: _Ref, value: Any) -> np.ndarray:
    """The reference value, or where an alternative is accepted (relu'(0) = 1), whichever is nearer yours."""
    if ref.alt is None:
        return ref.value
    user = np.asarray(value, dtype=np.float64).reshape(ref.value.shape)
    return np.where(np.abs(user - ref.alt) < np.abs(user - ref.value), ref.alt, ref.value)


def _course_difference(report: Report, user, refs, names) -> None:
    """The course's difference against the most accurate oracle, when every gradient has its size."""
    best = next((o for o in _PRECISION_ORDER if o in refs), None)
    if best is None or any(r.shape_message or r.status == "missing" for r in report.params.values()):
        return
    try:
        g = np.concatenate([np.asarray(user[k][1], dtype=np.float64).ravel() for k in names])
    except (KeyError, TypeError, ValueError):
        return
    r = np.concatenate([_closer(refs[best][k], user[k][1]).ravel() for k in names])
    if g.shape == r.shape:
        report.difference, report.difference_against = course_difference(g, r), best


def _rounding_shift(model: Model, inputs, params, grads: Mapping[str, Any], dtype: np.dtype) -> dict:
    """How far the exact gradient moves when the data are rounded to the user's precision.

    A float32 implementation computes, at best, the gradient at float32-rounded inputs and
    parameters; where terms cancel, that alone moves it by many ulps of its own size. The
    shift is measured once per dtype with the analytic backward pass and added to the floor.
    """
    rounded_in = {k: np.asarray(v, dtype=dtype).astype(np.float64) for k, v in inputs.items()}
    rounded_p = {k: np.asarray(v, dtype=dtype).astype(np.float64) for k, v in params.items()}
    shifted = model.backward(rounded_in, rounded_p)[0]
    return {k: np.asarray(shifted[k], dtype=np.float64) - np.asarray(grads[k], dtype=np.float64) for k in grads}


def _float_note(name: str, dtype: str, ulps: float | None) -> str:
    eps = float(np.finfo(np.dtype(dtype)).eps)
    return (f"{name} is {dtype}: judged with a {dtype} tolerance (floor {ULPS[dtype] if ulps is None else ulps:g} "
            f"ulps, ε = {_small(eps)}, of the array's magnitude)")


def _judge_intermediates(user_inter, model, inputs, params, inter_refs, table, case, safety, ulps, notes):
    """Judge the user's intermediates: forward values against the forward pass, backward ones against JAX.

    Without JAX a backward intermediate (``delta2``, ``dZ1``) is not judged, and a note says so:
    only JAX differentiates the cost with respect to an intermediate, and the analytic backward
    pass is never a judge.
    """
    if not user_inter:
        return {}
    forward = {k: np.asarray(v, dtype=np.float64) for k, v in model.forward(inputs, params).items()}
    backward = set(model.tap_names(model.dims(inputs, params)))
    out, unjudged = {}, []
    for target, (name, value) in user_inter.items():
        if target in inter_refs:
            per = {"jax": inter_refs[target]}
        elif target in forward:
            per = {"forward": _Ref(forward[target], np.zeros(np.shape(forward[target])))}
        elif target in backward:
            unjudged.append(name)
            continue
        else:
            raise ValueError(f"{name!r} has no reference in model {model.name!r}")
        fallback = 0.0
        out[target] = _judge(name, target, "intermediate", value, per, table_dims=table[target],
                             shape_message=_shape_message(name, value, case), safety=safety, ulps=ulps,
                             fallback=fallback)
    if unjudged:
        notes.append(f"{', '.join(unjudged)} not judged: a backward intermediate is judged by jax's derivative "
                     "of the cost with respect to it, and the jax oracle is not used here")
    return out


def assert_gradients(grads: Mapping[str, Any], case, **options) -> None:
    """Raise :class:`GradientMismatch` unless ``grads`` are right on ``case``.

    Takes the options of :func:`check_gradients`. The error's message is the report.

    Example:
        >>> assert_gradients({"dW1": dW1, "db1": db1, ...}, load_case("coursera-l3"))
    """
    __tracebackhide__ = True
    report = check_gradients(grads, case, **options)
    if not report.ok:
        raise GradientMismatch(report)


# Modes: full, fast, auto ------------------------------------------------------------------------------


def _validate_mode(mode: str, budget: float) -> None:
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: choose one of {', '.join(map(repr, MODES))}")
    if not (isinstance(budget, (int, float)) and budget > 0):
        raise ValueError(f"budget={budget!r}: give the seconds a full check may take under mode='auto', e.g. 10")


def _choose_mode(mode: str, budget: float, estimate: float) -> str:
    """``"full"`` or ``"fast"``: auto picks full when the estimated full check fits in the budget."""
    if mode != "auto":
        return mode
    return "full" if estimate <= budget else "fast"


def _scipy_sample(mode: str, layout, seed: int) -> np.ndarray | None:
    """Fast mode's sample for the scipy oracle (``SAMPLES`` elements of every array, its own draw); None in full mode."""
    return sample_elements(layout, SAMPLES, seed) if mode == "fast" else None


def _apply_scipy_sample(report: Report, sample: np.ndarray | None, n: int, seed: int, projections: bool) -> None:
    """Say what the scipy oracle sampled; alone (no projections) it leaves the other elements unjudged."""
    if sample is None or "scipy" not in report.oracles or not report.oracles["scipy"].available:
        return
    rest = "the central-difference oracle's projections cover the rest" if projections else \
        "the other elements are not judged (add the fd oracle for random projections over all of them)"
    report.notes.append(f"scipy: {sample.size} of {n} elements sampled ({SAMPLES} per array, seed {seed}); {rest}")
    if not projections:
        for result in report.params.values():
            result.excluded = 0  # not sampled, not at a kink: the note above says so


def _fast_refs(check, layout) -> dict[str, _Ref]:
    """Fast mode's per-element references: the sampled elements; the others are not judged one by one."""
    refs = _flat_refs(check.grad, check.err, layout)
    skipped = unflatten(~check.sampled, layout)
    for k, ref in refs.items():
        ref.excluded = skipped[k].reshape(ref.value.shape)
    return refs


def _apply_fast(report: Report, check) -> None:
    """Fast mode's verdicts on the report: arrays whose projections fail are WRONG; its statement in the notes."""
    if check is None:
        return
    for k, result in report.params.items():
        result.excluded = 0  # elements not sampled: covered by the projections, not one by one
        if k in check.wrong and result.status == "ok":
            result.status = "WRONG"
        if k in check.wrong:
            result.projection = check.wrong[k].text()
    if not all(p.ok for p in check.projections) and not check.wrong:
        for result in report.params.values():
            if result.status == "ok":
                result.status, result.projection = "WRONG", next(p for p in check.projections if not p.ok).text()
    report.notes.append(check.statement())


# Any cost: numerical_gradient and check_function ----------------------------------------------------
def _params64(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


def numerical_gradient(cost: Callable[[dict], Any], params: Mapping[str, Any], *, vectorized: bool = False,
                       ladder: tuple[float, ...] | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Central differences of any cost over a dict of arrays, with a per-element error estimate.

    Args:
        cost: ``params dict -> float``. With ``vectorized=True`` it receives every array with
            an extra leading axis of k perturbed copies and returns k costs.
        params: the arrays to differentiate with respect to, by name.
        vectorized: whether ``cost`` takes a batch (much faster: one call for all steps).
        ladder: relative steps to choose from per element (default: a short ladder for a
            loop, the full one when vectorized).

    Returns:
        ``(grads, errors)``: dicts of float64 arrays shaped like ``params``.

    Example:
        >>> grads, errors = numerical_gradient(lambda p: (p["w"] ** 3).sum(), {"w": np.array([1.0, 2.0])})
        >>> grads["w"]  # ≈ [3, 12], errors["w"] ≈ 1e-12
    """
    params = _params64(params)
    theta, layout = flatten(params)
    if vectorized:
        batch = lambda rows: np.asarray(cost(unflatten(rows, layout)), dtype=np.float64)  # noqa: E731
    else:
        batch = loop_batch_cost(cost, layout)
    chosen = ladder or (LADDER if vectorized else BLACK_BOX_LADDER)
    fd = central_differences(batch, theta, ladder=chosen)
    return unflatten(fd.grad, layout), unflatten(fd.err, layout)


def check_function(cost: Callable[[dict], Any], grad: Callable[[dict], Mapping[str, Any]],
                   params: Mapping[str, Any], *, oracles: Iterable[str] | str = ORACLES,
                   safety: float = SAFETY, ulps: float | None = None, mode: str = "full",
                   budget: float = BUDGET, seed: int = 0) -> Report:
    """Self-consistency: is ``grad`` the gradient of ``cost``? No reference model needed.

    Args:
        cost: ``params dict -> float`` (a 0-d or (1,)-shaped array is accepted).
        grad: ``params dict -> gradients dict`` keyed like ``params``.
        params: where to check, arrays by name.
        oracles: as in :func:`check_gradients`; ``"jax"`` is used only when the cost is
            JAX-traceable (written with ``jax.numpy``), otherwise a note says why not.
        safety: factor on the error estimates.
        ulps: your round-off in ulps of each array's magnitude.
        mode: ``"full"`` (every element), ``"fast"`` (random projections and sampled elements
            per array, see :mod:`gradcheck.fast`; the report states its miss probability) or
            ``"auto"`` (full when its estimated time, as timed on one call of the cost, fits in
            ``budget`` seconds, else fast: 2N + 12 calls for fd, N + 14 for scipy). In fast mode
            the scipy oracle differences a sample of every array (its own draw from ``seed``),
            and the report says how many elements.
        budget: seconds for ``mode="auto"``.
        seed: fast mode's random directions and samples.

    Returns:
        A :class:`Report` with one entry per parameter.

    Raises:
        OracleUnavailable: as :func:`check_gradients`, when jax is the only oracle asked for and
            cannot be imported.

    Example:
        >>> check_function(lambda p: (p["w"] ** 2).sum(), lambda p: {"w": 2 * p["w"]}, {"w": np.ones(3)}).ok
        True
    """
    oracles = _validate_oracles(oracles)
    params = _params64(params)
    names = tuple(params)
    theta, layout = flatten(params, names)
    given = grad({k: v.copy() for k, v in params.items()})
    unknown = [k for k in given if k not in params]
    if unknown:
        raise ValueError(f"grad returned {', '.join(map(repr, unknown))}, which are not parameters "
                         f"({', '.join(names)})")
    user = {k: (k, v) for k, v in given.items()}
    _validate_mode(mode, budget)
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        value = cost({k: v.copy() for k, v in params.items()})
        J = float(np.asarray(value).reshape(-1)[0])
    mode = _choose_mode(mode, budget, _function_calls(oracles, theta.size) * (time.perf_counter() - started))
    if not math.isfinite(J):
        table = {k: () for k in names}
        return _unjudgeable("check_function", "none", user, names, table, oracles, J, why="")
    refs: dict[str, dict[str, _Ref]] = {}
    results: dict[str, OracleResult] = {}
    notes: list[str] = []
    fast = None
    if "fd" in oracles and mode == "fast":
        f = InPlaceCost(cost, theta, layout)
        fast = fast_differences(f.line, loop_quotients(f), theta, layout, _user_flat(user, layout),
                                safety=safety, seed=seed)
        refs["fd"] = _fast_refs(fast, layout)
    elif "fd" in oracles:
        fd = verified_differences(cost, theta, layout, _user_flat(user, layout))
        if fd is not None:
            refs["fd"] = _flat_refs(fd.grad, fd.err, layout)
        else:  # the cost changes its inputs: difference copies
            g, e = numerical_gradient(cost, params)
            refs["fd"] = {k: _Ref(g[k], e[k]) for k in names}
    scipy_sample = _scipy_sample(mode, layout, seed)
    if "scipy" in oracles:
        message = _scipy_refs(user, layout, theta, _flat_cost(cost, layout), refs, results, safety, scipy_sample)
        if message:
            notes.append(message)
    no_jax = _jax_function_refs(cost, params, refs, results, notes, type(value) is float) if "jax" in oracles else None
    if not refs:
        raise _none_ran(oracles, notes, no_jax)
    results = _summaries(oracles, refs, results)
    table = {k: tuple(f"{k}.shape[{i}]" for i in range(np.ndim(v))) for k, v in params.items()}
    shape_msgs = {k: _plain_shape_message(name, v, params[k]) for k, (name, v) in user.items()}
    scale = _gradient_scale(refs, J, theta)
    report = _assemble("check_function", "none", user, refs, names, table, None, safety, ulps, results, notes, scale,
                       rounding=lambda dtype: _function_rounding_shift(cost, params, "jax" in refs, dtype),
                       sampled=fast is not None or scipy_sample is not None)
    for k, msg in shape_msgs.items():
        if msg:
            report.params[k].shape_message = msg
            report.params[k].status = "WRONG"
    _apply_fast(report, fast)
    _apply_scipy_sample(report, scipy_sample, theta.size, seed, fast is not None)
    return report


def _function_calls(oracles: tuple[str, ...], n: int) -> int:
    """Calls of the cost a full check_function makes on a right gradient: 2N + 12 for fd, N + 14 for scipy."""
    return (2 * n + 12) * ("fd" in oracles) + (n + 14) * ("scipy" in oracles)


def _flat_cost(cost: Callable[[dict], Any], layout) -> Callable[[np.ndarray], float]:
    """``cost(params dict)`` as a function of the flat vector: views of it, the slices worked out once."""
    parts, start = [], 0
    for name, shape in layout:
        parts.append((name, start, start + math.prod(shape), shape))
        start = parts[-1][2]

    def flat(t: np.ndarray) -> float:
        value = cost({name: t[a:b].reshape(shape) for name, a, b, shape in parts})
        if type(value) is float:
            return value
        return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])

    return flat


def _user_flat(user: Mapping[str, tuple[str, Any]], layout) -> np.ndarray:
    """The user's gradients as one flat float64 vector, nan where one is missing or misshapen."""
    parts = []
    for k, shape in layout:
        size = int(np.prod(shape, dtype=int))
        try:
            value = np.asarray(user[k][1], dtype=np.float64).reshape(size)
        except (KeyError, TypeError, ValueError):
            value = np.full(size, np.nan)
        parts.append(value)
    return np.concatenate(parts) if parts else np.zeros(0)


def _function_rounding_shift(cost, params: Mapping[str, np.ndarray], jax_ok: bool, dtype: np.dtype) -> dict:
    """How far the cost's gradient moves when the parameters are rounded to ``dtype`` (JAX, else differences)."""
    rounded = {k: v.astype(dtype).astype(np.float64) for k, v in params.items()}
    if jax_ok:
        from .oracles import jax as _jax

        at, base = _jax.cost_gradient(cost, rounded), _jax.cost_gradient(cost, params)
    else:
        at, base = numerical_gradient(cost, rounded)[0], numerical_gradient(cost, params)[0]
    return {k: np.reshape(at[k] - base[k], np.shape(params[k])) for k in params}


def _plain_shape_message(name: str, value: Any, param: np.ndarray) -> str:
    got = tuple(np.shape(value))
    if got == param.shape or (param.ndim == 0 and int(np.prod(got)) == 1):
        return ""
    return f"{name} has shape {got} but must be {param.shape}, the shape of the parameter"


def _jax_function_refs(cost, params, refs, results, notes, python_float: bool = False) -> OracleUnavailable | None:
    """JAX's gradient of a user's cost when it is traceable; a note when it is not (and the error
    to raise if no other oracle runs, when jax cannot be imported).

    A cost that returned a Python float (``python_float``: ``float(...)`` of its value) is not
    traced at all: ``float()`` of a traced value fails, so JAX could only trace a cost that
    ignores its parameters. jax is then not even imported.

    Its error estimate is 0: JAX differentiates the cost's own float64 expressions exactly,
    and the round-off of both sides is covered by the judging floor.
    """
    if python_float:
        why = "it returns a Python float, and float() of a traced value fails"
        results["jax"] = OracleResult("jax", _TITLES["jax"], available=False, message=why)
        notes.append(f"jax oracle not used: the cost is not JAX-traceable ({why})")
        return None
    _jax, missing = _load_jax(results, notes)
    if _jax is None:
        return missing
    try:
        grads = _jax.cost_gradient(cost, params)
    except _jax.NotTraceable as exc:
        results["jax"] = OracleResult("jax", _TITLES["jax"], available=False, message=str(exc))
        notes.append(f"jax oracle not used: the cost is not JAX-traceable ({exc})")
        return None
    refs["jax"] = {k: _Ref(v.reshape(np.shape(params[k])), np.zeros(np.shape(params[k]))) for k, v in grads.items()}
    return None

