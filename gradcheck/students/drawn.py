"""The ``[hypothesis]`` item's work: one implementation run on drawn networks of its model.

:func:`check_drawn` adapts an :class:`~gradcheck.conventions.Implementation` to
:func:`gradcheck.strategies.run_property_check`, then confirms the smallest failure before
anyone is told about it, and writes the verdict: the wrong gradients under the student's own
names, the worst element with every oracle's value, the "hard-wired to ..." verdict, the
smallest failing case as Python code that calls the student's code, and how to reproduce it.

While searching, the drawn cases are judged against the model's analytic backward pass in
float64 numpy (which agrees with JAX to about 1e-15), once verified against central differences
on the first drawn network: a wrong analytic pass would pass identical wrong code, so when it
disagrees nothing is judged and the item is skipped as gradcheck's problem. JAX itself compiles once per network
shape (about 0.4 s) and 50 drawn networks have some 30 shapes, so it would make the item
twenty times slower; it judges the smallest failure instead. There the worst element of each
wrong gradient is computed again by central differences and, when the ``jax`` oracle is
selected, by JAX; the failure is reported only when at least two of these agree with each
other and not with the student. Otherwise the item is not judged (a gradcheck bug, not the
student's).

Importing this module imports hypothesis and numpy, never jax or scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..case import Case
from ..report import TITLES, drawn_headline
from ..strategies import Mismatch, PropertyOutcome, as_code, run_property_check
from ..tolerance import SAFETY
from .implementation import Implementation, StudentError

__all__ = ["Confirmation", "DrawnResult", "call_code", "check_drawn", "confirm", "reproduce_command"]

#: Cases drawn while shrinking a failure: a welch network shrinks fully within it; a deep network
#: of three layers, most of whose draws the strategy's filters reject, stops part-way.
MAX_SHRINK_DRAWS = 400
#: A difference-based value agrees with an exact one within this many of its error estimates.
_FD_SAFETY = SAFETY


class _TimedOut(BaseException):
    """Student code ran past the time limit on a drawn case: stop searching (each try would wait again)."""

    def __init__(self, case: Case, error: StudentError):
        super().__init__(str(error))
        self.case = case
        self.error = error


def _compute(impl: Implementation, timeout: float | None) -> Callable[[Case], dict[str, Any]]:
    def compute(case: Case) -> dict[str, Any]:
        try:
            return impl.run(case, timeout).grads
        except StudentError as exc:
            if exc.__cause__ is None and "did not return within" in str(exc):
                raise _TimedOut(case, exc) from None
            raise
    return compute


# Confirmation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Confirmation:
    """Every oracle's value at the worst element of one wrong gradient.

    Attributes:
        param: the parameter (``W1``).
        index: the element.
        yours: the student's value.
        values: oracle name -> its value (``analytic``, ``fd``, ``jax``; the report's titles name them).
        errors: oracle name -> its error estimate (round-off for the exact ones).
    """

    param: str
    index: tuple[int, ...]
    yours: float
    values: dict[str, float]
    errors: dict[str, float]

    def _close(self, a: str, b: str) -> bool:
        bound = self.errors[a] + self.errors[b]
        return abs(self.values[a] - self.values[b]) <= bound

    @property
    def agreeing(self) -> list[str]:
        """The largest group of oracles that agree with each other (the analytic pass's group on a tie)."""
        names = list(self.values)
        groups = [[b for b in names if self._close(a, b)] for a in names]
        return max(groups, key=len)

    @property
    def confirmed(self) -> bool:
        """At least two oracles agree, and the student's value is outside their error bars."""
        agree = self.agreeing
        outside = all(not abs(self.yours - self.values[o]) <= self.errors[o] for o in agree)  # NaN is outside
        return len(agree) >= 2 and outside

    def describe(self, label: str) -> str:
        at = f"{label}{list(self.index) if self.index else ''}"
        values = ", ".join(f"{TITLES[o]} {v:.10g}" + (f" ±{self.errors[o]:.1g}" if o == "fd" else "")
                           for o, v in self.values.items())
        agree = self.agreeing
        if len(agree) == len(self.values):
            said = "all agree" if len(agree) > 2 else "both agree"
        elif len(agree) >= 2:
            others = [o for o in self.values if o not in agree]
            said = (f"{' and '.join(TITLES[o] for o in agree)} agree; {' and '.join(TITLES[o] for o in others)} "
                    f"disagree{'s' if len(others) == 1 else ''}")
        else:
            said = "no two agree"
        return f"    oracles at {at}: {values}: {said}"


def _fd_gradients(case: Case) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from ..oracles import central_differences, flatten, model_batch_cost, unflatten

    theta, layout = flatten(case.params, case.param_names)
    watch = case.model.relu_preactivations(case.dims)
    fd = central_differences(model_batch_cost(case.model, case.inputs, layout, watch), theta)
    return unflatten(fd.grad, layout), unflatten(fd.err, layout)


def _jax_gradients(case: Case) -> dict[str, np.ndarray] | None:
    try:
        from ..oracles import jax as _jax
    except ImportError:
        return None
    try:
        return _jax.model_gradients(case.model, case.inputs, case.params)[0]
    except Exception:  # a JAX problem leaves the other oracles to confirm; it never fails the student
        return None


def confirm(case: Case, mismatches: tuple[Mismatch, ...], *, use_jax: bool = True) -> list[Confirmation]:
    """For each wrong-valued gradient of ``case``, every oracle's value at its worst element."""
    values = [mm for mm in mismatches if mm.kind == "value"]
    if not values:
        return []
    fd, fd_err = _fd_gradients(case)
    jax = _jax_gradients(case) if use_jax else None
    analytic = case.expected["grads"]
    out = []
    for mm in values:
        idx = tuple(mm.index or ())
        found = {"analytic": float(np.asarray(analytic[mm.param])[idx]),
                 "fd": float(np.asarray(fd[mm.param])[idx])}
        errors = {"analytic": mm.tolerance, "fd": _FD_SAFETY * float(np.asarray(fd_err[mm.param])[idx])}
        if jax is not None:
            found["jax"] = float(np.asarray(jax[mm.param])[idx])
            errors["jax"] = mm.tolerance
        out.append(Confirmation(mm.param, idx, float(mm.got), found, errors))
    return out


# The verdict --------------------------------------------------------------------------------
@dataclass
class DrawnResult:
    """What the ``[hypothesis]`` item found.

    Attributes:
        ok: no drawn case failed (or a failure could not be confirmed: see ``unconfirmed``).
        seed, examples: the search's seed and the number of cases drawn (up to the first failure).
        message: the verdict when not ok; the reason when unconfirmed.
        unconfirmed: the oracles disagree on the smallest failure, or the analytic backward pass that
            judges the drawn networks disagrees with central differences: the student is not failed.
        outcome: the property check's outcome.
        confirmations: every oracle's value at each wrong gradient's worst element.
        output: what the student's code printed on the smallest failing case.
    """

    ok: bool
    seed: int
    examples: int
    message: str = ""
    unconfirmed: bool = False
    outcome: PropertyOutcome | None = None
    confirmations: list[Confirmation] = field(default_factory=list)
    output: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seed": self.seed, "examples": self.examples}
        o = self.outcome
        if o is not None and not o.ok:
            out.update(case=as_code(o.case) if o.case is not None else None,
                       dims=o.case.dims if o.case is not None else None, hard_wired=o.hard_wired,
                       wrong=sorted({mm.param for mm in o.mismatches if mm.param}),
                       agreeing={c.param: c.agreeing for c in self.confirmations})
        return out


def check_drawn(impl: Implementation, *, examples: int, seed: int, timeout: float | None = None,
                use_jax: bool = True, module: str = "homework", reproduce: str = "",
                explain_error: Callable[[StudentError, Case], str] | None = None) -> DrawnResult:
    """Run ``impl`` on up to ``examples`` drawn networks of its model; confirm and explain a failure.

    Args:
        impl: a recognised implementation of a reference model (``impl.model`` names it).
        examples: how many networks to draw at most.
        seed: the search's seed; the same seed draws and shrinks the same way.
        timeout: the limit for each call into student code (``None``: none).
        use_jax: confirm the smallest failure with JAX too.
        module: the student's module name, for the code that reproduces the failure.
        reproduce: the command line that reruns the item, quoted at the end of a failure.
        explain_error: renders the student's exception on the smallest case (their traceback).
    """
    try:
        outcome = run_property_check(_compute(impl, timeout), impl.strategy(), max_examples=examples, seed=seed,
                                     max_shrink_draws=MAX_SHRINK_DRAWS, with_jax=use_jax,
                                     accepts=impl.accepts)
    except _TimedOut as stop:
        message = "\n".join([
            f"{stop.error} on a drawn network of {stop.case.model.name} ({_dims(stop.case)}) (seed {seed}); "
            "the search stopped there (each further try would wait as long).",
            *_code_lines(impl, stop.case, module, shrunk=False), *_reproduce_lines(reproduce)])
        return DrawnResult(False, seed, 0, message)
    if outcome.ok:
        return DrawnResult(True, outcome.seed, outcome.examples, outcome=outcome)
    if outcome.reference_problem:  # gradcheck's own reference is wrong: skipped, never passed nor failed
        return DrawnResult(True, outcome.seed, 0, outcome.message, True, outcome)
    case = outcome.case
    if case is None:  # nothing to show but the outcome's own words
        return DrawnResult(False, outcome.seed, outcome.examples, outcome.message, outcome=outcome)
    confirmations = confirm(case, outcome.mismatches, use_jax=use_jax) if not outcome.flaky else []
    doubtful = [c for c in confirmations if not c.confirmed]
    if doubtful and len(doubtful) == len(confirmations) and not _structural(outcome.mismatches):
        lines = [f"gradcheck's oracles do not confirm the failure on a drawn network of {case.model.name} "
                 f"({_dims(case)}, seed {outcome.seed}), so it is not held against this code. Please report "
                 f"this case as a bug in gradcheck:"]
        lines += [c.describe(c.param) + f"; yours {c.yours:.10g}" for c in doubtful]
        lines += ["    " + line if line else "" for line in as_code(case).splitlines()]
        return DrawnResult(True, outcome.seed, outcome.examples, "\n".join(lines), True, outcome, confirmations)
    error, output, names, shapes = _rerun(impl, case, timeout)
    message = _message(impl, outcome, confirmations, module, reproduce,
                       explain_error(error, case) if error is not None and explain_error else None, names, shapes)
    return DrawnResult(False, outcome.seed, outcome.examples, message, False, outcome, confirmations, output)


def _structural(mismatches) -> bool:
    return any(mm.kind != "value" for mm in mismatches)


def _rerun(impl: Implementation, case: Case,
           timeout: float | None) -> tuple[StudentError | None, str, dict[str, str], list[str]]:
    """On the smallest failure: the student's exception (with its traceback), output, names for the
    gradients, and the shape problems in named dimensions."""
    from ..shapes import shape_problems

    try:
        out = impl.run(case, timeout)
    except StudentError as exc:
        return exc, exc.output, {}, []
    try:
        shapes = shape_problems(out.grads, case)
    except ValueError:
        shapes = []
    return None, out.output, out.names, shapes


def _dims(case: Case) -> str:
    return ", ".join(f"{k}={v}" for k, v in case.dims.items())


def _student_names(impl: Implementation, case: Case, seen: dict[str, str] | None = None) -> dict[str, str]:
    """Parameter name -> the student's name for its gradient (``W1`` -> ``dJdW1``): as the code
    returned them (``seen``), else as its convention names them."""
    if seen and set(seen) == set(case.param_names):
        return dict(seen)
    return impl.grad_names(case)


def _message(impl: Implementation, outcome: PropertyOutcome, confirmations: list[Confirmation], module: str,
             reproduce: str, error_text: str | None, seen: dict[str, str] | None = None,
             shapes: list[str] | None = None) -> str:
    case = outcome.case
    names = _student_names(impl, case, seen)
    if outcome.flaky:
        lines = outcome.message.split("\n")
        lines = lines[: next((i for i, s in enumerate(lines) if s.startswith("The failing case")), len(lines))]
        shrunk = False
    else:
        lines = drawn_headline(case.model.name, case.dims, outcome.hard_wired, outcome.seed, outcome.examples)
        shrunk = True
    by_param = {c.param: c for c in confirmations}
    for mm in outcome.mismatches:
        label = names.get(mm.param, mm.param)
        if mm.kind == "raised":
            lines.append("  " + (error_text or f"the call raised {mm.detail}").replace("\n", "\n  "))
        elif mm.kind == "shape" and any(p.startswith(f"{label} ") for p in shapes or ()):
            lines += [f"  {p}" for p in shapes if p.startswith(f"{label} ")]
        elif mm.kind != "value":
            lines.append(f"  {mm.detail.replace(mm.param or '', label, 1) if mm.param else mm.detail}")
        elif not outcome.flaky:
            pct = 100.0 * mm.mismatched / mm.total
            idx = list(mm.index) if mm.index else ""
            tol = f"±{mm.tolerance:.1g}" if mm.tolerance > 1e-300 else "exactly"
            lines.append(f"  {label} (the gradient of {mm.param}): Mismatched elements: {mm.mismatched} / {mm.total} "
                         f"({pct:.3g}%)")
            lines.append(f"    worst {label}{idx}: {_yours_and_expected(mm.got, mm.expected)} {tol}")
            if mm.param in by_param:
                lines.append(by_param[mm.param].describe(label))
    lines += _code_lines(impl, case, module, shrunk=shrunk, names=names)
    lines += _reproduce_lines(reproduce)
    return "\n".join(lines)


def _yours_and_expected(got: float, expected: float) -> str:
    """Both values to 10 digits; where those look alike, to 17 and with the difference spelled out."""
    if f"{got:.10g}" != f"{expected:.10g}":
        return f"yours {got:.10g}   expected {expected:.10g}"
    return f"yours {got!r}   expected {expected!r} (they differ by {got - expected:.2g})"


def _reproduce_lines(reproduce: str) -> list[str]:
    return [f"Reproduce: {reproduce}"] if reproduce else []


def _code_lines(impl: Implementation, case: Case, module: str, *, shrunk: bool,
                names: dict[str, str] | None = None) -> list[str]:
    code = as_code(case).splitlines()
    call = call_code(impl, case, module, names)
    if call and module.endswith(".ipynb"):  # in a cell after the notebook's definitions, no import
        call = [line for line in call if not line.startswith(f"from {module} import")]
        code += ["", f"# your code on it (run this in a cell of {module}, after its definitions)", *call]
    elif call:
        where = f"where {module} is importable" if "." in module else f"beside {module}.py"
        code += ["", f"# your code on it (run this {where})", *call]
    head = f"The {'smallest ' if shrunk else ''}failing case, as code:"
    return [head, *("    " + line if line else "" for line in code)]


# How to call the student's code ----------------------------------------------------------------
def call_code(impl: Implementation, case: Case, module: str, names: dict[str, str] | None = None) -> list[str]:
    """Python lines that call ``impl`` on ``case`` (its arrays named as in :func:`as_code`) and compare.

    ``names`` maps parameter names to the keys the code returns its gradients under, where known.
    The call itself is the convention's (:meth:`Implementation.call_lines`); none when it offers none.
    """
    names = _student_names(impl, case, names)
    lines, got = impl.call_lines(case, module, names)
    if not lines:
        return []
    lines += [f"print({names[p] + ' is off by'!r}, np.max(np.abs(np.asarray({value}) - expected[{p!r}])))"
              for p, value in got.items()]
    return lines


def reproduce_command(target: str, seed: int, examples: int, name: str, courses: tuple[str, ...] = ()) -> str:
    """The command line that runs this item again with the same draws (and the same external courses)."""
    added = "".join(f" --gradcheck-course {c}" for c in courses)
    return (f"pytest{added} --gradcheck {target} --gradcheck-seed={seed} --gradcheck-examples={examples} "
            f"-k '{name} and hypothesis'")

