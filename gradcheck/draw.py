"""Building blocks for the courses' Hypothesis strategies: validated bounds, sizes, grid values.

Values are drawn on a grid of 0.01, so that a failing case prints as short, exact Python code and
Hypothesis shrinks it to small numbers; sizes are drawn distinct from each other where the bounds
allow, so a transposed array has the wrong shape. Argument checks raise with messages that name
the argument and its value (``min_hidden=0 must be at least 1``).

Imports: numpy, hypothesis and :mod:`gradcheck.case`.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .case import Case

#: Values are drawn as integers k and used as k * _GRID, so cases print exactly and briefly.
_GRID = 0.01


# Argument validation ------------------------------------------------------------------------
def check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value!r} must be at least {minimum}")
    return int(value)


def check_bounds(prefix: str, lo: Any, hi: Any, minimum: int = 1) -> tuple[int, int]:
    lo = check_int(f"min_{prefix}", lo, minimum)
    hi = check_int(f"max_{prefix}", hi, minimum)
    if lo > hi:
        raise ValueError(f"min_{prefix}={lo!r} is greater than max_{prefix}={hi!r}; no size lies between them")
    return lo, hi


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        need = "a finite number ≥ 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}={value!r} must be {need}")
    return float(value)


# Dimensions ---------------------------------------------------------------------------------
def _can_be_distinct(ranges: Sequence[tuple[int, int]], used: frozenset[int] = frozenset()) -> bool:
    """Whether every range can take a value of its own, avoiding ``used`` and each other.

    Scans the candidate values upwards and gives each to the open range that closes first,
    which finds a matching of integer intervals to points whenever one exists.
    """
    if not ranges:
        return True
    if all(hi - lo + 1 - sum(lo <= u <= hi for u in used) >= len(ranges) for lo, hi in ranges):
        return True
    pending = sorted(ranges)
    open_his: list[int] = []
    i = 0
    for v in range(pending[0][0], max(hi for _, hi in ranges) + 1):
        while i < len(pending) and pending[i][0] <= v:
            open_his.append(pending[i][1])
            i += 1
        open_his.sort()
        if open_his and open_his[0] < v:
            return False
        if v not in used and open_his:
            open_his.pop(0)
    return i == len(pending) and not open_his


@st.composite
def named_sizes(draw, names: Sequence[str], ranges: Sequence[tuple[int, int]], distinct: bool) -> dict[str, int]:
    """Named sizes within ``ranges``; with ``distinct``, different from each other where the bounds allow."""
    all_distinct = distinct and _can_be_distinct(ranges)
    used: set[int] = set()
    out: dict[str, int] = {}
    for i, (name, (lo, hi)) in enumerate(zip(names, ranges)):
        values = list(range(lo, hi + 1))
        if all_distinct:
            rest = ranges[i + 1:]
            values = [v for v in values if v not in used and _can_be_distinct(rest, frozenset(used | {v}))]
        elif distinct:
            values = [v for v in values if v not in used] or values
        out[name] = draw(st.sampled_from(values))
        used.add(out[name])
    return out


# Arrays -------------------------------------------------------------------------------------
def grid_array(draw, shape: tuple[int, ...], bound: float, *, lo: float | None = None) -> np.ndarray:
    """An array of multiples of 0.01 in [lo, bound] (lo defaults to -bound)."""
    k_hi = max(1, round(bound / _GRID))
    k_lo = -k_hi if lo is None else round(lo / _GRID)
    n = int(np.prod(shape, dtype=int))
    ks = draw(st.lists(st.integers(k_lo, k_hi), min_size=n, max_size=n))
    return np.round(np.array(ks, dtype=np.float64) * _GRID, 2).reshape(shape)


def weight_bound(fan_in: int) -> float:
    # Pre-activations of inputs in [-1, 1] keep a standard deviation near 1.
    return min(2.0, 3.0 / math.sqrt(fan_in))


def distinct_lines(W: np.ndarray) -> bool:
    """No two rows and no two columns of ``W`` are equal (no two units share their weights)."""
    return len({r.tobytes() for r in W}) == W.shape[0] and len({c.tobytes() for c in W.T}) == W.shape[1]


def scalar(draw, lo: float, hi: float) -> np.float64:
    return np.float64(round(draw(st.integers(round(lo / _GRID), round(hi / _GRID))) * _GRID, 2))


# Strategies ---------------------------------------------------------------------------------
def changed(fn: Callable, values: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a call to ``fn`` that differ from their defaults."""
    params = inspect.signature(fn).parameters
    return {k: v for k, v in values.items() if k in params and not _is_default(v, params[k].default)}


def _is_default(a: Any, b: Any) -> bool:
    """Whether an option value is its default (the same value of the same type)."""
    try:
        return a is b or (bool(a == b) and type(a) is type(b))
    except (TypeError, ValueError):
        return False


def named_strategy(draw_case: Callable, name: str, shown: Mapping[str, Any]) -> st.SearchStrategy[Case]:
    """``draw_case`` as a strategy whose repr reads like the call that made it: ``welch_cases(max_hidden=4)``."""
    draw_case.__name__ = draw_case.__qualname__ = name
    return st.composite(draw_case)(**shown)


def drawn_case(model, inputs: dict, params: dict) -> Case:
    """A drawn network as a Case named after its model and sizes (``drawn-welch-3x2x4x1``)."""
    dims = model.dims(inputs, params)
    label = "x".join(str(v) for v in dims.values())
    return Case(f"drawn-{model.name}{'-' + label if label else ''}", model, inputs, params,
                title=f"a network of {model.name} drawn by gradcheck.strategies")


