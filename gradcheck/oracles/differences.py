"""The differences kernel shared by every difference-based oracle: flattening, noise, Richardson.

Everything here works on a flat float64 parameter vector ``theta`` (the parameters in the
model's order, each flattened in C order). :func:`central_differences` takes a *batch cost*: a
function from a ``(k, n)`` array of parameter vectors to the ``k`` costs (vectorised for a model,
a loop for a black box: :mod:`gradcheck.oracles.fd` builds both). The mathematics is written
once: the ladder of steps, :func:`richardson` extrapolation with its measured error, the cost's
round-off noise (:func:`noise_level`), the relu kinks that a step crosses.

Imports: numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tolerance import COST_ULPS, FLOOR_ULPS

EPS = float(np.finfo(np.float64).eps)
#: Points and order of the differences that measure a cost's round-off noise.
_NOISE_POINTS, _NOISE_ORDER = 12, 6

BatchCost = Callable[[np.ndarray], np.ndarray]
Layout = list[tuple[str, tuple[int, ...]]]
Quotients = Callable[[np.ndarray, np.ndarray], np.ndarray]


# Flattening ---------------------------------------------------------------------------
def flatten(params: Mapping[str, Any], names: tuple[str, ...] | None = None) -> tuple[np.ndarray, Layout]:
    """The parameters as one float64 vector (C order, in ``names``' order) and their layout."""
    names = tuple(params) if names is None else names
    layout = [(k, tuple(np.shape(params[k]))) for k in names]
    if not layout:
        return np.zeros(0), layout
    theta = np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in names])
    return theta, layout


def unflatten(theta: np.ndarray, layout: Layout) -> dict[str, np.ndarray]:
    """Split a vector (or a ``(k, n)`` batch of vectors) back into named arrays."""
    lead = theta.shape[:-1]
    out, start = {}, 0
    for name, shape in layout:
        size = math.prod(shape)
        out[name] = theta[..., start:start + size].reshape(lead + shape)
        start += size
    return out


# Round-off noise of a cost ----------------------------------------------------------------
def noise_rows(theta: np.ndarray, rel: float = 1e-7, points: int = _NOISE_POINTS) -> np.ndarray:
    """Equally spaced points on a short line through theta, for :func:`noise_level`."""
    direction = np.where(np.arange(theta.size) % 2, 1.0, -1.0) * np.maximum(np.abs(theta), 1.0) * rel
    return theta[None, :] + np.arange(points)[:, None] * direction[None, :]


def noise_level(costs: np.ndarray, order: int = _NOISE_ORDER) -> float:
    """The round-off noise of a cost, measured from its values at :func:`noise_rows`.

    On so short a line a smooth cost is a polynomial whose 6th differences vanish, while
    independent noise of standard deviation σ gives 6th differences of deviation σ·√924
    (Moré and Wild's ECnoise, simplified). Returns the largest such estimate, at least
    ``COST_ULPS``·ε·|J|: the standard deviation σ of one evaluation's round-off.
    """
    costs = np.asarray(costs, dtype=np.float64)
    sixth = np.diff(costs, order)
    measured = float(np.max(np.abs(sixth))) / math.sqrt(math.comb(2 * order, order))
    least = COST_ULPS * EPS * float(np.max(np.abs(costs)))
    return max(measured, least) if math.isfinite(measured) else least



