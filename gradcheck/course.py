"""The protocol every course is written against (:class:`Model`, :class:`Course`), and the registry.

A **model** is one reference network: its inputs and parameters by name, a shape table in named
dimensions, the cost written once against an array namespace ``xp`` (``numpy`` or ``jax.numpy``,
so the numpy reference, the difference oracles and the JAX oracle evaluate the same expressions),
and the analytic backward pass with its intermediates. A **course** groups its models with the
worked examples (cases), the conventions students write (adapters that turn their code into
arrays by name), a catalog of known mistakes with localisation steps, and Hypothesis strategies.

Hooks a model or course does not provide are feature-detected: the oracle path or item that
needs one is simply not offered (and the report says so), or the call raises
:class:`MissingHook`, which names the course and the hook. Nothing falls back on another model's
formula.

Contracts a model must keep, because the oracles rely on them:

* ``forward(inputs, params, xp, taps)`` uses only ``xp``'s functions on the parameters, so that
  ``jax.numpy`` can trace it.
* With ``batched = True`` (the default) the cost also works when every parameter carries an extra
  leading axis of perturbed copies: matrix products broadcast (``X @ W1``), and every reduction
  that makes the cost a scalar is ``xp.sum`` over all axes or over negative axes. The fd oracle
  then evaluates all perturbations in one call; set ``batched = False`` and it loops instead.
* A relu is written ``xp.maximum(z, 0.0)``: the JAX oracle gives that expression a stated
  derivative at 0, and :meth:`Model.relu_preactivations` names the ``z`` that the fd oracle
  watches for kinks.
* ``backward`` returns ``(grads by parameter, intermediate gradients by tap name)`` in numpy
  float64. It is a fourth reference: it must agree with the oracles, and judges nobody.

Imports: numpy, and the standard library. A course's modules are imported when the registry is
first asked for courses, never when this module is.
"""

from __future__ import annotations

import abc
import hashlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._data import ENTRY_POINT_GROUP

Arrays = Mapping[str, Any]

__all__ = [
    "ENTRY_POINT_GROUP",
    "Course",
    "MissingHook",
    "Mistake",
    "Model",
    "Structure",
    "course_names",
    "course_of",
    "courses",
    "get_course",
    "get_model",
    "load_course",
    "model_names",
    "register_course",
    "sigmoid",
    "sigmoid_prime",
    "tap",
]

#: The built-in courses, as modules under ``gradcheck.courses``, in the order they are tried.
_BUILT_IN = ("notes", "cs231n", "coursera", "scalars", "nielsen", "ng")


class MissingHook(LookupError):
    """A course or model lacks a hook that was asked for; the message names both."""


def sigmoid(z, xp=np):
    """The logistic function 1 / (1 + e^(-z)), as the notes write it."""
    return 1.0 / (1.0 + xp.exp(-z))


def sigmoid_prime(z, xp=np):
    """f'(z) = e^(-z) / (1 + e^(-z))^2, the notes' form of the derivative."""
    e = xp.exp(-z)
    return e / (1.0 + e) ** 2


class _TapPoints(dict):
    """Passed as ``taps``: records, by tap name, the value each tap would be added to, and adds nothing."""


def tap(value, taps: Arrays | None, name: str):
    """``value`` plus the zero tap called ``name``, when one is given.

    Differentiating the cost with respect to a tap gives the derivative with respect to that
    intermediate: the JAX oracle obtains ``delta3`` or ``dZ2`` this way, from the same cost.
    """
    if isinstance(taps, _TapPoints):
        taps[name] = value
        return value
    if taps is not None and name in taps:
        return value + taps[name]
    return value


@dataclass(frozen=True)
class Mistake:
    """One known mistake: what the wrong code computes, why, and the fix with its reference.

    Attributes:
        id: ``course/short-name`` (``welch/delta2-fprime-of-z3``).
        models: the names of the models it applies to.
        explanation: what the wrong code computes.
        fix: the right formula, with its reference in the course's notes.
        wrong: ``context -> [grads by parameter, ...]``, the variants of the wrong answer, computed
            from the reference forward pass (``context.fw``, ``.inputs``, ``.params``, ``.grads``).
    """

    id: str
    models: tuple[str, ...]
    explanation: str
    fix: str
    wrong: Callable[[Any], list[dict[str, np.ndarray]]] = field(repr=False)


