"""The code ex4's Python ports have students write, recognised by signature and adapted.

``nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)``
returning ``(J, grad)`` (the seventh parameter is ``lambda_`` in the most forked port, ``Lambda``,
``lmbda``, ``lam`` or ``reg`` in others, with or without a default). The ports differ in two ways
the adapter detects on a small probe network of its own (never a case), by the code's own cost J:

* the labels ``y``: 0 .. num_labels − 1 (the notebook port, digit 0 as 0), or 1 .. num_labels as
  in the Octave original (digit 0 as 10); a vector of shape (m,) or a column (m, 1) as ``loadmat``
  gives it;
* the unrolling: ``ravel()``/``reshape`` in C order, or ``order='F'`` as Octave's ``Theta1(:)``;
  ``grad`` is read back in the same order.

Imports: numpy; :mod:`gradcheck.case`, :mod:`gradcheck.courses.ng.model`,
:mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from ...case import Case
from ...students.implementation import Implementation, StudentError, as_array, as_cost, calling, close
from .model import NG_EX4

SIZES = ("input_layer_size", "hidden_layer_size", "num_labels")
SIGNATURE = "nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_) -> (J, grad)"
COST_FORMULA = "J = (1/m) sum(-Y*log(h) - (1-Y)*log(1-h)) + lambda_/(2m) (sum(Theta1[:, 1:]**2) + sum(Theta2[:, 1:]**2))"
#: the encodings tried, most common first: (order, first label, y's shape)
ENCODINGS = tuple((order, base, form) for order in ("C", "F") for base in (0, 1) for form in ("vector", "column"))


def positional(fn: Any) -> list[str] | None:
    """The names of ``fn``'s positional parameters (None: no signature, or a ``*args``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY) and p.default is p.empty for p in params):
        return None
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def fits(name: str, fn: Any) -> bool:
    """Seven positional parameters, the three sizes in the middle (or the function named nnCostFunction)."""
    names = positional(fn)
    if not inspect.isfunction(fn) or names is None or len(names) != 7:
        return False
    return name == "nnCostFunction" or [n.lower() for n in names[1:4]] == list(SIZES)


def _labels(Y: np.ndarray, base: int, form: str) -> np.ndarray:
    y = np.argmax(np.asarray(Y), axis=1).astype(np.int64) + base
    return y.reshape(-1, 1) if form == "column" else y


def _unroll(params, order: str) -> np.ndarray:
    return np.concatenate([np.asarray(params["Theta1"], dtype=float).ravel(order=order),
                           np.asarray(params["Theta2"], dtype=float).ravel(order=order)])


def _probe_network():
    """A small asymmetric network of the adapter's own, to tell the encodings apart (no case's values)."""
    rng = np.random.default_rng(4)
    n, h, K, m = 2, 3, 4, 6
    inputs = {"X": rng.uniform(-1, 1, (m, n)), "Y": np.eye(K)[[1, 2, 3, 1, 2, 3]], "lambda_": 0.0}
    params = {"Theta1": rng.uniform(-1, 1, (h, n + 1)), "Theta2": rng.uniform(-1, 1, (K, h + 1))}
    return inputs, params


def describe(encoding) -> str:
    order, base, form = encoding
    labels = "1 .. num_labels (as the Octave original numbers them)" if base else "0 .. num_labels - 1"
    shape = "(m, 1)" if form == "column" else "(m,)"
    unroll = "Fortran order (order='F', as Octave's Theta1(:))" if order == "F" else "C order (ravel())"
    return f"y holds the labels {labels} with shape {shape}; nn_params and grad are unrolled in {unroll}"


