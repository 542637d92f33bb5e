"""pytest-gradcheck: is your hand-written backpropagation right, and if not, what is wrong and where.

The public surface is what this module lists in ``__all__``; everything else is internal.

Imports: nothing until a public name is first used; then the module that defines it
(:mod:`gradcheck.case`, :mod:`gradcheck.course`, :mod:`gradcheck.judge`, :mod:`gradcheck.report`,
:mod:`gradcheck.shapes`, :mod:`gradcheck.students.recognise`, :mod:`gradcheck.grading`), and a submodule when it is first used as
an attribute: ``import gradcheck; gradcheck.strategies.welch_cases()`` needs no import of its own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: Each public name and the module that defines it. They are imported when first used (PEP 562), so
#: that importing the pytest plugin, which imports this package, does not import numpy.
_WHERE = {
    "Case": "case", "case_names": "case", "load_case": "case", "make_case": "case",
    "Course": "course", "MissingHook": "course", "Mistake": "course", "Model": "course", "Structure": "course",
    "course_names": "course", "get_course": "course", "get_model": "course", "load_course": "course",
    "model_names": "course", "register_course": "course",
    "assert_gradients": "judge", "check_function": "judge", "check_gradients": "judge",
    "numerical_gradient": "judge",
    "OracleUnavailable": "oracles",
    "ArrayResult": "report", "GradientMismatch": "report", "OracleResult": "report", "Report": "report",
    "ShapeMismatch": "shapes", "assert_shapes": "shapes",
    "implements": "students.recognise",
    "check_submission": "grading", "assert_submission": "grading",
}

#: The public submodules, imported when first used as attributes (``gradcheck.strategies.welch_cases()``).
_SUBMODULES = ("oracles", "strategies")

if TYPE_CHECKING:
    from . import oracles as oracles
    from . import strategies as strategies
    from .case import Case, case_names, load_case, make_case
    from .course import (
        Course,
        MissingHook,
        Mistake,
        Model,
        Structure,
        course_names,
        get_course,
        get_model,
        load_course,
        model_names,
        register_course,
    )
    from .grading import assert_submission, check_submission
    from .judge import assert_gradients, check_function, check_gradients, numerical_gradient
    from .oracles import OracleUnavailable
    from .report import ArrayResult, GradientMismatch, OracleResult, Report
    from .shapes import ShapeMismatch, assert_shapes
    from .students.recognise import implements


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)  # a submodule: gradcheck.strategies, ...
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise  # the submodule is there, and something it imports is not (hypothesis, ...): say that
        raise AttributeError(f"module 'gradcheck' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})


__all__ = [
    "ArrayResult",
    "Case",
    "Course",
    "GradientMismatch",
    "MissingHook",
    "Mistake",
    "Model",
    "OracleResult",
    "OracleUnavailable",
    "Report",
    "ShapeMismatch",
    "Structure",
    "assert_gradients",
    "assert_shapes",
    "assert_submission",
    "case_names",
    "check_function",
    "check_gradients",
    "check_submission",
    "course_names",
    "get_course",
    "get_model",
    "implements",
    "load_case",
    "load_course",
    "make_case",
    "model_names",
    "numerical_gradient",
    "register_course",
]
__version__ = "0.1.0"
