"""``pytest --gradcheck``'s session: the submissions, their items, the judge's hooks and the grader's report.

Imported by the plugin only when ``--gradcheck`` is given. Every submission is recognised in its own
worker process (:mod:`gradcheck.students.load`); one item is made per implementation x case x
oracle, plus ``[shapes]`` (and ``[interface]`` where the code has a cost or the notes' helper
methods), and ``[hypothesis]`` where its course draws networks (:mod:`gradcheck.students.drawn`).

Imports: pytest, :mod:`gradcheck.case` (types), :mod:`gradcheck.students`, :mod:`gradcheck.tolerance`;
the judge, the shapes and the drawn-network check when an item first runs them.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..grading import (
    CheckResult,
    capped_output,
    compact_drawn,
    drawn_repeats,
    lead,
    pointer_line,
    same_mistake_line,
    student_traceback,
)
from ..students.implementation import HARNESS_FILES, Implementation, StudentError
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
    return (f"each [hypothesis] item draws up to {o.gradcheck_examples} networks "
            f"(--gradcheck-examples={o.gradcheck_examples}) with --gradcheck-seed={o.gradcheck_seed}")


# Session ------------------------------------------------------------------------------


class _Judge:
    """Per-session state: the submissions, the grader, the items' results and the graders' files."""

    def __init__(self, config: pytest.Config, submissions: list[Submission], points: list[tuple[str, float]]):
        from ..grading import Grader

        o = config.option
        self.config = config
        self.submissions = submissions
        self.grader = Grader(oracles=tuple(o.gradcheck_oracles), safety=o.gradcheck_tolerance, seed=o.gradcheck_seed,
                             timeout=o.gradcheck_timeout, examples=o.gradcheck_examples, mode=o.gradcheck_mode,
                             budget=o.gradcheck_budget)
        self.points = points
        self.results: list[dict] = []
        self.index: dict[str, int] = {}
        self._groups: dict[int, list[GradcheckItem]] = {}
        self._grouped: dict[str, CheckResult] = {}
        self._output_shown: set[Path] = set()

    @property
    def timeout(self) -> float:
        return self.config.option.gradcheck_timeout

    # An implementation's group: its selected items that judge gradients
    def group_results(self, impl: Implementation) -> list[CheckResult]:
        """Every selected grouped item's result for ``impl`` (student code runs once per case)."""
        return [self.grouped_result(item) for item in self._groups.get(id(impl), [])]

    def grouped_result(self, item: _Grouped) -> CheckResult:
        if item.nodeid not in self._grouped:
            self._grouped[item.nodeid] = item.own()
        return self._grouped[item.nodeid]

    def first_output(self, path: Path) -> bool:
        """Whether the student's output is to be shown here: once per submission."""
        if path in self._output_shown:
            return False
        self._output_shown.add(path)
        return True

    # pytest hooks (registered on the session's plugin manager)
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list) -> None:
        for sub in self.submissions:
            node = SubmissionFile.from_parent(session, path=sub.path, submission=sub)
            found = list(node.collect())
            # Tell the terminal (and junitxml) what was collected, as pytest's own collection would.
            session.ihook.pytest_collectreport(report=pytest.CollectReport(node.nodeid, "passed", None, found))
            items.extend(found)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The selected items (after -k, -m, deselection) form each implementation's group."""
        for i, item in enumerate(session.items):
            self.index[item.nodeid] = i
            if isinstance(item, _Grouped):
                self._groups.setdefault(id(item.impl), []).append(item)
        if _WARMUP is not None:
            _WARMUP.cases(item.case for item in session.items if isinstance(item, _Grouped) and item.case is not None)

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        n_impl = sum(len(s.implementations) for s in self.submissions)
        return [_settings_line(config), _tolerance_line(config),
                f"gradcheck: {len(self.submissions)} submission{'s' * (len(self.submissions) != 1)}, "
                f"{n_impl} implementation{'s' * (n_impl != 1)} recognised; " + _hypothesis_line(config),
                *(f"gradcheck: {note}" for note in self.grader.judging_oracles()[1]), *self._missing_hooks(),
                *_notebook_lines(config, self.submissions),
                *(f"gradcheck: {_display(sub.path, config.rootpath)}: {line}" for sub in self.submissions
                  for line in sub.near_misses)]

    def _missing_hooks(self) -> list[str]:
        """Items not offered because a course lacks the hook, said once per course."""
        lines = {}
        for sub in self.submissions:
            for impl in sub.implementations:
                if impl.kind == "reference" and not impl.offers_strategy() and impl.course is not None:
                    lines.setdefault(impl.course.name, f"gradcheck: no [hypothesis] items for course "
                                     f"{impl.course.name!r}: it offers no Hypothesis strategy (Course.strategy)")
        return list(lines.values())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if isinstance(item, GradcheckItem) and call.when != "teardown":
            record = item.describe()
            if item.result is not None and call.when == "call":
                record.update(item.result.to_dict())
                if item.shown_in_full and item.result.status != "passed":
                    record["text"] = str(call.excinfo.value) if call.excinfo is not None else item.result.text
                    record["lead"] = True
            elif call.excinfo is not None:
                record["message"] = _short(call.excinfo.value)
            report.gradcheck = record
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "gradcheck", None)
        if data is None or not (report.when == "call" or (report.when == "setup" and not report.passed)):
            return
        self.results.append({**data, "nodeid": report.nodeid, "outcome": report.outcome,
                             "duration": round(report.duration, 4)})

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        o = self.config.option
        if not (o.gradcheck_report or o.gradcheck_gradescope or o.gradcheck_csv):
            return
        from ..students.sandbox import Sandbox
        from . import grades

        Sandbox.close_all()  # every worker has ended before the files are written, by the judge alone
        book = self.gradebook()
        here = Path(self.config.invocation_params.dir)
        if o.gradcheck_report:
            grades.write(here / o.gradcheck_report, grades.report_json(book))
        if o.gradcheck_gradescope:
            grades.write(here / o.gradcheck_gradescope, grades.gradescope_json(book))
        if o.gradcheck_csv:
            grades.write(here / o.gradcheck_csv, grades.gradebook_csv(book))

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if hasattr(config, "workerinput"):
            return
        from . import grades

        book = self.gradebook()
        rows = grades.summary_lines(book)
        if rows:
            terminalreporter.section("gradcheck summary", sep="=")
            for line in rows:
                terminalreporter.write_line(line)
        o = config.option
        for what, path in (("report", o.gradcheck_report), ("Gradescope results", o.gradcheck_gradescope),
                           ("gradebook", o.gradcheck_csv)):
            if path:
                terminalreporter.write_line(f"gradcheck: {what} written to {path}")

    def gradebook(self):
        from . import grades

        rootdir = self.config.rootpath
        subs = [(_display(sub.path, rootdir), [(i.name, i.convention, i.model or None) for i in sub.implementations])
                for sub in self.submissions]
        return grades.Gradebook(version=_version(), settings=_settings(self.config), settings_line=_settings_line(
            self.config), submissions=subs, records=sorted(self.results, key=lambda r: r.get("index", 0)),
            points=self.points,
            max_score=self.config.option.gradcheck_max_score,
            extra={_display(sub.path, rootdir): {"notebook_not_run" if sub.path.suffix == ".ipynb" else "not_run": sub.notes}
                   for sub in self.submissions if sub.path.suffix == ".ipynb" or sub.notes})