class NnCostFunction(Implementation):
    """``nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)`` -> ``(J, grad)``."""

    convention = f"ex4's {SIGNATURE}"
    has_interface = True

    def __init__(self, name: str, fn):
        super().__init__(name, NG_EX4, fn)
        self.encoding: tuple | None = None
        self.guessed = False

    def state(self):
        return {"encoding": list(self.encoding) if self.encoding else None, "guessed": self.guessed}

    def grad_names(self, case: Case) -> dict[str, str]:
        return {"Theta1": "Theta1_grad", "Theta2": "Theta2_grad"}

    # Calling the code --------------------------------------------------------------------------
    def _call(self, calls, inputs, params, encoding, what=None):
        order, base, form = encoding
        n, h, K = np.shape(inputs["X"])[1], np.shape(params["Theta1"])[0], np.shape(params["Theta2"])[0]
        args = {"nn_params": _unroll(params, order), "input_layer_size": int(n), "hidden_layer_size": int(h),
                "num_labels": int(K), "X": np.asarray(inputs["X"], dtype=float), "y": _labels(inputs["Y"], base, form),
                "lambda_": float(inputs["lambda_"])}
        what = what or f"{self.name}(nn_params, {n}, {h}, {K}, X, y, {float(inputs['lambda_'])!r})"
        result = calls(self.obj, args, what)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise StudentError(what, f"{what} returned a {type(result).__name__}; expected (J, grad), the cost and "
                               "the unrolled gradient")
        return result, what

    def _detect(self, calls) -> None:
        """Find the label numbering, y's shape and the unrolling order under which the code's own cost
        is right on the probe network; when none is, guess from the source (and say so)."""
        if self.encoding is not None:
            return
        inputs, params = _probe_network()
        want = float(NG_EX4.cost(inputs, params))
        for encoding in ENCODINGS:
            try:
                (J, _), _ = self._call(calls, inputs, params, encoding)
                got = float(np.asarray(J, dtype=float).ravel()[0])
            except StudentError as exc:
                if "did not return within" in str(exc):
                    raise
                continue
            except Exception:
                continue
            if np.isclose(got, want, rtol=1e-6):
                self.encoding = encoding
                calls.problems.clear()
                return
        calls.problems.clear()
        try:
            source = inspect.getsource(self.obj)
        except (OSError, TypeError):
            source = ""
        order = "F" if re.search(r"order\s*=\s*['\"]F['\"]", source) else "C"
        base = 1 if re.search(r"\by\s*-\s*1\b|==\s*\(?\s*\w+\s*\+\s*1\b|range\(\s*1\s*,", source) else 0
        self.encoding, self.guessed = (order, base, "vector"), True

    def _run(self, case, calls, out):
        self._detect(calls)
        (_J, grad), what = self._call(calls, case.inputs, case.params, self.encoding)
        order = self.encoding[0]
        h, n1 = np.shape(case.params["Theta1"])
        K, h1 = np.shape(case.params["Theta2"])
        grad = as_array(grad, f"{what}'s grad")
        size = h * n1 + K * h1
        if grad.size != size:
            hint = ""
            if grad.size == h * (n1 - 1) + K * (h1 - 1):
                hint = (" That is the size without the bias columns: Theta1_grad and Theta2_grad keep Theta's shape, "
                        "bias column (column 0) included.")
            raise StudentError(what, f"{what} returned grad of {grad.size} elements (shape {grad.shape}); expected "
                               f"{size} = {h}*{n1} + {K}*{h1}, Theta1_grad then Theta2_grad unrolled.{hint}")
        flat = grad.reshape(-1)
        out.grads["Theta1_grad"] = flat[: h * n1].reshape((h, n1), order=order)
        out.grads["Theta2_grad"] = flat[h * n1:].reshape((K, h1), order=order)
        out.names.update({"Theta1": "Theta1_grad", "Theta2": "Theta2_grad"})
        out.notes.append(("gradcheck could not tell how your code numbers the labels: its cost was wrong on every "
                          "encoding tried; assumed: " if self.guessed else "Detected: ") + describe(self.encoding) + ".")

    def probe(self, case, timeout=None):
        with calling(timeout) as calls:
            self._detect(calls)
            (J, _), what = self._call(calls, case.inputs, case.params, self.encoding)
            raw = {"cost": (f"{what}'s J", as_array(J, "J"))}
        return raw, calls.problems, calls.output.getvalue()

    def interface_problems(self, case, raw):
        what, value = raw["cost"]
        got, want = as_cost(value, what, []), float(NG_EX4.cost(case.inputs, case.params))
        return [] if close(got, want) else [f"{what} is {got!r} but J = {want!r} here ({COST_FORMULA})."]

    def call_lines(self, case, module, names):
        order, base, form = self.encoding or ENCODINGS[0]
        n, h, K = (case.dims[k] for k in SIZES)
        y = f"Y.argmax(axis=1) + {base}" + (".reshape(-1, 1)" if form == "column" else "")
        lines = [f"from {module} import {self.name}",
                 "import numpy as np",
                 f"nn_params = np.concatenate([Theta1.ravel(order={order!r}), Theta2.ravel(order={order!r})])",
                 f"J, grad = {self.name}(nn_params, {n}, {h}, {K}, X, {y}, {float(case.inputs['lambda_'])!r})",
                 f"Theta1_grad = np.reshape(grad[:{h * (n + 1)}], ({h}, {n + 1}), order={order!r})",
                 f"Theta2_grad = np.reshape(grad[{h * (n + 1)}:], ({K}, {h + 1}), order={order!r})"]
        return lines, {"Theta1": "Theta1_grad", "Theta2": "Theta2_grad"}

    def strategy(self):
        from .strategy import cases_for

        return cases_for(NG_EX4)
