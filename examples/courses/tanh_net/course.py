"""An external gradcheck course: a one-hidden-layer tanh network with biases (``tanh_net``).

This file is the worked example of gradcheck's course protocol: everything gradcheck knows about
the course is here, written against the public modules only (``gradcheck.course``,
``gradcheck.case``, ``gradcheck.students.implementation``; ``gradcheck.draw`` and hypothesis are
imported only when a strategy is asked for). Load it with
``pytest --gradcheck-course examples/courses/tanh_net/course.py`` or
``gradcheck.load_course("examples/courses/tanh_net/course.py")``.

The network. Examples are rows; the output is linear; the cost is summed (no 1/m)::

    z1   = X·W1 + b1          a1 = tanh(z1)
    yhat = a1·W2 + b2         J  = ½ Σ (y − yhat)²      (over examples and outputs)

    dyhat = yhat − y                       dW2 = a1ᵀ·dyhat    db2 = Σ_rows dyhat
    dz1   = (dyhat·W2ᵀ) ⊙ (1 − a1²)        dW1 = Xᵀ·dz1       db1 = Σ_rows dz1

=================  ==================  =========================================
array              dims                note
=================  ==================  =========================================
X                  (m, n_in)
y                  (m, n_out)
W1, dW1            (n_in, n_hid)
b1, db1            (n_hid,)            1-D, broadcast over the rows
W2, dW2            (n_hid, n_out)
b2, db2            (n_out,)            1-D, broadcast over the rows
z1, a1, dz1        (m, n_hid)
yhat, dyhat        (m, n_out)
J                  a scalar
=================  ==================  =========================================

The students' convention: ``tanh_backprop(X, y, W1, b1, W2, b2)`` returning a dict with the keys
``"dW1"``, ``"db1"``, ``"dW2"``, ``"db2"`` (recognised by its name and its parameter names).
"""

from __future__ import annotations

import inspect

import numpy as np

from gradcheck.case import Case, make_case
from gradcheck.course import Course, Mistake, Model, tap
from gradcheck.students.implementation import Implementation, store_grads

DIMS = ("m", "n_in", "n_hid", "n_out")
PARAMS = ("W1", "b1", "W2", "b2")
ARGS = ("X", "y", *PARAMS)
GRAD_NAMES = {p: f"d{p}" for p in PARAMS}
FUNCTION = "tanh_backprop"


