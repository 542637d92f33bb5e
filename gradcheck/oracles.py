"""The difference-based oracles: central differences with error estimates, and scipy's check_grad.

Everything here works on a flat float64 parameter vector ``theta`` (the parameters in the
model's order, each flattened in C order) and a *batch cost*: a function from a ``(k, n)``
array of parameter vectors to the ``k`` costs. For the built-in models the batch cost is
vectorised (one numpy call for all perturbations); for any other cost it is a loop.

scipy is imported inside the functions that use it, never at module import.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .models import Model

__all__ = [
    "BLACK_BOX_LADDER",
    "EPS",
    "LADDER",
    "FiniteDifferences",
    "Kink",
    "ScipyCheck",
    "central_differences",
    "flatten",
    "loop_batch_cost",
    "model_batch_cost",
    "noise_level",
    "noise_rows",
    "relu_preactivations",
    "scipy_check",
    "structured_differences",
    "unflatten",
    "verified_differences",
]

EPS = float(np.finfo(np.float64).eps)
#: Ulps of the cost's magnitude: the least round-off assumed for one cost evaluation.
COST_ULPS = 2.0
#: Points and order of the differences that measure a cost's round-off noise.
_NOISE_POINTS, _NOISE_ORDER = 12, 6

BatchCost = Callable[[np.ndarray], np.ndarray]
Layout = list[tuple[str, tuple[int, ...]]]


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


# Batch costs ---------------------------------------------------------------------------
class _BatchedNumpy:
    """numpy whose ``sum`` keeps the leading axis: the batch of perturbed parameter sets."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def sum(a, axis=None, **kwargs):
        if axis is None:
            return np.sum(a, axis=tuple(range(1, np.ndim(a))))
        return np.sum(a, axis=axis, **kwargs)


_BATCHED = _BatchedNumpy()


def model_batch_cost(model: Model, inputs: Mapping[str, Any], layout: Layout,
                     watch: tuple[str, ...] = ()) -> Callable[[np.ndarray], tuple[np.ndarray, dict]]:
    """A vectorised cost for a built-in model: rows of parameters -> (costs, watched intermediates).

    Each parameter gets a leading batch axis, so ``X @ W1`` becomes a batched matmul
    and the model's ``xp.sum`` reduces all but that axis: one numpy call per chunk.
    """

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, dict]:
        out = model.forward(inputs, unflatten(rows, layout), xp=_BATCHED)
        J = np.broadcast_to(np.asarray(out["J"], dtype=np.float64), rows.shape[:1])
        return J, {k: out[k] for k in watch}

    return evaluate


def loop_batch_cost(cost: Callable[[dict], Any], layout: Layout) -> BatchCost:
    """A batch cost that calls a black-box ``cost(params_dict) -> float`` once per row."""

    def evaluate(rows: np.ndarray) -> np.ndarray:
        return np.array([float(np.asarray(cost(unflatten(row.copy(), layout))).reshape(-1)[0]) for row in rows])

    return evaluate


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
        R = (4.0 * D[1:] - D[:-1]) / 3.0
        change = np.abs(R[:-1] - R[1:])
        change = np.where(np.isfinite(change), change, np.inf)
        # The larger of two neighbouring changes: one lucky agreement does not make an estimate.
        err = np.maximum(change[:-1], change[1:]) + 2.0 * sigma / h[:-3]
    err = np.where(np.isfinite(err) & np.isfinite(R[:-2]), err, np.inf)
    merged = crossings.merged()
    best = _best_steps(err, merged, n)
    cols = np.arange(n)
    kinks = _kinks(crossings.base, merged, best * n + cols, n)
    return FiniteDifferences(grad=R[:-2][best, cols], err=err[best, cols], step=h[best, cols], cost=J0, kinks=kinks)


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


