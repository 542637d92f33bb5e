"""The pytest plugin: the worked examples as fixtures, the options, and ``pytest --gradcheck TARGET``.

Registered through the ``pytest11`` entry point, so no conftest is needed. Importing this module
costs the users' other pytest runs nothing noticeable: it imports pytest and the standard library
only. The fixtures' names come from the case files' names (:mod:`gradcheck._data`); a case is
loaded, with numpy, when a test asks for its fixture. With ``--gradcheck``,
:mod:`gradcheck.plugin.session` is imported and does the work.

Imports: pytest, :mod:`gradcheck._data`; when needed :mod:`gradcheck.case`, :mod:`gradcheck.course`,
:mod:`gradcheck.plugin.session`, :mod:`gradcheck.students.implementation`.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
from pathlib import Path

import pytest

from .._data import ENTRY_POINT_GROUP, bundled_names

ORACLES = ("fd", "scipy", "jax")


# Fixtures ------------------------------------------------------------------------------


def _case_fixture(case_name: str):
    def fixture():
        from ..case import load_case

        return load_case(case_name)

    fixture.__name__ = case_name.replace("-", "_")
    fixture.__doc__ = f"The worked example {case_name!r} as a gradcheck.Case (fresh arrays on every access)."
    return pytest.fixture(name=fixture.__name__)(fixture)


for _name in bundled_names():
    globals()[_name.replace("-", "_")] = _case_fixture(_name)


@pytest.fixture(params=bundled_names())
def gradcheck_case(request):
    """Each worked example in turn, as a gradcheck.Case."""
    from ..case import load_case

    return load_case(request.param)


# Options -------------------------------------------------------------------------------


def _oracles(value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in ORACLES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a comma-separated list of oracles; choose from {','.join(ORACLES)} (e.g. fd,jax)"
        )
    return tuple(dict.fromkeys(names))


def _tolerance(value: str) -> float | None:
    if value == "auto":
        return None
    try:
        safety = float(value)
    except ValueError:
        safety = 0.0
    if not safety >= 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a tolerance: give the factor (at least 1) on each oracle's error estimate "
            f"that a gradient may differ by, e.g. 10, or 'auto'"
        )
    return safety


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds: give e.g. 10, or 0 for no limit")
    return seconds


def _count(minimum: int):
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least {minimum}")
        return n

    return parse


def _mode(value: str) -> str:
    if value not in ("full", "fast", "auto"):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a mode: choose full (every element), fast (random projections and sampled "
            f"elements) or auto (full when it fits in --gradcheck-budget)"
        )
    return value


def _positive(what: str):
    """A parser of a number above 0; ``what`` ends the message ("a budget: give the seconds ...")."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            number = 0.0
        if not number > 0:
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return number

    return parse


_budget = _positive("a budget: give the seconds a full check may take, e.g. 10")
_score = _positive("a score: give the points a full submission is worth, e.g. 100")


def _memory(value: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", value, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size: give bytes or a number with K, M, G, e.g. 2G (0: no limit)")
    return int(float(match.group(1)) * 1024 ** "_KMGT".index(match.group(2).upper() or "_"))


NOTEBOOK_MODES = ("needed", "all")


def _notebook(value: str) -> str:
    if value not in NOTEBOOK_MODES:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a notebook policy: choose needed (imports, definitions and the assignments they "
            f"use; cells that train, plot or load data are not run) or all (every cell in order)"
        )
    return value


def _path(value: str) -> str:
    return value


#: Every --gradcheck-* option: (flag, parse, default, metavar, help). Each is also an ini setting
#: named after its dest (``gradcheck_oracles = fd,jax``); the command line wins.
OPTIONS = (
    ("--gradcheck-oracles", _oracles, ORACLES, "LIST",
     "comma-separated oracles to judge by: fd, scipy, jax (default: all three, judging each case together)"),
    ("--gradcheck-tolerance", _tolerance, None, "FACTOR",
     "a gradient fails when it differs from an oracle by more than FACTOR times that oracle's error estimate, "
     "plus its own round-off (default: auto, i.e. 10)"),
    ("--gradcheck-seed", _count(0), 0, "N",
     "seed for the cases gradcheck draws itself (distinct sizes, self-consistency data, [hypothesis])"),
    ("--gradcheck-timeout", _seconds, 10.0, "SECONDS", "time limit for each call into student code (default 10; 0: none)"),
    ("--gradcheck-examples", _count(1), 50, "N", "networks Hypothesis draws for each [hypothesis] item (default 50)"),
    ("--gradcheck-mode", _mode, "auto", "MODE",
     "full: difference every element; fast: random projections and sampled elements per array (the report "
     "states the miss probability); auto (default): full when its estimated time fits in --gradcheck-budget"),
    ("--gradcheck-budget", _budget, 10.0, "SECONDS", "seconds a full check may take under --gradcheck-mode=auto (default 10)"),
    ("--gradcheck-memory", _memory, 2 << 30, "SIZE",
     "memory limit of each submission's process, e.g. 2G or 512M (default 2G; 0: none)"),
    ("--gradcheck-report", _path, None, "FILE",
     "write a JSON report (schema 2) to FILE: per submission and implementation its verdict, mistake and checks"),
    ("--gradcheck-gradescope", _path, None, "FILE", "write Gradescope's results.json to FILE"),
    ("--gradcheck-csv", _path, None, "FILE", "write a gradebook to FILE: one CSV row per submission"),
    ("--gradcheck-notebook", _notebook, "needed", "POLICY",
     "which cells of a notebook run: needed (default: imports, definitions and the assignments they use) or all "
     "(every cell in order, matplotlib on Agg)"),
    ("--gradcheck-max-score", _score, None, "POINTS",
     "scale each submission's points to POINTS (default: the sum of its items' points, see gradcheck_points)"),
)


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck", "gradcheck: check hand-written backpropagation")
    group.addoption("--gradcheck", action="append", metavar="TARGET", dest="gradcheck", default=None,
                    help="check the gradients in TARGET: a .py file, a .ipynb notebook, a folder of them (each a "
                         "submission), or a dotted module name; repeat the option for more targets")
    for flag, parse, _, metavar, text in OPTIONS:
        group.addoption(flag, type=parse, default=None, dest=_dest(flag), metavar=metavar,
                        help=f"{text} (ini {_dest(flag)})")
        parser.addini(_dest(flag), help=text, default=None)
    group.addoption("--gradcheck-allow-autodiff", action="store_true", default=None,
                    dest="gradcheck_allow_autodiff",
                    help="accept gradients computed with an autodiff library or gradcheck's own models "
                         "(by default they fail as not hand-written; ini gradcheck_allow_autodiff = true)")
    parser.addini("gradcheck_allow_autodiff", type="bool", default=False,
                  help="accept gradients computed with an autodiff library or gradcheck's own models")
    group.addoption("--gradcheck-course", action="append", dest="gradcheck_course", default=None,
                    metavar="PATH_OR_MODULE",
                    help="add a course from outside gradcheck: a course.py file or a dotted module name defining "
                         "COURSE (repeatable; also the ini setting gradcheck_course)")
    parser.addini("gradcheck_course", type="linelist", default=[],
                  help="courses to add, one per line: course.py files (relative to the rootdir) or module names")
    parser.addini("gradcheck_points", type="linelist", default=[],
                  help="points per item, one 'PATTERN = POINTS' per line (fnmatch on item names, first match wins; "
                       "default 1 each)")


