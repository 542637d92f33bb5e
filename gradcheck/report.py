"""Every rendering of a verdict: the report's text and its JSON, in one vocabulary.

:class:`Report` (one case), :class:`ArrayResult` (one gradient or intermediate array) and
:class:`OracleResult` (one oracle's run) are filled by :mod:`gradcheck.judge` and print
themselves; ``to_dict`` gives the JSON the graders' report embeds. The words are numpy's where
users know them ("Mismatched elements", "Max absolute difference"), and each oracle has one title.

Imports: numpy and :mod:`gradcheck.tolerance`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .tolerance import SAFETY

__all__ = ["TITLES", "ArrayResult", "GradientMismatch", "OracleResult", "Report"]

#: How the report names each oracle (and the references that are not oracles).
TITLES = {"fd": "central difference", "scipy": "scipy", "jax": "jax", "forward": "forward pass",
          "analytic": "analytic backward"}
_TITLES = TITLES
#: How a problem with the course's analytic backward (the fourth reference) begins.
ANALYTIC_PROBLEM = "oracle problem: the course's analytic backward"


def _num(x: float) -> str:
    return f"{x:.8g}"


def _small(x: float) -> str:
    return f"{x:.2g}"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if index else ""


def _jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays to floats and lists, inf and nan to strings."""
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(x) else str(float(x))
    return x



# Results ------------------------------------------------------------------------------------
@dataclass
class OracleResult:
    """One oracle's run: whether it was used, its largest error estimate, and scipy's numbers.

    Attributes:
        name: ``"fd"``, ``"scipy"``, ``"jax"`` (or ``"forward"``/``"analytic"`` for intermediates).
        title: how the report names it (``"central difference"``).
        available: False when it could not run; ``message`` says why.
        max_err: its largest per-element error estimate.
        norm: scipy only: what ``check_grad`` returns, ‖yours − approx_fprime‖₂.
        difference: scipy only: the course's ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖).
        threshold: scipy only: the difference forward differences' own error allows.
    """

    name: str
    title: str
    available: bool = True
    message: str = ""
    max_err: float = 0.0
    norm: float | None = None
    difference: float | None = None
    threshold: float | None = None

    def to_dict(self) -> dict:
        return _jsonable(self.__dict__)


