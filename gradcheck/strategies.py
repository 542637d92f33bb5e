"""Hypothesis strategies that draw networks of the reference models, and the property check.

The worked examples use all-ones weights and numExamples = hiddenLayerSize = 3, so a gradient
that mixes up hidden units, is hard-wired to 3 hidden units, or transposes an array passes them.
The strategies here draw :class:`~gradcheck.cases.Case` objects (the same type as the fixtures)
whose dimensions differ from each other, whose hidden units have weights of their own, and whose
sigmoid pre-activations stay where the sigmoid is not saturated, so such mistakes surface.

Values are drawn on a grid of 0.01 so that a failing case prints as short, exact Python code
(:func:`as_code`), and Hypothesis shrinks a failure to the smallest network that shows it.

Example:
    >>> from hypothesis import given
    >>> from gradcheck.strategies import judge_gradients, welch_cases
    >>> @given(welch_cases(max_hidden=4))
    ... def test_my_backprop(case):
    ...     dJdW1, dJdW2 = my_backprop(case.X, case.y, case.W1, case.W2)
    ...     problems = judge_gradients(case, {"W1": dJdW1, "W2": dJdW2})
    ...     assert not problems, problems

:func:`run_property_check` is what the plugin's ``[hypothesis]`` item runs: it draws cases, calls
the submission on each, judges the gradients with a tolerance derived from a round-off estimate,
shrinks a failure and returns a :class:`PropertyOutcome` whose message holds the smallest failing
case as code. Importing this module imports hypothesis and numpy, never jax.
"""

from __future__ import annotations

import inspect
import math
import numbers
import random
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, find, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, NoSuchExample, Unsatisfiable

from .cases import Case
from .models import Model, get_model, sigmoid
from .shapes import canonical_name

__all__ = [
    "Mismatch",
    "PropertyOutcome",
    "as_code",
    "cases_for",
    "chain_cases",
    "deep_cases",
    "judge_gradients",
    "roundoff_tolerance",
    "run_property_check",
    "scalar_net_cases",
    "welch_cases",
]

#: Values are drawn as integers k and used as k * _GRID, so cases print exactly and briefly.
_GRID = 0.01
_WELCH_DIMS = ("numExamples", "inputLayerSize", "hiddenLayerSize", "outputLayerSize")


# Argument validation ------------------------------------------------------------------------
def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value!r} must be at least {minimum}")
    return int(value)


def _check_bounds(prefix: str, lo: Any, hi: Any, minimum: int = 1) -> tuple[int, int]:
    lo = _check_int(f"min_{prefix}", lo, minimum)
    hi = _check_int(f"max_{prefix}", hi, minimum)
    if lo > hi:
        raise ValueError(f"min_{prefix}={lo!r} is greater than max_{prefix}={hi!r}; no size lies between them")
    return lo, hi


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def _check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
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
def _dims(draw, names: Sequence[str], ranges: Sequence[tuple[int, int]], distinct: bool) -> dict[str, int]:
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
def _grid_array(draw, shape: tuple[int, ...], bound: float, *, lo: float | None = None) -> np.ndarray:
    """An array of multiples of 0.01 in [lo, bound] (lo defaults to -bound)."""
    k_hi = max(1, round(bound / _GRID))
    k_lo = -k_hi if lo is None else round(lo / _GRID)
    n = int(np.prod(shape, dtype=int))
    ks = draw(st.lists(st.integers(k_lo, k_hi), min_size=n, max_size=n))
    return np.round(np.array(ks, dtype=np.float64) * _GRID, 2).reshape(shape)


def _weight_bound(fan_in: int) -> float:
    # Pre-activations of inputs in [-1, 1] keep a standard deviation near 1.
    return min(2.0, 3.0 / math.sqrt(fan_in))


def _distinct_lines(W: np.ndarray) -> bool:
    """No two rows and no two columns of ``W`` are equal (no two units share their weights)."""
    return len({r.tobytes() for r in W}) == W.shape[0] and len({c.tobytes() for c in W.T}) == W.shape[1]


def _scalar(draw, lo: float, hi: float) -> np.float64:
    return np.float64(round(draw(st.integers(round(lo / _GRID), round(hi / _GRID))) * _GRID, 2))


# Strategies ---------------------------------------------------------------------------------
def _changed(fn: Callable, values: Mapping[str, Any]) -> dict[str, Any]:
    """The options of a call to ``fn`` that differ from their defaults."""
    params = inspect.signature(fn).parameters
    return {k: v for k, v in values.items() if k in params and not _same(v, params[k].default)}


def _same(a: Any, b: Any) -> bool:
    try:
        return a is b or (bool(a == b) and type(a) is type(b))
    except (TypeError, ValueError):
        return False


def _strategy(draw_case: Callable, name: str, shown: Mapping[str, Any]) -> st.SearchStrategy[Case]:
    """``draw_case`` as a strategy whose repr reads like the call that made it: ``welch_cases(max_hidden=4)``."""
    draw_case.__name__ = draw_case.__qualname__ = name
    return st.composite(draw_case)(**shown)


