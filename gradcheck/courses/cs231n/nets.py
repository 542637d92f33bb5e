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
``[hypothesis]`` builds it at sizes drawn by Hypothesis (:mod:`.strategy`: the constructor's sizes and N)
until one fails, sampled elements against central differences as ``grad_check_sparse`` does, and shrinks
them; the oracles then judge it at the smallest failing sizes (a crash there names them).

Imports: numpy (hypothesis when ``[hypothesis]`` runs); :mod:`gradcheck.students.implementation`,
:mod:`gradcheck.courses.cs231n.strategy`.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...students.implementation import Calls, Implementation, StudentError, as_array, as_cost, required_args
from . import mistakes, strategy

#: Small sizes for the constructors' size arguments, whatever their defaults.
SIZES: dict[str, Any] = {
    "input_size": 4, "input_dim": 4, "D": 4,
    "hidden_size": 5, "hidden_dim": 5, "H": 5, "hidden_dims": [5, 4],
    "output_size": 3, "num_classes": 3, "output_dim": 3, "C": 3,
    "num_filters": 2, "filter_size": 3,
}
#: An image input (input_dim given as (C, H, W)) is made this small.
IMAGE = (3, 4, 4)
NUM_EXAMPLES = 6
REGS = (0.0, 0.1)
#: The item on sizes drawn by Hypothesis (:mod:`.strategy`), at reg 0.1: code hard-wired to one size set fails there.
HYPOTHESIS = "hypothesis"
#: Size sets it draws at most (before shrinking a failure), and elements of each parameter it samples on each.
HYPOTHESIS_EXAMPLES, SAMPLED = 20, 3


def _signature(fn) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return {}


def _is_image(param: inspect.Parameter) -> bool:
    """An ``input_dim=(C, H, W)`` argument (a conv net's)."""
    return isinstance(param.default, tuple) and len(param.default) == 3


def _constructor(name: str, kwargs: Mapping[str, Any]) -> str:
    """``TwoLayerNet(input_dim=4, ..., dtype=float64)``: the call as the report shows it."""
    shown = ", ".join(f"{k}={getattr(v, '__name__', v)}" if k == "dtype" else f"{k}={v!r}"
                      for k, v in kwargs.items() if k != "N")
    return f"{name}({shown})"


def _difference(cost, theta: Mapping[str, np.ndarray], name: str, i: int, h: float) -> float:
    """The central difference of ``cost`` along element ``i`` of ``theta[name]``, step ``h``."""
    plus, minus = dict(theta), dict(theta)
    plus[name], minus[name] = theta[name].copy(), theta[name].copy()
    plus[name].flat[i] += h
    minus[name].flat[i] -= h
    return (cost(plus) - cost(minus)) / (2 * h)


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
    """``(label prefix, constructor arguments)``: the plain net, each normalization, dropout."""
    out: list[tuple[str, dict[str, Any]]] = [("", {})]
    if "normalization" in init:
        out += [("batchnorm-", {"normalization": "batchnorm"}), ("layernorm-", {"normalization": "layernorm"})]
    elif "use_batchnorm" in init:
        out.append(("batchnorm-", {"use_batchnorm": True}))
    if "dropout_keep_ratio" in init:
        out.append(("dropout-", {"dropout_keep_ratio": 0.75}))
    elif "dropout" in init:
        out.append(("dropout-", {"dropout": 0.5}))
    return out


class Net(Implementation):
    """A CS231n net with ``self.params`` and ``loss(X, y[, reg])`` -> ``(loss, grads)``.

    Checked against its own loss on data drawn to fit the sizes it was built with (integer class
    labels); one check per label (``reg-0``, ``reg-0.1``, ``batchnorm-reg-0.1``, ...), and ``hypothesis`` on
    sizes drawn by Hypothesis (:data:`HYPOTHESIS_EXAMPLES` size sets at most, whatever ``--gradcheck-examples``
    says: that option reaches only the reference models' ``[hypothesis]`` items).
    """

    kind = "self"
    convention = "a class with params and loss(X, y) or loss(X, y, reg) (CS231n, self-consistency)"

    def __init__(self, name: str, cls: type):
        super().__init__(name, None, cls)
        init = _signature(cls.__init__)
        self.reg_in_loss = "reg" in _signature(cls.loss)
        self.variants = {prefix: kwargs for prefix, kwargs in _variants(init)}
        self.labels = [f"reg-{r:g}" for r in REGS] + [f"{p}reg-{REGS[-1]:g}" for p in self.variants if p]
        if any(p in strategy.KNOWN for p in init):  # sizes to draw: [hypothesis]
            self.labels.append(HYPOTHESIS)

    def state(self):
        return {"reg_in_loss": self.reg_in_loss, "variants": dict(self.variants), "labels": list(self.labels)}

    def cases(self, seed=0):
        return []

    @staticmethod
    def _reg(label: str) -> float:
        if label == HYPOTHESIS:
            return REGS[-1]
        return float(label.rpartition("reg-")[2])

    def title(self, label: str) -> str:
        if label == HYPOTHESIS:
            call = "loss(X, y, reg=0.1)" if self.reg_in_loss else "loss(X, y) with reg=0.1"
            return (f"{self.name}.{call} against its own loss, built at sizes drawn by Hypothesis (the smallest "
                    f"on which it fails, if any does; the parameters' shapes below show them)")
        prefix = label.rpartition("reg-")[0].rstrip("-")
        built = f" built with {self.variants[prefix + '-']}" if prefix else ""
        call = f"loss(X, y, reg={self._reg(label):g})" if self.reg_in_loss else f"loss(X, y) with reg={self._reg(label):g}"
        return f"{self.name}.{call}{built} against its own loss, on drawn data"

    def data(self, label: str) -> dict:
        return {"reg": self._reg(label)}

    def _build(self, label: str, calls: Calls, sizes: Mapping[str, Any] | None = None):
        """The class built for ``label`` (student code): small sizes, or ``sizes`` (drawn) where given."""
        init = _signature(self.obj.__init__)
        reg = self._reg(label)
        kwargs: dict[str, Any] = {}
        for p in required_args(self.obj.__init__, skip_self=True):
            if p not in SIZES:
                raise StudentError(f"{self.name}()", f"{self.name}() needs an argument {p!r} that gradcheck cannot "
                                   f"supply (it supplies {', '.join(sorted(SIZES))}); give it a default")
        for p, param in init.items():
            if sizes is not None and p in sizes:
                kwargs[p] = list(sizes[p]) if isinstance(sizes[p], list) else sizes[p]
            elif p in SIZES:
                kwargs[p] = IMAGE if _is_image(param) else SIZES[p]
        if "dtype" in init:
            kwargs["dtype"] = np.float64
        if "seed" in init:
            kwargs["seed"] = 0
        if "reg" in init and not self.reg_in_loss:
            kwargs["reg"] = reg
        prefix = label.rpartition("reg-")[0]
        kwargs.update(self.variants.get(prefix, {}))
        np.random.seed(0)
        net = calls(self.obj, kwargs, _constructor(self.name, kwargs), kwargs=True)
        if not self.reg_in_loss:
            net.reg = reg  # the attribute the loss reads, however the constructor set it
        return net, kwargs

    def prepare(self, label: str, seed: int = 0, timeout: float | None = None) -> dict[str, np.ndarray]:
        """Build the class at small sizes and data that fit it (student code): the params to check at.

        For ``[hypothesis]``: at the smallest drawn sizes on which it fails, or at the last drawn when none does."""
        if label == HYPOTHESIS:
            return self._search(seed, timeout)
        return self._setup(label, seed, timeout)

    def _setup(self, label: str, seed: int, timeout: float | None, sizes: Mapping[str, Any] | None = None):
        calls = Calls(timeout)
        net, kwargs = self._build(label, calls, sizes)
        if not isinstance(getattr(net, "params", None), dict) or not net.params:
            raise StudentError(f"{self.name}()", f"{self.name}() has no params dict to check")
        rng = np.random.default_rng(seed)
        params = {k: rng.standard_normal(np.shape(v)) * 0.5 for k, v in net.params.items()}
        shapes = [np.shape(v) for v in params.values()]
        size = next((kwargs[k] for k in strategy.INPUTS if k in kwargs), None)
        if size is None:
            first = next((s for s in shapes if len(s) >= 2), None)
            if first is None:
                raise StudentError(f"{self.name}()", f"{self.name}().params has no 2-D weight matrix to size the data by")
            size = first[0]
        n_classes = next((kwargs[k] for k in strategy.CLASSES if k in kwargs), None)
        if n_classes is None:
            last = shapes[-1]
            n_classes = last[-1] if last else 2
        n = sizes["N"] if sizes is not None else NUM_EXAMPLES
        X = rng.standard_normal((n, *(size if isinstance(size, tuple) else (size,))))
        y = rng.integers(0, n_classes, size=n)
        self._problems = {**getattr(self, "_problems", {}), label: (net, X, y, calls)}
        return params

    def _search(self, seed: int, timeout: float | None) -> dict[str, np.ndarray]:
        """Hypothesis draws sizes until the net fails on some (a crash, a wrong shape, or an element of
        its gradients off the central differences) and shrinks them: the params at the smallest failing
        sizes (or the last drawn when none fails); a crash there is raised here, naming the sizes."""
        import random

        from hypothesis import HealthCheck, Phase, Verbosity, find, settings
        from hypothesis.errors import NoSuchExample, Unsatisfiable

        init = _signature(self.obj.__init__)
        sizes = strategy.cs231n_sizes(init, image=any(_is_image(p) for p in init.values()))
        seen: dict[str, Any] = {}

        def fails(drawn: dict[str, Any]) -> bool:
            if "timeout" in seen:  # each further try would wait as long: everything fails, nothing runs
                return True
            seen["last"] = drawn
            try:
                params = self._setup(HYPOTHESIS, seed, timeout, drawn)
                return self._wrong(params, np.random.default_rng(seed)) is not None
            except StudentError as exc:
                if exc.timed_out or "did not return within" in str(exc):
                    seen["timeout"] = (drawn, exc)
                return True

        search = settings(max_examples=HYPOTHESIS_EXAMPLES, database=None, deadline=None, derandomize=False,
                          phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                          report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)
        try:
            smallest = find(sizes, fails, settings=search, random=random.Random(seed))
        except (NoSuchExample, Unsatisfiable):
            smallest = None
        drawn = seen["timeout"][0] if "timeout" in seen else smallest if smallest is not None else seen.get("last")
        where = f"{_constructor(self.name, drawn)} and N={drawn['N']}" if drawn else "sizes drawn by Hypothesis"
        what = f"{self.name} on {where}, the smallest sizes Hypothesis drew on which it fails (a size hard-wired?),"
        try:
            if "timeout" in seen:
                raise seen["timeout"][1]
            params = self._setup(HYPOTHESIS, seed, timeout, drawn)
            if smallest is not None:  # a crash in the loss is raised here, naming the sizes
                self._wrong(params, np.random.default_rng(seed))
        except StudentError as exc:
            raise StudentError(what, str(exc), exc.output, timed_out=exc.timed_out) from exc.__cause__
        return params

    def _wrong(self, theta: Mapping[str, np.ndarray], rng) -> str | None:
        """A parameter whose gradient at ``theta`` is off at a few sampled elements (``grad_check_sparse``'s
        way), or None.

        Each element is differenced with two steps sized for the dtype the net computes in; where the two
        disagree (a relu kink between them, float32 noise) the element is not judged."""
        cost0 = self.evaluate(HYPOTHESIS, theta, "loss")
        grads = self.evaluate(HYPOTHESIS, theta, "grads")
        eps = max(np.finfo(getattr(cost0, "dtype", np.float64)).eps,
                  *(np.finfo(g.dtype if g.dtype.kind == "f" else np.float64).eps for g in grads.values()))
        steps, tol = (10 * eps ** (1 / 3), eps ** (1 / 3)), 30 * eps ** 0.5

        def cost(t):
            return float(self.evaluate(HYPOTHESIS, t, "loss"))

        for k, v in theta.items():
            if np.shape(grads[k]) != v.shape:
                return k
            for i in rng.choice(v.size, size=min(v.size, SAMPLED), replace=False):
                fd = [_difference(cost, theta, k, int(i), h) for h in steps]
                if abs(fd[0] - fd[1]) > tol * (1 + abs(fd[1])):
                    continue
                if not abs(grads[k].flat[i] - fd[1]) <= tol * (1 + abs(fd[1])):
                    return k
        return None

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
        n = None if label == HYPOTHESIS else NUM_EXAMPLES  # drawn there
        found = [mistakes.reg_gradient(k, yours[k], ref[k], theta[k], reg) or mistakes.one_array(k, yours[k], ref[k], n)
                 for k in wrong if k in yours and k in ref]
        if label == HYPOTHESIS:
            found.append(mistakes.hard_wired_sizes({k: np.shape(v) for k, v in theta.items()}))
        return mistakes.first(found)

    def problem(self, label: str, seed: int = 0, timeout: float | None = None):
        """``(cost, grad, params, finish)`` for the oracles."""
        params = self.prepare(label, seed, timeout)
        return (lambda t: self.evaluate(label, t, "loss"), lambda t: self.evaluate(label, t, "grads"), params,
                lambda: self.finish(label))