# A black-box cost checked against a given gradient -----------------------------------------------
class InPlaceCost:
    """A black-box ``cost(params dict)`` called on views of one flat float64 buffer.

    One element is moved, the cost called, the element put back: no array or dict is
    copied per evaluation. ``intact()`` says whether the cost left its inputs alone.
    """

    def __init__(self, cost: Callable[[dict], Any], theta: np.ndarray, layout: Layout):
        self.cost, self.theta = cost, theta
        self.buffer = theta.copy()
        self.views = unflatten(self.buffer, layout)

    def __call__(self) -> float:
        value = self.cost(dict(self.views))
        if type(value) is float or isinstance(value, np.floating):
            return float(value)
        return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])

    def at(self, i: int, value: float) -> float:
        """The cost with element i set to ``value``."""
        self.buffer[i] = value
        try:
            return self()
        finally:
            self.buffer[i] = self.theta[i]

    def along(self, row: np.ndarray) -> float:
        """The cost at the whole parameter vector ``row``."""
        self.buffer[:] = row
        try:
            return self()
        finally:
            self.buffer[:] = self.theta

    def line(self, u: np.ndarray) -> Callable[[float], float]:
        """φ(t) = the cost at θ + t·u, built in the buffer."""

        def phi(t: float) -> float:
            np.multiply(u, t, out=self.buffer)
            self.buffer += self.theta
            try:
                return self()
            finally:
                self.buffer[:] = self.theta

        return phi

    def intact(self) -> bool:
        return bool(np.array_equal(self.buffer, self.theta, equal_nan=True))


def single_step(sigma: float, cost: float) -> float:
    """The relative step balancing a central difference's truncation (h²) and round-off (σ/h): (σ/|J|)^⅓,
    as a power of 2 between 2^-20 and 2^-6."""
    relative = max(sigma / max(abs(cost), np.finfo(float).tiny), EPS) ** (1.0 / 3.0)
    return 2.0 ** min(-6, max(-20, round(math.log2(relative))))


Quotients = Callable[[np.ndarray, np.ndarray], np.ndarray]


def loop_quotients(f: InPlaceCost) -> Quotients:
    """Central difference quotients of elements ``idx`` at steps ``steps``, one pair of calls each."""
    theta = f.theta

    def quotients(idx: np.ndarray, steps: np.ndarray) -> np.ndarray:
        out = np.empty(idx.size)
        for col, i in enumerate(idx):
            a, b = theta[i] + steps[col], theta[i] - steps[col]
            out[col] = (f.at(i, a) - f.at(i, b)) / (a - b)
        return out

    return quotients


#: Most floats in one block of perturbed parameter sets (32 MiB) when a cost broadcasts over a leading axis.
BLOCK_FLOATS = 1 << 22
#: The first block's rows, and the factor on the time per row that a doubled block must beat.
_FIRST_BLOCK, _GAIN = 8, 0.9


def broadcast_values(cost: Callable[[dict], Any], rows: np.ndarray, layout: Layout,
                     singles: Mapping[int, float]) -> np.ndarray | None:
    """The costs of ``rows`` (k, n) from one call, if ``cost`` takes a leading batch axis; else None.

    The call must return k costs, and those of the rows in ``singles`` (row -> its cost from a
    call of its own) must equal them within the round-off measured on ``rows`` (:func:`noise_level`,
    when they are a noise line) or 4 ulps. Any error in the call: None.
    """
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(cost(unflatten(rows.copy(), layout)), dtype=np.float64)
    except Exception:  # a cost written for one parameter set may fail on a batch in any way
        return None
    if out.shape != rows.shape[:1]:
        return None
    sigma = noise_level(out) if out.size > _NOISE_ORDER else 0.0
    at = np.array(list(singles), dtype=int)
    expected = np.array(list(singles.values()), dtype=np.float64)
    with np.errstate(all="ignore"):
        agree = np.abs(out[at] - expected) <= 4.0 * sigma + 4.0 * EPS * np.abs(expected)
    return out if bool(np.all(agree)) else None


