"""Shape tables with named dimensions, the names users give gradients, and shape assertions.

Imports: numpy; :mod:`gradcheck.course` (:mod:`gradcheck.case` for type hints only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .course import Model, get_model

if TYPE_CHECKING:
    from .case import Case

__all__ = ["ShapeMismatch", "assert_shapes", "canonical_name", "shape_problems"]

_GRAD_PREFIXES = ("dJd", "dEd", "dCd", "d")
_NABLA = re.compile(r"nabla_(\w+)\[(\d+)\]")


class ShapeMismatch(AssertionError):
    """Arrays whose shapes disagree with the model's shape table. ``problems`` lists each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def canonical_name(name: str, table: Mapping[str, Any], params: tuple[str, ...]) -> str | None:
    """The shape-table name for a name users write, or None if it means nothing here.

    Names in the table stand for themselves (``dZ2``, ``delta3``); otherwise a gradient
    prefix is stripped: ``dJdW1``, ``dW1`` -> ``W1``; ``dw`` -> ``w``; ``dJdw1`` -> ``w1``; a ``_grad``
    suffix too (ex4's ``Theta1_grad`` -> ``Theta1``); and a
    layer of a list's gradient names that layer: ``nabla_w[0]`` -> ``weights[0]``.
    """
    if name in table:
        return name
    for prefix in _GRAD_PREFIXES:
        if name.startswith(prefix) and name[len(prefix):] in params:
            return name[len(prefix):]
    if name.endswith("_grad") and name[: -len("_grad")] in params:
        return name[: -len("_grad")]
    nabla = _NABLA.fullmatch(name)  # nabla_w[0] -> weights[0]: ∇ of the list whose name starts so, same layer
    if nabla:
        stem, index = nabla.groups()
        found = [p for p in params if p.endswith(f"[{index}]") and p.startswith(stem)]
        if len(found) == 1:
            return found[0]
    return None


def _resolve(case_or_model: Case | Model | str, arrays: Mapping[str, Any], dims: Mapping[str, int] | None):
    if hasattr(case_or_model, "model") and hasattr(case_or_model, "dims"):
        return case_or_model.model, dict(case_or_model.dims)
    model = get_model(case_or_model)
    if dims is None:
        params = {k: v for k, v in arrays.items() if re.fullmatch(r"[Wbw]\d*", k)}
        try:
            dims = model.dims(arrays, params)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(
                f"assert_shapes(arrays, {model.name!r}) cannot tell the network's sizes (missing {exc}). "
                f"Pass a Case instead of the model name, include the inputs "
                f"({', '.join(model.input_names)}) and parameters in arrays, or pass dims=."
            ) from None
    return model, dict(dims)


def _hint(name: str, canon: str, model: Model) -> str:
    return model.transpose_hint(canon)


def _describe(dim_names: tuple[str, ...], shape: tuple[int, ...]) -> str:
    if not dim_names:
        return "a scalar"
    return f"({', '.join(dim_names)}) = {shape}"


def shape_problems(arrays: Mapping[str, Any], case_or_model, *, dims=None) -> list[str]:
    """Every shape problem in ``arrays``, as messages (empty when all shapes are right)."""
    model, dims = _resolve(case_or_model, arrays, dims)
    table = model.shape_table(dims)
    numbers = model.shapes(dims)
    params = model.param_names(dims)
    problems = []
    for name, value in arrays.items():
        canon = canonical_name(name, table, params)
        if canon is None:
            raise ValueError(
                f"{name!r} is not in {model.name!r}'s shape table; known names: {', '.join(table)} "
                f"(gradients may also be written dJd<param> or d<param>)"
            )
        got, want = tuple(np.shape(value)), numbers[canon]
        if got == want:
            continue
        if want == () and int(np.prod(got)) == 1:
            continue  # a scalar held in a (1,) or (1, 1) array is accepted
        if canon == "Y" and got == (want[1],):
            continue  # the course often passes Y as a 1-D array of length m
        of = f", the shape of {canon}" if canon != name and canon in params else ""
        msg = f"{name} has shape {got} but must be {_describe(table[canon], want)}{of}."
        if len(got) == len(want) == 2 and got == want[::-1]:
            msg += _hint(name, canon, model) or " It looks transposed."
        elif len(got) == len(want):
            wrong = [
                f"{dname} is {w} here, got {g}"
                for dname, w, g in zip(table[canon], want, got)
                if w != g
            ]
            msg += f" ({'; '.join(wrong)}.)"
        problems.append(msg)
    return problems


def assert_shapes(arrays: Mapping[str, Any], case_or_model: Case | Model | str, *, dims=None) -> None:
    """Check named arrays against the model's shape table.

    Args:
        arrays: arrays by name: inputs, parameters, intermediates, or gradients under
            the parameter's name or the names users write (``dJdW1``, ``dW1``, ``dw``).
        case_or_model: a :class:`~gradcheck.Case` (its dimensions are used), or a model
            name together with the network's inputs and parameters in ``arrays`` or ``dims``.
        dims: named dimensions, e.g. ``{"numExamples": 3, "inputLayerSize": 2, ...}``.

    Raises:
        ShapeMismatch: an ``AssertionError`` naming every wrong array and its dimensions.
        ValueError: a name the model does not know, or sizes that cannot be determined.

    Example:
        >>> assert_shapes({"dJdW1": dJdW1, "dJdW2": dJdW2}, three_examples)
    """
    problems = shape_problems(arrays, case_or_model, dims=dims)
    if problems:
        raise ShapeMismatch(problems)