def welch_cases(
    *,
    regularised: bool = False,
    min_examples: int = 1,
    max_examples: int = 5,
    min_inputs: int = 1,
    max_inputs: int = 4,
    min_hidden: int = 1,
    max_hidden: int = 5,
    min_outputs: int = 1,
    max_outputs: int = 3,
    distinct_dims: bool = True,
    max_abs_z: float = 4.0,
    min_lambda: float | None = None,
    max_lambda: float | None = None,
) -> st.SearchStrategy[Case]:
    """Networks of the notes' model (``welch``, or ``welch_reg`` with ``regularised=True``).

    Examples are rows: X is (numExamples, inputLayerSize), y is (numExamples, outputLayerSize)
    with targets in [0, 1], W1 is (inputLayerSize, hiddenLayerSize), W2 is (hiddenLayerSize,
    outputLayerSize). Every value is a multiple of 0.01.

    Args:
        regularised: draw ``welch_reg`` cases, with ``Lambda`` in [min_lambda, max_lambda].
        min_examples, max_examples: bounds on numExamples (m).
        min_inputs, max_inputs: bounds on inputLayerSize.
        min_hidden, max_hidden: bounds on hiddenLayerSize.
        min_outputs, max_outputs: bounds on outputLayerSize.
        distinct_dims: m, inputLayerSize, hiddenLayerSize and outputLayerSize differ from each
            other where the bounds allow (a transposed array then has the wrong shape).
        max_abs_z: every pre-activation z2, z3 lies in [-max_abs_z, max_abs_z], where the
            sigmoid is not saturated.
        min_lambda, max_lambda: bounds on Lambda, only with ``regularised=True`` (default 0.001
            to 0.1; Lambda is drawn with two significant digits).

    No two hidden units (nor two inputs, nor two outputs) share their weights: every row and
    every column of W1 and of W2 differs from the others.

    Example:
        >>> welch_cases(min_hidden=2, max_hidden=4).example().dims  # doctest: +SKIP
        {'numExamples': 1, 'inputLayerSize': 3, 'hiddenLayerSize': 2, 'outputLayerSize': 4}
    """
    shown = _changed(welch_cases, locals())
    _check_bool("regularised", regularised)
    ranges = [
        _check_bounds("examples", min_examples, max_examples),
        _check_bounds("inputs", min_inputs, max_inputs),
        _check_bounds("hidden", min_hidden, max_hidden),
        _check_bounds("outputs", min_outputs, max_outputs),
    ]
    _check_bool("distinct_dims", distinct_dims)
    max_abs_z = _check_positive("max_abs_z", max_abs_z)
    if not regularised and (min_lambda is not None or max_lambda is not None):
        given = "min_lambda" if min_lambda is not None else "max_lambda"
        value = min_lambda if min_lambda is not None else max_lambda
        raise ValueError(f"{given}={value!r} needs regularised=True; the unregularised model has no Lambda")
    min_lambda = _check_positive("min_lambda", 0.001 if min_lambda is None else min_lambda, allow_zero=True)
    max_lambda = _check_positive("max_lambda", 0.1 if max_lambda is None else max_lambda, allow_zero=True)
    if min_lambda > max_lambda:
        raise ValueError(f"min_lambda={min_lambda!r} is greater than max_lambda={max_lambda!r}")
    model = get_model("welch_reg" if regularised else "welch")
    dims_strategy = _dims(_WELCH_DIMS, ranges, distinct_dims)

    def draw_case(draw, **_shown) -> Case:
        dims = draw(dims_strategy)
        m, n_in, hid, out = (dims[k] for k in _WELCH_DIMS)
        X = _grid_array(draw, (m, n_in), 1.0)
        y = _grid_array(draw, (m, out), 1.0, lo=0.0)
        W1 = _grid_array(draw, (n_in, hid), _weight_bound(n_in))
        W2 = _grid_array(draw, (hid, out), _weight_bound(hid))
        assume(_distinct_lines(W1) and _distinct_lines(W2))
        z2 = X @ W1
        assume(np.all(np.abs(z2) <= max_abs_z))
        assume(np.all(np.abs(sigmoid(z2) @ W2) <= max_abs_z))
        inputs = {"X": X, "y": y}
        if regularised:
            lam = float(f"{draw(st.floats(min_lambda, max_lambda)):.2g}")
            inputs["Lambda"] = np.float64(min(max(lam, min_lambda), max_lambda))
        return _case(model, inputs, {"W1": W1, "W2": W2})

    return _strategy(draw_case, "welch_cases", shown)


