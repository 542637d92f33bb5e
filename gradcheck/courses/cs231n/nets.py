"""CS231n's nets (DESIGN §7 point 3), checked against their own loss: rows are examples.

Assignment 1's ``TwoLayerNet(input_size, hidden_size, output_size)`` with ``loss(X, y=None, reg=0.0)``
and assignment 2's (2017 on) ``TwoLayerNet(input_dim=3*32*32, hidden_dim=100, num_classes=10,
weight_scale=1e-3, reg=0.0)``, ``FullyConnectedNet(hidden_dims, input_dim, num_classes,
dropout_keep_ratio, normalization, reg, weight_scale, dtype, seed)`` and ``ThreeLayerConvNet(input_dim=(3,
32, 32), num_filters, filter_size, hidden_dim, num_classes, ...)``: each keeps ``self.params`` (``W1``,
``b1``, ``gamma1``, ...; W1 is (D, H), examples are rows) and ``loss(X, y)`` returns ``(loss, grads)``.

There is no reference model: the grads are checked against the class's own loss, at small sizes
whatever the constructor's defaults, with ``reg = 0`` and ``reg = 0.1`` (a ``loss`` argument when it
has one, else a constructor argument and the ``reg`` attribute), and for a ``FullyConnectedNet`` with
each normalization and with dropout (seeded: the same mask in every call) where it accepts them.

Imports: numpy; :mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...students.implementation import Calls, Implementation, StudentError, as_array, as_cost, required_args
from . import mistakes

#: Small sizes for the constructors' size arguments, whatever their defaults.
SIZES: dict[str, Any] = {
    "input_size": 4, "input_dim": 4, "D": 4,
    "hidden_size": 5, "hidden_dim": 5, "H": 5, "hidden_dims": [5, 4],
    "output_size": 3, "num_classes": 3, "output_dim": 3, "C": 3,
    "num_filters": 2, "filter_size": 3,
}
#: An image input (input_dim given as (C, H, W)) is made this small.
IMAGE = (3, 6, 6)
#: Other sizes, every one changed (and three hidden layers): code hard-wired to one size set fails here.
RESIZED: dict[str, Any] = {
    "input_size": 3, "input_dim": 3, "D": 3, "hidden_size": 6, "hidden_dim": 6, "H": 6, "hidden_dims": [3, 6, 2],
    "output_size": 4, "num_classes": 4, "output_dim": 4, "C": 4, "num_filters": 3, "filter_size": 5,
}
RESIZED_IMAGE = (2, 4, 4)
NUM_EXAMPLES = 6
REGS = (0.0, 0.1)


def _signature(fn) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return {}


def looks_like_a_net(cls: type) -> bool:
    """A class with a ``loss`` method taking X (and y) that keeps ``self.params``, or takes ``reg``."""
    loss = _signature(getattr(cls, "loss", None))
    if not loss or "reg" in loss:
        return bool(loss)
    try:
        return "self.params" in inspect.getsource(cls)
    except (OSError, TypeError):
        return False


def _variants(init: Mapping[str, inspect.Parameter]) -> list[tuple[str, dict[str, Any]]]:
    """``(label prefix, constructor arguments)``: the plain net, each normalization, dropout, other sizes."""
    out: list[tuple[str, dict[str, Any]]] = [("", {})]
    resized = {p: RESIZED_IMAGE if isinstance(param.default, tuple) and len(param.default) == 3 else RESIZED[p]
               for p, param in init.items() if p in RESIZED}
    if "normalization" in init:
        out += [("batchnorm-", {"normalization": "batchnorm"}), ("layernorm-", {"normalization": "layernorm"})]
    elif "use_batchnorm" in init:
        out.append(("batchnorm-", {"use_batchnorm": True}))
    if "dropout_keep_ratio" in init:
        out.append(("dropout-", {"dropout_keep_ratio": 0.75}))
    elif "dropout" in init:
        out.append(("dropout-", {"dropout": 0.5}))
    if resized:
        out.append(("resized-", resized))
    return out


class Net(Implementation):
    """A CS231n net with ``self.params`` and ``loss(X, y[, reg])`` -> ``(loss, grads)``.

    Checked against its own loss on data drawn to fit the sizes it was built with (integer class
    labels); one check per label (``reg-0``, ``reg-0.1``, ``batchnorm-reg-0.1``, ...).
    """

    kind = "self"
    convention = "a class with params and loss(X, y) or loss(X, y, reg) (CS231n, self-consistency)"

    def __init__(self, name: str, cls: type):
        super().__init__(name, None, cls)
        init = _signature(cls.__init__)
        self.reg_in_loss = "reg" in _signature(cls.loss)
        self.variants = {prefix: kwargs for prefix, kwargs in _variants(init)}
        self.labels = [f"reg-{r:g}" for r in REGS] + [f"{p}reg-{REGS[-1]:g}" for p in self.variants if p]

    def state(self):
        return {"reg_in_loss": self.reg_in_loss, "variants": dict(self.variants), "labels": list(self.labels)}

    def cases(self, seed=0):
        return []

    @staticmethod
    def _reg(label: str) -> float:
        return float(label.rpartition("reg-")[2])

    def title(self, label: str) -> str:
        prefix = label.rpartition("reg-")[0].rstrip("-")
        built = f" built with {self.variants[prefix + '-']}" if prefix else ""
        call = f"loss(X, y, reg={self._reg(label):g})" if self.reg_in_loss else f"loss(X, y) with reg={self._reg(label):g}"
        return f"{self.name}.{call}{built} against its own loss, on drawn data"

    def data(self, label: str) -> dict:
        return {"reg": self._reg(label)}

    def _build(self, label: str, calls: Calls):
        init = _signature(self.obj.__init__)
        reg = self._reg(label)
        kwargs: dict[str, Any] = {}
        for p in required_args(self.obj.__init__, skip_self=True):
            if p not in SIZES:
                raise StudentError(f"{self.name}()", f"{self.name}() needs an argument {p!r} that gradcheck cannot "
                                   f"supply (it supplies {', '.join(sorted(SIZES))}); give it a default")
        for p, param in init.items():
            if p in SIZES:
                default = param.default
                kwargs[p] = IMAGE if isinstance(default, tuple) and len(default) == 3 else SIZES[p]
        if "dtype" in init:
            kwargs["dtype"] = np.float64
        if "seed" in init:
            kwargs["seed"] = 0
        if "reg" in init and not self.reg_in_loss:
            kwargs["reg"] = reg
        prefix = label.rpartition("reg-")[0]
        kwargs.update(self.variants.get(prefix, {}))
        shown = ", ".join(f"{k}={getattr(v, '__name__', v)!r}" if k == "dtype" else f"{k}={v!r}" for k, v in kwargs.items())
        np.random.seed(0)
        net = calls(self.obj, kwargs, f"{self.name}({shown})", kwargs=True)
        if not self.reg_in_loss:
            net.reg = reg  # the attribute the loss reads, however the constructor set it
        return net, kwargs

    def prepare(self, label: str, seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        """Build the class at small sizes and data that fit it (student code): the params to check at."""
        calls = Calls(timeout)
        net, kwargs = self._build(label, calls)
        if not isinstance(getattr(net, "params", None), dict) or not net.params:
            raise StudentError(f"{self.name}()", f"{self.name}() has no params dict to check")
        rng = np.random.default_rng(seed)
        params = {k: rng.standard_normal(np.shape(v)) * 0.5 for k, v in net.params.items()}
        shapes = [np.shape(v) for v in params.values()]
        size = kwargs.get("input_dim", kwargs.get("input_size", kwargs.get("D")))
        if size is None:
            first = next((s for s in shapes if len(s) >= 2), None)
            if first is None:
                raise StudentError(f"{self.name}()", f"{self.name}().params has no 2-D weight matrix to size the data by")
            size = first[0]
        n_classes = kwargs.get("num_classes", kwargs.get("output_size"))
        if n_classes is None:
            last = shapes[-1]
            n_classes = last[-1] if last else 2
        X = rng.standard_normal((NUM_EXAMPLES, *(size if isinstance(size, tuple) else (size,))))
        y = rng.integers(0, n_classes, size=NUM_EXAMPLES)
        self._problems = {**getattr(self, "_problems", {}), label: (net, X, y, calls)}
        return params

    def evaluate(self, label: str, theta: Mapping[str, Any], part: str):
        """The class's own loss (``part="loss"``) or grads (``"grads"``) at ``theta`` (student code)."""
        net, X, y, calls = self._problems[label]
        net.params = {k: np.array(v, dtype=float) for k, v in theta.items()}
        reg = f", reg={self._reg(label):g}" if self.reg_in_loss else ""
        what = f"{self.name}.loss(X, y{reg})"
        args = {"X": X, "y": y, **({"reg": self._reg(label)} if self.reg_in_loss else {})}
        np.random.seed(0)  # dropout without a seed of its own draws the same mask every call
        result = calls(net.loss, args, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], Mapping)):
            raise StudentError(f"{self.name}.loss", f"{what} returned a {type(result).__name__}; "
                               "expected (loss, grads) with grads a dict")
        if part == "loss":
            return as_cost(result[0], f"{what}[0]", [])
        grads = result[1]
        missing = [k for k in theta if k not in grads]
        if missing:
            raise StudentError(f"{self.name}.loss", f"{what}'s grads lack {', '.join(missing)}")
        return {k: as_array(grads[k], f"grads[{k!r}]") for k in theta}

    def finish(self, label: str) -> tuple[list[str], str]:
        """The problems seen and the output printed while checking ``label``."""
        calls = self._problems[label][3]
        return list(calls.problems), calls.output.getvalue()

    def diagnose(self, label: str, theta, yours, ref, wrong, seed: int = 0):
        """The catalog's finding on the wrong arrays (judge side: no student code runs here)."""
        reg = self._reg(label)
        return mistakes.first(
            mistakes.reg_gradient(k, yours[k], ref[k], theta[k], reg) or mistakes.one_array(k, yours[k], ref[k],
                                                                                         NUM_EXAMPLES)
            for k in wrong if k in yours and k in ref)

    def problem(self, label: str, seed: int = 0, timeout: float | None = None):
        """``(cost, grad, params, finish)`` for the oracles."""
        params = self.prepare(label, seed, timeout)
        return (lambda t: self.evaluate(label, t, "loss"), lambda t: self.evaluate(label, t, "grads"), params,
                lambda: self.finish(label))
