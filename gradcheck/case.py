"""Cases: one network with its data and expected answers; the worked examples every course offers.

A :class:`Case` is data only: it computes nothing but the reference model's forward and backward
pass (for expected values it was not given). The built-in courses' worked examples live in the data
files of ``fixtures/cases`` (in a wheel, ``gradcheck/_fixtures/cases``; in a source checkout,
including an editable install, the repository's ``fixtures/``), read by :func:`bundled`;
:func:`case_names` and :func:`load_case` index every registered course's cases.

Imports: numpy and :mod:`gradcheck.course` (the models and the registry).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import course as _registry
from ._data import data_dir
from .course import Model, get_model

__all__ = ["Case", "bundled", "case_names", "load_case", "make_case"]


def _array(value: Any) -> Any:
    """A JSON value as float64: lists become arrays, numbers 0-d numpy floats."""
    if isinstance(value, list):
        return np.array(value, dtype=np.float64)
    return np.float64(value)


def _arrays(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) for k, v in d.items()}


def _copy(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, Mapping):
        return _arrays(v)
    return v


class Case:
    """One network with its data and the expected answers.

    Every accessor returns fresh float64 copies, so code under test may mutate
    what it is given without corrupting the case for the next test.

    Attributes:
        name: e.g. ``"three-examples"``.
        model: the reference :class:`~gradcheck.models.Model` (its docstring says the layout).
        title: one line saying what the case is.
        provenance: where the data come from.
        printed: values as the source prints them, each with its precision, the exact
            value and a status (``"holds"`` or ``"erratum"`` with a note).
        errata: the source's mistakes that carry no number.

    Example:
        >>> case = load_case("three-examples")
        >>> case.dims
        {'numExamples': 3, 'inputLayerSize': 2, 'hiddenLayerSize': 3, 'outputLayerSize': 1}
        >>> case.assert_gradients({"dJdW1": dJdW1, "dJdW2": dJdW2})
    """

    def __init__(
        self,
        name: str,
        model: Model | str,
        inputs: Mapping[str, Any],
        params: Mapping[str, Any],
        expected: Mapping[str, Any] | None = None,
        *,
        title: str = "",
        provenance: Mapping[str, Any] | None = None,
        printed: list | None = None,
        errata: list | None = None,
        extra: Mapping[str, Any] | None = None,
    ):
        self.name = name
        self.model = get_model(model)
        self._inputs = {k: _array(v) if isinstance(v, (list, int, float)) else np.asarray(v, dtype=np.float64)
                        for k, v in inputs.items()}
        self._params = {k: _array(v) if isinstance(v, (list, int, float)) else np.asarray(v, dtype=np.float64)
                        for k, v in params.items()}
        # Computed when first asked for (make_case): a large network is checked without its backward pass.
        self._expected = None if expected is None else _stored(expected)
        self._extra = dict(extra or {})
        self.title = title
        self.provenance = dict(provenance or {})
        self.printed = list(printed or [])
        self.errata = list(errata or [])

    # Fresh copies of the data ------------------------------------------------------
    @property
    def inputs(self) -> dict[str, np.ndarray]:
        """The model's inputs by name (``X``, ``y``; ``X``, ``Y``; ``a0``, ``target``; ...)."""
        return _arrays(self._inputs)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameters by name, in the model's order (``W1``, ``W2``; ``W1``, ``b1``, ...)."""
        return _arrays(self._params)

    @property
    def expected(self) -> dict[str, Any]:
        """``{"cost": float, "grads": {param: array}, "intermediates": {name: array}}``."""
        if self._expected is None:
            self._expected = _stored(_compute_expected(self.model, self._inputs, self._params))
        return {"cost": self._expected["cost"], "grads": _arrays(self._expected["grads"]),
                "intermediates": _arrays(self._expected["intermediates"])}

    @property
    def extra(self) -> dict[str, Any]:
        """Case-specific data beyond the model (e.g. the chain's learning rate and descent)."""
        return copy.deepcopy(self._extra)

    def __getattr__(self, name: str) -> Any:
        # case.X, case.W1: the inputs and parameters by name.
        d = self.__dict__
        if name.startswith("_") or "_inputs" not in d:
            raise AttributeError(name)
        for source in (d["_inputs"], d["_params"]):
            if name in source:
                return _copy(source[name])
        raise AttributeError(f"case {d['name']!r} has no input or parameter {name!r}")

    # Shapes -------------------------------------------------------------------------
    @property
    def dims(self) -> dict[str, int]:
        """The named dimensions, e.g. ``{"numExamples": 3, "inputLayerSize": 2, ...}``."""
        return self.model.dims(self._inputs, self._params)

    @property
    def shape_table(self) -> dict[str, tuple[str, ...]]:
        """Each named array's shape as dimension names."""
        return self.model.shape_table(self.dims)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each named array's shape in numbers."""
        return self.model.shapes(self.dims)

    @property
    def param_names(self) -> tuple[str, ...]:
        return self.model.param_names(self.dims)

    def cost(self, params: Mapping[str, Any] | None = None, xp=np):
        """The reference cost at ``params`` (default: the case's own)."""
        return self.model.cost(self._inputs, self._params if params is None else params, xp=xp)

    # Checking -----------------------------------------------------------------------
    def assert_shapes(self, arrays: Mapping[str, Any]) -> None:
        """Raise :class:`~gradcheck.shapes.ShapeMismatch` unless every array has its table shape."""
        from .shapes import assert_shapes

        assert_shapes(arrays, self)

    def check_gradients(self, grads: Mapping[str, Any], **options):
        """Judge ``grads`` on this case; see :func:`gradcheck.check_gradients`."""
        from .judge import check_gradients

        return check_gradients(grads, self, **options)

    def assert_gradients(self, grads: Mapping[str, Any], **options) -> None:
        """Raise :class:`gradcheck.GradientMismatch` unless ``grads`` are right on this case."""
        __tracebackhide__ = True
        from .judge import assert_gradients

        assert_gradients(grads, self, **options)

    def with_params(self, params: Mapping[str, Any], *, name: str | None = None) -> Case:
        """The same inputs with other parameters; expected values from the reference model."""
        return Case(name or f"{self.name}-modified", self.model, self._inputs, params, title=self.title)

    def __repr__(self) -> str:
        dims = ", ".join(f"{k}={v}" for k, v in self.dims.items())
        return f"<Case {self.name!r} model={self.model.name!r}{' ' + dims if dims else ''}>"


