"""Grading recognised implementations: one result per check, one message per bug.

The pytest items of ``--gradcheck`` and :func:`check_submission` (for notebook graders) both grade
through a :class:`Grader`: student code runs once per implementation and case, every selected oracle
judges that one answer, and :func:`lead` picks, among an implementation's failing cases, the one
whose report is shown in full; the others are named in one line each (:func:`same_mistake_line`).

Imports: numpy through :mod:`gradcheck.students`; the judge, the shapes and the drawn-network check
when a check first needs them.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .students.implementation import Implementation, Outcome, StudentError, student_frames_text

__all__ = ["CheckResult", "Grader", "ImplementationResult", "SubmissionResult", "assert_submission",
           "check_submission", "lead"]

ORACLES = ("fd", "scipy", "jax")
#: The memory limit of a path's worker process under check_submission (--gradcheck-memory's default).
MEMORY = 2 << 30
#: Student output shown with a failure, at most (a worker already keeps 64 KB per call).
OUTPUT_SHOWN = 4000


@dataclass
class CheckResult:
    """One check of one implementation: a case judged by the oracles, the shapes, the drawn networks.

    Attributes:
        label: what the check is called after the implementation's name (``three-examples``,
            ``shapes``, ``hypothesis``, ``reg-0``).
        check: its kind: gradients, shapes, interface, block, self-consistency, hypothesis.
        status: passed, failed or skipped.
        text: the full message when not passed (a report, the student's traceback, the problems).
        wrong: the parameters whose gradients are wrong; ``diagnosis`` the likely mistake
            (``{"id", "message"}``) when one is named.
        output: what the student's code printed while it ran.
    """

    label: str
    check: str
    status: str = "passed"
    text: str = ""
    wrong: list[str] = field(default_factory=list)
    diagnosis: dict[str, str] | None = None
    output: str = ""
    case: Any = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def mistake(self) -> str | None:
        """The catalog id of the likely mistake, or None."""
        d = self.diagnosis
        return d["id"] if d and d.get("id") not in (None, "unknown") else None

    def headline(self) -> str:
        """The first line of the message (or the status)."""
        return next((line for line in self.text.splitlines() if line.strip()), self.status)

    def to_dict(self) -> dict[str, Any]:
        message = self.data.get("message") or self.headline()
        return {"label": self.label, "check": self.check, "case": getattr(self.case, "name", None),
                "status": self.status, "wrong": self.wrong, "mistake": self.mistake, "diagnosis": self.diagnosis,
                "message": message if self.status != "passed" else "", "notes": self.data.get("notes", []),
                "hypothesis": self.data.get("hypothesis")}


def _telling(result: CheckResult) -> tuple:
    """How much a failing result's case shows: a named mistake, then weights that are not all equal
    (all-ones weights hide transposes and swapped indices), then more distinct dimensions."""
    case = result.case
    distinct_values = distinct_dims = 0
    if case is not None:
        import numpy as np

        values = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in case.params.values()] or [[0.0]])
        distinct_values = min(len(np.unique(values)), 2)
        distinct_dims = len(set(case.dims.values()))
    return (result.mistake is not None, result.check != "hypothesis", not result.data.get("not_run"),
            distinct_values, distinct_dims)


def lead(results: Iterable[CheckResult]) -> CheckResult | None:
    """The failing result whose full report speaks for an implementation (None: nothing failed)."""
    failing = [r for r in results if r.failed]
    if not failing:
        return None
    return max(failing, key=_telling)  # max keeps the first of equals: the run order breaks ties


def _signature(r: CheckResult) -> tuple:
    """What makes two failures the same: the named mistake, else the wrong parameters, else the message
    with the case's name taken out (the same traceback on every case)."""
    if r.mistake is not None:
        return ("mistake", r.mistake)
    if r.wrong:
        return ("wrong", tuple(r.wrong))
    return ("message", r.headline().replace(r.label, "{case}"))


def same_mistake_line(top: CheckResult, others: Iterable[CheckResult]) -> str:
    """One line naming the other failing checks: "same mistake on three-examples, distinct-dims"."""
    same, different = [], []
    for r in others:
        if r is top or not r.failed:
            continue
        if _signature(r) == _signature(top):
            same.append(r.label)
        else:
            different.append(f"{r.label} ({_what_wrong(r)})")
    parts = []
    if same:
        parts.append(f"same {'mistake' if top.mistake or top.wrong else 'failure'} on {', '.join(same)}")
    if different:
        parts.append(f"also failing: {'; '.join(different)}")
    return "; ".join(parts)


def _what_wrong(r: CheckResult) -> str:
    if r.mistake:
        return r.mistake
    if r.wrong:
        return f"{', '.join(r.wrong)} wrong"
    return r.headline()[:160]


def pointer_line(result: CheckResult, top: CheckResult, name: str) -> str:
    """What a failing check that is not the lead says: one line, pointing at the full report."""
    if _signature(result) == _signature(top):
        what = f"the same mistake ({top.mistake})" if top.mistake else (
            f"the same mistake ({', '.join(top.wrong)} wrong)" if top.wrong else "the same failure")
    else:
        what = _what_wrong(result)
    return f"{what}; the full report is under {name}[{top.label}]"


def capped_output(text: str) -> str:
    """The student's output as shown with a failure: its start and end, OUTPUT_SHOWN characters in
    all, with the worker's own notes of what it dropped kept."""
    if len(text) <= OUTPUT_SHOWN:
        return text
    half = OUTPUT_SHOWN // 2
    notes = [line for line in text.splitlines() if line.startswith("[... ") and "dropped" in line]
    middle = "\n".join([f"[... {len(text) - 2 * half} characters of output not shown here ...]", *notes])
    return f"{text[:half]}\n{middle}\n{text[-half:]}"


def student_traceback(err: StudentError, case: Any = None) -> str:
    """The student's own traceback (gradcheck's frames hidden), or what happened to their process."""
    where = f" on case {case.name}" if case is not None else ""
    cause = err.__cause__
    if cause is None and not err.traceback_text:
        return f"{err}{where}."
    exc_type = err.exc_type or type(cause).__name__
    text = err.traceback_text or student_frames_text(cause)
    return f"{err.what} raised {exc_type}{where}; your traceback (gradcheck's frames hidden):\n\n{text}"


def _jax_missing() -> str | None:
    import importlib.util

    try:
        found = importlib.util.find_spec("jax") is not None
    except (ImportError, ValueError):
        found = False
    return None if found else "jax oracle not used: jax is not installed; pip install jax"


@dataclass
class Grader:
    """The settings of a grading run, and the answers of student code (run once per case)."""

    oracles: tuple[str, ...] = ORACLES
    safety: float | None = None
    seed: int = 0
    timeout: float | None = 10.0
    examples: int = 50
    mode: str = "auto"
    budget: float = 10.0
    _outcomes: dict = field(default_factory=dict, repr=False)
    #: Implementations that ran past the time limit, by id, and the case they did it on. Their further
    #: cases fail at once rather than each waiting as long (a hang is seldom particular to one case).
    _hung: dict = field(default_factory=dict, repr=False)

    def options(self) -> dict[str, Any]:
        from .tolerance import SAFETY

        # --gradcheck-seed also draws fast mode's directions and samples, so a sampled verdict reproduces
        return {"safety": self.safety or SAFETY, "mode": self.mode, "budget": self.budget, "seed": self.seed}

    def judging_oracles(self) -> tuple[tuple[str, ...], list[str]]:
        """The oracles that can judge here, and notes on those that cannot (JAX not installed)."""
        if "jax" in self.oracles:
            missing = _jax_missing()
            if missing:
                return tuple(o for o in self.oracles if o != "jax"), [missing]
        return self.oracles, []

    def outcome(self, impl: Implementation, case) -> Outcome:
        key = (id(impl), case.name)
        if key not in self._outcomes:
            hung = self._hung_error(impl, case.name)
            try:
                if hung is not None:
                    raise hung
                self._outcomes[key] = impl.run(case, self.timeout)
            except StudentError as exc:
                self._outcomes[key] = exc
                if exc.timed_out and hung is None:
                    self._hung[id(impl)] = case.name
        value = self._outcomes[key]
        if isinstance(value, StudentError):
            raise value
        return value

    def _hung_error(self, impl: Implementation, where: str) -> StudentError | None:
        """The verdict for a further call of an implementation that already ran past the time limit."""
        if id(impl) not in self._hung:
            return None
        first = self._hung[id(impl)]
        limit = f" (--gradcheck-timeout={self.timeout:g} s)" if self.timeout else ""
        return StudentError(impl.name, f"not run: {impl.name} timed out on {first}{limit}", timed_out=True)

    # The checks -------------------------------------------------------------------------

    def case(self, impl: Implementation, case) -> CheckResult:
        """The implementation's gradients on ``case``, judged by every selected oracle at once."""
        from .judge import check_gradients
        from .oracles import OracleUnavailable

        result = CheckResult(case.name, "gradients", case=case)
        try:
            outcome = self.outcome(impl, case)
        except StudentError as exc:
            result.data["not_run"] = self._hung.get(id(impl), case.name) != case.name  # it hung on another case
            return _errored(result, exc)
        oracles, notes = self.judging_oracles()
        if not oracles:
            result.status, result.text = "skipped", notes[0]
            return result
        try:
            report = check_gradients(outcome.grads, case, oracles=oracles,
                                     intermediates=outcome.intermediates or None, **self.options())
        except OracleUnavailable as exc:  # not installed here (jax alone): no judgement, and no points lost
            result.status, result.text = "skipped", str(exc)
            return result
        except (ValueError, TypeError) as exc:  # gradients it cannot take (names, types): its message says which
            result.status, result.output = "failed", outcome.output
            result.text = f"{impl.name} on case {case.name} cannot be judged:\n{exc}"
            return result
        report.notes += notes
        if report.notes:
            result.data["notes"] = list(report.notes)
        result.wrong = list(report.wrong)
        result.diagnosis = None if report.diagnosis is None else report.diagnosis.to_dict()
        result.output = outcome.output
        ok = bool(report.ok) and not outcome.problems
        if not ok:
            extra = [f"problem: {p}" for p in outcome.problems] + [f"note: {n}" for n in outcome.notes]
            result.status, result.text = "failed", "\n".join([str(report), *extra])
        return result

    def shapes(self, impl: Implementation, cases: list) -> CheckResult:
        """Every gradient and exposed intermediate has its table shape, on every case."""
        from .shapes import canonical_name, shape_problems

        result = CheckResult("shapes", "shapes")
        # one line per wrong array (a message starts with its name): its first case's message, then the
        # other cases it is wrong on
        problems: dict[str, list[str]] = {}  # array -> [message on its first case, case, case, ...]
        ran = 0
        for case in cases:
            try:
                outcome = self.outcome(impl, case)
            except StudentError:
                continue  # the case's own check shows the traceback
            ran += 1
            table = case.shape_table
            named = {k: v for k, v in {**outcome.grads, **outcome.intermediates}.items()
                     if canonical_name(k, table, case.param_names) is not None}
            for p in shape_problems(named, case):
                problems.setdefault(p.split(" ", 1)[0], [f"{case.name}: {p}"]).append(case.name)
        if problems:
            lines = [first + (f" Also wrong on {', '.join(also)}." if also else "")
                     for first, _, *also in problems.values()]
            result.status, result.text = "failed", "\n".join(lines)
        elif cases and not ran:
            result.status = "skipped"
            result.text = f"shapes not judged: {impl.name} gave no gradients on any case (its cases' items say why)"
        return result

    def interface(self, impl: Implementation, cases: list) -> CheckResult:
        """The code's own cost and helper methods agree with the reference (first failing case in full)."""
        result = CheckResult("interface", "interface")
        problems: list[str] = []
        failing = []
        for case in cases:
            try:
                found, out = impl.interface(case, self.timeout)
            except StudentError as exc:
                return _errored(result, exc, case)
            result.output += out
            if found:
                failing.append(case.name)
                if len(failing) == 1:
                    problems += [f"{case.name}: {p}" for p in found]
        if len(failing) > 1:
            problems.append(f"(also wrong on {', '.join(failing[1:])})")
        if problems:
            result.status, result.text = "failed", "\n".join(problems)
        return result

    def block(self, impl: Implementation, case) -> CheckResult:
        """A building block of the course's network, on every layer of ``case``."""
        result = CheckResult(case.name, "block", case=case)
        try:
            problems, result.output = impl.check(case, self.timeout)
        except StudentError as exc:
            return _errored(result, exc, case)
        if problems:
            result.status = "failed"
            result.text = "\n".join(problems) + "\n(compared with the reference backward pass of the course's network)"
        return result

    def self_consistency(self, impl: Implementation, label: str) -> CheckResult:
        """A model-free implementation against its own cost (check ``label`` of ``impl.labels``), by
        the oracles other than JAX."""
        from .judge import check_function

        result = CheckResult(label, "self-consistency", data=dict(impl.data(label)))
        if getattr(impl, "unchecked", ""):
            result.status, result.text = "skipped", f"{impl.name} not checked: {impl.unchecked}"
            return result
        oracles = tuple(o for o in self.oracles if o != "jax") or ("fd",)
        try:
            cost, grad, params, finish = impl.problem(label, self.seed, self.timeout)
            try:
                report = check_function(cost, grad, params, oracles=oracles, **self.options())
                report.case = f"{impl.name}'s own loss"  # the headline's "on ...", not "on check_function"
                if report.wrong and hasattr(impl, "diagnose"):
                    _self_diagnosis(impl, label, report, cost, grad, params, self.seed)
            except StudentError as exc:
                exc.output = exc.output or finish()[1]
                raise
            problems, result.output = finish()
        except StudentError as exc:
            return _errored(result, exc)
        result.wrong = list(report.wrong)
        result.diagnosis = None if report.diagnosis is None else report.diagnosis.to_dict()
        if not report.ok or problems:
            text = "\n".join([str(report), *(f"problem: {p}" for p in problems)])
            result.status = "failed"
            result.text = f"{impl.title(label)}:\n{text}"
        return result

    def drawn(self, impl: Implementation, *, module: str = "homework", reproduce: str = "") -> CheckResult:
        """The implementation on networks drawn by Hypothesis (:mod:`gradcheck.students.drawn`)."""
        from .students.drawn import check_drawn

        result = CheckResult("hypothesis", "hypothesis")
        hung = self._hung_error(impl, "networks drawn by Hypothesis")
        if hung is not None:
            result.data["not_run"] = True
            return _errored(result, hung)
        found = check_drawn(impl, examples=self.examples, seed=self.seed, timeout=self.timeout,
                            use_jax="jax" in self.judging_oracles()[0], module=module, reproduce=reproduce,
                            explain_error=student_traceback)
        result.data = {"hypothesis": found.to_dict()}
        result.wrong = list(result.data["hypothesis"].get("wrong") or [])
        if found.unconfirmed:
            result.status, result.text = "skipped", found.message
        elif not found.ok:
            count = f"{found.examples} drawn" if found.examples != 1 else "1 drawn"
            result.status, result.output = "failed", found.output
            # the first line is the short summary's: it says what is wrong where the search found wrong values
            what = f" wrong gradient{'s' if len(result.wrong) > 1 else ''} of {', '.join(result.wrong)}" if result.wrong else ""
            result.text = (f"{impl.name} on networks drawn by Hypothesis ({count}, --gradcheck-seed={found.seed}):{what}\n"
                           f"{found.message}")
        return result

    def checks(self, impl: Implementation, *, module: str = "homework", reproduce: str = "") -> list[CheckResult]:
        """Every check of ``impl``, in the order the plugin's items run them."""
        if impl.kind == "self":
            return [self.self_consistency(impl, label) for label in impl.labels]
        cases = impl.cases(self.seed)
        if impl.kind == "block":
            return [self.block(impl, case) for case in cases]
        results = [self.case(impl, case) for case in cases]
        results.append(self.shapes(impl, cases))
        if impl.has_interface:
            results.append(self.interface(impl, cases))
        if impl.kind == "reference" and impl.offers_strategy():
            results.append(self.drawn(impl, module=module, reproduce=reproduce))
        return results


def _self_diagnosis(impl: Implementation, label: str, report, cost, grad, params, seed: int) -> None:
    """The convention's own catalog on a wrong self-consistency answer: your arrays against the numerical
    gradient of the same cost (one more call of each; the check itself keeps no arrays)."""
    from .diagnosis import Diagnosis
    from .judge import numerical_gradient

    yours = grad({k: v.copy() for k, v in params.items()})
    ref = numerical_gradient(cost, params)[0]
    found = impl.diagnose(label, dict(params), yours, ref, list(report.wrong), seed)
    if found:
        report.diagnosis = Diagnosis(found["id"], found["message"], tuple(report.wrong))


def _errored(result: CheckResult, exc: StudentError, case: Any = None) -> CheckResult:
    result.status, result.output = "failed", exc.output
    result.text = student_traceback(exc, case if case is not None else result.case)
    return result


def drawn_repeats(result: CheckResult, top: CheckResult | None) -> bool:
    """Whether a failing [hypothesis] result only repeats what ``top`` (a worked example) shows:
    no hard-wired size found, and no gradient wrong that is right there."""
    found = result.data.get("hypothesis") or {}
    return top is not None and not found.get("hard_wired") and set(result.wrong) <= set(top.wrong) and bool(result.wrong)


def compact_drawn(result: CheckResult) -> str:
    """A failing [hypothesis] result when a worked example already shows the bug in full: its
    headline, the drawn network, the wrong gradients and the command that repeats it."""
    lines = result.text.splitlines()
    keep = lines[:2] + [line for line in lines[2:] if "Mismatched elements" in line or line.startswith("Reproduce:")]
    return "\n".join(keep)


# Results for notebook graders -----------------------------------------------------------


@dataclass
class ImplementationResult:
    """Every check of one implementation.

    Attributes:
        name, convention, model: what was recognised.
        checks: one :class:`CheckResult` per case and check, in run order.
    """

    name: str
    convention: str
    model: str
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    @property
    def lead(self) -> CheckResult | None:
        return lead(self.checks)

    @property
    def diagnosis(self) -> dict[str, str] | None:
        top = self.lead
        return top.diagnosis if top is not None else None

    @property
    def wrong(self) -> list[str]:
        return sorted({w for c in self.checks if c.failed for w in c.wrong})

    @property
    def verdict(self) -> str:
        if self.ok:
            return "passed" if any(c.status == "passed" for c in self.checks) else "skipped"
        return "failed"

    def __str__(self) -> str:
        top = self.lead
        counted = [c for c in self.checks if c.status != "skipped"]
        passed = sum(c.status == "passed" for c in counted)
        if top is None:
            return f"{self.name}: ok: {passed} of {len(counted)} checks pass ({self.convention})"
        lines = [f"{self.name}: FAILED {len(counted) - passed} of {len(counted)} checks; the most telling, "
                 f"{self.name}[{top.label}]:", top.text]
        others = same_mistake_line(top, self.checks)
        if others:
            lines.append(others)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        top = self.lead
        return {"name": self.name, "convention": self.convention, "model": self.model or None,
                "verdict": self.verdict, "mistake": top.mistake if top else None,
                "diagnosis": self.diagnosis, "wrong": self.wrong,
                "report": top.text if top else "", "checks": [c.to_dict() for c in self.checks]}


@dataclass
class SubmissionResult:
    """What :func:`check_submission` found: ``.ok``, ``.implementations``, ``str()`` the message."""

    target: str
    implementations: list[ImplementationResult]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.implementations) and all(i.ok for i in self.implementations)

    @property
    def diagnosis(self) -> dict[str, str] | None:
        return next((i.diagnosis for i in self.implementations if i.diagnosis), None)

    def __getitem__(self, name: str) -> ImplementationResult:
        for impl in self.implementations:
            if impl.name == name:
                return impl
        raise KeyError(f"{name!r} was not recognised in {self.target}; recognised: "
                       f"{', '.join(i.name for i in self.implementations) or 'nothing'}")

    def __str__(self) -> str:
        if self.error:
            return self.error
        return "\n\n".join(str(i) for i in self.implementations)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "error": self.error or None,
                "implementations": [i.to_dict() for i in self.implementations]}


