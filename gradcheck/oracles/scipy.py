"""The scipy oracle: ``scipy.optimize.check_grad`` with the user's gradient, ``approx_fprime`` per element.

scipy is imported inside :func:`scipy_check`, never at module import.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .differences import EPS, noise_level, noise_rows


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

