"""pytest-gradcheck: is your hand-written backpropagation right, and if not, what is wrong and where.

The public surface is what this module lists in ``__all__``; everything else is internal.
"""

from __future__ import annotations

from .cases import Case, case_names, load_case, make_case
from .compare import (
    ArrayResult,
    GradientMismatch,
    OracleResult,
    Report,
    assert_gradients,
    check_function,
    check_gradients,
    numerical_gradient,
)
from .conventions import implements
from .models import Model, get_model, model_names
from .shapes import ShapeMismatch, assert_shapes

__all__ = [
    "ArrayResult",
    "Case",
    "GradientMismatch",
    "Model",
    "OracleResult",
    "Report",
    "ShapeMismatch",
    "assert_gradients",
    "assert_shapes",
    "case_names",
    "check_function",
    "check_gradients",
    "get_model",
    "implements",
    "load_case",
    "make_case",
    "model_names",
    "numerical_gradient",
]
__version__ = "0.1.0"