class BlockQuotients:
    """Central difference quotients through a cost that broadcasts: blocks of ± rows per call.

    The rows live in one buffer filled with θ; a block moves one element per row, calls the cost
    on views of the block, and puts the elements back. How many rows a call should take depends
    on the cost (a call's fixed overhead against its temporaries falling out of cache), so the
    block starts at ``_FIRST_BLOCK`` rows and doubles, up to ``BLOCK_FLOATS``, until two doublings
    in a row fail to cut the measured time per row by 10%; then the best block is kept. The timed
    blocks are real work. ``intact()`` says whether the cost left the buffer alone.
    """

    def __init__(self, cost: Callable[[dict], Any], theta: np.ndarray, layout: Layout):
        self.cost, self.theta, self.layout = cost, theta, layout
        self.limit = max(2, BLOCK_FLOATS // max(1, theta.size))
        self.rows = np.repeat(theta[None, :], min(self.limit, _FIRST_BLOCK), axis=0)
        self.block = self.best = self.rows.shape[0]
        self.settled, self.per_row, self.misses = False, math.inf, 0

    def _grow(self, seconds: float, k: int) -> None:
        if k < self.block:  # a short last block says nothing about the block size
            return
        per_row = seconds / k
        if per_row < _GAIN * self.per_row:
            self.per_row, self.best, self.misses = per_row, self.block, 0
        else:
            self.misses += 1
        if self.misses == 2 or 2 * self.block > self.limit:  # two doublings in a row did not pay
            self.block, self.settled = self.best, True
        else:
            self.block *= 2
        if self.block > self.rows.shape[0]:
            self.rows = np.repeat(self.theta[None, :], self.block, axis=0)

    def _call(self, elements: np.ndarray, moves: np.ndarray) -> np.ndarray:
        k = elements.size
        block = self.rows[:k]
        at = np.arange(k)
        block[at, elements] = moves
        started = time.perf_counter()
        try:
            out = np.asarray(self.cost(unflatten(block, self.layout)), dtype=np.float64).reshape(-1)
        finally:
            block[at, elements] = self.theta[elements]
        if not self.settled:
            self._grow(time.perf_counter() - started, k)
        return out

    def __call__(self, idx: np.ndarray, steps: np.ndarray) -> np.ndarray:
        up, down = self.theta[idx] + steps, self.theta[idx] - steps
        moves = np.stack([up, down], axis=-1).reshape(-1)
        elements = np.repeat(idx, 2)
        costs, start = [], 0
        while start < moves.size:
            stop = min(moves.size, start + self.block)
            costs.append(self._call(elements[start:stop], moves[start:stop]))
            start = stop
        pairs = np.concatenate(costs).reshape(-1, 2) if costs else np.zeros((0, 2))
        return (pairs[:, 0] - pairs[:, 1]) / (up - down)

    def intact(self) -> bool:
        return bool(np.array_equal(self.rows, np.broadcast_to(self.theta, self.rows.shape), equal_nan=True))


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
            R = (4.0 * q[1:] - q[:-1]) / 3.0
            change = np.abs(R[:-1] - R[1:])
            change = np.where(np.isfinite(change), change, np.inf)
            ladder_err = np.maximum(change[:-1], change[1:]) + 2.0 * sigma / steps[:-3]
        ladder_err = np.where(np.isfinite(ladder_err) & np.isfinite(R[:-2]), ladder_err, np.inf)
        best = np.argmin(ladder_err, axis=0)
        cols = np.arange(todo.size)
        grad[todo], err[todo], step[todo] = R[:-2][best, cols], ladder_err[best, cols], steps[best, cols]
    return grad, err, step


def largest_finite(values: np.ndarray) -> float:
    """The largest finite magnitude in ``values`` (0 when none; fast mode's references are nan where not sampled)."""
    return float(np.max(np.abs(values), initial=0.0, where=np.isfinite(values)))


def judging_floor(values: np.ndarray, cost: float, theta: np.ndarray) -> float:
    """16 ulps of the gradient's magnitude (its largest finite value, or |J|/max(|θ|, 1)): the
    least of the judging floor in :mod:`gradcheck.compare`."""
    return 16.0 * EPS * max(largest_finite(values), abs(cost) / max(1.0, float(np.max(np.abs(theta), initial=0.0))))


def verified_differences(cost: Callable[[dict], Any], theta: np.ndarray, layout: Layout, user: np.ndarray,
                         *, ladder: tuple[float, ...] = BLACK_BOX_LADDER, batch: bool = True,
                         ) -> FiniteDifferences | None:
    """Central differences of a black-box cost at the speed limit, given the gradient to check.

    The cost is called on views of one buffer (:class:`InPlaceCost`), its noise σ measured on a
    short line (:func:`noise_level`), and every element differenced by :func:`confirm_or_ladder`
    against ``user`` (nan where a gradient is missing): 2 calls per element where the given
    gradient is confirmed within round-off, the Richardson ladder elsewhere. With ``batch``, a cost
    found to broadcast over a leading axis of parameter sets (:func:`broadcast_values`: the noise
    line in one call, its ends checked against single calls) gets blocks of perturbations per call
    instead (:class:`BlockQuotients`).

    Returns None when the cost changed its input arrays (then the caller differences copies).
    """
    f = InPlaceCost(cost, theta, layout)
    line = noise_rows(theta)
    with np.errstate(all="ignore"):
        ends = {0: f.along(line[0]), line.shape[0] - 1: f.along(line[-1])}
        noise = broadcast_values(cost, line, layout, ends) if batch else None
        batched = noise is not None
        if not batched:
            noise = np.array([ends.get(i) if i in ends else f.along(row) for i, row in enumerate(line)])
    sigma, J0 = noise_level(noise), float(noise[0])
    floor = judging_floor(user, J0, theta)
    idx = np.arange(theta.size)
    quotients = BlockQuotients(cost, theta, layout) if batched else loop_quotients(f)
    grad, err, step = confirm_or_ladder(quotients, theta, idx, user, sigma, J0, floor, ladder)
    if not (f.intact() and (not batched or quotients.intact())):
        return None
    return FiniteDifferences(grad=grad, err=err, step=step, cost=J0)


# Structure-aware differences for the built-in models --------------------------------------------
#: Structure-aware ladders: wide while it is cheap, the four steps one estimate needs beyond that.
STRUCTURED_LADDER = tuple(2.0 ** -j for j in range(6, 18))
STRUCTURED_SHORT_LADDER = tuple(2.0 ** -j for j in range(9, 13))
#: Above this many parameters the short ladder is used (each step costs one pass over all elements).
STRUCTURED_WIDE_LIMIT = 20_000
#: Ulps of the changed terms' magnitude assumed for the round-off of one structured difference.
STRUCTURED_ULPS = 4.0


def structured_differences(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any],
                           names: tuple[str, ...], ladder: tuple[float, ...] | None = None) -> FiniteDifferences:
    """Central differences of a built-in model from its cached forward pass (:mod:`gradcheck.structured`).

    The same quotients as :func:`central_differences` on the model's cost (within round-off),
    with the same Richardson extrapolation and error estimate, except that the round-off
    term is ``STRUCTURED_ULPS``·ε·scale/h, scale the magnitude of the cost terms that each
    difference actually changed (returned by the structured evaluation). No relu kinks:
    only the sigmoid models (``welch``, ``welch_reg``) take this path.
    """
    from . import structured

    theta, layout = flatten(params, names)
    n = theta.size
    if ladder is None:
        ladder = STRUCTURED_LADDER if n <= STRUCTURED_WIDE_LIMIT else STRUCTURED_SHORT_LADDER
    base = np.maximum(np.abs(theta), 1.0)
    h = np.array(ladder)[:, None] * base[None, :]
    D = np.empty_like(h)
    scale = np.empty_like(h)
    with np.errstate(all="ignore"):
        for level in range(len(ladder)):
            steps = unflatten(h[level], layout)
            q, s = structured.central_differences(model, inputs, params, steps)
            D[level] = flatten(q, names)[0]
            scale[level] = flatten(s, names)[0]
        R = (4.0 * D[1:] - D[:-1]) / 3.0
        change = np.abs(R[:-1] - R[1:])
        change = np.where(np.isfinite(change), change, np.inf)
        roundoff = STRUCTURED_ULPS * EPS * np.maximum(scale[:-3], scale[1:-2]) / h[1:-2]
        err = np.maximum(change[:-1], change[1:]) + roundoff
        cost = float(model.cost(inputs, params))
    err = np.where(np.isfinite(err) & np.isfinite(R[:-2]), err, np.inf)
    best = np.argmin(err, axis=0) if n else np.zeros(0, dtype=int)
    cols = np.arange(n)
    return FiniteDifferences(grad=R[:-2][best, cols], err=err[best, cols], step=h[best, cols], cost=cost)


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


