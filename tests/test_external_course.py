"""A course added from outside gradcheck: by --gradcheck-course, the ini setting, or an entry point.

Each run is a subprocess: loading a course registers it for the rest of the process, which the
other tests must not see. The correct and the wrong submission share one run where a test asks
nothing of the other.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from ._examples import pytest_in

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "courses" / "tanh_net"


@pytest.fixture
def tanh(pytester):
    """The example course and its two submissions, copied into the test's folder."""
    for name in ("course.py", "correct.py", "wrong.py"):
        shutil.copy(EXAMPLE / name, pytester.path / name)
    return pytester


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One run of the example course on its correct and its wrong submission: (output, report)."""
    folder = tmp_path_factory.mktemp("tanh")
    for name in ("course.py", "correct.py", "wrong.py"):
        shutil.copy(EXAMPLE / name, folder / name)
    run, report = pytest_in(folder, "--gradcheck-course", "course.py", "--gradcheck", "correct.py", "--gradcheck",
                            "wrong.py", "-v")
    assert run.returncode == 1, run.stdout + run.stderr
    return run.stdout, report


def _outcomes(report: dict, name: str) -> list[str]:
    sub = next(s for s in report["submissions"] if s["path"] == name)
    return sorted(c["outcome"] for i in sub["implementations"] for c in i["checks"]) + \
        sorted(c["outcome"] for c in sub.get("checks", []))


def test_the_example_course_passes_a_correct_submission_on_every_oracle_shapes_and_hypothesis(both):
    output, report = both
    assert _outcomes(report, "correct.py") == ["passed"] * 4  # two cases (each judged by the three oracles), [shapes], [hypothesis]
    pytest.LineMatcher(output.splitlines()).fnmatch_lines_random([
        "*correct.py::tanh_backprop[[]tanh-worked-example[]] PASSED*",
        "*correct.py::tanh_backprop[[]tanh-distinct-dims[]] PASSED*",
        "*correct.py::tanh_backprop[[]shapes[]] PASSED*",
        "*correct.py::tanh_backprop[[]hypothesis[]] PASSED*",
    ])


def test_the_example_course_fails_a_wrong_submission_and_names_the_mistake_from_its_catalog(both):
    output, report = both
    assert _outcomes(report, "wrong.py") == ["failed", "failed", "failed", "passed"]
    pytest.LineMatcher(output.splitlines()).fnmatch_lines([
        "gradcheck: 2 of 4 gradients WRONG (dW1, db1) on tanh-worked-example (model tanh_net); *",
        "likely mistake: dz1 multiplies by 1 - z1**2, the derivative tanh' written for an activation*",
    ])
    # The course's own frames are harness code: never shown as the student's.
    assert "course.py\", line" not in output


def test_the_reproduce_line_of_a_hypothesis_failure_names_the_course(both):
    output, _ = both
    pytest.LineMatcher(output.splitlines()).fnmatch_lines(
        ["Reproduce: pytest --gradcheck-course course.py --gradcheck wrong.py *-k 'tanh_backprop and hypothesis'"])


def test_the_ini_setting_adds_the_course_like_the_option(tanh):
    tanh.makeini("[pytest]\ngradcheck_course = course.py\n")
    result = tanh.runpytest_subprocess("--gradcheck", "correct.py")
    result.assert_outcomes(passed=4)


def test_an_installed_distribution_adds_the_course_through_its_entry_point(tanh, monkeypatch):
    site = tanh.path / "site"
    dist = site / "tanh_course-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "course.py").unlink(missing_ok=True)
    shutil.move(str(tanh.path / "course.py"), str(site / "tanh_course.py"))
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tanh-course\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[gradcheck.courses]\ntanh_net = tanh_course:COURSE\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = tanh.runpytest_subprocess("--gradcheck", "correct.py", "--gradcheck", "wrong.py", "-v")
    result.assert_outcomes(passed=5, failed=3)
    result.stdout.fnmatch_lines(["*correct.py::tanh_backprop[[]hypothesis[]] PASSED*"])
    result.stdout.fnmatch_lines(["likely mistake: dz1 multiplies by 1 - z1**2*"])


def test_the_course_s_worked_examples_are_fixtures(tanh):
    tanh.makepyfile(test_uses_fixture="""
        import numpy as np

        def test_it(tanh_worked_example):
            case = tanh_worked_example
            assert case.model.name == "tanh_net" and case.dims == {"m": 3, "n_in": 2, "n_hid": 4, "n_out": 1}
            case.assert_gradients(case.expected["grads"])
    """)
    result = tanh.runpytest_subprocess("--gradcheck-course", "course.py", "test_uses_fixture.py")
    result.assert_outcomes(passed=1)


def test_a_course_that_cannot_be_loaded_is_a_usage_error_that_says_what_was_expected(pytester):
    missing = pytester.runpytest_subprocess("--gradcheck-course", "nowhere/course.py")
    assert missing.ret == 4
    missing.stderr.fnmatch_lines(["*--gradcheck-course nowhere/course.py: *no such file*",
                                  "*COURSE = YourCourse()*"])
    pytester.makepyfile(empty="X = 1\n")
    empty = pytester.runpytest_subprocess("--gradcheck-course", "empty.py")
    assert empty.ret == 4
    empty.stderr.fnmatch_lines(["*--gradcheck-course empty.py: *defines no course: set COURSE = YourCourse()*"])


def test_a_course_without_a_strategy_gets_no_hypothesis_item_and_the_header_says_so(pytester):
    pytester.makepyfile(line_course=textwrap.dedent("""
        import numpy as np
        from gradcheck import Course, Model, make_case

        class Line(Model):
            name, input_names, layout = "line_fit", ("x", "t"), "scalars"

            def param_names(self, dims=None):
                return ("w",)

            def dims(self, inputs, params):
                return {}

            def shape_table(self, dims):
                return {"x": (), "t": (), "w": (), "J": ()}

            def forward(self, inputs, params, xp=np, taps=None):
                return {"J": (params["w"] * inputs["x"] - inputs["t"]) ** 2}

            def backward(self, inputs, params):
                r = float(params["w"] * inputs["x"] - inputs["t"])
                return {"w": np.float64(2 * r * float(inputs["x"]))}, {}

        class LineCourse(Course):
            name, title, models = "line", "a line fit", (Line(),)

            def cases(self):
                return [make_case(self.models[0], {"x": 1.5, "t": 2.0}, {"w": 0.5}, name="line-case")]

        COURSE = LineCourse()
    """))
    pytester.makepyfile(homework=textwrap.dedent("""
        import gradcheck

        @gradcheck.implements("line_fit")
        def grad(x, t, w):
            return {"dw": 2 * (w * x - t) * x}
    """))
    result = pytester.runpytest_subprocess("--gradcheck-course", "line_course.py", "--gradcheck", "homework.py", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["gradcheck: no [[]hypothesis[]] items for course 'line': it offers no Hypothesis "
                                 "strategy (Course.strategy)"])
    assert "homework.py::grad[hypothesis]" not in result.stdout.str()