# The model ---------------------------------------------------------------------------------------
class TanhNet(Model):
    """One hidden tanh layer with biases, linear output, J = ½ Σ (y − yhat)². Examples are rows.

    X is (m, n_in), y is (m, n_out), W1 is (n_in, n_hid), b1 is (n_hid,), W2 is (n_hid, n_out),
    b2 is (n_out,). The intermediate gradients dyhat, dz1 are derivatives of this J.
    """

    name = "tanh_net"
    input_names = ("X", "y")
    layout = "examples are rows; W1 is (n_in, n_hid); b1 is 1-D (n_hid,), broadcast over the rows"

    def param_names(self, dims=None):
        return PARAMS

    def dims(self, inputs, params):
        m, n_in = np.shape(inputs["X"])
        n_hid, n_out = np.shape(params["W2"])
        return dict(zip(DIMS, (m, n_in, n_hid, n_out)))

    def shape_table(self, dims):
        m, i, h, o = DIMS
        return {
            "X": (m, i), "y": (m, o),
            "W1": (i, h), "b1": (h,), "W2": (h, o), "b2": (o,),
            "z1": (m, h), "a1": (m, h), "yhat": (m, o), "J": (),
            "dyhat": (m, o), "dz1": (m, h),
        }

    def tap_names(self, dims):
        return ("dyhat", "dz1")

    def forward(self, inputs, params, xp=np, taps=None):
        # Batched contract: each parameter may carry a leading axis of perturbed copies. X @ W1
        # broadcasts, and b[..., None, :] puts a bias of shape (..., n) against the rows
        # (plain numpy broadcasting of (B, n) against (B, m, n) would pair B with m).
        X, y = inputs["X"], inputs["y"]
        W1, b1, W2, b2 = (params[p] for p in PARAMS)
        z1 = tap(X @ W1 + b1[..., None, :], taps, "dz1")
        a1 = xp.tanh(z1)
        yhat = tap(a1 @ W2 + b2[..., None, :], taps, "dyhat")
        J = 0.5 * xp.sum((y - yhat) ** 2)
        return {"z1": z1, "a1": a1, "yhat": yhat, "J": J}

    def backward(self, inputs, params):
        X, y = (np.asarray(inputs[k], dtype=float) for k in ("X", "y"))
        params = {p: np.asarray(params[p], dtype=float) for p in PARAMS}
        fw = self.forward({"X": X, "y": y}, params)
        dyhat = fw["yhat"] - y
        dz1 = (dyhat @ params["W2"].T) * (1.0 - fw["a1"] ** 2)
        grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": fw["a1"].T @ dyhat, "b2": dyhat.sum(axis=0)}
        return grads, {"dyhat": dyhat, "dz1": dz1}

    # Optional hooks ---------------------------------------------------------------------------
    def transpose_hint(self, param):
        src = {"W1": ("X", "dz1"), "W2": ("a1", "dyhat")}.get(param)
        if not src:
            return ""
        return f" A transposed result usually means {src[0]}.T @ {src[1]} was written as {src[1]}.T @ {src[0]}."

    def roundoff_scale(self, inputs, params):
        """The backward pass on absolute values: yhat − y bounded by |a1|·|W2| + |b2| + |y|, and
        1 − a1² by 1 + a1² (every term of each usual way to write it)."""
        fw = self.forward(inputs, params)
        X, y = (np.abs(np.asarray(inputs[k], dtype=float)) for k in ("X", "y"))
        W2, b2 = (np.abs(np.asarray(params[k], dtype=float)) for k in ("W2", "b2"))
        a1 = np.abs(fw["a1"])
        d = a1 @ W2 + b2 + y
        dz = (d @ W2.T) * (1.0 + a1**2)
        scale = {"W1": X.T @ dz, "b1": dz.sum(axis=0), "W2": a1.T @ d, "b2": d.sum(axis=0)}
        m, n_in = X.shape
        n_hid, n_out = W2.shape
        return scale, m + n_in + n_hid + n_out + 8


TANH_NET = TanhNet()


# The worked example ------------------------------------------------------------------------------
# m = 3 examples, n_in = 2, n_hid = 4, n_out = 1; every weight differs from every other, so a
# mix-up of two hidden units or a transposed W shows; |z1| ≤ 1.5, so tanh is far from saturated.
WORKED = {
    "X": [[0.5, -1.0],
          [1.5, 0.25],
          [-0.75, 2.0]],
    "y": [[0.5],
          [-0.25],
          [1.0]],
    "W1": [[0.2, -0.4, 0.7, 0.1],
           [-0.3, 0.5, 0.25, -0.6]],
    "b1": [0.1, -0.2, 0.05, 0.3],
    "W2": [[0.6],
           [-0.8],
           [0.3],
           [1.1]],
    "b2": [-0.1],
}


def worked_example() -> Case:
    inputs = {k: WORKED[k] for k in ("X", "y")}
    params = {k: WORKED[k] for k in PARAMS}
    return Case("tanh-worked-example", TANH_NET, inputs, params,
                title="the tanh course's worked example: m = 3, n_in = 2, n_hid = 4, n_out = 1",
                provenance={"source": "examples/courses/tanh_net/course.py (literal values)"})


# The convention ----------------------------------------------------------------------------------
class TanhBackprop(Implementation):
    """``tanh_backprop(X, y, W1, b1, W2, b2)`` -> ``{"dW1", "db1", "dW2", "db2"}`` (or a tuple in that order)."""

    convention = "a function tanh_backprop(X, y, W1, b1, W2, b2) -> {'dW1', 'db1', 'dW2', 'db2'}"

    def __init__(self, name, fn):
        super().__init__(name, TANH_NET, fn)

    def _run(self, case, calls, out):
        given = {**case.inputs, **case.params}
        what = f"{self.name}({', '.join(ARGS)})"
        result = calls(self.obj, {k: given[k] for k in ARGS}, what)
        store_grads(out, case, result, what, GRAD_NAMES)

    def grad_names(self, case):
        return dict(GRAD_NAMES)

    def call_lines(self, case, module, names):
        lines = [f"from {module} import {self.name}", f"grads = {self.name}({', '.join(ARGS)})"]
        return lines, {p: f"grads[{names[p]!r}]" for p in PARAMS}


