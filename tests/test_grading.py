"""One bug, one message; the graders' files; the ini settings; check_submission for notebook graders."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.optimize  # noqa: F401  (see below: an extension module cannot be loaded twice)

import gradcheck
import gradcheck.grading
import gradcheck.oracles.jax
import gradcheck.students.drawn
from gradcheck.course import courses

from ._examples import EXAMPLES
from ._examples import copy_example as _copy

# In-process pytester runs restore sys.modules afterwards, dropping what they imported first; the
# modules check_submission and the runs use in this process (scipy and jax among them, whose extension
# modules cannot be loaded twice) are imported here, at collection, so that they stay.
courses()

pytest_plugins = ["pytester"]

DAL_WRONG = ("dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, AL))")


# One bug, one message ----------------------------------------------------------------------


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "ci"])
def test_a_planted_delta2_mistake_prints_one_report_in_at_most_60_lines(pytester, monkeypatch, on_ci):
    # On CI ($CI set) pytest does not trim the short summary: each line there must still be one line.
    if on_ci:
        monkeypatch.setenv("CI", "1")
    else:
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.delenv("BUILD_NUMBER", raising=False)
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    result = pytester.runpytest_subprocess("--gradcheck", "homework.py", "-p", "no:randomly")
    lines = result.stdout.lines
    assert len(lines) <= 60, "\n".join(lines)
    text = result.stdout.str()
    assert text.count("likely mistake: delta2 uses f'(z3) instead of f'(z2)") == 1  # the full report, once
    assert text.count("dJdW2: ok") == 1
    # The short summary gives the lead's headline in one line (trimmed to the terminal's width off CI).
    headline = "gradcheck: 1 of 2 gradients WRONG (dJdW1)*" if on_ci else "gradcheck: 1 of 2 gradien*"
    result.stdout.fnmatch_lines([f"FAILED homework.py::Neural_Network[[]distinct-dims[]] - {headline}"])
    # Every oracle's value stays visible in that report.
    result.stdout.re_match_lines([r"  worst \[\d, \d\]: yours \S+   central difference \S+ ±\S+   scipy \S+ ±\S+   "
                                  r"jax \S+ ±\S+"])
    result.stdout.fnmatch_lines(["same mistake on single-example, three-examples, *"])
    # The closing summary names the submission, the implementation, the verdict, the mistake and what is wrong.
    result.stdout.fnmatch_lines(["*= gradcheck summary =*", "submission*implementation*verdict*mistake*wrong",
                                 "homework.py*Neural_Network*FAILED*welch/delta2-fprime-of-z3*W1"])


def test_the_likely_mistake_comes_on_the_second_line_of_the_report(pytester):
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "-k", "distinct-dims")
    lines = result.stdout.lines
    head = next(i for i, line in enumerate(lines) if line.startswith("gradcheck: 1 of 2 gradients WRONG"))
    assert lines[head + 1].startswith("likely mistake: delta2 uses f'(z3)")


def test_the_coursera_dal_mistake_is_named_in_one_full_report(pytester, monkeypatch):
    monkeypatch.setenv("CI", "1")  # the short summary untrimmed, as on CI
    _copy(pytester, "correct/deep_l_layer.py", "homework.py", replace=DAL_WRONG)
    result = pytester.runpytest_subprocess("--gradcheck", "homework.py", "-p", "no:randomly")
    text = result.stdout.str()
    assert result.ret == 1
    assert text.count("likely mistake: dA[L] is -(Y/A - (1-Y)/A)") == 1, text
    result.stdout.fnmatch_lines(["homework.py*L_model_backward*FAILED*deep/dAL-denominator*"])
    assert len(result.stdout.lines) <= 100, text  # one full report of six wrong gradients, five blocks passing


def test_other_failing_cases_point_at_the_full_report_in_one_line(pytester):
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd")
    result.stdout.fnmatch_lines([
        "_* Neural_Network[[]single-example[]] (homework.py) _*",
        "the same mistake (welch/delta2-fprime-of-z3); the full report is under Neural_Network[[]*[]]",
    ])


def test_the_shapes_item_says_each_wrong_array_once_with_the_cases_it_is_wrong_on(pytester):
    _copy(pytester, "wrong/swapped_return.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "-k", "shapes")
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if "backprop[shapes] (homework.py)" in line)
    body = [line for line in lines[start + 1:] if line.strip() and not line.startswith("=")][:3]
    assert [line.split(": ", 1)[1].split(" ", 1)[0] for line in body[:2]] == ["dJdW1", "dJdW2"], lines
    assert all(line.endswith("Also wrong on three-examples, single-example-asymmetric, three-examples-asymmetric, "
                             "distinct-dims.") for line in body[:2]), body
    assert "has shape" not in body[2]  # not once per case


def test_selecting_one_case_with_k_shows_its_report_in_full(pytester):
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "-k",
                                "three-examples and not asymmetric")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(["gradcheck: 1 of 2 gradients WRONG (dJdW1) on three-examples (model welch)*"])


def test_student_output_is_shown_once_per_submission(pytester):
    _copy(pytester, "wrong/swapped_return.py", "homework.py",
          replace=("def backprop(X, y, W1, W2):", "def backprop(X, y, W1, W2):\n    print('MY DEBUG LINE')"))
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd")
    assert result.parseoutcomes()["failed"] >= 3
    assert result.stdout.str().count("MY DEBUG LINE") == 1


# The graders' files ---------------------------------------------------------------------------

GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def _gradescope(pytester, *args) -> dict:
    pytester.runpytest("--gradcheck-oracles=fd", "--gradcheck-gradescope=results.json", *args)
    results = json.loads((pytester.path / "results.json").read_text())
    assert {"score", "tests", "output"} <= set(results)
    for test in results["tests"]:
        assert GRADESCOPE_TEST_KEYS <= set(test), test
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    return results


def test_gradescope_gives_full_marks_to_a_correct_submission(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py")
    results = _gradescope(pytester, "--gradcheck", "homework.py")
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == 8
    assert "--gradcheck-oracles=fd" in results["output"]


def test_gradescope_gives_less_to_a_wrong_submission_and_says_why(pytester):
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    results = _gradescope(pytester, "--gradcheck", "homework.py", "--gradcheck-max-score=100")
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(100)
    assert 0 < results["score"] < 100
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert any("likely mistake: delta2 uses f'(z3)" in t["output"] for t in failed)


def test_gradescope_scores_a_syntax_error_zero_with_its_message(pytester):
    _copy(pytester, "wrong/syntax_error.py", "homework.py")
    results = _gradescope(pytester, "--gradcheck", "homework.py", "--gradcheck-max-score=100")
    assert results["score"] == 0
    [test] = results["tests"]
    assert test["max_score"] == 100 and "SyntaxError" in test["output"]


def test_points_per_item_come_from_the_ini_setting(pytester):
    _copy(pytester, "wrong/hard_wired_three_hidden.py", "homework.py")
    pytester.makeini("[pytest]\ngradcheck_points =\n    *[[]hypothesis] = 10\n    *[[]shapes] = 0\n")
    results = _gradescope(pytester, "--gradcheck", "homework.py")
    worth = {t["name"]: t["max_score"] for t in results["tests"]}
    assert worth["Neural_Network[hypothesis]"] == 10 and worth["Neural_Network[shapes]"] == 0
    assert worth["Neural_Network[single-example]"] == 1


def test_a_malformed_points_line_is_a_usage_error(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    pytester.makeini("[pytest]\ngradcheck_points = lots\n")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-gradescope=results.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*gradcheck_points: 'lots' is not 'PATTERN = POINTS'*"])


def test_the_csv_gradebook_has_one_row_per_submission(pytester):
    _copy(pytester, "correct/backprop_function.py", "subs/alice.py")
    _copy(pytester, "wrong/delta2_uses_z3.py", "subs/bob.py")
    _copy(pytester, "wrong/syntax_error.py", "subs/carol.py")
    pytester.runpytest("--gradcheck", "subs", "--gradcheck-oracles=fd", "--gradcheck-csv=book.csv",
                       "--gradcheck-max-score=10")
    rows = {r["submission"]: r for r in csv.DictReader((pytester.path / "book.csv").open())}
    assert list(rows) == ["subs/alice.py", "subs/bob.py", "subs/carol.py"]
    assert (rows["subs/alice.py"]["verdict"], float(rows["subs/alice.py"]["score"])) == ("passed", 10)
    assert rows["subs/bob.py"]["verdict"] == "failed" and rows["subs/bob.py"]["mistakes"] == "welch/delta2-fprime-of-z3"
    assert rows["subs/bob.py"]["wrong"] == "Neural_Network:W1" and 0 < float(rows["subs/bob.py"]["score"]) < 10
    assert float(rows["subs/carol.py"]["score"]) == 0 and "SyntaxError" in rows["subs/carol.py"]["error"]


def test_the_json_report_is_slim_with_a_schema_and_run_order(pytester):
    for who in ("zoe", "adam"):
        _copy(pytester, "wrong/delta2_uses_z3.py", f"subs/{who}.py")
    pytester.runpytest("--gradcheck", "subs/zoe.py", "--gradcheck", "subs/adam.py", "--gradcheck-report=g.json")
    text = (pytester.path / "g.json").read_text()
    report = json.loads(text)
    assert report["schema"] == 2
    assert [s["path"] for s in report["submissions"]] == ["subs/zoe.py", "subs/adam.py"]  # the order given
    [impl] = report["submissions"][0]["implementations"]
    assert impl["mistake"] == "welch/delta2-fprime-of-z3" and impl["report"].count("likely mistake") == 1
    assert [c["name"] for c in impl["checks"]] == [
        "Neural_Network[single-example]", "Neural_Network[three-examples]", "Neural_Network[single-example-asymmetric]",
        "Neural_Network[three-examples-asymmetric]", "Neural_Network[distinct-dims]", "Neural_Network[shapes]",
        "Neural_Network[interface]", "Neural_Network[hypothesis]"]
    assert text.count("Mismatched elements") <= 2 * 2  # the report text once per submission (and hypothesis' line)
    assert len(text) < 20_000


# pytest conventions ------------------------------------------------------------------------------


def test_every_option_is_an_ini_setting_and_the_command_line_wins(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    pytester.makeini("[pytest]\ngradcheck_oracles = fd\ngradcheck_seed = 5\ngradcheck_examples = 7\n"
                     "gradcheck_timeout = 3\ngradcheck_mode = full\ngradcheck_budget = 4\n"
                     "gradcheck_tolerance = 20\ngradcheck_memory = 1G\ngradcheck_allow_autodiff = false\n")
    result = pytester.runpytest("--strict-config", "--gradcheck", "homework.py", "--gradcheck-seed=6", "--collect-only")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.stdout.fnmatch_lines([
        "gradcheck: --gradcheck-oracles=fd --gradcheck-tolerance=20 --gradcheck-seed=6 --gradcheck-timeout=3 "
        "--gradcheck-mode=full --gradcheck-budget=4",
        "*draws up to 7 networks (--gradcheck-examples=7) with --gradcheck-seed=6",
    ])


def test_a_bad_ini_value_is_a_usage_error_naming_the_setting(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    pytester.makeini("[pytest]\ngradcheck_oracles = fd,magic\n")
    result = pytester.runpytest("--gradcheck", "homework.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini setting gradcheck_oracles = 'fd,magic': *choose from fd,scipy,jax*"])


def test_gradcheck_takes_one_target_and_other_paths_are_tests(pytester):
    _copy(pytester, "correct/backprop_function.py", "hw.py")
    pytester.makepyfile(**{"tests/test_mine.py": "def test_mine(three_examples):\n    assert three_examples.dims\n"})
    result = pytester.runpytest("--gradcheck", "hw.py", "tests/", "--gradcheck-oracles=fd", "-v")
    result.stdout.fnmatch_lines(["*tests/test_mine.py::test_mine PASSED*"])
    result.stdout.fnmatch_lines(["*gradcheck: 1 submission, 1 implementation recognised*"])
    result.assert_outcomes(passed=8)


def test_gradcheck_may_be_repeated(pytester):
    _copy(pytester, "correct/backprop_function.py", "a.py")
    _copy(pytester, "correct/backprop_function.py", "b.py")
    result = pytester.runpytest("--gradcheck", "a.py", "--gradcheck", "b.py", "--gradcheck-oracles=fd")
    result.stdout.fnmatch_lines(["*gradcheck: 2 submissions, 2 implementations recognised*"])
    result.assert_outcomes(passed=14)


# check_submission --------------------------------------------------------------------------------


def _module_from(example: str, name: str = "student_hw", replace=("", "")):
    """An example module executed as a notebook would: in a fresh namespace, not imported from a file."""
    import types

    module = types.ModuleType(name)
    exec(compile((EXAMPLES / example).read_text().replace(*replace), f"<{name}>", "exec"), module.__dict__)
    return module


def test_check_submission_passes_a_correct_class_and_fails_a_wrong_one():
    right = _module_from("correct/neural_network.py").Neural_Network
    result = gradcheck.check_submission(right, oracles="fd", examples=5)
    assert result.ok, str(result)
    assert result["Neural_Network"].verdict == "passed"
    wrong = _module_from("wrong/delta2_uses_z3.py", "wrong_hw").Neural_Network
    result = gradcheck.check_submission(wrong, oracles="fd", examples=5)
    assert not result.ok
    assert result.diagnosis["id"] == "welch/delta2-fprime-of-z3"
    assert result["Neural_Network"].wrong == ["W1"]
    text = str(result)
    assert text.startswith("Neural_Network: FAILED") and text.count("likely mistake") == 1
    with pytest.raises(gradcheck.GradientMismatch, match=r"delta2 uses f'\(z3\)"):
        gradcheck.assert_submission(wrong, oracles="fd", drawn=False)


def test_check_submission_on_a_function_and_a_module():
    module = _module_from("correct/backprop_function.py")
    assert gradcheck.check_submission(module.backprop, oracles="fd", drawn=False).ok
    assert gradcheck.check_submission(module, oracles="fd", drawn=False).ok
    swapped = _module_from("wrong/swapped_return.py", "swapped_hw")
    result = gradcheck.check_submission(swapped.backprop, oracles="fd", drawn=False)
    assert not result.ok and result["backprop"].checks[0].failed


def test_check_submission_on_objects_defined_in_a_notebook_namespace():
    # A notebook's cells run in __main__'s namespace; a grader's test cell passes globals() or the object.
    namespace = {"__name__": "__main__"}
    exec(compile((EXAMPLES / "correct/deep_l_layer.py").read_text(), "<cell>", "exec"), namespace)
    result = gradcheck.check_submission(namespace["L_model_backward"], oracles="fd", drawn=False)
    assert result.ok and [i.name for i in result.implementations] == ["L_model_backward"]
    namespace_wrong = {"__name__": "__main__"}
    exec(compile((EXAMPLES / "correct/deep_l_layer.py").read_text().replace(*DAL_WRONG), "<cell>", "exec"),
         namespace_wrong)
    result = gradcheck.check_submission(namespace_wrong, oracles="fd", drawn=False)
    assert result.diagnosis["id"] == "deep/dAL-denominator"
    assert not result["L_model_backward"].ok


def test_check_submission_on_a_path_runs_it_in_a_worker(tmp_path):
    # As a grading script would (in a process of its own: other tests here purge sys.modules).
    (tmp_path / "hw.py").write_text((EXAMPLES / "correct/backprop_function.py").read_text())
    (tmp_path / "broken.py").write_text((EXAMPLES / "wrong/syntax_error.py").read_text())
    (tmp_path / "q11.ipynb").write_text((EXAMPLES / "notebooks/wrong_q11.ipynb").read_text())
    script = textwrap.dedent("""
        import gradcheck
        good = gradcheck.check_submission("hw.py", oracles="fd", drawn=False)
        bad = gradcheck.check_submission("broken.py", oracles="fd")
        notebook = gradcheck.check_submission("q11.ipynb", oracles="fd", drawn=False)
        print("good", good.ok, [i.name for i in good.implementations])
        print("bad", bad.ok, "SyntaxError" in str(bad))
        print("notebook", notebook.ok, notebook.diagnosis["id"])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["good True ['backprop']", "bad False True",
                                        "notebook False welch/dJdW2-without-delta3"]


def test_check_submission_says_what_it_recognises_when_nothing_is():
    with pytest.raises(ValueError, match=r"nothing in .* is recognised"):
        gradcheck.check_submission(np.mean)
    with pytest.raises(TypeError, match="check_submission needs a class, a function"):
        gradcheck.check_submission(42)


def test_a_notebook_grader_cell_reads_as_documented():
    cell = textwrap.dedent('''
        import gradcheck
        result = gradcheck.check_submission(Neural_Network, oracles="fd", examples=5)
        points = 10 if result.ok else 0
    ''')
    namespace = {"Neural_Network": _module_from("correct/neural_network.py").Neural_Network}
    exec(cell, namespace)
    assert namespace["points"] == 10


def test_a_self_consistency_report_names_the_loss_it_was_checked_against(pytester):
    _copy(pytester, "wrong/cs231n_net_reg_missing.py", "net.py")
    result = pytester.runpytest("--gradcheck", "net.py", "--gradcheck-oracles=fd", "-k", "reg-0.1 and not resized")
    result.stdout.fnmatch_lines(["gradcheck: 1 of 4 gradients WRONG (W1) on TwoLayerNet's own loss; *"])
    assert "on check_function" not in result.stdout.str()