def _resolve_options(config: pytest.Config) -> None:
    """Fill each --gradcheck-* option not given on the command line from its ini setting, else its default."""
    option = config.option
    for flag, parse, default, _, _ in OPTIONS:
        dest = _dest(flag)
        if getattr(option, dest, None) is not None:
            continue
        raw = config.getini(dest)
        if raw in (None, "", []):
            setattr(option, dest, default)
            continue
        try:
            setattr(option, dest, parse(str(raw).strip()))
        except argparse.ArgumentTypeError as exc:
            raise pytest.UsageError(f"ini setting {dest} = {raw!r}: {exc} (or give {flag} on the command line)") from None
    if option.gradcheck_allow_autodiff is None:
        option.gradcheck_allow_autodiff = bool(config.getini("gradcheck_allow_autodiff"))


def _course_specs(config: pytest.Config) -> list[tuple[str, Path]]:
    """The ``--gradcheck-course`` values (relative to where pytest runs) and the ini's (relative to the rootdir)."""
    given = [(v, Path(config.invocation_params.dir)) for v in config.option.gradcheck_course or ()]
    return given + [(v, config.rootpath) for v in config.getini("gradcheck_course") or ()]


def _load_courses(config: pytest.Config) -> None:
    """Register the courses from outside gradcheck: installed ones (entry points), then those named.

    Each course's worked examples become fixtures like the built-in ones. Nothing is imported
    when there are none (the entry-point scan alone costs about 2 ms).
    """
    from importlib.metadata import entry_points

    specs = _course_specs(config)
    if not specs and not entry_points(group=ENTRY_POINT_GROUP):
        return
    from ..course import entry_point_courses, load_course

    try:
        added = entry_point_courses()
    except Exception as exc:
        raise pytest.UsageError(f"gradcheck: a course installed under the entry-point group {ENTRY_POINT_GROUP} "
                                f"failed to load: {type(exc).__name__}: {exc}") from None
    for spec, base in specs:
        try:
            added.append(load_course(spec, base))
        except Exception as exc:
            raise pytest.UsageError(
                f"--gradcheck-course {spec}: {type(exc).__name__}: {exc}\nExpected a course.py file or a dotted "
                "module name that defines COURSE = YourCourse(), a subclass of gradcheck.Course (see 'Adding a "
                "course' in gradcheck's README).") from None
    from ..students.implementation import HARNESS_FILES

    holder = types.ModuleType("gradcheck_course_fixtures")
    for course in added:
        HARNESS_FILES.add(str(Path(sys.modules[type(course).__module__].__file__).resolve()))
        for case in course.cases():
            fixture = _case_fixture(case.name)
            setattr(holder, fixture.__name__, fixture)
    if not config.pluginmanager.has_plugin("gradcheck-course-fixtures"):
        config.pluginmanager.register(holder, "gradcheck-course-fixtures")


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config):
    """Under pytest-xdist without a --dist of the user's, each submission's items go to one worker
    (``--dist loadfile``): one worker process per submission, not one in every xdist worker, and a
    hang waited out once. A wrapper, because xdist's own (tryfirst) hook turns "no" into "load"."""
    option = config.option
    if getattr(option, "gradcheck", None) and getattr(option, "numprocesses", None) and option.dist == "no":
        option.dist = "loadfile"
    return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _resolve_options(config)
    _load_courses(config)
    targets = config.getoption("gradcheck", None)
    if targets:
        from .session import start

        start(config, targets, _course_specs(config))


@pytest.hookimpl(tryfirst=True)  # before pytest's own collections of garbage (see session.stop)
def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("gradcheck", None):
        from .session import stop

        stop()