def relu_preactivations(model: Model, dims: Mapping[str, int]) -> tuple[str, ...]:
    """Names of the model's intermediates that go through a relu."""
    if model.name == "deep":
        L = sum(1 for k in dims if k.startswith("n")) - 1
        return tuple(f"Z{l}" for l in range(1, L))
    return ()


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


# scipy ---------------------------------------------------------------------------------------
@dataclass
class ScipyCheck:
    """scipy.optimize's forward-difference view of a gradient.

    Attributes:
        grad: ``approx_fprime`` at the step h = √(σ/|J|)·max(|θ_i|, 1), which balances
            forward differences' truncation (∝ h) and round-off (∝ σ/h); σ the cost's measured
            noise (:func:`noise_level`). For a cost computed to full precision this is scipy's
            default √ε; a noisier cost gets a longer step.
        err: |D(2h) − D(h)| (forward differences' truncation, first order in h) plus the
            round-off √2·σ/h.
        step: h per element.
        norm: what ``check_grad`` returns: ‖user − approx_fprime‖₂.
        difference: the course's ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖), g the user's gradient, ĝ scipy's.
        threshold: the largest difference forward differences' own error allows:
            safety·‖err‖ / (2‖ĝ‖) (for a right gradient ‖g‖ ≈ ‖ĝ‖).
    """

    grad: np.ndarray
    err: np.ndarray
    norm: float | None
    difference: float | None
    threshold: float
    step: np.ndarray | None = None


