"""The central-difference oracle's evaluators: batch costs, black-box costs, structured models.

* :func:`model_batch_cost`: a model's cost vectorised over a batch of perturbed parameter sets
  (the model's ``batched`` contract: every parameter gets a leading axis and ``xp.sum`` keeps it);
* :class:`InPlaceCost`, :class:`BlockQuotients`, :func:`verified_differences`: a black-box
  ``cost(params dict)`` differenced at its speed limit, in one reused buffer;
* :func:`structured_differences`: a model's own cheap quotients (its ``structure()`` hook).

All of them feed the kernel of :mod:`gradcheck.oracles.differences`.

Imports: numpy and the kernel.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..course import Model
from ..tolerance import STRUCTURED_ULPS
from .differences import (
    _NOISE_ORDER,
    BLACK_BOX_LADDER,
    EPS,
    BatchCost,
    FiniteDifferences,
    Layout,
    Quotients,
    confirm_or_ladder,
    flatten,
    judging_floor,
    noise_level,
    noise_rows,
    pick,
    richardson,
    unflatten,
)


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
    """A model's cost over rows of parameters -> (costs, watched intermediates).

    For a model that keeps the ``batched`` contract, each parameter gets a leading batch axis, so
    ``X @ W1`` becomes a batched matmul and the model's ``xp.sum`` reduces all but that axis: one
    numpy call per chunk. Any other model is evaluated row by row, its watched values stacked.
    """

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, dict]:
        out = model.forward(inputs, unflatten(rows, layout), xp=_BATCHED)
        J = np.broadcast_to(np.asarray(out["J"], dtype=np.float64), rows.shape[:1])
        return J, {k: out[k] for k in watch}

    def row_by_row(rows: np.ndarray) -> tuple[np.ndarray, dict]:
        outs = [model.forward(inputs, unflatten(row, layout)) for row in rows]
        J = np.array([float(np.asarray(o["J"], dtype=np.float64).reshape(-1)[0]) for o in outs])
        return J, {k: np.stack([np.asarray(o[k]) for o in outs]) for k in watch}

    return evaluate if model.batched else row_by_row


def loop_batch_cost(cost: Callable[[dict], Any], layout: Layout) -> BatchCost:
    """A batch cost that calls a black-box ``cost(params_dict) -> float`` once per row."""

    def evaluate(rows: np.ndarray) -> np.ndarray:
        return np.array([float(np.asarray(cost(unflatten(row.copy(), layout))).reshape(-1)[0]) for row in rows])

    return evaluate


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


def loop_quotients(f: InPlaceCost) -> Quotients:
    """Central difference quotients of elements ``idx`` at steps ``steps``, one pair of calls each."""
    theta = f.theta

    def quotients(idx: np.ndarray, steps: np.ndarray) -> np.ndarray:
        up, down = theta[idx] + steps, theta[idx] - steps
        plus, minus = np.empty(idx.size), np.empty(idx.size)
        buffer, call = f.buffer, f.__call__
        # Python floats and one buffer: no numpy scalar or array is made per call.
        i = None
        try:
            for col, (i, a, b) in enumerate(zip(idx.tolist(), up.tolist(), down.tolist())):
                buffer[i] = a
                plus[col] = call()
                buffer[i] = b
                minus[col] = call()
                buffer[i] = theta[i]
        finally:
            if i is not None:
                buffer[i] = theta[i]
        return (plus - minus) / (up - down)

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


def structured_differences(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any],
                           names: tuple[str, ...], ladder: tuple[float, ...] | None = None) -> FiniteDifferences:
    """Central differences of a model from its cached forward pass (the model's ``structure()`` hook).

    The same quotients as :func:`central_differences` on the model's cost (within round-off),
    with the same Richardson extrapolation and error estimate, except that the round-off
    term is ``STRUCTURED_ULPS``·ε·scale/h, scale the magnitude of the cost terms that each
    difference actually changed (returned by the structured evaluation). It watches no relu
    kinks: a model with relu pre-activations takes the plain batch cost instead.
    """
    structure = model.structure()

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
            q, s = structure.differences(inputs, params, steps)
            D[level] = flatten(q, names)[0]
            scale[level] = flatten(s, names)[0]
        roundoff = STRUCTURED_ULPS * EPS * np.maximum(scale[:-3], scale[1:-2]) / h[1:-2]
        cost = float(model.cost(inputs, params))
    R, err = richardson(D, roundoff)
    best = np.argmin(err, axis=0) if n else np.zeros(0, dtype=int)
    grad, err, step = pick(R, err, h, best)
    return FiniteDifferences(grad=grad, err=err, step=step, cost=cost)