def _version() -> str:
    from .. import __version__

    return __version__


def _notebook_lines(config: pytest.Config, submissions: list[Submission]) -> list[str]:
    """Per notebook, the policy in force and the cells it did not run, and why; per .py file graded on
    its definitions after a failed import, why and the lines it did not run."""
    lines = []
    for sub in submissions:
        if sub.path.suffix != ".ipynb":  # a .py file's notes: its import failed, and what ran instead
            if sub.notes:
                lines += [f"gradcheck: {_display(sub.path, config.rootpath)}: {sub.notes[0]}",
                          *(f"  {note}" for note in sub.notes[1:])]
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
    from .grades import parse_points

    global _WARMUP
    points = parse_points(config.getini("gradcheck_points"))  # a usage error before any worker starts
    _quick_exit()
    distributing = bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")
    if not distributing:  # this process judges: its oracles import (and compile) while submissions load
        from ..oracles import warmup

        _WARMUP = warmup.start(config.option.gradcheck_oracles)
    submissions = _submissions(config, targets, course_specs)
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Distribute(submissions), "gradcheck-distribute")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = []  # with --gradcheck and no paths given, collect only the submissions
    config.pluginmanager.register(_Judge(config, submissions, points), "gradcheck-judge")


def stop() -> None:
    """Every submission's worker ends with the session (its children and threads with it)."""
    from ..students.sandbox import Sandbox

    Sandbox.close_all()
    if _WARMUP is not None:
        _WARMUP.stop()
    gc.freeze()  # see _quick_exit: pytest's unraisable-exception check collects garbage harder next


_WARMUP = None  # the oracles' background start-up (gradcheck.oracles.warmup) of this process