def deep_cases(
    *,
    layer_dims: Sequence[int] | None = None,
    min_layers: int | None = None,
    max_layers: int | None = None,
    min_inputs: int | None = None,
    max_inputs: int | None = None,
    min_width: int | None = None,
    max_width: int | None = None,
    min_outputs: int | None = None,
    max_outputs: int | None = None,
    min_examples: int = 1,
    max_examples: int = 5,
    distinct_dims: bool = True,
    max_abs_z: float = 4.0,
    relu_margin: float = 1e-3,
) -> st.SearchStrategy[Case]:
    """Networks of the Coursera L-layer model (``deep``): relu hidden layers, a sigmoid output.

    Examples are columns: X is (n0, m) in [-1, 1], Y is (nL, m) of 0/1 labels, W[l] is
    (n_l, n_{l-1}), b[l] is (n_l, 1). Every value is a multiple of 0.01.

    Args:
        layer_dims: fixed sizes (n0, n1, ..., nL); then only m, the weights and the data are
            drawn, and the layer and width bounds must be left out.
        min_layers, max_layers: bounds on L, the number of weight layers (default 1 to 3).
        min_inputs, max_inputs: bounds on n0 (default 1 to 4).
        min_width, max_width: bounds on the hidden widths n1 .. n(L-1) (default 1 to 5).
        min_outputs, max_outputs: bounds on nL (default 1 to 2).
        min_examples, max_examples: bounds on m.
        distinct_dims: m, n0, n1, ..., nL differ from each other where the bounds allow.
        max_abs_z: the output pre-activation Z[L] lies in [-max_abs_z, max_abs_z].
        relu_margin: every relu pre-activation Z[l], l < L, is at least this far from 0, so a
            finite difference never straddles the kink.

    No two units of a layer share their weights: every row and column of every W[l] differs
    from the others.
    """
    shown = _changed(deep_cases, locals())
    if layer_dims is not None:
        given = {k: v for k, v in (("min_layers", min_layers), ("max_layers", max_layers),
                                   ("min_inputs", min_inputs), ("max_inputs", max_inputs),
                                   ("min_width", min_width), ("max_width", max_width),
                                   ("min_outputs", min_outputs), ("max_outputs", max_outputs)) if v is not None}
        if given:
            raise ValueError(f"layer_dims={layer_dims!r} fixes the sizes; leave out {', '.join(given)}")
        if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence):
            raise TypeError(f"layer_dims must be a sequence of sizes (n0, n1, ..., nL), not {layer_dims!r}")
        if len(layer_dims) < 2:
            raise ValueError(f"layer_dims={layer_dims!r} needs at least two sizes, (n0, n1)")
        fixed = tuple(_check_int(f"layer_dims[{i}]", n) for i, n in enumerate(layer_dims))
        layer_ranges = None
    else:
        fixed = None
        layer_ranges = (
            _check_bounds("layers", 1 if min_layers is None else min_layers, 3 if max_layers is None else max_layers),
            _check_bounds("inputs", 1 if min_inputs is None else min_inputs, 4 if max_inputs is None else max_inputs),
            _check_bounds("width", 1 if min_width is None else min_width, 5 if max_width is None else max_width),
            _check_bounds("outputs", 1 if min_outputs is None else min_outputs, 2 if max_outputs is None else max_outputs),
        )
    m_range = _check_bounds("examples", min_examples, max_examples)
    _check_bool("distinct_dims", distinct_dims)
    max_abs_z = _check_positive("max_abs_z", max_abs_z)
    relu_margin = _check_positive("relu_margin", relu_margin, allow_zero=True)
    model = get_model("deep")

    def draw_case(draw, **_shown) -> Case:
        if fixed is not None:
            sizes = {f"n{l}": n for l, n in enumerate(fixed)}
            values = list(range(m_range[0], m_range[1] + 1))
            if distinct_dims:
                values = [v for v in values if v not in fixed] or values
            dims = {"m": draw(st.sampled_from(values)), **sizes}
        else:
            (l_lo, l_hi), n0_range, width_range, out_range = layer_ranges
            L = draw(st.integers(l_lo, l_hi))
            names = ["m", "n0"] + [f"n{l}" for l in range(1, L)] + [f"n{L}"]
            ranges = [m_range, n0_range] + [width_range] * (L - 1) + [out_range]
            dims = draw(_dims(names, ranges, distinct_dims))
        L = len(dims) - 2
        n = [dims[f"n{l}"] for l in range(L + 1)]
        m = dims["m"]
        X = _grid_array(draw, (n[0], m), 1.0)
        Y = np.array(draw(st.lists(st.integers(0, 1), min_size=n[L] * m, max_size=n[L] * m)),
                     dtype=np.float64).reshape(n[L], m)
        params: dict[str, np.ndarray] = {}
        A = X
        for l in range(1, L + 1):
            W = _grid_array(draw, (n[l], n[l - 1]), _weight_bound(n[l - 1]))
            b = _grid_array(draw, (n[l], 1), 0.5)
            assume(_distinct_lines(W))
            Z = W @ A + b
            if l < L:
                assume(np.all(np.abs(Z) >= relu_margin))
                A = np.maximum(Z, 0.0)
            else:
                assume(np.all(np.abs(Z) <= max_abs_z))
            params[f"W{l}"], params[f"b{l}"] = W, b
        return _case(model, {"X": X, "Y": Y}, params)

    return _strategy(draw_case, "deep_cases", shown)


def chain_cases(*, layers: int = 1, max_abs_value: float = 10.0) -> st.SearchStrategy[Case]:
    """The scalar chain of seed 001: ``chain`` (``layers=1``) or ``chain2`` (``layers=2``).

    a0, the weights and the target are multiples of 0.01 in [-max_abs_value, max_abs_value].
    """
    shown = _changed(chain_cases, locals())
    if isinstance(layers, bool) or layers not in (1, 2):
        raise ValueError(f"layers={layers!r} must be 1 (model chain) or 2 (model chain2)")
    bound = _check_positive("max_abs_value", max_abs_value)
    model = get_model("chain" if layers == 1 else "chain2")

    def draw_case(draw, **_shown) -> Case:
        inputs = {"a0": _scalar(draw, -bound, bound), "target": _scalar(draw, -bound, bound)}
        names = ("w",) if layers == 1 else ("w1", "w2")
        return _case(model, inputs, {k: _scalar(draw, -bound, bound) for k in names})

    return _strategy(draw_case, "chain_cases", shown)


