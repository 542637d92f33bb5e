"""The oracles: independent references for a gradient, each with its own error estimate.

=========  ======================================  ==============================================
oracle     module                                  error estimate
=========  ======================================  ==============================================
``fd``     :mod:`.fd` on the kernel                 Richardson's measured change plus the cost's
           :mod:`.differences`                      measured noise over h
``scipy``  :mod:`.scipy`                            |D(2h) − D(h)| of forward differences plus
                                                    their round-off
``jax``    :mod:`.jax`                              its own round-off
=========  ======================================  ==============================================

Fast mode (:mod:`.fast`) checks random projections and sampled elements with the same kernel.
Importing this package imports numpy only: scipy and jax are imported when their oracle first runs.
"""

from __future__ import annotations

from .differences import (
    BLACK_BOX_LADDER,
    EPS,
    LADDER,
    FiniteDifferences,
    Kink,
    Layout,
    Quotients,
    central_differences,
    confirm_or_ladder,
    flatten,
    judging_floor,
    largest_finite,
    noise_level,
    noise_rows,
    richardson,
    single_step,
    unflatten,
)
from .fd import (
    BLOCK_FLOATS,
    STRUCTURED_LADDER,
    STRUCTURED_SHORT_LADDER,
    STRUCTURED_WIDE_LIMIT,
    BlockQuotients,
    InPlaceCost,
    broadcast_values,
    loop_batch_cost,
    loop_quotients,
    model_batch_cost,
    structured_differences,
    verified_differences,
)
from .scipy import ScipyCheck, course_difference, scipy_check


class OracleUnavailable(ImportError):
    """An oracle that was asked for cannot run here: what it needs is not installed (jax, or a jax too old).

    Raised by :func:`gradcheck.check_gradients` and :func:`gradcheck.check_function` when no other
    requested oracle ran; beside another oracle, the missing one is left out with a note instead.
    The message ends with the command that installs it. The pytest plugin skips such an item.
    """

__all__ = [
    "BLACK_BOX_LADDER",
    "BLOCK_FLOATS",
    "EPS",
    "LADDER",
    "STRUCTURED_LADDER",
    "STRUCTURED_SHORT_LADDER",
    "STRUCTURED_WIDE_LIMIT",
    "BlockQuotients",
    "FiniteDifferences",
    "InPlaceCost",
    "Kink",
    "Layout",
    "OracleUnavailable",
    "Quotients",
    "ScipyCheck",
    "broadcast_values",
    "central_differences",
    "confirm_or_ladder",
    "course_difference",
    "flatten",
    "judging_floor",
    "largest_finite",
    "loop_batch_cost",
    "loop_quotients",
    "model_batch_cost",
    "noise_level",
    "noise_rows",
    "richardson",
    "scipy_check",
    "single_step",
    "structured_differences",
    "unflatten",
    "verified_differences",
]