def _namespace(obj: Any) -> tuple[types.ModuleType, Callable[[Implementation], bool], str]:
    """A module to recognise ``obj`` in, which implementations to keep, and what to call it."""
    if isinstance(obj, types.ModuleType):
        return obj, lambda impl: True, obj.__name__
    if isinstance(obj, dict):  # a notebook's globals()
        module = types.ModuleType(obj.get("__name__", "__main__"))
        module.__dict__.update(obj)
        return module, lambda impl: True, "the given namespace"
    if isinstance(obj, type) or callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        module = types.ModuleType(getattr(obj, "__module__", None) or "__main__")
        scope = getattr(obj, "__globals__", None)
        if scope is None:
            scope = vars(sys.modules.get(module.__name__, module))
        module.__dict__.update(scope)
        module.__dict__[name] = obj

        def keep(impl: Implementation) -> bool:  # the object itself, or a convention built on it (a pair)
            return impl.obj is obj or impl.name == name or impl.obj is module

        return module, keep, name
    raise TypeError(f"check_submission needs a class, a function, a module, a namespace dict or a path, "
                    f"not {type(obj).__name__}; e.g. check_submission(Neural_Network) or "
                    f"check_submission('homework.py')")


def _recognised(obj: Any, timeout: float | None) -> tuple[list[Implementation], str, Any]:
    from .students.recognise import recognise

    if isinstance(obj, (str, Path)):
        return _from_path(Path(obj), timeout)
    module, keep, target = _namespace(obj)
    found = [impl for impl in recognise(module) if keep(impl)]
    return found, target, None


