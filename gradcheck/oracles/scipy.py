"""The scipy oracle: ``scipy.optimize.approx_fprime`` per element, and ``check_grad``'s norm from the same differences.

``check_grad(func, grad, x0, epsilon=h)`` returns ‖grad(x0) − approx_fprime(x0, func, h)‖₂, so
one call of ``approx_fprime`` gives both the per-element view and check_grad's number (the very
same float: a test holds them equal). The calls it makes, for N elements differenced:

* 12 on a short line through θ: the cost's round-off σ (:func:`noise_level`);
* N + 1 for D(h) = (J(θ + h·e_i) − J(θ)) / h (``approx_fprime``);
* k + 1 for D(2h), only on the k elements whose verdict the truncation term can change.

Why k is small. Forward differences err by truncation T_i ≈ h·J''_ii/2, measured as
|D(2h) − D(h)|, plus round-off R_i = √2·σ/h. The judge fails your element when
|yours − D| > safety·(T + R + floor). An element with |yours − D(h)| ≤ (safety/2)·(R + floor')
(floor' the least judging floor, 16 ulps of the gradient's size, at most the judge's) passes for
any T ≥ 0, so T is not measured there and its error bar is R alone: a lower bound of the full
estimate. A lower bound never lets a wrong element pass (the verdict on the element is the one
the full estimate gives), and when another oracle's value is compared with this one it can only
make the comparison stricter. Half the safety factor leaves room for that comparison: a right
gradient confirmed by the central-difference oracle within its round-off r′ + floor' lies within
(safety/2)(R + floor') + r′ + floor' ≤ safety·(R + r′ + floor') of this D(h) for safety ≥ 2, so
skipping T never makes the oracles disagree on a right gradient. The error bar never depends on
your value being right: where your value is not confirmed (a wrong element, a large curvature,
a missing gradient) T is measured. For a right gradient k counts the elements of large
curvature; for a wrong one, about the wrong elements.

In fast mode (``elements`` given) the same differences run on a sample of the elements only,
through the same functions on the sub-vector θ[elements].

scipy is imported inside :func:`scipy_check`, never at module import.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .differences import EPS, judging_floor, noise_level, noise_rows


# scipy ---------------------------------------------------------------------------------------
@dataclass
class ScipyCheck:
    """scipy.optimize's forward-difference view of a gradient.

    Attributes:
        grad: ``approx_fprime`` at the step h = √(σ/|J|)·max(|θ_i|, 1), which balances
            forward differences' truncation (∝ h) and round-off (∝ σ/h); σ the cost's measured
            noise (:func:`noise_level`). For a cost computed to full precision this is scipy's
            default √ε; a noisier cost gets a longer step. nan where not sampled.
        err: the round-off √2·σ/h, plus |D(2h) − D(h)| (forward differences' truncation, first
            order in h) wherever it can change a verdict (see the module's docstring); inf where
            not sampled.
        step: h per element.
        norm: what ``check_grad`` returns: ‖user − approx_fprime‖₂ (None when sampled).
        difference: the course's ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖), g the user's gradient, ĝ scipy's (None when sampled).
        threshold: the largest difference forward differences' own error allows:
            safety·‖err‖ / (2‖ĝ‖) (for a right gradient ‖g‖ ≈ ‖ĝ‖).
        sampled: flat mask of the elements differenced, or None when all were.
        calls: how many times the cost was called.
    """

    grad: np.ndarray
    err: np.ndarray
    norm: float | None
    difference: float | None
    threshold: float
    step: np.ndarray | None = None
    sampled: np.ndarray | None = None
    calls: int = 0


def course_difference(user: np.ndarray, approx: np.ndarray) -> float:
    """The course's relative difference ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) (0 when both are 0)."""
    denominator = np.linalg.norm(user) + np.linalg.norm(approx)
    return float(np.linalg.norm(user - approx) / denominator) if denominator else 0.0


class _Counted:
    """The cost on the sub-vector θ[idx] (all of θ when idx is None), counting its calls.

    Each call gets a fresh vector: scipy copies θ for every difference, and a copy of θ is made
    here for a sub-vector, so a cost that writes into its input changes nothing of ours.
    """

    def __init__(self, cost: Callable[[np.ndarray], float], theta: np.ndarray, idx: np.ndarray | None):
        self.cost, self.theta, self.idx, self.calls = cost, theta, idx, 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        if self.idx is None:
            return self.cost(x)
        row = self.theta.copy()
        row[self.idx] = x
        return self.cost(row)


def scipy_check(cost: Callable[[np.ndarray], float], theta: np.ndarray, user: np.ndarray | None,
                *, safety: float = 10.0, elements: np.ndarray | None = None) -> ScipyCheck:
    """``approx_fprime`` per element and ``check_grad``'s norm from it, with a per-element error estimate.

    Args:
        cost: flat parameters (n,) -> float.
        theta: where to check, shape (n,).
        user: the user's flattened gradient at theta (n,), nan where missing, or None when it
            cannot be flattened to theta's size: then ``norm`` and ``difference`` are None and
            every element's truncation is measured.
        safety: the judge's factor on the error estimate (in ``threshold``, and half of it in
            deciding where the truncation term is needed).
        elements: flat indices to difference (fast mode's sample); None for all of them.

    Returns:
        A :class:`ScipyCheck`; ``calls`` is 12 + (N + 1) + (k + 1) for N elements differenced,
        k of them needing the truncation term (none when k = 0).

    Example:
        >>> check = scipy_check(lambda t: float(np.sum(t ** 3)), np.array([1.0, -2.0]), np.array([3.0, 12.0]))
        >>> check.grad, check.norm  # ≈ [3, 12], ≈ 1e-7
    """
    from scipy.optimize import approx_fprime

    theta = np.array(theta, dtype=np.float64)  # a copy: approx_fprime calls the cost on it as it is
    n = theta.size
    noise = _Counted(cost, theta, None)
    noise_costs = np.array([noise(row) for row in noise_rows(theta)])
    sigma, J0 = noise_level(noise_costs), float(noise_costs[0])
    relative = max(math.sqrt(sigma / max(abs(J0), np.finfo(float).tiny)), math.sqrt(EPS))
    h = min(relative, 1e-4) * np.maximum(np.abs(theta), 1.0)
    idx = np.arange(n) if elements is None else np.unique(np.asarray(elements, dtype=int))
    f = _Counted(cost, theta, None if elements is None else idx)
    x0 = theta if elements is None else theta[idx]
    with np.errstate(all="ignore"):
        d1 = np.atleast_1d(approx_fprime(x0.copy(), f, h[idx])).astype(np.float64)
        roundoff = math.sqrt(2.0) * sigma / h[idx]
        err = roundoff.copy()
        mine = None if user is None else np.asarray(user, dtype=np.float64).reshape(-1)[idx]
        floor = judging_floor(d1, J0, theta)
        if mine is None:
            todo = np.arange(idx.size)
        else:
            todo = np.flatnonzero(~(np.abs(mine - d1) <= 0.5 * safety * (roundoff + floor)))
    if todo.size:
        g = _Counted(cost, theta, idx[todo])
        with np.errstate(all="ignore"):
            d2 = np.atleast_1d(approx_fprime(theta[idx[todo]], g, 2.0 * h[idx[todo]])).astype(np.float64)
            err[todo] += np.abs(d2 - d1[todo])
        f.calls += g.calls
    err = np.where(np.isfinite(err) & np.isfinite(d1), err, np.inf)
    denominator = 2.0 * np.linalg.norm(d1)
    threshold = float(safety * np.linalg.norm(err) / denominator) if denominator else 0.0
    calls = noise.calls + f.calls
    if elements is not None:
        grad, errors = np.full(n, np.nan), np.full(n, np.inf)
        grad[idx], errors[idx] = d1, err
        sampled = np.zeros(n, dtype=bool)
        sampled[idx] = True
        return ScipyCheck(grad=grad, err=errors, norm=None, difference=None, threshold=threshold, step=h,
                          sampled=sampled, calls=calls)
    if mine is None:
        return ScipyCheck(grad=d1, err=err, norm=None, difference=None, threshold=threshold, step=h, calls=calls)
    # check_grad's own arithmetic on the same differences: sqrt(sum(|grad(x0) − approx_fprime|²)).
    norm = float(np.sqrt(np.sum(np.abs(mine - d1) ** 2)))
    return ScipyCheck(grad=d1, err=err, norm=norm, difference=course_difference(mine, d1), threshold=threshold,
                      step=h, calls=calls)


def sample_elements(layout: list[tuple[str, tuple[int, ...]]], samples: int, seed: int) -> np.ndarray:
    """Fast mode's sample for the scipy oracle: ``samples`` random elements of every array (all of a smaller one).

    Its own stream (``numpy.random.default_rng([seed, 1])``), apart from the central-difference
    oracle's draws with the same seed, so the two oracles look at different elements.
    """
    rng = np.random.default_rng([seed, 1])
    chosen, start = [], 0
    for _, shape in layout:
        size = math.prod(shape)
        chosen.append(start + np.sort(rng.choice(size, min(size, samples), replace=False)))
        start += size
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=int)
