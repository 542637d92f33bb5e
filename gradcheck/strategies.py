"""Hypothesis strategies that draw networks of the reference models (each course's), and the property check.

The worked examples use all-ones weights and numExamples = hiddenLayerSize = 3, so a gradient
that mixes up hidden units, is hard-wired to 3 hidden units, or transposes an array passes them.
The strategies here draw :class:`~gradcheck.cases.Case` objects (the same type as the fixtures)
whose dimensions differ from each other, whose hidden units have weights of their own, and whose
sigmoid pre-activations stay where the sigmoid is not saturated, so such mistakes surface.

Values are drawn on a grid of 0.01 so that a failing case prints as short, exact Python code
(:func:`as_code`), and Hypothesis shrinks a failure to the smallest network that shows it.

Example:
    >>> from hypothesis import given
    >>> from gradcheck.strategies import judge_gradients, welch_cases
    >>> @given(welch_cases(max_hidden=4))
    ... def test_my_backprop(case):
    ...     dJdW1, dJdW2 = my_backprop(case.X, case.y, case.W1, case.W2)
    ...     problems = judge_gradients(case, {"W1": dJdW1, "W2": dJdW2})
    ...     assert not problems, problems

:func:`run_property_check` is what the plugin's ``[hypothesis]`` item runs: it draws cases, calls
the submission on each, judges the gradients with a tolerance derived from a round-off estimate,
shrinks a failure and returns a :class:`PropertyOutcome` whose message holds the smallest failing
case as code. Importing this module imports hypothesis and numpy, never jax.
"""

from __future__ import annotations

import numbers
import random
import re
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, NoSuchExample, Unsatisfiable

from .case import Case
from .course import MissingHook, Model, course_of, get_model

# The built-in courses' strategies are public here: ``gradcheck.strategies`` is the facade users import.
from .courses.coursera.strategy import deep_cases
from .courses.notes.strategy import welch_cases
from .courses.scalars.strategy import chain_cases, scalar_net_cases
from .draw import check_int as _check_int
from .report import drawn_headline
from .shapes import canonical_name
from .tolerance import HYPOTHESIS_SAFETY, VISIBLE_RTOL

__all__ = [
    "Mismatch",
    "PropertyOutcome",
    "as_code",
    "cases_for",
    "chain_cases",
    "deep_cases",
    "judge_gradients",
    "roundoff_tolerance",
    "run_property_check",
    "scalar_net_cases",
    "welch_cases",
]

def cases_for(model: str | Model) -> st.SearchStrategy[Case]:
    """The strategy the ``[hypothesis]`` item uses for ``model`` (a name such as ``"welch"``): its course's.

    The built-in courses mix networks with distinct dimensions (a transposed array has the wrong
    shape) with small square ones, sizes 2 and 3 only, which catch code that orients its arrays by
    their shapes and so transposes only square ones.

    Raises:
        MissingHook: the model's course offers no strategy (the ``[hypothesis]`` item is then not made).
    """
    model = get_model(model)
    course = course_of(model)
    strategy = course.strategy(model) if course is not None else None
    if strategy is None:
        owner = f"course {course.name!r}" if course is not None else "no course"
        raise MissingHook(f"model {model.name!r} ({owner}) has no Hypothesis strategy: its course's "
                          "strategy(model) hook returns None, so no networks can be drawn for it")
    return strategy


def _fixed_size_cases(model: Model, dims: Mapping[str, int]) -> st.SearchStrategy[Case] | None:
    """Networks of ``model`` with exactly the sizes ``dims`` (used to probe hard-wired code), or None."""
    course = course_of(model)
    return course.sized_strategy(model, dims) if course is not None else None


# Rendering ----------------------------------------------------------------------------------
def _literal(value: Any) -> str:
    a = np.asarray(value)
    if a.ndim == 0:
        return repr(float(a))
    return f"np.array({a.tolist()!r})"