def _from_path(path: Path, timeout: float | None) -> tuple[list[Implementation], str, Any]:
    """A file or folder, imported in a worker process of its own (as under ``pytest --gradcheck``)."""
    from .students import load, sandbox
    from .students.implementation import HARNESS_FILES

    if not path.exists():
        raise FileNotFoundError(f"check_submission: {path} does not exist; give a .py file, a folder or an object")
    settings = sandbox.SandboxSettings(timeout or 0.0, MEMORY, [], sorted(HARNESS_FILES))
    subs = load.recognise_all([str(path)], Path.cwd(), settings, allow_autodiff=False, keep=True)
    impls = [impl for sub in subs for impl in sub.implementations]
    errors = [f"{sub.path.name} cannot be imported:\n\n{sub.error.traceback_text or sub.error}"
              for sub in subs if sub.error is not None]
    return impls, str(path), "\n\n".join(errors)


def check_submission(obj: Any, *, oracles: Iterable[str] | str = ORACLES, seed: int = 0, examples: int = 50,
                     timeout: float | None = 10.0, safety: float | None = None, mode: str = "auto",
                     budget: float = 10.0, drawn: bool = True) -> SubmissionResult:
    """Check a student's class, function, module or file with the conventions and verdicts of
    ``pytest --gradcheck``; for nbgrader test cells and otter-grader tests.

    A class or function is recognised in its own module's namespace (a notebook's, for an object
    defined in a notebook), so ``check_submission(L_model_backward)`` finds ``L_model_forward``
    beside it. Objects run in this process; a path is imported and run in a worker process of its
    own, as under ``--gradcheck``.

    Returns:
        a :class:`SubmissionResult`: ``.ok``; ``[name]`` and ``.implementations``, each with ``.ok``,
        ``.checks`` (per case), ``.diagnosis`` and ``.wrong``; ``str()`` the student-facing message.

    Example:
        >>> result = gradcheck.check_submission(Neural_Network)
        >>> assert result.ok, str(result)
    """
    from .judge import _validate_oracles

    grader = Grader(oracles=_validate_oracles(oracles), safety=safety, seed=seed, timeout=timeout,
                    examples=examples, mode=mode, budget=budget)
    impls, target, error = _recognised(obj, timeout)
    if not impls and not error:
        from .students.recognise import conventions

        raise ValueError(f"nothing in {target} is recognised as computing gradients; gradcheck recognises:\n  - "
                         + "\n  - ".join(conventions()))
    results = []
    for impl in impls:
        checks = grader.checks(impl, module=getattr(impl.obj, "__module__", "homework") or "homework")
        if not drawn:
            checks = [c for c in checks if c.check != "hypothesis"]
        results.append(ImplementationResult(impl.name, impl.convention, impl.model, checks))
    return SubmissionResult(target, results, error or "")


def assert_submission(obj: Any, **options) -> SubmissionResult:
    """:func:`check_submission`, raising :class:`gradcheck.GradientMismatch` (an AssertionError) with
    the student-facing message when anything fails; returns the result when all is right."""
    from .report import GradientMismatch

    result = check_submission(obj, **options)
    if not result.ok:
        raise GradientMismatch(result)
    return result