def scalar_net_cases(*, max_abs_z: float = 4.0) -> st.SearchStrategy[Case]:
    """The scalar net of seed 002's answer (``scalar_net``): x in [-2, 2], d in [0, 1], w1, w2 in [-3, 3].

    Both pre-activations p1 = w1·x and p2 = w2·f(p1) lie in [-max_abs_z, max_abs_z].
    """
    shown = _changed(scalar_net_cases, locals())
    max_abs_z = _check_positive("max_abs_z", max_abs_z)
    model = get_model("scalar_net")

    def draw_case(draw, **_shown) -> Case:
        x, d = _scalar(draw, -2.0, 2.0), _scalar(draw, 0.0, 1.0)
        w1, w2 = _scalar(draw, -3.0, 3.0), _scalar(draw, -3.0, 3.0)
        assume(abs(w1 * x) <= max_abs_z and abs(w2 * sigmoid(w1 * x)) <= max_abs_z)
        return _case(model, {"x": x, "d": d}, {"w1": w1, "w2": w2})

    return _strategy(draw_case, "scalar_net_cases", shown)


def cases_for(model: str | Model) -> st.SearchStrategy[Case]:
    """The strategy the ``[hypothesis]`` item uses for ``model`` (a name such as ``"welch"``).

    For ``welch``, ``welch_reg`` and ``deep`` it mixes networks with distinct dimensions (a
    transposed array has the wrong shape) with small square ones, sizes 2 and 3 only, which
    catch code that orients its arrays by their shapes and so transposes only square ones.
    """
    name = get_model(model).name
    if name in ("welch", "welch_reg"):
        reg = name == "welch_reg"
        square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_hidden=2, max_hidden=3,
                      min_outputs=2, max_outputs=3)
        return st.one_of(welch_cases(regularised=reg), welch_cases(regularised=reg, distinct_dims=False, **square))
    if name == "deep":
        square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_width=2, max_width=3,
                      min_outputs=1, max_outputs=2)
        return st.one_of(deep_cases(), deep_cases(distinct_dims=False, **square))
    if name in ("chain", "chain2"):
        return chain_cases(layers=1 if name == "chain" else 2)
    return scalar_net_cases()


def _case(model: Model, inputs: dict, params: dict) -> Case:
    dims = model.dims(inputs, params)
    label = "x".join(str(v) for v in dims.values())
    return Case(f"drawn-{model.name}{'-' + label if label else ''}", model, inputs, params,
                title=f"a network of {model.name} drawn by gradcheck.strategies")


def _fixed_size_cases(model: Model, dims: Mapping[str, int]) -> st.SearchStrategy[Case]:
    """Networks of ``model`` with exactly the sizes ``dims`` (used to probe hard-wired code)."""
    if model.name.startswith("welch"):
        m, n_in, hid, out = (dims[k] for k in _WELCH_DIMS)
        return welch_cases(regularised=model.name == "welch_reg", distinct_dims=False,
                           min_examples=m, max_examples=m, min_inputs=n_in, max_inputs=n_in,
                           min_hidden=hid, max_hidden=hid, min_outputs=out, max_outputs=out)
    L = len(dims) - 2
    return deep_cases(layer_dims=[dims[f"n{l}"] for l in range(L + 1)], min_examples=dims["m"],
                      max_examples=dims["m"], distinct_dims=False)


# Rendering ----------------------------------------------------------------------------------
def _literal(value: Any) -> str:
    a = np.asarray(value)
    if a.ndim == 0:
        return repr(float(a))
    return f"np.array({a.tolist()!r})"


def as_code(case: Case) -> str:
    """Python code that rebuilds ``case`` (data and expected values) with :func:`gradcheck.make_case`.

    Example:
        >>> print(as_code(case))  # doctest: +SKIP
        import numpy as np
        from gradcheck import make_case
        X = np.array([[0.3, -1.0]])
        ...
    """
    inputs, params = case.inputs, case.params
    lines = ["import numpy as np", "from gradcheck import make_case", ""]
    lines += [f"{k} = {_literal(v)}" for k, v in {**inputs, **params}.items()]
    ins = ", ".join(f"{k!r}: {k}" for k in inputs)
    ps = ", ".join(f"{k!r}: {k}" for k in params)
    lines += ["", f"case = make_case({case.model.name!r}, {{{ins}}}, {{{ps}}}, name={case.name!r})",
              "expected = case.expected['grads']  # by parameter name"]
    return "\n".join(lines)


# Judging ------------------------------------------------------------------------------------
#: Tolerance = _SAFETY × (number of operations along the longest path) × eps × (magnitude of the
#: summed terms). Correct implementations in several styles, float64 and float32, used at most
#: 0.13 / 8 of it over 2100 drawn cases; tests/test_strategies.py pins "under a quarter".
_SAFETY = 8.0