def _stored(expected: Mapping[str, Any]) -> dict:
    return {
        "cost": float(expected["cost"]),
        "grads": {k: _array(v) if not isinstance(v, np.ndarray) else v.astype(np.float64)
                  for k, v in expected["grads"].items()},
        "intermediates": {k: _array(v) if not isinstance(v, np.ndarray) else v.astype(np.float64)
                          for k, v in expected.get("intermediates", {}).items()},
    }


def _compute_expected(model: Model, inputs, params) -> dict:
    grads, inter_grads = model.backward(inputs, params)
    forward = model.forward(inputs, params)
    cost = forward.pop("J")
    return {"cost": float(cost), "grads": grads, "intermediates": {**forward, **inter_grads}}


def make_case(model: Model | str, inputs: Mapping[str, Any], params: Mapping[str, Any], *, name: str = "custom") -> Case:
    """A case for any network of a built-in model; expected values come from its analytic backward pass."""
    return Case(name, model, inputs, params)


@functools.cache
def bundled(name: str) -> Case:
    """The case called ``name`` from gradcheck's own data files (a built-in course's worked example)."""
    data = json.loads(data_dir().joinpath(f"{name}.json").read_text())
    expected = data["expected"]
    extra = {k: v for k, v in data.items() if k in ("learning_rate",)}
    if "descent" in expected:
        extra["descent"] = expected["descent"]
    return Case(
        data["name"], data["model"], data["inputs"], data["params"], expected,
        title=data.get("title", ""), provenance=data.get("provenance"), printed=data.get("printed"),
        errata=data.get("errata"), extra=extra,
    )


_INDEX: dict[str, Case] = {}
_INDEXED_AT = -1


def _index() -> dict[str, Case]:
    """Every registered course's worked examples by name, rebuilt when a course is registered."""
    global _INDEXED_AT
    courses = _registry.courses()
    if _INDEXED_AT != _registry.GENERATION:
        _INDEX.clear()
        for course in courses:
            for case in course.cases():
                if case.name in _INDEX:
                    raise ValueError(f"course {course.name!r} has a case called {case.name!r}, and so does "
                                     f"model {_INDEX[case.name].model.name!r}'s course; case names must be unique")
                _INDEX[case.name] = case
        _INDEXED_AT = _registry.GENERATION
    return _INDEX


def case_names() -> tuple[str, ...]:
    """The names of the worked examples, course by course (the notes first)."""
    return tuple(_index())


def load_case(name: str) -> Case:
    """The worked example called ``name`` (see :func:`case_names`); underscores may stand for hyphens,
    as in the fixtures' names (``load_case("three_examples")`` is ``three-examples``).

    Raises:
        ValueError: no such case; the message lists the names there are.
    """
    index = _index()
    for candidate in (name, name.replace("_", "-")):
        if candidate in index:
            return index[candidate]
    raise ValueError(f"no worked example called {name!r}; the cases are {', '.join(index)}.")
