"""pytest-gradcheck: is your hand-written backpropagation right, and if not, what is wrong and where.

The public surface is what this module lists in ``__all__``; everything else is internal.

Imports: :mod:`gradcheck.case`, :mod:`gradcheck.course`, :mod:`gradcheck.judge`,
:mod:`gradcheck.report`, :mod:`gradcheck.shapes`, :mod:`gradcheck.students.recognise`.
"""

from __future__ import annotations

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
from .judge import assert_gradients, check_function, check_gradients, numerical_gradient
from .report import ArrayResult, GradientMismatch, OracleResult, Report
from .shapes import ShapeMismatch, assert_shapes
from .students.recognise import implements

__all__ = [
    "ArrayResult",
    "Case",
    "Course",
    "GradientMismatch",
    "MissingHook",
    "Mistake",
    "Model",
    "OracleResult",
    "Report",
    "ShapeMismatch",
    "Structure",
    "assert_gradients",
    "assert_shapes",
    "case_names",
    "check_function",
    "check_gradients",
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