@dataclass
class ArrayResult:
    """The verdict on one gradient (or intermediate) array.

    Attributes:
        name: the name you used (``"dJdW1"``); ``target`` the model's (``"W1"``).
        kind: ``"gradient"`` or ``"intermediate"``.
        status: ``"ok"``, ``"WRONG"``, ``"missing"`` or ``"not judged"``.
        shape, expected_shape: yours and the model's; ``dims`` names the expected dimensions.
        shape_message: the shape problem, or ``""``.
        dtype: ``"float64"`` or ``"float32"``.
        total, mismatched, excluded: element counts (excluded: at a relu kink, not judged
            by the difference-based oracles).
        max_abs, max_rel: against the most accurate oracle, |yours − r| and
            |yours − r| / max(|yours|, |r|, floor).
        worst: the element furthest outside its tolerance (or closest to it): ``index``,
            ``yours``, ``refs`` (oracle -> [value, error estimate]), ``tolerance`` (oracle -> tolerance).
        by_oracle: oracle -> {mismatched, max_abs, max_rel}.
        safety, floor: the tolerance's parts: tolerance = safety · (error estimate + floor).
    """

    name: str
    target: str
    kind: str
    status: str
    shape: tuple[int, ...] | None = None
    expected_shape: tuple[int, ...] = ()
    dims: tuple[str, ...] = ()
    shape_message: str = ""
    dtype: str = "float64"
    total: int = 0
    mismatched: int = 0
    excluded: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0
    worst: dict | None = None
    by_oracle: dict = field(default_factory=dict)
    safety: float = SAFETY
    floor: float = 0.0
    projection: str = ""  # fast mode: the failing random projection, when it is what found the error

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def _shape_text(self) -> str:
        if self.shape_message:
            return f"shape WRONG: {self.shape_message}"
        if not self.dims:
            return "shape ok (a scalar)"
        return f"shape ok ({', '.join(self.dims)}) = {self.expected_shape}"

    def lines(self) -> list[str]:
        """The report's lines for this array."""
        head = f"{self.name}: {self.status}" + " " * max(2, 8 - len(self.status))
        if self.status == "missing":
            return [f"{head}not given (the gradient of {self.target} is expected)"]
        if self.status == "ok":
            extra = f"   ({self.excluded} at a relu kink: see the notes)" if self.excluded else ""
            return [f"{head}max rel err {_small(self.max_rel)}{extra}"]
        if self.status == "not judged" and self.shape is None:
            return [head.rstrip()]
        if self.shape_message or self.status == "not judged":
            return [head + self._shape_text()]
        if self.projection and not self.mismatched:
            return [head + self._shape_text(), f"  {self.projection}"]
        pct = 100.0 * self.mismatched / max(self.total, 1)
        out = [head + self._shape_text(),
               f"  Mismatched elements: {self.mismatched} / {self.total} ({pct:.3g}%)",
               f"  Max absolute difference: {_num(self.max_abs)}   Max relative difference: {_num(self.max_rel)}"]
        if self.worst:
            refs = "   ".join(f"{_TITLES[o]} {_num(v)} ±{_small(e)}" for o, (v, e) in self.worst["refs"].items())
            out.append(f"  worst {_index(tuple(self.worst['index']))}: yours {_num(self.worst['yours'])}   {refs}")
            tols = ", ".join(f"{_TITLES[o]} {_small(t)}" for o, t in self.worst["tolerance"].items())
            out.append(f"  tolerance {tols}: {self.safety:g} (safety) × (error estimate + floor {_small(self.floor)}"
                       f" for {self.dtype})")
        return out

    def to_dict(self) -> dict:
        return _jsonable({**self.__dict__, "ok": self.ok})