def _variable(name: str) -> str:
    """A Python variable for an array's name: itself, or ``weights_0`` for ``weights[0]``."""
    return name if name.isidentifier() else "_".join(re.findall(r"\w+", name))


def as_code(case: Case) -> str:
    """Python code that rebuilds ``case`` (data and expected values) with :func:`gradcheck.make_case`.

    Example:
        >>> print(as_code(case))  # doctest: +SKIP
        import numpy as np
        from gradcheck import make_case
        X = np.array([[0.3, -1.0]])
        ...
    """
    inputs, params = case.inputs, case.params
    lines = ["import numpy as np", "from gradcheck import make_case", *_course_lines(case.model), ""]
    lines += [f"{_variable(k)} = {_literal(v)}" for k, v in {**inputs, **params}.items()]
    ins = ", ".join(f"{k!r}: {_variable(k)}" for k in inputs)
    ps = ", ".join(f"{k!r}: {_variable(k)}" for k in params)
    lines += ["", f"case = make_case({case.model.name!r}, {{{ins}}}, {{{ps}}}, name={case.name!r})",
              "expected = case.expected['grads']  # by parameter name"]
    return "\n".join(lines)


def _course_lines(model: Model) -> list[str]:
    """What makes ``model``'s name known to ``make_case``: nothing for a built-in course; loading an
    external course's file; for a model outside any course, a comment (its object must be passed)."""
    course = course_of(model)
    if course is None:
        return [f"# model {model.name!r} belongs to no course: pass your Model object to make_case instead of its name"]
    module = sys.modules.get(type(course).__module__)
    if type(course).__module__.startswith("gradcheck.courses.") or module is None:
        return []
    where = getattr(module, "__file__", None) or type(course).__module__
    return ["from gradcheck import load_course", f"load_course({where!r})  # the course {course.name!r}"]


# Judging ------------------------------------------------------------------------------------
#: Tolerance = _SAFETY × (number of operations along the longest path) × eps × (magnitude of the
#: summed terms); the factor is in the tolerance table.
_SAFETY = HYPOTHESIS_SAFETY