def _signature(obj) -> tuple[str, ...] | None:
    try:
        return tuple(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return None


# The catalog -------------------------------------------------------------------------------------
def _backprop(ctx, *, fprime=None, b1_reduce=np.sum, b2_reduce=np.sum):
    """The reference backward pass with one piece replaced (tanh' of the hidden layer, a bias's reduction)."""
    X, y, W2 = ctx.inputs["X"], ctx.inputs["y"], ctx.params["W2"]
    fw = ctx.fw
    dyhat = fw["yhat"] - y
    dz1 = (dyhat @ W2.T) * (1.0 - fw["a1"] ** 2 if fprime is None else fprime)
    return {"W1": X.T @ dz1, "b1": b1_reduce(dz1, axis=0), "W2": fw["a1"].T @ dyhat, "b2": b2_reduce(dyhat, axis=0)}


def _mistakes():
    return (
        Mistake(
            "tanh_net/tanh-prime-of-z", (TANH_NET.name,),
            "dz1 multiplies by 1 - z1**2, the derivative tanh' written for an activation but applied to "
            "the pre-activation z1 (or, the other way round, 1 - tanh(a1)**2: tanh' of z applied to a1).",
            "dz1 = (dyhat @ W2.T) * (1 - a1**2), with a1 = tanh(z1); equivalently 1 - np.tanh(z1)**2.",
            lambda ctx: [_backprop(ctx, fprime=1.0 - ctx.fw["z1"] ** 2),
                         _backprop(ctx, fprime=1.0 - np.tanh(ctx.fw["a1"]) ** 2)],
        ),
        Mistake(
            "tanh_net/db-mean-instead-of-sum", (TANH_NET.name,),
            "a bias gradient is the mean over the examples (np.mean(..., axis=0)), but J is a sum over "
            "the examples, not a mean.",
            "db1 = dz1.sum(axis=0) and db2 = dyhat.sum(axis=0): each bias adds to every row, so its "
            "gradient sums over the rows, with no 1/m.",
            lambda ctx: [_backprop(ctx, b1_reduce=np.mean), _backprop(ctx, b2_reduce=np.mean),
                         _backprop(ctx, b1_reduce=np.mean, b2_reduce=np.mean)],
        ),
    )


STEPS = [
    ("z1", "forward", "z1 = X @ W1 + b1"),
    ("a1", "forward", "a1 = tanh(z1)"),
    ("yhat", "forward", "yhat = a1 @ W2 + b2"),
    ("dyhat", "inter", "dyhat = yhat - y"),
    ("W2", "grad", "dW2 = a1.T @ dyhat"),
    ("b2", "grad", "db2 = dyhat.sum(axis=0)"),
    ("dz1", "inter", "dz1 = (dyhat @ W2.T) * (1 - a1**2)"),
    ("W1", "grad", "dW1 = X.T @ dz1"),
    ("b1", "grad", "db1 = dz1.sum(axis=0)"),
]


# Hypothesis --------------------------------------------------------------------------------------
def tanh_cases(*, min_examples=1, max_examples=5, min_inputs=1, max_inputs=4, min_hidden=1, max_hidden=5,
               min_outputs=1, max_outputs=3, distinct_dims=True, max_abs_z=3.0):
    """Networks of ``tanh_net`` drawn by Hypothesis, every value a multiple of 0.01.

    X and y in [-1, 1], biases in [-0.5, 0.5], weights within ``gradcheck.draw.weight_bound`` of
    their fan-in; m, n_in, n_hid, n_out differ from each other where the bounds allow
    (``distinct_dims``); no two rows or columns of W1 (or of W2) are equal; every hidden
    pre-activation satisfies |z1| ≤ ``max_abs_z``, where tanh is not saturated.
    """
    from hypothesis import assume

    from gradcheck.draw import (
        changed,
        check_bool,
        check_bounds,
        check_positive,
        distinct_lines,
        drawn_case,
        grid_array,
        named_sizes,
        named_strategy,
        weight_bound,
    )

    shown = changed(tanh_cases, locals())
    ranges = [
        check_bounds("examples", min_examples, max_examples),
        check_bounds("inputs", min_inputs, max_inputs),
        check_bounds("hidden", min_hidden, max_hidden),
        check_bounds("outputs", min_outputs, max_outputs),
    ]
    check_bool("distinct_dims", distinct_dims)
    max_abs_z = check_positive("max_abs_z", max_abs_z)
    sizes = named_sizes(DIMS, ranges, distinct_dims)

    def draw_case(draw, **_shown):
        dims = draw(sizes)
        m, n_in, n_hid, n_out = (dims[k] for k in DIMS)
        X = grid_array(draw, (m, n_in), 1.0)
        y = grid_array(draw, (m, n_out), 1.0)
        W1 = grid_array(draw, (n_in, n_hid), weight_bound(n_in))
        b1 = grid_array(draw, (n_hid,), 0.5)
        W2 = grid_array(draw, (n_hid, n_out), weight_bound(n_hid))
        b2 = grid_array(draw, (n_out,), 0.5)
        assume(distinct_lines(W1) and distinct_lines(W2))
        assume(np.all(np.abs(X @ W1 + b1) <= max_abs_z))
        return drawn_case(TANH_NET, {"X": X, "y": y}, {"W1": W1, "b1": b1, "W2": W2, "b2": b2})

    return named_strategy(draw_case, "tanh_cases", shown)


# The course --------------------------------------------------------------------------------------
class TanhCourse(Course):
    name = "tanh_net"
    title = "an external course: a one-hidden-layer tanh network with biases, examples as rows (tanh_net)"
    models = (TANH_NET,)
    conventions = (TanhBackprop.convention + ", recognised by its name and parameter names",)

    def cases(self):
        return [worked_example()]

    def derived_cases(self, seed):
        """A network with every dimension distinct (m = 5, n_in = 3, n_hid = 4, n_out = 2)."""
        rng = np.random.default_rng([seed, 7])
        m, n_in, n_hid, n_out = 5, 3, 4, 2
        inputs = {"X": rng.uniform(-1.0, 1.0, (m, n_in)), "y": rng.uniform(-1.0, 1.0, (m, n_out))}
        params = {"W1": rng.uniform(-0.8, 0.8, (n_in, n_hid)), "b1": rng.uniform(-0.5, 0.5, n_hid),
                  "W2": rng.uniform(-0.8, 0.8, (n_hid, n_out)), "b2": rng.uniform(-0.5, 0.5, n_out)}
        return [make_case(TANH_NET, inputs, params, name="tanh-distinct-dims")]

    def recognise(self, module, name, obj):
        if name == FUNCTION and inspect.isfunction(obj) and _signature(obj) == ARGS:
            return [TanhBackprop(name, obj)]
        return []

    def mistakes(self):
        return _mistakes()

    def steps(self, model, dims):
        return list(STEPS)

    def strategy(self, model):
        from hypothesis import strategies as st

        square = dict(min_examples=2, max_examples=3, min_inputs=2, max_inputs=3, min_hidden=2, max_hidden=3,
                      min_outputs=2, max_outputs=3)
        return st.one_of(tanh_cases(), tanh_cases(distinct_dims=False, **square))

    def sized_strategy(self, model, dims):
        m, n_in, n_hid, n_out = (dims[k] for k in DIMS)
        return tanh_cases(distinct_dims=False, min_examples=m, max_examples=m, min_inputs=n_in, max_inputs=n_in,
                          min_hidden=n_hid, max_hidden=n_hid, min_outputs=n_out, max_outputs=n_out)

    def usual_dims(self, model):
        return ({"m": 3, "n_in": 2, "n_hid": 4, "n_out": 1},)


COURSE = TanhCourse()