@functools.cache
def _quick_exit() -> None:
    """Once the session is over, full garbage collections walk every object jax and scipy made:
    0.15 s in pytest's unraisable-exception check and 0.5-0.7 s at the interpreter's exit, here.
    ``gc.freeze()`` then (in :func:`stop`, and at exit) leaves those objects to reference counting,
    which frees them as the modules go. Registered once per process, when ``--gradcheck`` is given."""
    atexit.register(gc.freeze)


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
        seed = self.config.option.gradcheck_seed
        for impl in sub.implementations:
            if impl.kind == "self":
                for label in impl.labels:
                    yield SelfItem.from_parent(self, name=f"{impl.name}[{label}]", impl=impl, label=label, judge=judge)
                continue
            cases = impl.cases(seed)
            if impl.kind == "block":
                for case in cases:
                    yield BlockItem.from_parent(self, name=f"{impl.name}[{case.name}]", impl=impl, case=case,
                                                judge=judge)
                continue
            for case in cases:
                yield CaseItem.from_parent(self, name=f"{impl.name}[{case.name}]", impl=impl, case=case, judge=judge)
            yield ShapesItem.from_parent(self, name=f"{impl.name}[shapes]", impl=impl, cases=cases, judge=judge)
            if impl.has_interface:
                yield InterfaceItem.from_parent(self, name=f"{impl.name}[interface]", impl=impl, cases=cases,
                                                judge=judge)
            if impl.kind == "reference" and impl.offers_strategy():  # its course can draw networks of its model
                yield HypothesisItem.from_parent(self, name=f"{impl.name}[hypothesis]", impl=impl, judge=judge)


class Verdict(AssertionError):
    """A gradcheck item's failure; its text is the whole message for that item."""


class GradcheckItem(pytest.Item):
    """Base of every item the plugin makes: it computes a :class:`CheckResult` and renders it.

    Each kind of item defines ``compute()`` (its result, from the session's Grader); ``render`` may
    shorten what a failure prints. Items of one implementation that judge gradients (cases, blocks, self-consistency) form a
    group: the group's most telling failure (:func:`gradcheck.grading.lead`) prints its full
    report, the others one line pointing at it.
    """

    impl: Implementation | None = None
    case: Case | None = None
    check = ""
    def __init__(self, *, judge: _Judge | None = None, impl: Implementation | None = None, **kwargs):
        super().__init__(**kwargs)
        self.judge = judge
        self.impl = impl
        self.result: CheckResult | None = None
        self.shown_in_full = False

    def describe(self) -> dict[str, Any]:
        impl = self.impl
        return {
            "submission": _display(self.path, self.config.rootpath),
            "implementation": impl.name if impl else None,
            "convention": impl.convention if impl else None,
            "model": (impl.model or None) if impl else None,
            "case": self.case.name if self.case is not None else None,
            "check": self.check,
            "name": self.name,
            "index": self.judge.index.get(self.nodeid, 0) if self.judge else 0,
        }

    def reportinfo(self):
        # The failure header names the file too, so that a folder's reports tell alice's from bob's.
        # (A domain that ends the node id would have its dots turned into "::" by the terminal.)
        return self.path, None, f"{self.name} ({_where(self)})"

    def render(self, result: CheckResult) -> str:
        self.shown_in_full = True
        return result.text

    def runtest(self) -> None:
        result = self.result = self.compute()
        if result.status == "skipped":
            pytest.skip(result.text)
        if result.failed:
            text = self.render(result)
            if self.shown_in_full and result.output.strip() and self.judge.first_output(self.path):
                self.add_report_section("call", "student output", capped_output(result.output))
            raise Verdict(text)

    def repr_failure(self, excinfo, style=None):
        exc = excinfo.value
        if isinstance(exc, Verdict):
            return _report_repr(self, str(exc))
        if isinstance(exc, StudentError):
            return _report_repr(self, student_traceback(exc, self.case), last_line=True)
        return super().repr_failure(excinfo, style=style)


def _report_repr(item: GradcheckItem, text: str, last_line: bool = False):
    """A report as pytest's own failures carry it: the full text for the failure section and one line
    for the short summary. (A plain string would be repeated whole in the summary wherever pytest does
    not trim it: under ``-vv`` and on CI, where ``$CI`` is set.) Survives xdist's serialisation."""
    from _pytest._code.code import ReprExceptionInfo, ReprFileLocation, ReprTracebackNative

    lines = [line for line in text.splitlines() if line.strip()] or [text]
    message = lines[-1] if last_line else lines[0]
    body = ReprTracebackNative([text if text.endswith("\n") else text + "\n"])
    return ReprExceptionInfo(reprtraceback=body, reprcrash=ReprFileLocation(str(item.path), 0, message.strip()))