def course_difference(user: np.ndarray, approx: np.ndarray) -> float:
    """The course's relative difference ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) (0 when both are 0)."""
    denominator = np.linalg.norm(user) + np.linalg.norm(approx)
    return float(np.linalg.norm(user - approx) / denominator) if denominator else 0.0


def scipy_check(cost: Callable[[np.ndarray], float], theta: np.ndarray, user: np.ndarray | None,
                *, safety: float = 10.0) -> ScipyCheck:
    """``scipy.optimize.check_grad`` with the user's gradient, and ``approx_fprime`` per element.

    Args:
        cost: flat parameters (n,) -> float.
        theta: where to check, shape (n,).
        user: the user's flattened gradient at theta (a constant ``grad`` for check_grad), or None
            when it cannot be flattened to theta's size: then only ``approx_fprime`` runs and
            ``norm`` and ``difference`` are None.
        safety: the factor on the error estimate in ``threshold``.
    """
    from scipy.optimize import approx_fprime, check_grad

    theta = np.asarray(theta, dtype=np.float64)
    noise_costs = np.array([cost(row) for row in noise_rows(theta)])
    sigma = noise_level(noise_costs)
    relative = max(math.sqrt(sigma / max(abs(float(noise_costs[0])), np.finfo(float).tiny)), math.sqrt(EPS))
    h = min(relative, 1e-4) * np.maximum(np.abs(theta), 1.0)
    if user is not None:
        user = np.asarray(user, dtype=np.float64)
        norm = float(check_grad(cost, lambda _x: user, theta, epsilon=h))
    d1 = np.atleast_1d(approx_fprime(theta, cost, h))
    d2 = np.atleast_1d(approx_fprime(theta, cost, 2 * h))
    err = np.abs(d2 - d1) + math.sqrt(2.0) * sigma / h
    denominator = 2.0 * np.linalg.norm(d1)
    threshold = float(safety * np.linalg.norm(err) / denominator) if denominator else 0.0
    if user is None:
        return ScipyCheck(grad=d1, err=err, norm=None, difference=None, threshold=threshold, step=h)
    return ScipyCheck(grad=d1, err=err, norm=norm, difference=course_difference(user, d1), threshold=threshold,
                      step=h)
