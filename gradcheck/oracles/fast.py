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

Imports: numpy; :mod:`gradcheck.oracles.differences`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .differences import (
    BLACK_BOX_LADDER,
    EPS,
    Layout,
    Quotients,
    confirm_or_ladder,
    judging_floor,
    noise_level,
    single_step,
)

__all__ = ["PROJECTIONS", "SAMPLES", "FastCheck", "Projection", "fast_differences"]

PROJECTIONS = 8
SAMPLES = 32
#: Points, order and relative spacing of the noise line in fast mode (fewer calls than the full check's 12 and 6).
_NOISE_POINTS, _NOISE_ORDER, _NOISE_STEP = 6, 3, 1e-7


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


Line = Callable[[np.ndarray], Callable[[float], float]]


def _directional(phi: Callable[[float], float], yours: float, sigma: float, cost: float, floor: float,
                 safety: float) -> Projection:
    """φ'(0), φ(t) = J(θ + t·u), by central differences: Richardson from h and h/2, its error estimated
    as |D(h) − D(h/2)| (D(h)'s own error, so R's is smaller) plus round-off; where that does not
    confirm ``yours``, the ladder of :func:`gradcheck.oracles.central_differences` measures it."""
    h = single_step(sigma, cost)

    def quotient(step: float) -> float:
        return (phi(step) - phi(-step)) / (2.0 * step)

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


class _Directions:
    """The random ±1 directions u = v·scale, kept as bits and unpacked into reused buffers.

    At N = 10⁶ a fresh float64 array costs more in page faults than the arithmetic on it,
    so v and u live in two buffers; ``u(k)`` refills them, and a line built on u must be
    used before the next call.
    """

    def __init__(self, rng: np.random.Generator, k: int, scale: np.ndarray):
        self.n, self.scale = scale.size, scale
        self.packed = [rng.bytes((self.n + 7) // 8) for _ in range(k)]
        self.v = np.empty(self.n)
        self.unit = not np.any(scale != 1.0)  # every |θ| ≤ 1: u = v
        self._u = self.v if self.unit else np.empty(self.n)

    def __len__(self) -> int:
        return len(self.packed)

    def u(self, k: int, span: tuple[int, int] | None = None) -> np.ndarray:
        """Direction k (only ``span`` of it, zeros elsewhere); ``self.v`` holds its signs."""
        bits = np.unpackbits(np.frombuffer(self.packed[k], dtype=np.uint8), count=self.n)
        np.multiply(bits, -2.0, out=self.v)
        self.v += 1.0
        if not self.unit:
            np.multiply(self.v, self.scale, out=self._u)
        if span is not None:
            self._u[:span[0]] = 0.0
            self._u[span[1]:] = 0.0
        return self._u


def fast_differences(line: Line, quotients: Quotients, theta: np.ndarray, layout: Layout, user: np.ndarray,
                     *, projections: int = PROJECTIONS, samples: int = SAMPLES, seed: int = 0,
                     safety: float = 10.0) -> FastCheck:
    """Random projections and sampled elements of a cost's gradient against ``user``.

    Args:
        line: ``u -> φ`` with φ(t) = J(θ + t·u): the cost along a direction (the model's
            structure makes φ cheaper than a whole evaluation where it can).
        quotients: ``(flat indices, steps) -> central difference quotients`` of those elements.
        theta: the flat float64 parameters (n,); ``layout`` their arrays.
        user: your flat gradient (n,), nan where missing.
        projections, samples: random ±1 directions; elements per array.
        seed: for the directions and the samples.
        safety: the factor on the error estimates.

    The cost's round-off σ is measured along the first direction, at the noise line's relative
    spacing (:func:`gradcheck.oracles.noise_rows`).
    """
    rng = np.random.default_rng(seed)
    n = theta.size
    scale = np.maximum(np.abs(theta), 1.0)
    directions = _Directions(rng, projections, scale)
    spans, start = {}, 0
    for name, shape in layout:
        spans[name] = (start, start + int(np.prod(shape, dtype=int)))
        start = spans[name][1]
    # With u = v·scale (v = ±1), uᵀ(yours) = vᵀ(scale·yours), and the round-off floor
    # 16ε·Σ|u·yours| is the same for every v.
    weighted = user if directions.unit else scale * user
    with np.errstate(all="ignore"):
        magnitude = {name: float(np.sum(np.abs(weighted[lo:hi]))) for name, (lo, hi) in spans.items()}
    # The noise along the first direction, then the projections' common terms.
    first = line(directions.u(0) if projections else scale)
    with np.errstate(all="ignore"):
        noise = np.array([first(i * _NOISE_STEP) for i in range(_NOISE_POINTS)])
    sigma, cost = noise_level(noise, _NOISE_ORDER), float(noise[0])
    floor = judging_floor(user, cost, theta)

    def project(k: int, span: tuple[int, int] | None, phi=None) -> Projection:
        """Direction k (over ``span`` only); ``phi``: its line, when direction k is already unpacked."""
        lo, hi = span or (0, n)
        phi = phi or line(directions.u(k, span))
        floor_u = 16.0 * EPS * sum(m for name, m in magnitude.items() if span in (None, spans[name])) + floor
        with np.errstate(all="ignore"):
            yours = float(np.dot(directions.v[lo:hi], weighted[lo:hi]))
        return _directional(phi, yours, sigma, cost, floor_u, safety)

    found = [project(0, None, first)] if projections else []
    # Sampled elements: in every array, a random sample and your largest element.
    chosen = []
    for lo, hi in spans.values():
        if hi > lo:
            pick = rng.choice(hi - lo, min(hi - lo, samples), replace=False)
            mine = int(np.argmax(np.abs(user[lo:hi])))  # a missing (nan) element first
            chosen.append(np.union1d(pick, [mine]) + lo)
    idx = np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)
    grad, err = np.full(n, np.nan), np.full(n, np.inf)
    if idx.size:
        grad[idx], err[idx], _ = confirm_or_ladder(quotients, theta, idx, user[idx], sigma, cost, floor)
    sampled = np.zeros(n, dtype=bool)
    sampled[idx] = True
    # The other projections over all parameters, then each array alone where one fails.
    found += [project(k, None) for k in range(1, projections)]
    check = FastCheck(grad, err, sampled, found, samples=samples,
                      tolerance=max((p.tolerance for p in found), default=0.0))
    if not all(p.ok for p in found):
        for name, span in spans.items():
            failing = [p for p in (project(k, span) for k in range(projections)) if not p.ok]
            if failing:
                check.wrong[name] = failing[0]
    return check