class Structure(abc.ABC):
    """Structure-aware central differences of a model (an optional model hook).

    The same quotients as plain central differences of the cost, computed from the cached
    forward pass (one weight moves one column or row of one pre-activation).
    """

    @abc.abstractmethod
    def differences(self, inputs: Arrays, params: Arrays, steps: Arrays) -> tuple[dict, dict]:
        """``(quotients, scales)`` by parameter for steps shaped like the parameters; ``scales``
        bounds the magnitude of the cost terms each difference changed (for its round-off)."""

    def quotients(self, inputs: Arrays, params: Arrays, names: tuple[str, ...]):
        """``(flat indices, steps) -> quotients`` of chosen elements, or None when not offered."""
        return None

    def lines(self, inputs: Arrays, params: Arrays, names: tuple[str, ...]):
        """``u -> (t -> J(θ + t·u))`` for fast mode's directions, or None when not offered."""
        return None


class Model(abc.ABC):
    """A reference network: its names, shape table, cost, forward and backward pass.

    Subclasses define ``name``, ``input_names``, ``layout``, :meth:`param_names`, :meth:`dims`,
    :meth:`shape_table`, :meth:`forward` and :meth:`backward`; the other methods are optional hooks.
    """

    name: str = ""
    input_names: tuple[str, ...] = ()
    #: One line saying how the arrays are laid out (examples as rows or columns, W1's shape).
    layout: str = ""
    #: Whether :meth:`forward` takes a leading batch axis on every parameter (see the module's contracts).
    batched: bool = True
    #: The course this model belongs to; set by :class:`Course`.
    course: Course | None = None

    @abc.abstractmethod
    def param_names(self, dims: Mapping[str, int] | None = None) -> tuple[str, ...]:
        """The parameters in the model's order (``W1``, ``W2``)."""

    @abc.abstractmethod
    def dims(self, inputs: Arrays, params: Arrays) -> dict[str, int]:
        """The named dimensions of a network, read off its inputs and parameters."""

    @abc.abstractmethod
    def shape_table(self, dims: Mapping[str, int]) -> dict[str, tuple[str, ...]]:
        """Each named array's shape as a tuple of dimension names (``()`` for scalars).

        Gradients are listed under their parameter's name; the backward pass's
        intermediates (``delta3``, ``dZ2``, ...) under their own.
        """

    @abc.abstractmethod
    def forward(self, inputs: Arrays, params: Arrays, xp=np, taps: Arrays | None = None) -> dict:
        """The forward pass: every intermediate by name, and the cost under ``"J"``."""

    @abc.abstractmethod
    def backward(self, inputs: Arrays, params: Arrays) -> tuple[dict, dict]:
        """The analytic backward pass in numpy: ``(grads by parameter, intermediate grads)``."""

    # Derived ---------------------------------------------------------------------------------
    def cost(self, inputs: Arrays, params: Arrays, xp=np, taps: Arrays | None = None):
        """The scalar cost J."""
        return self.forward(inputs, params, xp=xp, taps=taps)["J"]

    def shapes(self, dims: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
        """Each named array's shape in numbers (a dimension written ``"1"`` is 1)."""
        sizes = {"1": 1, **dims}
        return {k: tuple(sizes[d] for d in v) for k, v in self.shape_table(dims).items()}

    def gradients(self, inputs: Arrays, params: Arrays) -> dict:
        """The analytic gradient of the cost, by parameter name."""
        return self.backward(inputs, params)[0]

    # Optional hooks ----------------------------------------------------------------------------
    def tap_names(self, dims: Mapping[str, int]) -> tuple[str, ...]:
        """Intermediates that accept a tap, keyed like :meth:`backward`'s second dict (none by default)."""
        return ()

    def tap_points(self, inputs: Arrays, params: Arrays) -> dict:
        """The numpy forward pass's value at each tap (the intermediate the tap is added to), by tap name."""
        points = _TapPoints()
        self.forward(inputs, params, taps=points)
        return dict(points)

    def tap_scale(self, inputs: Arrays) -> float:
        """Factor from d(cost)/d(tap) to the convention of the intermediate gradients."""
        return 1.0

    def relu_preactivations(self, dims: Mapping[str, int]) -> tuple[str, ...]:
        """The intermediates that go through a relu (``Z1``): the fd oracle watches them for kinks."""
        return ()

    def structure(self) -> Structure | None:
        """Structure-aware differences (:class:`Structure`), or None: then the plain batch cost is used."""
        return None

    def output_name(self, dims: Mapping[str, int]) -> str | None:
        """The sigmoid output whose saturation explains oracles that disagree, if the model has one."""
        return None

    def transpose_hint(self, param: str) -> str:
        """A sentence on how a transposed gradient of ``param`` usually comes about (``""``: none)."""
        return ""

    def roundoff_scale(self, inputs: Arrays, params: Arrays) -> tuple[dict, int]:
        """Per gradient element, the magnitude of the terms summed into it, and the operations along
        the longest path; the ``[hypothesis]`` item's tolerance is built from them."""
        owner = f"course {self.course.name!r}" if self.course is not None else "no course"
        raise MissingHook(f"model {self.name!r} ({owner}) has no roundoff_scale hook")

    def __repr__(self) -> str:
        return f"<gradcheck model {self.name!r}>"


class Course:
    """A course: its models and what the tool knows about the code its students write.

    Subclass it and set ``name``, ``title`` and ``models``; override the hooks the course offers.
    Every hook has a default that offers nothing, so a course without, say, a mistake catalog
    still gets every oracle, the shape checks and a generic diagnosis. ``models`` may be empty for a
    course whose code is checked against its own cost: its ``recognise`` hooks return
    implementations of kind ``"self"``, which name their checks in ``labels`` and answer
    ``prepare(label, seed, timeout)``, ``evaluate(label, theta, part)``, ``finish(label)``, ``title(label)``,
    ``data(label)`` and, optionally, ``diagnose(label, theta, yours, ref, wrong, seed)`` (judge side).

    Example:
        >>> class TanhCourse(Course):
        ...     name, title, models = "tanh_net", "a one-hidden-layer tanh net", (TanhNet(),)
        ...     def cases(self):
        ...         return [Case("tanh-worked-example", self.models[0], inputs, params)]
    """

    name: str = ""
    title: str = ""
    models: tuple[Model, ...] = ()
    #: One line per convention the course recognises, for messages that list them.
    conventions: tuple[str, ...] = ()

    def __init__(self) -> None:
        if not self.name or not isinstance(self.models, tuple):
            raise TypeError(f"{type(self).__name__} must set name and models (a tuple of Model instances; "
                            "empty for a course whose code is checked against itself)")
        for model in self.models:
            if not isinstance(model, Model):
                raise TypeError(f"course {self.name!r}: {model!r} is not a gradcheck Model")
            model.course = self

    # Worked examples ----------------------------------------------------------------------------
    def cases(self) -> list:
        """The worked examples, as :class:`gradcheck.Case` objects (fixtures are made of them)."""
        return []

    def derived_cases(self, seed: int) -> list:
        """Further cases the conventions are checked on (sizes the worked examples lack)."""
        return []

    # Conventions ---------------------------------------------------------------------------------
    def recognise(self, module, name: str, obj: Any) -> list:
        """Implementations (:class:`gradcheck.students.Implementation`) that ``obj`` is, by signature."""
        return []

    def recognise_module(self, module) -> list:
        """Implementations made of several of the module's functions together (a forward/backward pair)."""
        return []

    # Mistakes ------------------------------------------------------------------------------------
    def near_misses(self, module, name: str, obj: Any) -> list[str]:
        """What ``obj`` (not recognised by any course) resembles of this course's conventions, each as
        "NAME(its signature) does not match CONVENTION(the signature expected)": never called."""
        return []

    def mistakes(self) -> tuple:
        """The catalog: :class:`gradcheck.diagnosis.Mistake` entries, each naming the models it applies to."""
        return ()

    def steps(self, model: Model, dims: Mapping[str, int]) -> list[tuple[str, str, str]] | None:
        """The backward pass in order, ``(name, "forward" | "inter" | "grad", formula)``, for localisation."""
        return None

    # Hypothesis ----------------------------------------------------------------------------------
    def strategy(self, model: Model):
        """The strategy the ``[hypothesis]`` item draws networks of ``model`` from (None: no such item)."""
        return None

    def sized_strategy(self, model: Model, dims: Mapping[str, int]):
        """Networks of ``model`` of exactly the sizes ``dims`` (probing hard-wired code; None: no probing)."""
        return None

    def usual_dims(self, model: Model) -> tuple[dict[str, int], ...]:
        """Sizes students' code is usually written for, tried when no drawn network passed."""
        return ()

    def size_variants(self, model: Model, base: Mapping[str, int]) -> dict[tuple[str, int], list[dict[str, int]]]:
        """For each size: its base value and the size sets that change it alone (1 to 6)."""
        variants = {}
        for dim, value in base.items():
            others = [v for v in range(1, max(6, value + 2) + 1) if v != value]
            variants[(dim, value)] = [{**base, dim: v} for v in others]
        return variants

    def __repr__(self) -> str:
        return f"<gradcheck course {self.name!r}: {', '.join(m.name for m in self.models)}>"


# The registry ------------------------------------------------------------------------------------
_REGISTERED: dict[str, Course] = {}
_BUILT_INS_LOADED = False
#: Counts registrations, so that what is derived from the courses (the case index) knows when to refresh.
GENERATION = 0


_BUILT_INS_LOCK = threading.RLock()
_BUILT_INS_LOADING = False


def _load_built_ins() -> None:
    global _BUILT_INS_LOADED, _BUILT_INS_LOADING
    if _BUILT_INS_LOADED:
        return
    # Submissions are recognised from several threads: the others wait until every built-in is in.
    # (The loading thread itself may come back here from a course's import, and returns at once.)
    with _BUILT_INS_LOCK:
        if _BUILT_INS_LOADED or _BUILT_INS_LOADING:
            return
        _BUILT_INS_LOADING = True
        try:
            # Built-in courses are plug-ins like any other: loaded by module name, never imported by this module.
            for name in _BUILT_IN:
                register_course(importlib.import_module(f"gradcheck.courses.{name}").COURSE)
            _BUILT_INS_LOADED = True
        finally:
            _BUILT_INS_LOADING = False


def register_course(course: Course) -> Course:
    """Add a course; its models become known to :func:`get_model`, its cases to :func:`gradcheck.load_case`."""
    if not isinstance(course, Course):
        raise TypeError(f"register_course takes a gradcheck.Course instance, not {type(course).__name__}")
    known = _REGISTERED.get(course.name)
    if known is course:
        return course
    if known is not None:
        raise ValueError(f"a course called {course.name!r} is already registered ({known!r}); give yours another name")
    taken = {m.name: c for c in _REGISTERED.values() for m in c.models}
    clash = [m.name for m in course.models if m.name in taken]
    if clash:
        raise ValueError(f"course {course.name!r}: the model name {clash[0]!r} is taken by course "
                         f"{taken[clash[0]].name!r}; give the model another name")
    _REGISTERED[course.name] = course
    global GENERATION
    GENERATION += 1
    return course


def courses() -> tuple[Course, ...]:
    """Every known course: the built-in ones, then those registered or loaded from outside."""
    _load_built_ins()
    return tuple(_REGISTERED.values())


def course_names() -> tuple[str, ...]:
    """The names of every known course (the built-in ones first)."""
    return tuple(c.name for c in courses())


def get_course(name: str) -> Course:
    """The course called ``name``."""
    for course in courses():
        if course.name == name:
            return course
    raise ValueError(f"unknown course {name!r}; the courses are {', '.join(c.name for c in courses())}")


def course_of(model: Model) -> Course | None:
    """The course ``model`` belongs to (None for a model made outside any course)."""
    return getattr(model, "course", None)


def model_names() -> tuple[str, ...]:
    """The names of every known course's models."""
    return tuple(m.name for c in courses() for m in c.models)


def get_model(name: str | Model) -> Model:
    """The model called ``name`` (a :class:`Model` passes through)."""
    if isinstance(name, Model):
        return name
    for course in courses():
        for model in course.models:
            if model.name == name:
                return model
    raise ValueError(f"unknown model {name!r}; the reference models are {', '.join(model_names())}")


def _course_in(module, where: str) -> Course:
    found = getattr(module, "COURSE", None)
    if isinstance(found, type) and issubclass(found, Course):
        found = found()
    if not isinstance(found, Course):
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Course) and v is not Course and v.__module__ == module.__name__]
        if len(classes) != 1:
            raise ValueError(f"{where} defines no course: set COURSE = YourCourse() (a gradcheck.Course) in it"
                             + (f"; it defines {len(classes)} Course classes" if classes else ""))
        found = classes[0]()
    return found