def _roundoff_scale(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[dict, int]:
    """Per gradient element, the magnitude of the terms whose sum it is; and the longest path's length.

    The model's ``roundoff_scale`` hook where it has one (the backward pass evaluated on absolute
    values). Without it: each array's largest analytic magnitude, or |J|/max(|θ|, 1) when larger
    (an array small because its terms cancel still carries their round-off), over every element
    of the array, and a path as long as the network's sizes added up: coarser, never tighter.
    """
    try:
        return model.roundoff_scale(inputs, params)
    except MissingHook:
        pass
    grads = model.gradients(inputs, params)
    J = abs(float(model.cost(inputs, params)))
    theta = max((float(np.max(np.abs(v), initial=0.0)) for v in params.values()), default=0.0)
    natural = J / max(1.0, theta)
    scale = {k: np.full(np.shape(g), max(float(np.max(np.abs(g), initial=0.0)), natural)) for k, g in grads.items()}
    n_ops = sum(model.dims(inputs, params).values()) + 4 * len(grads) + 8
    return scale, n_ops


def roundoff_tolerance(case: Case, *, eps: float = float(np.finfo(np.float64).eps)) -> dict[str, np.ndarray]:
    """Per gradient element, how far a correct answer computed with machine epsilon ``eps`` may lie
    from the exact gradient: ``8 × n × eps × s``, with ``s`` the magnitude of the terms summed into
    that element and ``n`` the number of operations along the longest path through the network.

    Example:
        >>> tol = roundoff_tolerance(load_case("three-examples"))
        >>> tol["W1"].shape
        (2, 3)
    """
    scales, n_ops = _roundoff_scale(case.model, case.inputs, case.params)
    return {k: _SAFETY * n_ops * eps * np.abs(np.asarray(v, dtype=np.float64)) for k, v in scales.items()}


@dataclass(frozen=True)
class Mismatch:
    """Why one case's gradients are wrong.

    Attributes:
        kind: ``"raised"``, ``"missing"``, ``"shape"`` or ``"value"``.
        param: the parameter whose gradient is wrong (``None`` when the call raised).
        detail: the exception summary, the shapes, or the numbers, in one line.
        index: the worst element (``"value"`` only).
        got, expected, tolerance: at the worst element (``"value"`` only).
        mismatched, total: how many elements exceed their tolerance, of how many.
    """

    kind: str
    param: str | None
    detail: str
    index: tuple[int, ...] | None = None
    got: float | None = None
    expected: float | None = None
    tolerance: float | None = None
    mismatched: int = 0
    total: int = 0


def _as_grads(case: Case, grads: Any) -> dict[str, Any]:
    """Gradients keyed by parameter name; ``dJdW1``, ``dW1`` and the like are accepted too."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"the gradients must be a dict by parameter name, not {type(grads).__name__}")
    names = case.param_names
    out = {}
    for key, value in grads.items():
        canon = canonical_name(str(key), dict.fromkeys(names), names)
        if canon in names:
            out[canon] = value
    return out


def judge_gradients(case: Case, grads: Mapping[str, Any], *,
                    reference: Mapping[str, Any] | None = None) -> list[Mismatch]:
    """Every wrong gradient in ``grads`` (by parameter name) on ``case``; empty when all are right.

    ``reference`` holds the right gradients by parameter name; by default the case's expected
    values (the model's analytic backward pass, which agrees with JAX to about 1e-15).

    Each element's tolerance is ``8 × n × eps × s``: ``s`` is the magnitude of the terms summed
    into that element (see the module's ``_roundoff_scale``), ``n`` the number of operations along
    the longest path through the network, ``eps`` the machine epsilon of the answer's dtype
    (float32 answers are judged at float32's), and 8 a safety factor.
    """
    expected = case.expected["grads"]
    if reference is not None:
        expected = {k: np.asarray(reference[k], dtype=np.float64) for k in expected}
    unit = roundoff_tolerance(case, eps=1.0)
    grads = _as_grads(case, grads)
    problems = []
    for name, want in expected.items():
        if name not in grads:
            problems.append(Mismatch("missing", name, f"no gradient for {name} was returned"))
            continue
        try:
            got = np.asarray(grads[name])
            if got.dtype.kind == "c":
                raise TypeError(f"it is complex ({got.dtype}); the gradient of a real cost is real")
            got_f = got.astype(np.float64)
        except (TypeError, ValueError) as exc:
            problems.append(Mismatch("shape", name, f"{name} is not an array of numbers ({exc})"))
            continue
        if got.shape != want.shape:
            if want.size == 1 and got.size == 1:
                got_f = got_f.reshape(want.shape)
            else:
                problems.append(Mismatch("shape", name, f"{name} has shape {got.shape} but must be {want.shape}"))
                continue
        eps = max(np.finfo(np.float64).eps, np.finfo(got.dtype).eps if got.dtype.kind == "f" else 0.0)
        tol = eps * unit[name] + np.finfo(np.float64).tiny
        err = np.abs(got_f - want)
        bad = ~(err <= tol)  # NaN counts as bad
        if bad.any():
            ratio = np.where(np.isfinite(err), err / tol, np.inf)
            idx = np.unravel_index(int(np.argmax(ratio)), want.shape) if want.ndim else ()
            idx = tuple(int(i) for i in idx)
            problems.append(Mismatch(
                "value", name,
                f"{name}{list(idx) if idx else ''}: yours {got_f[idx]!r}, expected {want[idx]!r} "
                f"(tolerance {tol[idx]:.2g})",
                idx, float(got_f[idx]), float(want[idx]), float(tol[idx]), int(bad.sum()), int(want.size)))
    return problems


def _attempt(compute_grads: Callable[[Case], Any], case: Case,
             reference: Callable[[Case], Mapping[str, Any]] | None = None) -> list[Mismatch]:
    try:
        grads = compute_grads(case)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        summary = f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__
        return [Mismatch("raised", None, summary)]
    try:
        return judge_gradients(case, grads, reference=None if reference is None else reference(case))
    except TypeError as exc:
        return [Mismatch("shape", None, str(exc))]


# Finite differences on the shrunk failure ------------------------------------------------------
def _central_difference(case: Case, param: str, index: tuple[int, ...]) -> tuple[float, float]:
    """Richardson-extrapolated central difference of the cost in one element, and its error estimate."""
    params = {k: np.array(v, dtype=np.float64) for k, v in case.params.items()}
    x0 = float(params[param][index])
    h = 1e-3 * max(1.0, abs(x0))

    def J(delta: float) -> float:
        p = {k: v.copy() for k, v in params.items()}
        p[param][index] = x0 + delta
        return float(case.model.cost(case.inputs, p))

    d1 = (J(h) - J(-h)) / (2 * h)
    d2 = (J(h / 2) - J(-h / 2)) / h
    rich = (4 * d2 - d1) / 3
    return rich, abs(rich - d2) + 4 * np.finfo(float).eps * abs(J(0.0)) / h


# The property check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PropertyOutcome:
    """The result of :func:`run_property_check`. True when no drawn case failed.

    Attributes:
        ok: whether every drawn case passed.
        seed: the seed of the search; the same seed and settings draw the same cases.
        examples: how many cases were drawn before the first failure (all of them when ok).
        message: empty when ok; else the verdict, the worst element and the smallest failing
            case as code.
        case: the smallest failing case (``None`` when ok).
        mismatches: what is wrong on that case.
        hard_wired: the sizes the code accepts, e.g. ``{"hiddenLayerSize": 3}``, when it raises
            or returns wrong shapes for every other value of those sizes; else ``None``.
        flaky: the gradients of one case changed between calls; ``case`` is then the first
            failure, not shrunk.
        reference_problem: the model's analytic backward pass, which judges the drawn cases, disagrees
            with central differences on the first one drawn (``case``): nothing was judged, the
            message says why, and it is gradcheck's problem, not the code's.
    """

    ok: bool
    seed: int
    examples: int
    message: str = ""
    case: Case | None = None
    mismatches: tuple[Mismatch, ...] = ()
    hard_wired: dict[str, int] | None = field(default=None)
    flaky: bool = False
    reference_problem: bool = False

    def __bool__(self) -> bool:
        return self.ok


def _default_seed() -> int:
    # The repo's CI profile derandomises Hypothesis; follow it so CI runs are reproducible.
    if settings.default.derandomize:
        return 0
    return secrets.randbelow(2**32)


def run_property_check(
    compute_grads: Callable[[Case], Mapping[str, Any]],
    strategy: st.SearchStrategy[Case] | str | Model,
    *,
    max_examples: int = 50,
    seed: int | None = None,
    probe_sizes: bool = True,
    reference: Callable[[Case], Mapping[str, Any]] | None = None,
    max_shrink_draws: int | None = None,
    with_jax: bool = True,
    accepts: Callable[[Case], bool] | None = None,
) -> PropertyOutcome:
    """Run ``compute_grads`` on drawn cases, shrink the first failure, and say what is wrong.

    Args:
        compute_grads: ``case -> {parameter name: gradient}`` (``"W1"``; ``"dJdW1"`` and
            ``"dW1"`` are understood too). An exception counts as a failure of that case.
        strategy: a strategy drawing cases, or a model name, which means :func:`cases_for`.
        max_examples: how many cases to draw (at most) before declaring success.
        seed: the seed of the search; ``None`` picks one (0 under a derandomised profile such as
            the repository's ``ci``). The outcome records it, and the same seed reproduces the run.
        probe_sizes: when the smallest failure raised or returned wrong shapes, try the code on
            other sizes to tell whether it is hard-wired to some of them.
        reference: ``case -> {parameter name: right gradient}``, e.g. the JAX oracle; by default
            each case's expected values (the analytic backward pass), which are first verified
            once against central differences on the first drawn case: when they disagree nothing
            is judged and the outcome has ``reference_problem`` (not ok, and not the code's fault).
            On the smallest failure the report adds a central difference and, where
            ``gradcheck._jax`` exists, JAX's value.
        max_shrink_draws: stop shrinking after this many cases drawn past the first failure
            (those the strategy's filters reject included) and report the smallest failure seen
            (by number of array elements, then sum of magnitudes); ``None``: shrink until
            Hypothesis is done. A network of three layers can take seconds to shrink fully,
            most of the tries being rejected by the filters.
        with_jax: add JAX's value to the report where ``gradcheck._jax`` is installed; ``False``
            keeps jax unimported.
        accepts: which networks the code's own contract admits (a course template that asserts one
            output unit); probing for hard-wired sizes tries no other, so a template's assertion is
            never called hard-wiring. ``None``: every network.

    Returns:
        A :class:`PropertyOutcome`; ``outcome.message`` holds the report when it failed.

    Example:
        >>> outcome = run_property_check(lambda c: dict(zip(("W1", "W2"), backprop(c.X, c.y, c.W1, c.W2))),
        ...                              "welch", max_examples=100, seed=1)
        >>> assert outcome, outcome.message
    """
    max_examples = _check_int("max_examples", max_examples)
    if seed is None:
        seed = _default_seed()
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer or None, not {seed!r}")
    if not isinstance(strategy, st.SearchStrategy):
        strategy = cases_for(strategy)
    if max_shrink_draws is not None:
        max_shrink_draws = _check_int("max_shrink_draws", max_shrink_draws, minimum=0)
    calls: dict[str, Any] = {"visible": None, "n": 0, "first_failure": None, "first_case": None, "first_mismatches": (),
                             "best": None, "drawn": 0, "drawn_at_failure": None, "spent": False,
                             "verified": reference is not None, "doubts": None}
    passed_dims: list[dict[str, int]] = []
    given = strategy

    @st.composite
    def counted(draw) -> Case:
        calls["drawn"] += 1
        if (max_shrink_draws is not None and calls["drawn_at_failure"] is not None
                and calls["drawn"] - calls["drawn_at_failure"] > max_shrink_draws):
            calls["spent"] = True
            raise _ShrinkBudgetSpent
        return draw(given)

    def fails(case: Case) -> bool:
        if not calls["verified"]:  # the analytic backward pass judges: check it once, on the first case
            from .judge import verify_analytic

            calls["verified"] = True
            doubts = verify_analytic(case)
            if doubts:
                calls["doubts"] = (case, doubts)
                raise _AnalyticDoubtful
        calls["n"] += 1
        found = _attempt(compute_grads, case, reference)
        bad = bool(found)
        if bad and calls["visible"] is None:  # the first failure decides whether shrinking must stay visible
            calls["visible"] = _visible(found)
        elif bad and calls["visible"] and not _visible(found):
            bad = False  # smaller, but the mistake would no longer show in the digits printed
        if bad and calls["first_failure"] is None:
            calls["first_failure"], calls["first_case"], calls["first_mismatches"] = calls["n"], case, tuple(found)
            calls["drawn_at_failure"] = calls["drawn"]
        elif not bad and len(passed_dims) < 5 and case.dims not in passed_dims:
            passed_dims.append(case.dims)
        if bad and (calls["best"] is None or _size_key(case) < _size_key(calls["best"])):
            calls["best"] = case
        return bad

    search = settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                      phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)
    try:
        smallest = find(given if max_shrink_draws is None else counted(), fails, settings=search,
                        random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        if not calls["n"]:
            raise ValueError(f"the strategy {strategy!r} drew no valid case in {max_examples} tries: its bounds "
                             "or filters reject every draw. Widen them.") from None
        return PropertyOutcome(True, seed, calls["n"])
    except _AnalyticDoubtful:
        case, doubts = calls["doubts"]
        return PropertyOutcome(False, seed, 0, _doubtful_message(case, doubts, seed), case, reference_problem=True)
    except (Flaky, _ShrinkBudgetSpent):
        # Stopping a draw part-way can surface as Hypothesis's "inconsistent data generation".
        if not calls["spent"]:
            return _flaky_outcome(calls, seed, with_jax)
        smallest = calls["best"]
    mismatches = tuple(_attempt(compute_grads, smallest, reference))
    if not mismatches:  # the smallest failure passed when called again
        return _flaky_outcome(calls, seed, with_jax)
    hard_wired = None
    if probe_sizes and _cannot_take(mismatches):
        hard_wired = _hard_wired_sizes(compute_grads, smallest.model, passed_dims, seed, reference, accepts)
    examples = calls["first_failure"] or calls["n"]
    text = _report(smallest, mismatches, hard_wired, seed, examples, with_jax=with_jax)
    return PropertyOutcome(False, seed, examples, text,
                           smallest, mismatches, hard_wired)


class _AnalyticDoubtful(BaseException):
    """Raised through Hypothesis's find when the analytic backward pass disagrees with central differences."""


def _doubtful_message(case: Case, doubts: Sequence[str], seed: int) -> str:
    dims = ", ".join(f"{k}={v}" for k, v in case.dims.items())
    lines = [f"NOT JUDGED: the course's analytic backward pass of {case.model.name}, which judges the drawn "
             f"networks, disagrees with central differences on the first one drawn ({dims or 'scalars'}, seed "
             f"{seed}), so no drawn network is judged. This is a bug in gradcheck, not in the code; please report it:",
             *[f"  {d}" for d in doubts], "The network, as code:"]
    lines += ["    " + line if line else "" for line in as_code(case).splitlines()]
    return "\n".join(lines)


def _visible(mismatches: Sequence[Mismatch]) -> bool:
    """Whether a failure shows in the digits a report prints: the code raised or returned a wrong
    shape, or some element is off by more than ``VISIBLE_RTOL`` of its value (and its tolerance).

    Shrinking keeps to visible failures once the first one is: a mistake such as 1 − z² for
    1 − tanh²(z) is real on every network, but on the smallest ones (z ≈ 0) only in the 14th digit.
    """
    for mm in mismatches:
        if mm.kind != "value":
            return True
        if abs(mm.got - mm.expected) > max(mm.tolerance, VISIBLE_RTOL * abs(mm.expected)):
            return True
    return False


class _ShrinkBudgetSpent(BaseException):
    """Raised through Hypothesis's find to stop shrinking (a BaseException, so nothing catches it)."""


def _size_key(case: Case) -> tuple[int, float]:
    arrays = [np.asarray(v) for v in (*case.inputs.values(), *case.params.values())]
    return sum(a.size for a in arrays), float(sum(np.abs(a).sum() for a in arrays))


def _flaky_outcome(calls: Mapping[str, Any], seed: int, with_jax: bool = True) -> PropertyOutcome:
    case, found = calls["first_case"], calls["first_mismatches"]
    msg = (f"The gradients of one case changed from one call to the next (seed {seed}): the code keeps "
           f"state between calls, or is random. The first failure, not shrunk:\n")
    if case is not None:
        msg += _report(case, found, None, seed, calls["first_failure"], shrunk=False, with_jax=with_jax)
    return PropertyOutcome(False, seed, calls["first_failure"] or calls["n"], msg, case, tuple(found), flaky=True)


# Hard-wired sizes -------------------------------------------------------------------------------
def _sized_case(model: Model, dims: Mapping[str, int], seed: int) -> Case | None:
    strategy = _fixed_size_cases(model, dims)
    if strategy is None:
        return None
    try:
        return find(strategy, lambda _: True,
                    settings=settings(max_examples=50, database=None, deadline=None, derandomize=False,
                                      phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
                                      verbosity=Verbosity.quiet),
                    random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        return None


_STRUCTURAL = ("raised", "shape", "missing")


def _cannot_take(mismatches: Sequence[Mismatch]) -> bool:
    """The code could not handle the case's sizes: it raised, or a gradient is missing or misshapen."""
    return any(mm.kind in _STRUCTURAL for mm in mismatches)


def _hard_wired_sizes(compute_grads, model: Model, passed: list[dict[str, int]], seed: int,
                      reference=None, accepts: Callable[[Case], bool] | None = None) -> dict[str, int] | None:
    """The sizes the code is hard-wired to: it is right at a base size set, and raises or returns
    missing or misshapen gradients whenever one of these sizes alone takes another value."""
    course = course_of(model)
    if course is None or course.sized_strategy(model, (passed or course.usual_dims(model) or [None])[0]) is None:
        return None
    for base in [*passed, *course.usual_dims(model)]:
        case = _sized_case(model, base, seed)
        if case is None or _attempt(compute_grads, case, reference):
            continue
        fixed = {}
        for (dim, value), size_sets in course.size_variants(model, base).items():
            probes = [p for p in (_sized_case(model, d, seed) for d in size_sets)
                      if p is not None and (accepts is None or accepts(p))]
            if probes and all(_cannot_take(_attempt(compute_grads, p, reference)) for p in probes):
                fixed[dim] = value
        return fixed or None
    return None


def _jax_value(case: Case, param: str, index: tuple[int, ...]) -> float | None:
    """JAX's gradient at one element, where the JAX oracle (``gradcheck._jax``) is installed."""
    try:
        from .oracles import jax as _jax
    except ImportError:
        return None
    grads, _ = _jax.model_gradients(case.model, case.inputs, case.params)
    return float(np.asarray(grads[param])[index])


def _report(case: Case, mismatches: Sequence[Mismatch], hard_wired, seed: int, examples: int,
            *, shrunk: bool = True, with_jax: bool = True) -> str:
    lines = drawn_headline(case.model.name, case.dims, hard_wired, seed, examples, shrunk=shrunk)
    for mm in mismatches:
        if mm.kind == "raised":
            lines.append(f"  the call raised {mm.detail}")
        elif mm.kind != "value":
            lines.append(f"  {mm.detail}")
        else:
            pct = 100.0 * mm.mismatched / mm.total
            lines.append(f"  {mm.param}: Mismatched elements: {mm.mismatched} / {mm.total} ({pct:.3g}%)")
            idx = list(mm.index) if mm.index else ""
            fd, fd_err = _central_difference(case, mm.param, mm.index)
            tol = f"±{mm.tolerance:.1g}" if mm.tolerance > 1e-300 else "exactly"
            jax_value = _jax_value(case, mm.param, mm.index) if with_jax else None
            lines.append(f"    worst {mm.param}{idx}: yours {mm.got:.8g}   expected {mm.expected:.8g} {tol}"
                         f"   central difference {fd:.8g} ±{fd_err:.1g}"
                         + (f"   jax {jax_value:.8g}" if jax_value is not None else ""))
            if abs(fd - mm.expected) > 10 * fd_err + 1e-6 * abs(mm.expected):
                lines.append("    the reference and the central difference disagree here: please report this case "
                             "as a bug in gradcheck")
    lines.append(f"The {'smallest ' if shrunk else ''}failing case, as code:")
    lines += ["    " + line if line else "" for line in as_code(case).splitlines()]
    return "\n".join(lines)
