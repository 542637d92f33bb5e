"""``pytest --gradcheck``'s session: the submissions, their items, the judge's hooks and the grader's report.

Imported by the plugin only when ``--gradcheck`` is given. Every submission is recognised in its own
worker process (:mod:`gradcheck.students.load`); one item is made per implementation x case x
oracle, plus ``[shapes]`` (and ``[interface]`` where the code has a cost or the notes' helper
methods), and ``[hypothesis]`` where its course draws networks (:mod:`gradcheck.students.drawn`).

Imports: pytest, :mod:`gradcheck.case` (types), :mod:`gradcheck.students`, :mod:`gradcheck.tolerance`;
the judge, the shapes and the drawn-network check when an item first runs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..students.implementation import HARNESS_FILES, Implementation, Outcome, StudentError, student_frames_text
from ..students.load import RemoteError, Submission, TargetError

if TYPE_CHECKING:
    from ..case import Case

__all__ = ["start", "stop"]


def _safety(config: pytest.Config) -> float:
    from ..tolerance import SAFETY

    return config.option.gradcheck_tolerance or SAFETY


def _settings(config: pytest.Config) -> dict[str, Any]:
    o = config.option
    return {"oracles": list(o.gradcheck_oracles), "tolerance": _safety(config),
            "seed": o.gradcheck_seed, "timeout": o.gradcheck_timeout, "examples": o.gradcheck_examples,
            "mode": o.gradcheck_mode, "budget": o.gradcheck_budget}


def _settings_line(config: pytest.Config) -> str:
    s = _settings(config)
    return (f"gradcheck: --gradcheck-oracles={','.join(s['oracles'])} --gradcheck-tolerance={s['tolerance']:g} "
            f"--gradcheck-seed={s['seed']} --gradcheck-timeout={s['timeout']:g} "
            f"--gradcheck-mode={s['mode']} --gradcheck-budget={s['budget']:g}")


def _tolerance_line(config: pytest.Config) -> str:
    from ..tolerance import ULPS

    return (f"gradcheck: a gradient fails when it is further from an oracle than {_safety(config):g} x that "
            f"oracle's error estimate + {ULPS['float64']:g} ulps of its size ({ULPS['float32']:g} for float32); "
            f"drawn cases use seed {config.option.gradcheck_seed}")


def _hypothesis_line(config: pytest.Config) -> str:
    o = config.option
    return (f"gradcheck: each [hypothesis] item draws up to {o.gradcheck_examples} networks "
            f"(--gradcheck-examples={o.gradcheck_examples}) with --gradcheck-seed={o.gradcheck_seed}")


# Session ------------------------------------------------------------------------------


class _Judge:
    """Per-session state: the submissions, the outcomes of student code, the grader's report."""

    def __init__(self, config: pytest.Config, submissions: list[Submission]):
        self.config = config
        self.submissions = submissions
        self._outcomes: dict[tuple[int, str], Outcome | StudentError] = {}
        self.results: list[dict] = []

    @property
    def timeout(self) -> float:
        return self.config.option.gradcheck_timeout

    def outcome(self, impl: Implementation, case: Case) -> Outcome:
        """The implementation's answer on ``case``: student code runs once per session, not once per oracle."""
        key = (id(impl), case.name)
        if key not in self._outcomes:
            try:
                self._outcomes[key] = impl.run(case, self.timeout)
            except StudentError as exc:
                self._outcomes[key] = exc
        value = self._outcomes[key]
        if isinstance(value, StudentError):
            raise value
        return value

    def options(self) -> dict[str, Any]:
        o = self.config.option
        return {"safety": _safety(self.config), "mode": o.gradcheck_mode, "budget": o.gradcheck_budget}

    # pytest hooks (registered on the session's plugin manager)
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        for sub in self.submissions:
            node = SubmissionFile.from_parent(session, path=sub.path, submission=sub)
            found = list(node.collect())
            # Tell the terminal (and junitxml) what was collected, as pytest's own collection would.
            session.ihook.pytest_collectreport(report=pytest.CollectReport(node.nodeid, "passed", None, found))
            items.extend(found)

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        n_impl = sum(len(s.implementations) for s in self.submissions)
        return [_settings_line(config), _tolerance_line(config),
                f"gradcheck: {len(self.submissions)} submission{'s' * (len(self.submissions) != 1)}, "
                f"{n_impl} implementation{'s' * (n_impl != 1)} recognised", _hypothesis_line(config),
                *self._missing_hooks(), *_notebook_lines(config, self.submissions)]

    def _missing_hooks(self) -> list[str]:
        """Items not offered because a course lacks the hook, said once per course."""
        lines = {}
        for sub in self.submissions:
            for impl in sub.implementations:
                if impl.kind == "reference" and not impl.offers_strategy() and impl.course is not None:
                    lines.setdefault(impl.course.name, f"gradcheck: no [hypothesis] items for course "
                                     f"{impl.course.name!r}: it offers no Hypothesis strategy (Course.strategy)")
        return list(lines.values())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "gradcheck", None)
        if data is None or not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        self.results.append({**data, "nodeid": report.nodeid, "outcome": report.outcome,
                             "duration": round(report.duration, 4)})

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.option.gradcheck_report
        if not path or hasattr(self.config, "workerinput"):
            return
        from ..students.sandbox import Sandbox

        Sandbox.close_all()  # every worker has ended before the report is written, by the judge alone
        target = Path(self.config.invocation_params.dir, path)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.grades(), indent=1) + "\n")
        os.replace(temporary, target)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        path = config.option.gradcheck_report
        if path and not hasattr(config, "workerinput"):
            terminalreporter.write_line(f"gradcheck: report written to {path}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        data = getattr(item, "gradcheck_result", None)
        if isinstance(item, GradcheckItem) and call.when != "teardown":
            report.gradcheck = {**item.describe(), **(data or {})}
            if call.excinfo is not None and call.when == "call":
                report.gradcheck.setdefault("message", _short(call.excinfo.value))
        return report

    def grades(self) -> dict:
        """The grader's JSON: settings, then per submission its items and counts."""
        rootdir = self.config.rootpath
        by_file: dict[str, list[dict]] = {}
        for r in sorted(self.results, key=lambda r: r["nodeid"]):
            by_file.setdefault(r["submission"], []).append(r)
        subs = []
        for sub in self.submissions:
            name = _display(sub.path, rootdir)
            items = by_file.get(name, [])
            subs.append({
                "path": name,
                "implementations": [{"name": i.name, "convention": i.convention, "model": i.model or None}
                                    for i in sub.implementations],
                "passed": sum(r["outcome"] == "passed" for r in items),
                "failed": sum(r["outcome"] == "failed" for r in items),
                "skipped": sum(r["outcome"] == "skipped" for r in items),
                **({"notebook_not_run": sub.notes} if sub.path.suffix == ".ipynb" else {}),
                "items": items,
            })
        return {"gradcheck": _version(), "settings": _settings(self.config), "submissions": subs}


def _version() -> str:
    from .. import __version__

    return __version__


def _notebook_lines(config: pytest.Config, submissions: list[Submission]) -> list[str]:
    """Per notebook, the policy in force and the cells it did not run, and why."""
    lines = []
    for sub in submissions:
        if sub.path.suffix != ".ipynb":
            continue
        mode = config.option.gradcheck_notebook
        how = ("every cell in order (--gradcheck-notebook=all)" if mode == "all" else
               "its imports, definitions and the assignments they use (--gradcheck-notebook=all runs every cell)")
        lines.append(f"gradcheck: {_display(sub.path, config.rootpath)}: ran {how}")
        lines += [f"  {note}" for note in sub.notes]
    return lines


def _where(item: pytest.Item) -> str:
    """Where the item's code is: the file, or for a notebook the cell ("homework.ipynb, cell 7, line 3")."""
    shown = _display(item.path, item.config.rootpath)
    where = getattr(item.impl, "where", "")  # "homework.ipynb, cell 7, line 3": the path goes before it
    return f"{shown}{where[len(item.path.name):]}" if where.startswith(item.path.name) else shown


def _module_and_target(item: pytest.Item) -> tuple[str, str]:
    """The name the generated code imports the submission by, and the target that repeats the run:
    a dotted module as given, a file inside a package by its package name, a notebook by its file."""
    sub = item.parent.submission
    if sub.dotted:
        return sub.dotted, sub.dotted
    target = _display(item.path, Path(item.config.invocation_params.dir))
    if sub.path.suffix == ".ipynb":
        return sub.path.name, target
    return sub.package or sub.path.stem, target


def _display(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return path.as_posix()


def _sandbox_settings(config: pytest.Config, course_specs: list[tuple[str, Path]]):
    from ..students.sandbox import SandboxSettings

    courses = [(spec, str(base)) for spec, base in course_specs]
    return SandboxSettings(config.option.gradcheck_timeout, config.option.gradcheck_memory, courses,
                           sorted(HARNESS_FILES), notebook=config.option.gradcheck_notebook)


def _submissions(config: pytest.Config, targets: list[str], course_specs) -> list[Submission]:
    """The submissions, recognised each in its own worker; on an xdist worker, as the controller found them."""
    from ..students import load, sandbox

    settings = _sandbox_settings(config, course_specs)
    allow = config.option.gradcheck_allow_autodiff
    invocation = Path(config.invocation_params.dir)
    data = getattr(config, "workerinput", {}).get("gradcheck_submissions")
    if data is not None:
        return load.from_data(json.loads(data), invocation, settings, allow_autodiff=allow)
    sandbox.warm_up()
    distributed = bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"
    try:
        return load.recognise_all(targets, invocation, settings, allow_autodiff=allow, keep=not distributed)
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None


class _Distribute:
    """With pytest-xdist: every worker collects from what the controller found, never importing anything."""

    def __init__(self, submissions: list[Submission]):
        self.submissions = submissions

    def pytest_configure_node(self, node) -> None:
        from ..students.load import as_data

        node.workerinput["gradcheck_submissions"] = json.dumps(as_data(self.submissions))


def start(config: pytest.Config, targets: list[str], course_specs: list[tuple[str, Path]]) -> None:
    """``--gradcheck`` was given: recognise the submissions and register the session's judge."""
    submissions = _submissions(config, targets, course_specs)
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Distribute(submissions), "gradcheck-distribute")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = []  # with --gradcheck and no paths given, collect only the submissions
    config.pluginmanager.register(_Judge(config, submissions), "gradcheck-judge")


def stop() -> None:
    """Every submission's worker ends with the session (its children and threads with it)."""
    from ..students.sandbox import Sandbox

    Sandbox.close_all()


def _short(exc: BaseException) -> str:
    return str(exc).strip()


# Collection ----------------------------------------------------------------------------


class SubmissionFile(pytest.File):
    """A student's module; its items are made from what :func:`recognise` found."""

    def __init__(self, *, submission: Submission, **kwargs):
        super().__init__(**kwargs)
        self.submission = submission

    def collect(self):
        sub = self.submission
        judge: _Judge = self.config.pluginmanager.get_plugin("gradcheck-judge")
        if sub.error is not None:
            yield ImportItem.from_parent(self, name="import", error=sub.error, output=sub.output)
            return
        if not sub.implementations:
            yield NothingItem.from_parent(self, name="nothing-recognised")
            return
        oracles = self.config.option.gradcheck_oracles
        seed = self.config.option.gradcheck_seed
        for impl in sub.implementations:
            if impl.kind == "self":
                for reg in impl.regs:
                    for oracle in [o for o in oracles if o != "jax"] or ["fd"]:
                        yield SelfItem.from_parent(self, name=f"{impl.name}[reg-{reg:g}-{oracle}]", impl=impl,
                                                   reg=reg, oracle=oracle, judge=judge)
                continue
            cases = impl.cases(seed)
            if impl.kind == "block":
                for case in cases:
                    yield BlockItem.from_parent(self, name=f"{impl.name}[{case.name}]", impl=impl, case=case,
                                                judge=judge)
                continue
            for case in cases:
                for oracle in oracles:
                    yield CaseItem.from_parent(self, name=f"{impl.name}[{case.name}-{oracle}]", impl=impl, case=case,
                                               oracle=oracle, judge=judge)
            yield ShapesItem.from_parent(self, name=f"{impl.name}[shapes]", impl=impl, cases=cases, judge=judge)
            if impl.has_interface:
                yield InterfaceItem.from_parent(self, name=f"{impl.name}[interface]", impl=impl, cases=cases,
                                                judge=judge)
            if impl.kind == "reference" and impl.offers_strategy():  # its course can draw networks of its model
                yield HypothesisItem.from_parent(self, name=f"{impl.name}[hypothesis]", impl=impl, judge=judge)


class Verdict(AssertionError):
    """A gradcheck item's failure; its text is the whole report for that item."""


class GradcheckItem(pytest.Item):
    """Base of every item the plugin makes; failures print reports, student errors their own traceback."""

    impl: Implementation | None = None
    case: Case | None = None
    oracle: str | None = None
    check = ""

    def __init__(self, *, judge: _Judge | None = None, impl: Implementation | None = None, **kwargs):
        super().__init__(**kwargs)
        self.judge = judge
        self.impl = impl
        self.gradcheck_result: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        impl = self.impl
        return {
            "submission": _display(self.path, self.config.rootpath),
            "implementation": impl.name if impl else None,
            "convention": impl.convention if impl else None,
            "model": (impl.model or None) if impl else None,
            "case": self.case.name if self.case is not None else None,
            "oracle": self.oracle,
            "check": self.check,
        }

    def reportinfo(self):
        # The failure header names the file too, so that a folder's reports tell alice's from bob's.
        # (A domain that ends the node id would have its dots turned into "::" by the terminal.)
        return self.path, None, f"{self.name} ({_where(self)})"

    def _show_output(self, text: str) -> None:
        if text.strip():
            self.add_report_section("call", "student output", text)

    def repr_failure(self, excinfo, style=None):
        exc = excinfo.value
        if isinstance(exc, StudentError):
            self._show_output(exc.output)
            return _student_traceback(exc, self.case)
        if isinstance(exc, Verdict):
            return str(exc)
        return super().repr_failure(excinfo, style=style)


def _student_traceback(err: StudentError, case: Case | None) -> str:
    where = f" on case {case.name}" if case is not None else ""
    cause = err.__cause__
    if cause is None and not err.traceback_text:
        return f"{err}{where}."
    exc_type = err.exc_type or type(cause).__name__
    text = err.traceback_text or student_frames_text(cause)
    return f"{err.what} raised {exc_type}{where}; your traceback (gradcheck's frames hidden):\n\n{text}"


def _judge_report(report: Any, outcome: Outcome) -> tuple[bool, str]:
    text = str(report)
    extra = [f"problem: {p}" for p in outcome.problems] + [f"note: {n}" for n in outcome.notes]
    return bool(report.ok) and not outcome.problems, "\n".join([text, *extra]) if extra else text


def _report_dict(report: Any) -> dict:
    try:
        return report.to_dict()
    except Exception:  # a report that cannot describe itself must not lose the verdict
        return {"text": str(report)}


class CaseItem(GradcheckItem):
    """One implementation on one case, judged by one oracle."""

    check = "gradients"

    def __init__(self, *, case: Case, oracle: str, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.oracle = oracle

    def runtest(self) -> None:
        from ..judge import check_gradients

        outcome = self.judge.outcome(self.impl, self.case)
        try:
            report = check_gradients(outcome.grads, self.case, oracles=(self.oracle,),
                                     intermediates=outcome.intermediates or None, **self.judge.options())
        except (ValueError, TypeError) as exc:  # gradients it cannot take (names, types): its message says which
            self._show_output(outcome.output)
            message = str(exc)
            self.gradcheck_result = {"wrong": None, "message": message}
            raise Verdict(f"{self.impl.name} on case {self.case.name} cannot be judged by the {self.oracle} oracle:\n"
                          f"{message}") from None
        diagnosis = None if report.diagnosis is None else report.diagnosis.to_dict()
        ok, text = _judge_report(report, outcome)
        self.gradcheck_result = {"wrong": list(report.wrong), "problems": outcome.problems,
                                 "diagnosis": diagnosis, "report": _report_dict(report)}
        if not ok:
            self._show_output(outcome.output)
            raise Verdict(text)


class ShapesItem(GradcheckItem):
    """Every gradient and exposed intermediate has its table shape, on every case."""

    check = "shapes"

    def __init__(self, *, cases: list[Case], **kwargs):
        super().__init__(**kwargs)
        self.cases = cases

    def runtest(self) -> None:
        from ..shapes import shape_problems

        problems: list[str] = []
        for case in self.cases:
            self.case = case
            outcome = self.judge.outcome(self.impl, case)
            table = case.shape_table
            named = {k: v for k, v in {**outcome.grads, **outcome.intermediates}.items()}
            named = {k: v for k, v in named.items()
                     if k in table or any(k == f"{p}{n}" for p in ("dJd", "dEd", "dCd", "d") for n in case.param_names)}
            found = [f"{case.name}: {p}" for p in shape_problems(named, case)]
            problems += [p for p in found if p not in problems]
        self.case = None
        self.gradcheck_result = {"problems": problems}
        if problems:
            raise Verdict("\n".join(problems))


class InterfaceItem(GradcheckItem):
    """The code's own cost and helper methods (getParams, setParams, computeGradients) agree."""

    check = "interface"

    def __init__(self, *, cases: list[Case], **kwargs):
        super().__init__(**kwargs)
        self.cases = cases

    def runtest(self) -> None:
        problems: list[str] = []
        output = ""
        failing = []
        for case in self.cases:
            self.case = case
            found, out = self.impl.interface(case, self.judge.timeout)
            output += out
            if found:
                failing.append(case.name)
                if len(failing) == 1:  # the first case that shows a problem says enough
                    problems += [f"{case.name}: {p}" for p in found]
        self.case = None
        if len(failing) > 1:
            problems.append(f"(also wrong on {', '.join(failing[1:])})")
        self.gradcheck_result = {"problems": problems}
        if problems:
            self._show_output(output)
            raise Verdict("\n".join(problems))


class BlockItem(GradcheckItem):
    """A building block of the course's network, on every layer of one case."""

    check = "block"

    def __init__(self, *, case: Case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        problems, output = self.impl.check(self.case, self.judge.timeout)
        self.gradcheck_result = {"problems": problems}
        if problems:
            self._show_output(output)
            raise Verdict("\n".join(problems) + "\n(compared with the reference backward pass of the course's network)")


class SelfItem(GradcheckItem):
    """A model-free implementation checked against its own cost, by one oracle."""

    check = "self-consistency"

    def __init__(self, *, reg: float, oracle: str, **kwargs):
        super().__init__(**kwargs)
        self.reg = reg
        self.oracle = oracle

    def describe(self):
        return {**super().describe(), "reg": self.reg}

    def runtest(self) -> None:
        from ..judge import check_function

        cost, grad, params, finish = self.impl.problem(self.reg, self.config.option.gradcheck_seed, self.judge.timeout)
        try:
            report = check_function(cost, grad, params, oracles=(self.oracle,), **self.judge.options())
        except StudentError as exc:
            exc.output = exc.output or finish()[1]
            raise
        problems, output = finish()
        outcome = Outcome(problems=problems, output=output)
        ok, text = _judge_report(report, outcome)
        self.gradcheck_result = {"wrong": list(report.wrong), "problems": outcome.problems,
                                 "report": _report_dict(report)}
        if not ok:
            self._show_output(outcome.output)
            raise Verdict(f"{self.impl.name}.loss(X, y, reg={self.reg:g}) against its own loss, on drawn data:\n{text}")


class HypothesisItem(GradcheckItem):
    """The implementation on networks drawn by Hypothesis; a failure is shrunk and confirmed (gradcheck.drawn)."""

    check = "hypothesis"

    def runtest(self) -> None:
        with _without_assertion_rewriting():  # hypothesis is a library here, not a test module
            from ..students.drawn import check_drawn, reproduce_command

        o = self.config.option
        module, target = _module_and_target(self)
        result = check_drawn(
            self.impl, examples=o.gradcheck_examples, seed=o.gradcheck_seed, timeout=self.judge.timeout,
            use_jax="jax" in o.gradcheck_oracles, module=module,
            reproduce=reproduce_command(target, o.gradcheck_seed, o.gradcheck_examples, self.impl.name,
                                        tuple(o.gradcheck_course or ())),
            explain_error=_student_traceback)
        self.gradcheck_result = {"hypothesis": result.to_dict()}
        if result.unconfirmed:
            self.gradcheck_result["message"] = result.message
            pytest.skip(result.message)
        if not result.ok:
            self._show_output(result.output)
            raise Verdict(f"{self.impl.name} on networks drawn by Hypothesis ({_drawn_count(result.examples)}, "
                          f"--gradcheck-seed={result.seed}):\n{result.message}")


@contextlib.contextmanager
def _without_assertion_rewriting():
    """Imports inside skip pytest's assertion rewriting.

    pytest rewrites every module of a distribution that registers a pytest plugin, hypothesis
    included, whenever one is first imported; where bytecode is not cached
    (PYTHONDONTWRITEBYTECODE) that took 1 s of the [hypothesis] item's 1.2 s, for asserts inside
    Hypothesis's engine that no test of ours reports on.
    """
    hooks = [(i, h) for i, h in enumerate(sys.meta_path) if type(h).__module__ == "_pytest.assertion.rewrite"]
    for _, hook in hooks:
        sys.meta_path.remove(hook)
    try:
        yield
    finally:
        for i, hook in hooks:
            sys.meta_path.insert(i, hook)


def _drawn_count(n: int) -> str:
    return f"{n} drawn" if n != 1 else "1 drawn"


class ImportItem(GradcheckItem):
    """A submission that cannot be imported fails here, and only here."""

    check = "import"

    def __init__(self, *, error: RemoteError, output: str, **kwargs):
        super().__init__(**kwargs)
        self.error = error
        self.output = output

    def runtest(self) -> None:
        self.gradcheck_result = {"message": str(self.error)}
        self._show_output(self.output)
        raise Verdict(_import_failure(self.path, self.error))


def _import_failure(path: Path, exc: RemoteError) -> str:
    text = exc.traceback_text or str(exc)
    if path.suffix == ".ipynb":
        return f"{path.name}'s cells cannot be run, so none of its gradients can be checked:\n\n{text}"
    return f"{path.name} cannot be imported, so none of its gradients can be checked:\n\n{text}"


class NothingItem(GradcheckItem):
    """A file in a folder of submissions in which nothing is recognised: skipped, with the reason."""

    check = "recognise"

    def runtest(self) -> None:
        # A helper module beside the submissions (the course's dnn_utils, testCases) is no failure.
        self.gradcheck_result = {"message": "nothing recognised"}
        pytest.skip(f"nothing in {self.path.name} is recognised (see --gradcheck in pytest --help for the conventions)")