def load_course(spec: str | Path, base: Path | None = None) -> Course:
    """Import a course from a file (``path/to/course.py``) or a dotted module name, and register it.

    The module defines ``COURSE`` (a :class:`Course` instance or subclass), or exactly one
    :class:`Course` subclass. Loading the same file twice gives the same course.
    """
    text = str(spec)
    path = Path(text) if base is None or Path(text).is_absolute() else Path(base, text)
    if path.suffix == ".py" or path.exists():
        if not path.is_file():
            raise ValueError(f"--gradcheck-course {text}: no such file (expected a course.py or a dotted module name)")
        path = path.resolve()
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]  # the same name in every process
        module_name = f"_gradcheck_course_{digest}_{path.stem}"
        module = sys.modules.get(module_name)
        if module is None:
            spec_ = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec_)
            sys.modules[module_name] = module
            folder = str(path.parent)
            added = folder not in sys.path
            if added:
                sys.path.insert(0, folder)
            try:
                spec_.loader.exec_module(module)
            except BaseException:
                del sys.modules[module_name]
                raise
            finally:
                if added:
                    sys.path.remove(folder)
        where = str(spec)
    else:
        module = importlib.import_module(text)
        where = f"module {text}"
    course = _course_in(module, where)
    courses()
    return register_course(course)


def entry_point_courses() -> list[Course]:
    """The courses installed distributions declare in the ``gradcheck.courses`` entry-point group."""
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        loaded = ep.load()
        if isinstance(loaded, type) and issubclass(loaded, Course):
            loaded = loaded()
        elif not isinstance(loaded, Course):
            loaded = _course_in(loaded, f"entry point {ep.name} = {ep.value}")
        courses()
        found.append(register_course(loaded))
    return found