def _roundoff_scale(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[dict, int]:
    """Per gradient element, the magnitude of the terms whose sum it is; and the longest path's length.

    It is the backward pass evaluated on absolute values, with every difference (y − yHat,
    A − Y) replaced by the sum of magnitudes and f'(z) by f(z), which bounds the terms of every
    usual way to write f' (f(z)(1 − f(z)) loses up to 1/(1 − f(z)) of relative accuracy).
    """
    name = model.name
    fw = model.forward(inputs, params)
    if name.startswith("welch"):
        X, y, W2 = (np.abs(np.asarray(a, dtype=float)) for a in (inputs["X"], inputs["y"], params["W2"]))
        m = X.shape[0]
        s = 1.0 / m if name == "welch_reg" else 1.0
        d3 = (y + fw["yHat"]) * sigmoid(fw["z3"]) * s
        d2 = (d3 @ W2.T) * sigmoid(fw["z2"])
        scale = {"W1": X.T @ d2, "W2": fw["a2"].T @ d3}
        if name == "welch_reg":
            lam = abs(float(inputs["Lambda"]))
            scale = {k: v + lam * np.abs(params[k]) for k, v in scale.items()}
        return scale, m + sum(np.shape(X)) + sum(np.shape(W2)) + 8
    if name == "deep":
        L = sum(1 for k in params if k.startswith("W"))
        m = np.shape(inputs["X"])[1]
        Y = np.abs(np.asarray(inputs["Y"], dtype=float)).reshape(-1, m)
        AL = fw[f"A{L}"]
        dZ = (AL + Y) / (1.0 - AL)
        scale: dict[str, np.ndarray] = {}
        for l in range(L, 0, -1):
            A_prev = np.abs(fw[f"A{l-1}"])
            scale[f"W{l}"] = dZ @ A_prev.T / m
            scale[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                dZ = (np.abs(params[f"W{l}"]).T @ dZ) * (fw[f"Z{l-1}"] > 0)
        widths = sum(np.shape(params[f"W{l}"])[0] for l in range(1, L + 1))
        return scale, m + np.shape(inputs["X"])[0] + widths + 4 * L + 8
    if name == "chain":
        a0, t, w = (abs(float(v)) for v in (inputs["a0"], inputs["target"], params["w"]))
        return {"w": np.float64(a0 * 2 * (a0 * w + t))}, 8
    if name == "chain2":
        a0, t, w1, w2 = (abs(float(v)) for v in (inputs["a0"], inputs["target"], params["w1"], params["w2"]))
        d = 2 * (a0 * w1 * w2 + t)
        return {"w1": np.float64(a0 * w2 * d), "w2": np.float64(a0 * w1 * d)}, 10
    e = (abs(float(fw["z"])) + abs(float(inputs["d"]))) * sigmoid(float(fw["p2"]))
    g2 = e * abs(float(fw["y"]))
    g1 = e * abs(float(params["w2"])) * sigmoid(float(fw["p1"])) * abs(float(inputs["x"]))
    return {"w1": np.float64(g1), "w2": np.float64(g2)}, 16


def roundoff_tolerance(case: Case, *, eps: float = float(np.finfo(np.float64).eps)) -> dict[str, np.ndarray]:
    """Per gradient element, how far a correct answer computed with machine epsilon ``eps`` may lie
    from the exact gradient: ``8 × n × eps × s``, with ``s`` the magnitude of the terms summed into
    that element and ``n`` the number of operations along the longest path through the network.

    Example:
        >>> tol = roundoff_tolerance(load_case("three-examples"))
        >>> tol["W1"].shape
        (2, 3)
    """
    scales, n_ops = _roundoff_scale(case.model, case.inputs, case.params)
    return {k: _SAFETY * n_ops * eps * np.abs(np.asarray(v, dtype=np.float64)) for k, v in scales.items()}


@dataclass(frozen=True)
class Mismatch:
    """Why one case's gradients are wrong.

    Attributes:
        kind: ``"raised"``, ``"missing"``, ``"shape"`` or ``"value"``.
        param: the parameter whose gradient is wrong (``None`` when the call raised).
        detail: the exception summary, the shapes, or the numbers, in one line.
        index: the worst element (``"value"`` only).
        got, expected, tolerance: at the worst element (``"value"`` only).
        mismatched, total: how many elements exceed their tolerance, of how many.
    """

    kind: str
    param: str | None
    detail: str
    index: tuple[int, ...] | None = None
    got: float | None = None
    expected: float | None = None
    tolerance: float | None = None
    mismatched: int = 0
    total: int = 0


def _as_grads(case: Case, grads: Any) -> dict[str, Any]:
    """Gradients keyed by parameter name; ``dJdW1``, ``dW1`` and the like are accepted too."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"the gradients must be a dict by parameter name, not {type(grads).__name__}")
    names = case.param_names
    out = {}
    for key, value in grads.items():
        canon = canonical_name(str(key), dict.fromkeys(names), names)
        if canon in names:
            out[canon] = value
    return out


def judge_gradients(case: Case, grads: Mapping[str, Any], *,
                    reference: Mapping[str, Any] | None = None) -> list[Mismatch]:
    """Every wrong gradient in ``grads`` (by parameter name) on ``case``; empty when all are right.

    ``reference`` holds the right gradients by parameter name; by default the case's expected
    values (the model's analytic backward pass, which agrees with JAX to about 1e-15).

    Each element's tolerance is ``8 × n × eps × s``: ``s`` is the magnitude of the terms summed
    into that element (see the module's ``_roundoff_scale``), ``n`` the number of operations along
    the longest path through the network, ``eps`` the machine epsilon of the answer's dtype
    (float32 answers are judged at float32's), and 8 a safety factor.
    """
    expected = case.expected["grads"]
    if reference is not None:
        expected = {k: np.asarray(reference[k], dtype=np.float64) for k in expected}
    unit = roundoff_tolerance(case, eps=1.0)
    grads = _as_grads(case, grads)
    problems = []
    for name, want in expected.items():
        if name not in grads:
            problems.append(Mismatch("missing", name, f"no gradient for {name} was returned"))
            continue
        try:
            got = np.asarray(grads[name])
            got_f = got.astype(np.float64)
        except (TypeError, ValueError) as exc:
            problems.append(Mismatch("shape", name, f"{name} is not an array of numbers ({exc})"))
            continue
        if got.shape != want.shape:
            if want.size == 1 and got.size == 1:
                got_f = got_f.reshape(want.shape)
            else:
                problems.append(Mismatch("shape", name, f"{name} has shape {got.shape} but must be {want.shape}"))
                continue
        eps = max(np.finfo(np.float64).eps, np.finfo(got.dtype).eps if got.dtype.kind == "f" else 0.0)
        tol = eps * unit[name] + np.finfo(np.float64).tiny
        err = np.abs(got_f - want)
        bad = ~(err <= tol)  # NaN counts as bad
        if bad.any():
            ratio = np.where(np.isfinite(err), err / tol, np.inf)
            idx = np.unravel_index(int(np.argmax(ratio)), want.shape) if want.ndim else ()
            idx = tuple(int(i) for i in idx)
            problems.append(Mismatch(
                "value", name,
                f"{name}{list(idx) if idx else ''}: yours {got_f[idx]!r}, expected {want[idx]!r} "
                f"(tolerance {tol[idx]:.2g})",
                idx, float(got_f[idx]), float(want[idx]), float(tol[idx]), int(bad.sum()), int(want.size)))
    return problems


def _attempt(compute_grads: Callable[[Case], Any], case: Case,
             reference: Callable[[Case], Mapping[str, Any]] | None = None) -> list[Mismatch]:
    try:
        grads = compute_grads(case)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        summary = f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__
        return [Mismatch("raised", None, summary)]
    try:
        return judge_gradients(case, grads, reference=None if reference is None else reference(case))
    except TypeError as exc:
        return [Mismatch("shape", None, str(exc))]


# Finite differences on the shrunk failure ------------------------------------------------------
def _central_difference(case: Case, param: str, index: tuple[int, ...]) -> tuple[float, float]:
    """Richardson-extrapolated central difference of the cost in one element, and its error estimate."""
    params = {k: np.array(v, dtype=np.float64) for k, v in case.params.items()}
    x0 = float(params[param][index])
    h = 1e-3 * max(1.0, abs(x0))

    def J(delta: float) -> float:
        p = {k: v.copy() for k, v in params.items()}
        p[param][index] = x0 + delta
        return float(case.model.cost(case.inputs, p))

    d1 = (J(h) - J(-h)) / (2 * h)
    d2 = (J(h / 2) - J(-h / 2)) / h
    rich = (4 * d2 - d1) / 3
    return rich, abs(rich - d2) + 4 * np.finfo(float).eps * abs(J(0.0)) / h


# The property check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PropertyOutcome:
    """The result of :func:`run_property_check`. True when no drawn case failed.

    Attributes:
        ok: whether every drawn case passed.
        seed: the seed of the search; the same seed and settings draw the same cases.
        examples: how many cases were drawn before the first failure (all of them when ok).
        message: empty when ok; else the verdict, the worst element and the smallest failing
            case as code.
        case: the smallest failing case (``None`` when ok).
        mismatches: what is wrong on that case.
        hard_wired: the sizes the code accepts, e.g. ``{"hiddenLayerSize": 3}``, when it raises
            or returns wrong shapes for every other value of those sizes; else ``None``.
        flaky: the gradients of one case changed between calls; ``case`` is then the first
            failure, not shrunk.
    """

    ok: bool
    seed: int
    examples: int
    message: str = ""
    case: Case | None = None
    mismatches: tuple[Mismatch, ...] = ()
    hard_wired: dict[str, int] | None = field(default=None)
    flaky: bool = False

    def __bool__(self) -> bool:
        return self.ok


def _default_seed() -> int:
    # The repo's CI profile derandomises Hypothesis; follow it so CI runs are reproducible.
    if settings.default.derandomize:
        return 0
    return secrets.randbelow(2**32)


def run_property_check(
    compute_grads: Callable[[Case], Mapping[str, Any]],
    strategy: st.SearchStrategy[Case] | str | Model,
    *,
    max_examples: int = 50,
    seed: int | None = None,
    probe_sizes: bool = True,
    reference: Callable[[Case], Mapping[str, Any]] | None = None,
    max_shrink_draws: int | None = None,
    with_jax: bool = True,
) -> PropertyOutcome:
    """Run ``compute_grads`` on drawn cases, shrink the first failure, and say what is wrong.

    Args:
        compute_grads: ``case -> {parameter name: gradient}`` (``"W1"``; ``"dJdW1"`` and
            ``"dW1"`` are understood too). An exception counts as a failure of that case.
        strategy: a strategy drawing cases, or a model name, which means :func:`cases_for`.
        max_examples: how many cases to draw (at most) before declaring success.
        seed: the seed of the search; ``None`` picks one (0 under a derandomised profile such as
            the repository's ``ci``). The outcome records it, and the same seed reproduces the run.
        probe_sizes: when the smallest failure raised or returned wrong shapes, try the code on
            other sizes to tell whether it is hard-wired to some of them.
        reference: ``case -> {parameter name: right gradient}``, e.g. the JAX oracle; by default
            each case's expected values (the analytic backward pass). On the smallest failure the
            report adds a central difference and, where ``gradcheck._jax`` exists, JAX's value.
        max_shrink_draws: stop shrinking after this many cases drawn past the first failure
            (those the strategy's filters reject included) and report the smallest failure seen
            (by number of array elements, then sum of magnitudes); ``None``: shrink until
            Hypothesis is done. A network of three layers can take seconds to shrink fully,
            most of the tries being rejected by the filters.
        with_jax: add JAX's value to the report where ``gradcheck._jax`` is installed; ``False``
            keeps jax unimported.

    Returns:
        A :class:`PropertyOutcome`; ``outcome.message`` holds the report when it failed.

    Example:
        >>> outcome = run_property_check(lambda c: dict(zip(("W1", "W2"), backprop(c.X, c.y, c.W1, c.W2))),
        ...                              "welch", max_examples=100, seed=1)
        >>> assert outcome, outcome.message
    """
    max_examples = _check_int("max_examples", max_examples)
    if seed is None:
        seed = _default_seed()
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer or None, not {seed!r}")
    if not isinstance(strategy, st.SearchStrategy):
        strategy = cases_for(strategy)
    if max_shrink_draws is not None:
        max_shrink_draws = _check_int("max_shrink_draws", max_shrink_draws, minimum=0)
    calls: dict[str, Any] = {"n": 0, "first_failure": None, "first_case": None, "first_mismatches": (),
                             "best": None, "drawn": 0, "drawn_at_failure": None, "spent": False}
    passed_dims: list[dict[str, int]] = []
    given = strategy

    @st.composite
    def counted(draw) -> Case:
        calls["drawn"] += 1
        if (max_shrink_draws is not None and calls["drawn_at_failure"] is not None
                and calls["drawn"] - calls["drawn_at_failure"] > max_shrink_draws):
            calls["spent"] = True
            raise _ShrinkBudgetSpent
        return draw(given)

    def fails(case: Case) -> bool:
        calls["n"] += 1
        found = _attempt(compute_grads, case, reference)
        bad = bool(found)
        if bad and calls["first_failure"] is None:
            calls["first_failure"], calls["first_case"], calls["first_mismatches"] = calls["n"], case, tuple(found)
            calls["drawn_at_failure"] = calls["drawn"]
        elif not bad and len(passed_dims) < 5 and case.dims not in passed_dims:
            passed_dims.append(case.dims)
        if bad and (calls["best"] is None or _size_key(case) < _size_key(calls["best"])):
            calls["best"] = case
        return bad

    search = settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                      phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)
    try:
        smallest = find(given if max_shrink_draws is None else counted(), fails, settings=search,
                        random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        if not calls["n"]:
            raise ValueError(f"the strategy {strategy!r} drew no valid case in {max_examples} tries: its bounds "
                             "or filters reject every draw. Widen them.") from None
        return PropertyOutcome(True, seed, calls["n"])
    except (Flaky, _ShrinkBudgetSpent):
        # Stopping a draw part-way can surface as Hypothesis's "inconsistent data generation".
        if not calls["spent"]:
            return _flaky_outcome(calls, seed, with_jax)
        smallest = calls["best"]
    mismatches = tuple(_attempt(compute_grads, smallest, reference))
    if not mismatches:  # the smallest failure passed when called again
        return _flaky_outcome(calls, seed, with_jax)
    hard_wired = None
    if probe_sizes and _cannot_take(mismatches):
        hard_wired = _hard_wired_sizes(compute_grads, smallest.model, passed_dims, seed, reference)
    examples = calls["first_failure"] or calls["n"]
    text = _report(smallest, mismatches, hard_wired, seed, examples, with_jax=with_jax)
    return PropertyOutcome(False, seed, examples, text,
                           smallest, mismatches, hard_wired)


class _ShrinkBudgetSpent(BaseException):
    """Raised through Hypothesis's find to stop shrinking (a BaseException, so nothing catches it)."""


def _size_key(case: Case) -> tuple[int, float]:
    arrays = [np.asarray(v) for v in (*case.inputs.values(), *case.params.values())]
    return sum(a.size for a in arrays), float(sum(np.abs(a).sum() for a in arrays))


def _flaky_outcome(calls: Mapping[str, Any], seed: int, with_jax: bool = True) -> PropertyOutcome:
    case, found = calls["first_case"], calls["first_mismatches"]
    msg = (f"The gradients of one case changed from one call to the next (seed {seed}): the code keeps "
           f"state between calls, or is random. The first failure, not shrunk:\n")
    if case is not None:
        msg += _report(case, found, None, seed, calls["first_failure"], shrunk=False, with_jax=with_jax)
    return PropertyOutcome(False, seed, calls["first_failure"] or calls["n"], msg, case, tuple(found), flaky=True)


# Hard-wired sizes -------------------------------------------------------------------------------
#: Sizes the notes' and the course's code are usually written for, tried when no drawn case passed.
_USUAL_DIMS = {
    "welch": ({"numExamples": 3, "inputLayerSize": 2, "hiddenLayerSize": 3, "outputLayerSize": 1},
              {"numExamples": 1, "inputLayerSize": 2, "hiddenLayerSize": 3, "outputLayerSize": 1}),
    "deep": ({"m": 3, "n0": 4, "n1": 5, "n2": 3, "n3": 1},),
}
_USUAL_DIMS["welch_reg"] = _USUAL_DIMS["welch"]


def _sized_case(model: Model, dims: Mapping[str, int], seed: int) -> Case | None:
    try:
        return find(_fixed_size_cases(model, dims), lambda _: True,
                    settings=settings(max_examples=50, database=None, deadline=None, derandomize=False,
                                      phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
                                      verbosity=Verbosity.quiet),
                    random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        return None


_STRUCTURAL = ("raised", "shape", "missing")


def _cannot_take(mismatches: Sequence[Mismatch]) -> bool:
    """The code could not handle the case's sizes: it raised, or a gradient is missing or misshapen."""
    return any(mm.kind in _STRUCTURAL for mm in mismatches)


def _with_layers(dims: Mapping[str, int], L: int) -> dict[str, int]:
    """``dims`` of a deep net with L weight layers: hidden widths kept or padded with 2, same n0 and output."""
    old_L = len(dims) - 2
    hidden = [dims[f"n{l}"] for l in range(1, old_L)] + [2] * L
    sizes = [dims["n0"], *hidden[: L - 1], dims[f"n{old_L}"]]
    return {"m": dims["m"], **{f"n{l}": n for l, n in enumerate(sizes)}}


def _size_variants(model: Model, base: Mapping[str, int]) -> dict[tuple[str, int], list[dict[str, int]]]:
    """For each size (and, for deep, the number of layers L): its base value and the size sets
    that change it alone, to values from 1 to 6."""
    variants = {}
    for dim, value in base.items():
        others = [v for v in range(1, max(6, value + 2) + 1) if v != value]
        variants[(dim, value)] = [{**base, dim: v} for v in others]
    if model.name == "deep":
        L = len(base) - 2
        variants[("L", L)] = [_with_layers(base, other) for other in range(1, 5) if other != L]
    return variants


def _hard_wired_sizes(compute_grads, model: Model, passed: list[dict[str, int]], seed: int,
                      reference=None) -> dict[str, int] | None:
    """The sizes the code is hard-wired to: it is right at a base size set, and raises or returns
    missing or misshapen gradients whenever one of these sizes alone takes another value."""
    if model.name not in _USUAL_DIMS:
        return None
    for base in [*passed, *_USUAL_DIMS[model.name]]:
        case = _sized_case(model, base, seed)
        if case is None or _attempt(compute_grads, case, reference):
            continue
        fixed = {}
        for (dim, value), size_sets in _size_variants(model, base).items():
            probes = [p for p in (_sized_case(model, d, seed) for d in size_sets) if p is not None]
            if probes and all(_cannot_take(_attempt(compute_grads, p, reference)) for p in probes):
                fixed[dim] = value
        return fixed or None
    return None


def _jax_value(case: Case, param: str, index: tuple[int, ...]) -> float | None:
    """JAX's gradient at one element, where the JAX oracle (``gradcheck._jax``) is installed."""
    try:
        from . import _jax  # type: ignore[attr-defined]
    except ImportError:
        return None
    grads, _ = _jax.model_gradients(case.model, case.inputs, case.params)
    return float(np.asarray(grads[param])[index])


def _headline(case: Case, hard_wired, seed: int, examples: int, *, shrunk: bool = True) -> list[str]:
    """The verdict's first lines: the hard-wired sizes, if any, then where the code fails."""
    dims = ", ".join(f"{k}={v}" for k, v in case.dims.items())
    where = f"{case.model.name}{' (' + dims + ')' if dims else ''}"
    lines = []
    if hard_wired:
        sizes = ", ".join(f"{k} = {v}" for k, v in hard_wired.items())
        lines.append(f"hard-wired to {sizes}: the code gives right gradients there, and raises or returns "
                     f"missing or misshapen gradients whenever {'it changes' if len(hard_wired) == 1 else 'one of them changes'}.")
    lines.append(f"Fails on a drawn network of {where}, found after {examples} example"
                 f"{'s' if examples != 1 else ''} (seed {seed}){' and shrunk to the smallest that fails' if shrunk else ''}:")
    return lines


def _report(case: Case, mismatches: Sequence[Mismatch], hard_wired, seed: int, examples: int,
            *, shrunk: bool = True, with_jax: bool = True) -> str:
    lines = _headline(case, hard_wired, seed, examples, shrunk=shrunk)
    for mm in mismatches:
        if mm.kind == "raised":
            lines.append(f"  the call raised {mm.detail}")
        elif mm.kind != "value":
            lines.append(f"  {mm.detail}")
        else:
            pct = 100.0 * mm.mismatched / mm.total
            lines.append(f"  {mm.param}: Mismatched elements: {mm.mismatched} / {mm.total} ({pct:.3g}%)")
            idx = list(mm.index) if mm.index else ""
            fd, fd_err = _central_difference(case, mm.param, mm.index)
            tol = f"±{mm.tolerance:.1g}" if mm.tolerance > 1e-300 else "exactly"
            jax_value = _jax_value(case, mm.param, mm.index) if with_jax else None
            lines.append(f"    worst {mm.param}{idx}: yours {mm.got:.8g}   expected {mm.expected:.8g} {tol}"
                         f"   central difference {fd:.8g} ±{fd_err:.1g}"
                         + (f"   jax {jax_value:.8g}" if jax_value is not None else ""))
            if abs(fd - mm.expected) > 10 * fd_err + 1e-6 * abs(mm.expected):
                lines.append("    the reference and the central difference disagree here: please report this case "
                             "as a bug in gradcheck")
    lines.append(f"The {'smallest ' if shrunk else ''}failing case, as code:")
    lines += ["    " + line if line else "" for line in as_code(case).splitlines()]
    return "\n".join(lines)