class _Grouped(GradcheckItem):
    """An item of an implementation's group: shown in full when it is the group's lead. Each kind
    defines ``own()``, its result, which the judge computes once and shares with the group."""

    def compute(self) -> CheckResult:
        return self.judge.grouped_result(self)  # its own() result, computed once for the whole group

    def render(self, result: CheckResult) -> str:
        group = self.judge.group_results(self.impl)
        top = lead(group)
        if top is not result:
            return pointer_line(result, top, self.impl.name)
        self.shown_in_full = True
        others = same_mistake_line(result, group)
        return f"{result.text}\n{others}" if others else result.text


class CaseItem(_Grouped):
    """One implementation on one case, judged by every selected oracle."""

    check = "gradients"

    def __init__(self, *, case: Case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def own(self) -> CheckResult:
        return self.judge.grader.case(self.impl, self.case)


class BlockItem(_Grouped):
    """A building block of the course's network, on every layer of one case."""

    check = "block"

    def __init__(self, *, case: Case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def own(self) -> CheckResult:
        return self.judge.grader.block(self.impl, self.case)


class SelfItem(_Grouped):
    """A model-free implementation checked against its own cost."""

    check = "self-consistency"

    def __init__(self, *, label: str, **kwargs):
        super().__init__(**kwargs)
        self.label = label

    def describe(self):
        return {**super().describe(), **self.impl.data(self.label)}

    def own(self) -> CheckResult:
        return self.judge.grader.self_consistency(self.impl, self.label)


class ShapesItem(GradcheckItem):
    """Every gradient and exposed intermediate has its table shape, on every case."""

    check = "shapes"

    def __init__(self, *, cases: list[Case], **kwargs):
        super().__init__(**kwargs)
        self.cases = cases

    def compute(self) -> CheckResult:
        return self.judge.grader.shapes(self.impl, self.cases)


class InterfaceItem(GradcheckItem):
    """The code's own cost and helper methods (getParams, setParams, computeGradients) agree."""

    check = "interface"

    def __init__(self, *, cases: list[Case], **kwargs):
        super().__init__(**kwargs)
        self.cases = cases

    def compute(self) -> CheckResult:
        return self.judge.grader.interface(self.impl, self.cases)


class HypothesisItem(GradcheckItem):
    """The implementation on networks drawn by Hypothesis; a failure is shrunk and confirmed (gradcheck.drawn)."""

    check = "hypothesis"

    def compute(self) -> CheckResult:
        with _without_assertion_rewriting():  # hypothesis is a library here, not a test module
            from ..students.drawn import reproduce_command

        o = self.config.option
        module, target = _module_and_target(self)
        return self.judge.grader.drawn(
            self.impl, module=module,
            reproduce=reproduce_command(target, o.gradcheck_seed, o.gradcheck_examples, self.impl.name,
                                        tuple(o.gradcheck_course or ())))

    def render(self, result: CheckResult) -> str:
        if drawn_repeats(result, lead(self.judge.group_results(self.impl))):  # a worked example shows it in full
            return compact_drawn(result)
        self.shown_in_full = True
        return result.text


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


class ImportItem(GradcheckItem):
    """A submission that cannot be imported fails here, and only here."""

    check = "import"

    def __init__(self, *, error: RemoteError, output: str, **kwargs):
        super().__init__(**kwargs)
        self.error = error
        self.output = output

    def compute(self) -> CheckResult:
        text = self.error.traceback_text or str(self.error)
        return CheckResult("import", "import", "failed", output=self.output,
                           text=_import_failure(self.path, text),
                           data={"message": str(self.error)})


def _import_failure(path: Path, text: str) -> str:
    if path.suffix == ".ipynb":
        return f"{path.name}'s cells cannot be run, so none of its gradients can be checked:\n\n{text}"
    return f"{path.name} cannot be imported, so none of its gradients can be checked:\n\n{text}"


class NothingItem(GradcheckItem):
    """A file in a folder of submissions in which nothing is recognised: skipped, with the reason."""

    check = "recognise"

    def compute(self) -> CheckResult:
        # A helper module beside the submissions (the course's dnn_utils, testCases) is no failure.
        return CheckResult("nothing-recognised", "recognise", "skipped",
                           text=f"nothing in {self.path.name} is recognised (see --gradcheck in pytest --help "
                                f"for the conventions)")
