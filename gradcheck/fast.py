"""Fast mode: random projections and sampled elements, for gradients too large to check element by element.

Two checks, each with a measured error estimate, against the same tolerance rule as the full check
(safety · (error estimate + floor)):

* ``projections`` random ±1 directions u (scaled by max(|θ_i|, 1)): the directional central
  difference of the cost along u against uᵀ(your gradient). An error e in your gradient shifts
  uᵀ(yours) by uᵀe. For an error in a single element of size δ, |uᵀe| = |δ|·scale for every ±1
  draw, so it is caught by every projection once it exceeds the projection's tolerance τ. For
  any error with one element above 2τ, flipping that element's sign moves uᵀe by more than 2τ, so
  at most one of each such pair of draws misses it: all ``projections`` miss it with probability
  at most 2^-projections.
* ``samples`` elements of every parameter array (plus the array's largest element of yours),
  differenced one at a time: a wrong array is not averaged away among the others, and the
  report names the elements.

When a projection fails, the projections are repeated on each array alone to name the wrong arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .oracles import (
    BLACK_BOX_LADDER,
    EPS,
    Layout,
    Quotients,
    confirm_or_ladder,
    judging_floor,
    noise_level,
    noise_rows,
    single_step,
)

__all__ = ["PROJECTIONS", "SAMPLES", "FastCheck", "Projection", "fast_differences"]

PROJECTIONS = 8
SAMPLES = 32
#: Points and order of the noise line in fast mode (fewer calls than the full check's 12 and 6).
_NOISE_POINTS, _NOISE_ORDER = 6, 3


@dataclass
class Projection:
    """One directional check: uᵀ(yours) against the directional difference, with its tolerance."""

    yours: float
    value: float
    err: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(abs(self.yours - self.value) <= self.tolerance)

    def text(self) -> str:
        return (f"random projection: uᵀ(yours) = {self.yours:.8g} but the directional difference is "
                f"{self.value:.8g} ±{self.err:.2g} (tolerance {self.tolerance:.2g})")


@dataclass
class FastCheck:
    """Fast mode's findings.

    Attributes:
        grad, err: flat differences and error estimates of the sampled elements (nan/inf elsewhere).
        sampled: flat mask of the sampled elements.
        projections: the random projections over all parameters.
        wrong: array name -> its failing projection, for arrays whose own projections fail.
        tolerance: the largest projection tolerance τ (in units of the scaled direction).
    """

    grad: np.ndarray
    err: np.ndarray
    sampled: np.ndarray
    projections: list[Projection]
    wrong: dict[str, Projection] = field(default_factory=dict)
    tolerance: float = 0.0
    samples: int = SAMPLES

    @property
    def miss_probability(self) -> float:
        return 2.0 ** -len(self.projections)

    def statement(self) -> str:
        k = len(self.projections)
        return (f"fast mode: {k} random ±1 projections + {self.samples} sampled elements per array "
                f"({int(self.sampled.sum())} elements); an error in one element larger than "
                f"{self.tolerance:.2g} is caught by every projection, and an error with any element above "
                f"{2 * self.tolerance:.2g} is missed with probability ≤ 2^-{k} = {self.miss_probability:.2g}; "
                f"other elements are judged only where sampled")


def _directional(evaluate: Callable[[np.ndarray], float], theta: np.ndarray, u: np.ndarray, yours: float,
                 sigma: float, cost: float, floor: float, safety: float) -> Projection:
    """d/dt J(θ + t·u) by central differences: Richardson from h and h/2, its error estimated as
    |D(h) − D(h/2)| (D(h)'s own error, so R's is smaller) plus round-off; where that does not
    confirm ``yours``, the ladder of :func:`gradcheck.oracles.central_differences` measures it."""
    h = single_step(sigma, cost)

    def quotient(step: float) -> float:
        return (evaluate(theta + step * u) - evaluate(theta - step * u)) / (2.0 * step)

    with np.errstate(all="ignore"):
        wide, narrow = quotient(h), quotient(h / 2)
        value, err = (4.0 * narrow - wide) / 3.0, abs(wide - narrow) + 4.0 * sigma / h
        if not abs(value - yours) <= safety * (err + floor):
            D = np.array([quotient(r) for r in BLACK_BOX_LADDER])
            R = (4.0 * D[1:] - D[:-1]) / 3.0
            change = np.abs(R[:-1] - R[1:])
            errs = np.maximum(change[:-1], change[1:]) + 2.0 * sigma / np.array(BLACK_BOX_LADDER[:-3])
            errs = np.where(np.isfinite(errs) & np.isfinite(R[:-2]), errs, np.inf)
            best = int(np.argmin(errs))
            value, err = float(R[best]), float(errs[best])
    if not (math.isfinite(value) and math.isfinite(err)):
        value, err = float("nan"), float("inf")
    return Projection(float(yours), float(value), float(err), float(safety * (err + floor)))


def fast_differences(evaluate: Callable[[np.ndarray], float], quotients: Quotients, theta: np.ndarray,
                     layout: Layout, user: np.ndarray, *, projections: int = PROJECTIONS, samples: int = SAMPLES,
                     seed: int = 0, safety: float = 10.0) -> FastCheck:
    """Random projections and sampled elements of a cost's gradient against ``user``.

    Args:
        evaluate: flat parameters (n,) -> cost.
        quotients: ``(flat indices, steps) -> central difference quotients`` of those elements.
        theta: the flat float64 parameters (n,); ``layout`` their arrays.
        user: your flat gradient (n,), nan where missing.
        projections, samples: random ±1 directions; elements per array.
        seed: for the directions and the samples.
        safety: the factor on the error estimates.
    """
    rng = np.random.default_rng(seed)
    n = theta.size
    with np.errstate(all="ignore"):
        noise = np.array([evaluate(row) for row in noise_rows(theta, points=_NOISE_POINTS)])
    sigma, cost = noise_level(noise, _NOISE_ORDER), float(noise[0])
    floor = judging_floor(user, cost, theta)
    # Sampled elements: in every array, a random sample and your largest element.
    spans, chosen, start = {}, [], 0
    for name, shape in layout:
        size = int(np.prod(shape, dtype=int))
        spans[name] = (start, start + size)
        if size:
            pick = rng.choice(size, min(size, samples), replace=False)
            mine = np.abs(np.nan_to_num(user[start:start + size], nan=np.inf))
            chosen.append(np.union1d(pick, [int(np.argmax(mine))]) + start)
        start += size
    idx = np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)
    grad, err = np.full(n, np.nan), np.full(n, np.inf)
    if idx.size:
        grad[idx], err[idx], _ = confirm_or_ladder(quotients, theta, idx, user[idx], sigma, cost, floor)
    sampled = np.zeros(n, dtype=bool)
    sampled[idx] = True
    # Projections over all parameters, then per array where one fails.
    scale = np.maximum(np.abs(theta), 1.0)
    signs = [np.where(rng.random(n) < 0.5, -1.0, 1.0) for _ in range(projections)]

    def project(mask: np.ndarray | None) -> list[Projection]:
        out = []
        for v in signs:
            u = v * scale if mask is None else np.where(mask, v * scale, 0.0)
            with np.errstate(all="ignore"):
                yours = float(np.dot(u, user))
                floor_u = 16.0 * EPS * float(np.sum(np.abs(u * user))) + floor
            out.append(_directional(evaluate, theta, u, yours, sigma, cost, floor_u, safety))
        return out

    found = project(None)
    check = FastCheck(grad, err, sampled, found, samples=samples,
                      tolerance=max((p.tolerance for p in found), default=0.0))
    if not all(p.ok for p in found):
        for name, (lo, hi) in spans.items():
            mask = np.zeros(n, dtype=bool)
            mask[lo:hi] = True
            failing = [p for p in project(mask) if not p.ok]
            if failing:
                check.wrong[name] = failing[0]
    return check