@dataclass
class Report:
    """The verdict on a set of gradients: ``.ok``, ``.wrong``, per-array and per-oracle results.

    Attributes:
        case: the case's name; ``model`` the model's.
        params: parameter name (``"W1"``) -> :class:`ArrayResult`, in the model's order.
        intermediates: intermediate name (``"delta3"``, ``"dZ2"``) -> :class:`ArrayResult`.
        oracles: oracle name -> :class:`OracleResult`.
        notes: float32 notes, kinks, oracles that could not run.
        oracle_problems: disagreements between oracles; when any, nobody is judged.
        diagnosis: the likely mistake, a :class:`gradcheck.mistakes.Diagnosis` (``.id``, ``.message``);
            None when every gradient is right or the oracles disagree.
    """

    case: str
    model: str
    params: dict[str, ArrayResult]
    intermediates: dict[str, ArrayResult]
    oracles: dict[str, OracleResult]
    notes: list[str] = field(default_factory=list)
    oracle_problems: list[str] = field(default_factory=list)
    safety: float = SAFETY
    diagnosis: Any = None
    difference: float | None = None
    difference_against: str = ""

    @property
    def wrong(self) -> list[str]:
        """The parameters whose gradients are wrong or missing (the model's names, e.g. ``"W2"``)."""
        return [k for k, r in self.params.items() if r.status in ("WRONG", "missing")]

    @property
    def ok(self) -> bool:
        results = [*self.params.values(), *self.intermediates.values()]
        return not self.oracle_problems and all(r.ok for r in results)

    def _headline(self) -> str:
        available = [r.title for r in self.oracles.values() if r.available]
        used = ", ".join(available)
        agree = "agree" if len(available) > 1 else "alone"
        where = self.case if self.model == "none" else f"{self.case} (model {self.model})"
        if self.oracle_problems and not available:
            return f"gradcheck: NOT JUDGED on {where}: no oracle could run"
        if self.oracle_problems and all(p.startswith((ANALYTIC_PROBLEM, "hint:")) for p in self.oracle_problems):
            return f"gradcheck: NOT JUDGED on {where}: the course's analytic backward disagrees with the oracles ({used})"
        if self.oracle_problems:
            return f"gradcheck: NOT JUDGED on {where}: the oracles ({used}) disagree with each other"
        n = len(self.params)
        wrong_inter = [r.name for r in self.intermediates.values() if not r.ok]
        if self.ok:
            return f"gradcheck: ok: all {n} gradients right on {where}; oracles {used} {agree}"
        parts = []
        if self.wrong:
            parts.append(f"{len(self.wrong)} of {n} gradients WRONG ({', '.join(self.params[k].name for k in self.wrong)})")
        if wrong_inter:
            parts.append(f"intermediates WRONG ({', '.join(wrong_inter)})")
        return f"gradcheck: {'; '.join(parts)} on {where}; oracles {used} {agree}"

    def __str__(self) -> str:
        lines = [self._headline()]
        if self.diagnosis is not None:  # the likely mistake comes first: it is what a student reads
            label = "where it goes wrong" if self.diagnosis.id == "unknown" else "likely mistake"
            lines.append(f"{label}: {self.diagnosis.message}")
        lines += self.oracle_problems
        for result in self.params.values():
            lines += result.lines()
        if self.intermediates:
            right = [r.name for r in self.intermediates.values() if r.ok and r.status == "ok"]
            wrong = [r for r in self.intermediates.values() if r.name not in right]
            lines.append("intermediates:" + (f" ok: {', '.join(right)}" if right else ""))
            for result in wrong:
                lines += result.lines()
        if self.difference is not None and not self.oracle_problems:
            lines.append(f"the course's difference ‖g − ĝ‖/(‖g‖ + ‖ĝ‖) = {_num(self.difference)} "
                         f"(ĝ: {_TITLES[self.difference_against]})")
        scipy = self.oracles.get("scipy")
        if scipy is not None and scipy.available and scipy.difference is not None:
            lines.append(f"scipy check_grad: norm {_num(scipy.norm)}; difference {_num(scipy.difference)} "
                         f"(forward differences allow {_small(scipy.threshold)})"
                         + (f"; {scipy.message}" if scipy.message else ""))
        if self.notes:
            lines.append("notes:")
            lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as plain JSON values, for a graders' JSON report."""
        return _jsonable({
            "case": self.case, "model": self.model, "ok": self.ok, "wrong": self.wrong,
            "params": {k: r.to_dict() for k, r in self.params.items()},
            "intermediates": {k: r.to_dict() for k, r in self.intermediates.items()},
            "oracles": {k: r.to_dict() for k, r in self.oracles.items()},
            "notes": self.notes, "oracle_problems": self.oracle_problems, "safety": self.safety,
            "diagnosis": None if self.diagnosis is None else self.diagnosis.to_dict(),
            "difference": self.difference, "difference_against": self.difference_against,
            "text": str(self),
        })


class GradientMismatch(AssertionError):
    """Gradients judged wrong (or not judgeable). ``report`` is the :class:`Report` (from
    :func:`gradcheck.assert_submission`, the submission's result); the message is its text."""

    __module__ = "gradcheck"

    def __init__(self, report: Report):
        self.report = report
        super().__init__(str(report))


# Drawn networks -------------------------------------------------------------------------------
def drawn_headline(model: str, dims: Mapping[str, int], hard_wired: Mapping[str, int] | None, seed: int,
                   examples: int, *, shrunk: bool = True) -> list[str]:
    """A failure on drawn networks: first the hard-wired sizes, if any, then where the code fails."""
    sizes = ", ".join(f"{k}={v}" for k, v in dims.items())
    where = f"{model}{' (' + sizes + ')' if sizes else ''}"
    lines = []
    if hard_wired:
        fixed = ", ".join(f"{k} = {v}" for k, v in hard_wired.items())
        lines.append(f"hard-wired to {fixed}: the code gives right gradients there, and raises or returns "
                     f"missing or misshapen gradients whenever {'it changes' if len(hard_wired) == 1 else 'one of them changes'}.")
    lines.append(f"Fails on a drawn network of {where}, found after {examples} example"
                 f"{'s' if examples != 1 else ''} (seed {seed}){' and shrunk to the smallest that fails' if shrunk else ''}:")
    return lines