def richardson(D: np.ndarray, roundoff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Richardson extrapolation down a ladder of steps, each half the one before, with its error.

    ``D`` holds central difference quotients, one row per step (at least 4). Returns, per step k
    but the last three, R(h_k) = (4·D(h_k/2) − D(h_k)) / 3 and its error estimate
    max(|R(h_k) − R(h_k/2)|, |R(h_k/2) − R(h_k/4)|) (measured, round-off included, and not
    trusted to one lucky agreement) plus ``roundoff`` (one row per returned step); inf where any
    of it is not finite. The caller picks, per element, the step with the smallest estimate.
    """
    with np.errstate(all="ignore"):
        R = (4.0 * D[1:] - D[:-1]) / 3.0
        change = np.abs(R[:-1] - R[1:])
        change = np.where(np.isfinite(change), change, np.inf)
        err = np.maximum(change[:-1], change[1:]) + roundoff
    err = np.where(np.isfinite(err) & np.isfinite(R[:-2]), err, np.inf)
    return R[:-2], err


def pick(values: np.ndarray, err: np.ndarray, step: np.ndarray, best: np.ndarray):
    """Per element (column), the value, error and step of the level ``best`` chose."""
    cols = np.arange(values.shape[1])
    return values[best, cols], err[best, cols], step[best, cols]


# Central differences ---------------------------------------------------------------------
@dataclass
class FiniteDifferences:
    """Central differences extrapolated from steps h and h/2, with a per-element error estimate.

    Attributes:
        grad: the Richardson value R(h) = (4·D(h/2) − D(h)) / 3, D the central difference.
        err: max(|R(h) − R(h/2)|, |R(h/2) − R(h/4)|) (R(h)'s error, measured, round-off
            included, and not trusted to one lucky agreement) plus the round-off 2σ/h
            (R's round-off deviation is 1.89σ/h), σ the cost's measured noise (:func:`noise_level`).
        step: the h chosen per element: the one of the ladder ``scale · 2^-j`` (scale =
            max(|θ_i|, 1)) whose error estimate is smallest among those crossing no relu kink.
        cost: J at theta.
        kinks: the relu kinks that the chosen steps cross (see :class:`Kink`).
    """

    grad: np.ndarray
    err: np.ndarray
    step: np.ndarray
    cost: float
    kinks: list = field(default_factory=list)


#: The ladder of relative steps, 2^-6 down to 2^-21: wide enough for any smooth cost's balance
#: of truncation (h⁴ after extrapolation) and round-off (σ/h).
LADDER = tuple(2.0 ** -j for j in range(6, 22))
#: A short ladder around ε^(1/5) for black-box costs evaluated one call at a time (10 calls per element).
BLACK_BOX_LADDER = tuple(2.0 ** -j for j in range(8, 13))


@dataclass
class _Crossings:
    """Where ± steps cross a watched pre-activation's 0, kept sparse: one entry per crossing.

    ``pairs`` indexes (level, element) as level·n + element; ``where`` is the flat index into
    the watched array; ``base`` holds the watched arrays at θ.
    """

    base: dict
    pairs: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)

    def record(self, first_pair: int, watched: Mapping[str, np.ndarray]) -> None:
        """Note the crossings of a chunk of rows that holds (+h, −h) pairs from ``first_pair`` on."""
        for name, values in watched.items():
            z0 = self.base[name]
            zp, zm = values[0::2], values[1::2]
            lo, hi = np.minimum(np.minimum(zp, zm), z0), np.maximum(np.maximum(zp, zm), z0)
            crossed = ((lo <= 0) & (hi >= 0) & (hi > lo)).reshape(len(zp), -1)
            pair, where = np.nonzero(crossed)
            self.pairs.setdefault(name, []).append(pair + first_pair)
            self.where.setdefault(name, []).append(where)

    def merged(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {k: (np.concatenate(self.pairs[k]), np.concatenate(self.where[k])) for k in self.pairs}


def _call(batch_cost, rows: np.ndarray) -> tuple[np.ndarray, dict]:
    result = batch_cost(rows)
    if isinstance(result, tuple):
        return np.asarray(result[0], dtype=np.float64), result[1]
    return np.asarray(result, dtype=np.float64), {}


def _evaluate(batch_cost, theta: np.ndarray, h: np.ndarray, chunk: int):
    """J at θ, at θ ± h e_i for every ladder level and element (pairs of rows), and on the noise line.

    Rows are built chunk by chunk and watched intermediates reduced to sparse crossings at once,
    so memory stays proportional to the chunk, not to levels × n.
    """
    n = theta.size
    J0, base = _call(batch_cost, theta[None, :])
    crossings = _Crossings({k: v[0] for k, v in base.items()})
    moves = np.stack([theta + h, theta - h], axis=-1).reshape(-1)  # (levels, n, ±) flattened
    elements = np.tile(np.repeat(np.arange(n), 2), len(h))
    costs = []
    step = max(2, chunk - chunk % 2)
    for start in range(0, moves.size, step):
        stop = min(moves.size, start + step)
        rows = np.repeat(theta[None, :], stop - start, axis=0)
        rows[np.arange(stop - start), elements[start:stop]] = moves[start:stop]
        J, watched = _call(batch_cost, rows)
        costs.append(J)
        if watched:
            crossings.record(start // 2, watched)
    noise, _ = _call(batch_cost, noise_rows(theta))
    pairs = np.concatenate(costs).reshape(len(h), n, 2) if costs else np.zeros((len(h), 0, 2))
    return float(J0[0]), pairs[..., 0], pairs[..., 1], noise, crossings


def central_differences(batch_cost, theta: np.ndarray, *, ladder: tuple[float, ...] = LADDER,
                        chunk: int = 2048) -> FiniteDifferences:
    """Central differences of a batch cost at ``theta``, with Richardson extrapolation.

    Every element is differenced at each step of ``ladder`` (relative to max(|θ_i|, 1));
    R(h) = (4·D(h/2) − D(h)) / 3 is formed for consecutive steps, its error estimated as
    |R(h) − R(h/2)| plus round-off, and each element keeps the step with the smallest
    estimate. All 2·n·len(ladder) evaluations go to ``batch_cost`` in chunks.

    Args:
        batch_cost: ``rows (k, n) -> costs (k,)``, or ``-> (costs, watched intermediates)``
            where the watched intermediates (relu pre-activations) have a leading axis k.
        theta: the flat float64 parameters, shape (n,).
        ladder: relative steps, each half the one before (at least 4).
        chunk: rows evaluated per call.

    Returns:
        A :class:`FiniteDifferences` with the gradient and its per-element error estimate.

    Example:
        >>> fd = central_differences(lambda rows: (rows**3).sum(1), np.array([1.0, -2.0]))
        >>> fd.grad, fd.err  # ≈ [3, 12], ≈ 1e-12
    """
    theta = np.asarray(theta, dtype=np.float64)
    n = theta.size
    h = np.array(ladder)[:, None] * np.maximum(np.abs(theta), 1.0)[None, :]   # (levels, n)
    with np.errstate(all="ignore"):
        J0, Jp, Jm, noise, crossings = _evaluate(batch_cost, theta, h, chunk)
        sigma = noise_level(noise)
        D = (Jp - Jm) / ((theta + h) - (theta - h))                          # the step actually taken
        R, err = richardson(D, 2.0 * sigma / h[:-3])
    merged = crossings.merged()
    best = _best_steps(err, merged, n)
    kinks = _kinks(crossings.base, merged, best * n + np.arange(n), n)
    grad, err, step = pick(R, err, h, best)
    return FiniteDifferences(grad=grad, err=err, step=step, cost=J0, kinks=kinks)


def _best_steps(err: np.ndarray, crossings: Mapping[str, tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Per element, the ladder level with the smallest error estimate among those whose
    steps cross no relu kink (all levels when every one crosses)."""
    if not n:
        return np.zeros(0, dtype=int)
    crossed = np.zeros((err.shape[0] + 3) * n, dtype=bool)
    for pairs, _ in crossings.values():
        crossed[pairs] = True
    crossed = crossed.reshape(-1, n)
    # The estimate at level k uses the steps of levels k to k + 3.
    spans = crossed[:-3] | crossed[1:-2] | crossed[2:-1] | crossed[3:]
    avoiding = np.where(spans, np.inf, err)
    return np.where(np.isfinite(avoiding).any(axis=0), np.argmin(avoiding, axis=0), np.argmin(err, axis=0))


def single_step(sigma: float, cost: float) -> float:
    """The relative step balancing a central difference's truncation (h²) and round-off (σ/h): (σ/|J|)^⅓,
    as a power of 2 between 2^-20 and 2^-6."""
    relative = max(sigma / max(abs(cost), np.finfo(float).tiny), EPS) ** (1.0 / 3.0)
    return 2.0 ** min(-6, max(-20, round(math.log2(relative))))


def confirm_or_ladder(quotients: Quotients, theta: np.ndarray, idx: np.ndarray, user: np.ndarray, sigma: float,
                      cost: float, floor: float, ladder: tuple[float, ...] = BLACK_BOX_LADDER):
    """Differences of elements ``idx``: D(h) where it confirms ``user`` within round-off, else Richardson.

    Every element gets one central difference D(h), h balancing truncation and round-off. Where
    |D(h) − user| ≤ 2σ/h + ``floor``, D(h) is the reference with error 2σ/h (a wrong value would
    have to equal D(h)'s truncation error to be confirmed). The others get the ladder of
    :func:`central_differences` (2·len(ladder) calls each), with its measured error.

    Returns ``(grad, err, step)`` for the elements ``idx``.
    """
    scale = np.maximum(np.abs(theta[idx]), 1.0)
    h = single_step(sigma, cost) * scale
    with np.errstate(all="ignore"):
        D = quotients(idx, h)
        roundoff = 2.0 * sigma / h
        confirmed = np.abs(D - user) <= roundoff + floor
    grad, err, step = D, np.where(confirmed, roundoff, np.inf), h
    todo = np.flatnonzero(~confirmed)
    if todo.size:
        steps = np.array(ladder)[:, None] * scale[None, todo]
        with np.errstate(all="ignore"):
            q = np.stack([quotients(idx[todo], steps[level]) for level in range(len(ladder))])
        R, ladder_err = richardson(q, 2.0 * sigma / steps[:-3])
        grad[todo], err[todo], step[todo] = pick(R, ladder_err, steps, np.argmin(ladder_err, axis=0))
    return grad, err, step


def largest_finite(values: np.ndarray) -> float:
    """The largest finite magnitude in ``values`` (0 when none; fast mode's references are nan where not sampled)."""
    return float(np.max(np.abs(values), initial=0.0, where=np.isfinite(values)))


def judging_floor(values: np.ndarray, cost: float, theta: np.ndarray) -> float:
    """16 ulps of the gradient's magnitude (its largest finite value, or |J|/max(|θ|, 1)): the
    least of the judging floor in :mod:`gradcheck.judge`."""
    return FLOOR_ULPS * EPS * max(largest_finite(values), abs(cost) / max(1.0, float(np.max(np.abs(theta), initial=0.0))))


# Kinks -------------------------------------------------------------------------------------
@dataclass
class Kink:
    """A relu pre-activation that a difference quotient's step moves across 0.

    Attributes:
        where: e.g. ``"Z2[3, 1]"``.
        value: the pre-activation at θ.
        exact: True when it is exactly 0 (relu'(0) is then a convention: 0 or 1).
        affected: flat indices of the parameters whose steps cross it.
    """

    where: str
    value: float
    exact: bool
    affected: np.ndarray


def _index_text(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""


def _kinks(base: Mapping[str, np.ndarray], crossings: Mapping[str, tuple[np.ndarray, np.ndarray]],
           chosen: np.ndarray, n: int) -> list[Kink]:
    """The kinks crossed by each element's chosen step (``chosen``: its level·n + element)."""
    kinks = []
    for name, (pairs, where) in crossings.items():
        keep = np.isin(pairs, chosen)
        pairs, where = pairs[keep], where[keep]
        z0 = np.asarray(base[name])
        for flat in np.unique(where):
            index = tuple(int(i) for i in np.unravel_index(int(flat), z0.shape))
            affected = np.unique(pairs[where == flat] % n)
            kinks.append(Kink(f"{name}{_index_text(index)}", float(z0[index]), bool(z0[index] == 0), affected))
    return kinks


