"""``pytest --gradcheck TARGET``: the plugin run inside pytest (pytester), as users run it."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jax.monitoring
import pytest
import scipy.optimize  # noqa: F401

# The in-process runs below import the oracles' heavy modules; pytester then drops every module
# an inner run imported, and importing jaxlib a second time in one process aborts it. Importing
# them here keeps them (and the JAX oracle's compilation cache) for the whole session.
import gradcheck.oracles.jax  # noqa: F401

from ._examples import EXAMPLES
from ._examples import copy_example as _copy

FD = "--gradcheck-oracles=fd"  # the cheapest oracle, where the test is not about oracles


def _write(pytester: pytest.Pytester, dest: str, source: str) -> Path:
    path = pytester.path / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


NOTES_CLASS_RAISING = """
    import numpy as np

    class Neural_Network:
        def __init__(self):
            self.W1 = np.ones((2, 3))
            self.W2 = np.ones((3, 1))
            self.rate = 1 / 0

        def costFunctionPrime(self, X, y):
            return self.W1, self.W2
"""


# Correct and wrong submissions ---------------------------------------------------------


@pytest.mark.parametrize("example", sorted(p.name for p in (EXAMPLES / "correct").glob("*.py")))
def test_every_correct_example_passes_all_its_items(pytester, example):
    _copy(pytester, f"correct/{example}")
    result = pytester.runpytest("--gradcheck", example, FD)
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and outcomes["passed"] >= 2


def test_a_correct_notes_class_passes_every_oracle_on_every_case(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "-v")
    # 5 cases (each judged by the three oracles together), [shapes], [interface], [hypothesis]
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*homework.py::Neural_Network[[]three-examples[]] PASSED*"])


@pytest.mark.parametrize(
    ("example", "implementation", "wrong"),
    [
        ("q11_dJdW2_is_a2T.py", "Neural_Network", "dJdW2"),
        ("swapped_return.py", "backprop", "dJdW1"),
        ("delta2_uses_z3.py", "Neural_Network", "dJdW1"),
        ("planted_bugs.py", "backward_propagation_n", "dW2"),
    ],
)
def test_a_wrong_example_fails_with_the_report_naming_the_wrong_gradient(pytester, example, implementation, wrong):
    _copy(pytester, f"wrong/{example}")
    result = pytester.runpytest("--gradcheck", example, FD)
    assert result.parseoutcomes()["failed"] >= 1
    result.stdout.fnmatch_lines([f"*{wrong}*", f"FAILED {example}::{implementation}[[]*[]]*"])


def test_a_failure_names_the_likely_mistake_from_the_catalog(pytester):
    _copy(pytester, "wrong/delta2_uses_z3.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "three-examples-asymmetric",
                                "--gradcheck-report", "grades.json")
    result.stdout.fnmatch_lines(["likely mistake: delta2 uses f'(z3) instead of f'(z2). Fix: *(notes Q17)*"])
    [impl] = json.loads((pytester.path / "grades.json").read_text())["submissions"][0]["implementations"]
    assert impl["mistake"] == "welch/delta2-fprime-of-z3"
    assert impl["diagnosis"]["message"].startswith("delta2 uses f'(z3) instead of f'(z2)")
    assert impl["checks"][0]["mistake"] == "welch/delta2-fprime-of-z3"


def test_the_planted_bugs_of_the_course_are_both_reported(pytester):
    _copy(pytester, "wrong/planted_bugs.py")
    result = pytester.runpytest("--gradcheck", "planted_bugs.py", FD, "-k", "coursera-l3")
    result.assert_outcomes(failed=1, deselected=4)
    out = result.stdout.str()
    assert "dW2" in out and "db1" in out


def test_notes_classes_always_run_on_the_asymmetric_twins(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "homework.py::Neural_Network[[]single-example[]]",
        "homework.py::Neural_Network[[]three-examples[]]",
        "homework.py::Neural_Network[[]single-example-asymmetric[]]",
        "homework.py::Neural_Network[[]three-examples-asymmetric[]]",
        "homework.py::Neural_Network[[]distinct-dims[]]",
        "homework.py::Neural_Network[[]shapes[]]",
        "homework.py::Neural_Network[[]interface[]]",
    ])


def test_a_regularised_class_is_checked_on_the_regularised_cases(pytester):
    _copy(pytester, "correct/neural_network_regularised.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-v")
    result.stdout.fnmatch_lines(["*Neural_Network[[]three-examples-regularised[]] PASSED*"])
    result.assert_outcomes(passed=5)


def test_a_class_whose_sizes_are_attributes_is_resized_for_other_sizes(pytester):
    # The notes' class hard-codes 2-3-1 and setParams reads those attributes.
    _copy(pytester, "correct/neural_network.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-v", "-k", "distinct or interface")
    result.stdout.fnmatch_lines(["*[[]distinct-dims[]] PASSED*", "*[[]interface[]] PASSED*"])
    result.assert_outcomes(passed=2, deselected=6)


def test_the_course_building_blocks_are_checked_on_their_own(pytester):
    _copy(pytester, "correct/deep_l_layer.py", "deep.py", replace=(
        "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = 1 / m * np.sum(dZ, axis=0, keepdims=True)"))
    result = pytester.runpytest("--gradcheck", "deep.py", FD, "-k", "coursera-l3")
    result.stdout.fnmatch_lines(["*db has shape*", "FAILED deep.py::linear_backward[[]coursera-l3[]]*"])
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 2  # relu_backward and sigmoid_backward are right


def test_both_notebook_generations_of_dA_numbering_are_matched_by_shape(pytester):
    source = (EXAMPLES / "correct/deep_l_layer.py").read_text()
    old = source.replace('grads["dA" + str(L - 1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp').replace(
        'linear_activation_backward(grads["dA" + str(l + 1)]', 'linear_activation_backward(grads["dA" + str(l + 2)]'
    ).replace('grads["dA" + str(l)] = dA_prev_temp', 'grads["dA" + str(l + 1)] = dA_prev_temp')
    (pytester.path / "old.py").write_text(old)
    result = pytester.runpytest("--gradcheck", "old.py", FD, "-k", "L_model_backward")
    result.assert_outcomes(passed=5, deselected=8)


def test_a_cs231n_class_with_a_wrong_bias_gradient_fails_against_its_own_loss(pytester):
    _copy(pytester, "correct/two_layer_net.py", "net.py", replace=(
        'grads["b1"] = dhidden.sum(axis=0)', 'grads["b1"] = 2 * dhidden.sum(axis=0)'))
    result = pytester.runpytest("--gradcheck", "net.py", FD)
    result.assert_outcomes(failed=3)  # reg 0, reg 0.1, and other sizes
    result.stdout.fnmatch_lines(["*against its own loss*", "*b1*", "FAILED net.py::TwoLayerNet[[]reg-0[]]*"])


# Broken submissions and misbehaving code ----------------------------------------------


def test_a_syntax_error_fails_only_its_own_item(pytester):
    _copy(pytester, "wrong/syntax_error.py", "subs/broken.py")
    _copy(pytester, "correct/backprop_function.py", "subs/fine.py")
    result = pytester.runpytest("--gradcheck", "subs", FD)
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(["*broken.py cannot be imported*", "*SyntaxError*"])


def test_a_constructor_that_raises_shows_the_students_traceback_only(pytester):
    _write(pytester, "homework.py", NOTES_CLASS_RAISING)
    _copy(pytester, "correct/backprop_function.py", "other.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck", "other.py", FD)
    result.assert_outcomes(passed=7, failed=7, skipped=1)  # [shapes] is not judged: no case gave gradients
    result.stdout.fnmatch_lines([
        "*Neural_Network() raised ZeroDivisionError on case single-example*gradcheck's frames hidden*",
        "*homework.py*line 8, in __init__*",
        "*ZeroDivisionError: division by zero",
    ])
    assert "conventions.py" not in result.stdout.str()


def test_what_student_code_prints_is_kept_apart_from_the_report(pytester):
    _write(pytester, "homework.py", """
        import numpy as np

        def backprop(X, y, W1, W2):
            print("debugging: here we go")
            return 2 * np.ones_like(W1), np.ones_like(W2)
    """)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "three-examples and not asymmetric")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(["*dJdW1*", "*Captured student output call*", "debugging: here we go"])


def test_code_that_changes_its_inputs_in_place_is_reported(pytester):
    _write(pytester, "homework.py", """
        import numpy as np

        def sigmoid(z):
            return 1 / (1 + np.exp(-z))

        def backprop(X, y, W1, W2):
            a2 = sigmoid(X @ W1)
            yHat = sigmoid(a2 @ W2)
            delta3 = -(y - yHat) * yHat * (1 - yHat)
            delta2 = delta3 @ W2.T * a2 * (1 - a2)
            dJdW1 = X.T @ delta2
            X *= 0
            return dJdW1, a2.T @ delta3
    """)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "three-examples and not asymmetric")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(["*backprop(X, y, W1, W2) changed its argument X in place*"])


def test_slow_code_fails_at_the_timeout(pytester):
    _write(pytester, "homework.py", """
        import time

        def backprop(X, y, W1, W2):
            time.sleep(30)
    """)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "--gradcheck-timeout=0.2", "-k", "single-example and not asymmetric")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines(["*backprop(X, y, W1, W2) did not return within --gradcheck-timeout=0.2 s*"])


def test_a_submission_that_hangs_on_import_fails_its_import_item(pytester):
    _write(pytester, "subs/hangs.py", "while True:\n    pass\n")
    _copy(pytester, "correct/backprop_function.py", "subs/fine.py")
    result = pytester.runpytest("--gradcheck", "subs", FD, "--gradcheck-timeout=0.3")
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines(["TimeoutError: importing hangs.py took longer than --gradcheck-timeout=0.3 s"])


def test_a_list_result_and_a_1_shaped_cost_are_accepted(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py", replace=(
        'return {"dJdW1": X.T @ delta2, "dJdW2": a2.T @ delta3}',
        'return [(X.T @ delta2).tolist(), (a2.T @ delta3).tolist()]'))
    result = pytester.runpytest("--gradcheck", "homework.py", FD)
    result.assert_outcomes(passed=7)


def test_a_wrong_number_of_returned_values_is_a_clear_verdict(pytester):
    _write(pytester, "homework.py", """
        def backprop(X, y, W1, W2):
            return W1
    """)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "single-example and not asymmetric")
    result.stdout.fnmatch_lines(["*backprop(X, y, W1, W2) returned a ndarray; expected a tuple (dJdW1, dJdW2) or a dict*"])


# Targets, usage errors, options --------------------------------------------------------


def test_two_folders_homework_py_do_not_collide(pytester):
    _copy(pytester, "correct/backprop_function.py", "alice/homework.py")
    _copy(pytester, "wrong/swapped_return.py", "bob/homework.py")
    result = pytester.runpytest("--gradcheck", "alice", "--gradcheck", "bob", FD, "-v")
    result.stdout.fnmatch_lines(["*alice/homework.py::backprop[[]three-examples[]] PASSED*",
                                 "*bob/homework.py::backprop[[]three-examples[]] FAILED*"])


def test_two_folders_helper_modules_of_the_same_name_do_not_collide(pytester):
    for who, factor in (("alice", 1), ("bob", 3)):
        _write(pytester, f"{who}/utils.py", f"def scale(a):\n    return {factor} * a\n")
        _write(pytester, f"{who}/homework.py", """
            import numpy as np
            from utils import scale

            def sigmoid(z):
                return 1 / (1 + np.exp(-z))

            def backprop(X, y, W1, W2):
                a2 = sigmoid(X @ W1)
                yHat = sigmoid(a2 @ W2)
                delta3 = -(y - yHat) * yHat * (1 - yHat)
                delta2 = delta3 @ W2.T * a2 * (1 - a2)
                return X.T @ delta2, scale(a2.T @ delta3)
        """)
    result = pytester.runpytest("--gradcheck", "alice/homework.py", "--gradcheck", "bob/homework.py", FD, "-k", "three-examples and not asymmetric")
    result.assert_outcomes(passed=1, failed=1, deselected=12)
    result.stdout.fnmatch_lines(["FAILED bob/homework.py::backprop[[]three-examples[]]*"])


def test_a_dotted_module_name_is_a_target(pytester):
    _copy(pytester, "correct/backprop_function.py", "course/hw3.py")
    (pytester.path / "course" / "__init__.py").write_text("")
    result = pytester.runpytest("--gradcheck", "course.hw3", FD, "-v")
    result.stdout.fnmatch_lines(["*course/hw3.py::backprop[[]single-example[]] PASSED*"])


def test_with_gradcheck_only_the_submissions_are_collected(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    pytester.makepyfile(test_other="def test_other():\n    assert False\n")
    result = pytester.runpytest("--gradcheck", "homework.py", FD)
    result.assert_outcomes(passed=7)


def test_a_missing_target_is_a_usage_error_that_lists_the_conventions(pytester):
    result = pytester.runpytest("--gradcheck", "nothere.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: --gradcheck nothere.py: not found. Tried the path {pytester.path / 'nothere.py'} (no such file or "
        "folder). Give a .py file, a .ipynb notebook, a folder of them, or a dotted module name.",
        "gradcheck recognises:",
        "  - the notes' class: costFunctionPrime(X, y)*",
        "  - a function backprop(X, y, W1, W2)*",
    ])


def test_a_missing_module_name_says_both_what_was_tried(pytester):
    result = pytester.runpytest("--gradcheck", "no_such_module")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Tried the path * and the module name 'no_such_module' (not importable from *"])


def test_a_module_with_nothing_recognised_is_a_usage_error(pytester):
    _write(pytester, "homework.py", """
        def train(X, y):
            pass

        class Model:
            pass
    """)
    result = pytester.runpytest("--gradcheck", "homework.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: --gradcheck homework.py: nothing in homework.py is recognised (its classes and functions: Model, train).",
        "gradcheck recognises:",
    ])


def test_in_a_folder_helpers_are_skipped_and_tests_and_environments_ignored(pytester):
    _write(pytester, "subs/dnn_utils.py", "def sigmoid(z):\n    return z\n")  # a course helper: no item at all
    _write(pytester, "subs/utils.py", "def sigmoid(z):\n    return z\n")  # imported by nobody: skipped
    _write(pytester, "subs/test_mine.py", "def test_mine():\n    assert False\n")
    _copy(pytester, "correct/backprop_function.py", "subs/fine.py")
    _write(pytester, "subs/venv/lib/helper.py", "raise SystemExit('a virtual environment is no submission')\n")
    (pytester.path / "subs/venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    result = pytester.runpytest("--gradcheck", "subs", FD, "-rs")
    result.assert_outcomes(passed=7, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED * nothing in utils.py is recognised*"])
    assert "dnn_utils.py" not in result.stdout.str()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--gradcheck-oracles=torch", "*'torch' is not a comma-separated list of oracles; choose from fd,scipy,jax*"),
        ("--gradcheck-tolerance=0.5", "*'0.5' is not a tolerance: give the factor (at least 1) on each oracle's error estimate*"),
        ("--gradcheck-timeout=soon", "*'soon' is not a number of seconds*"),
        ("--gradcheck-seed=-1", "*'-1' is not a whole number of at least 0*"),
        ("--gradcheck-examples=0", "*'0' is not a whole number of at least 1*"),
        ("--gradcheck-mode=quick", "*'quick' is not a mode: choose full (every element), fast (random projections*"),
        ("--gradcheck-budget=0", "*'0' is not a budget: give the seconds a full check may take, e.g. 10*"),
    ],
    ids=lambda v: v if v.startswith("--") else "",
)
def test_a_bad_option_value_is_rejected_with_what_was_expected(pytester, option, message):
    result = pytester.runpytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_header_states_the_settings_in_force(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd,jax", "--gradcheck-seed=3",
                                "--collect-only")
    result.stdout.fnmatch_lines([
        "gradcheck: --gradcheck-oracles=fd,jax --gradcheck-tolerance=10 --gradcheck-seed=3 --gradcheck-timeout=10 "
        "--gradcheck-mode=auto --gradcheck-budget=10",
        "gradcheck: a gradient fails when it is further from an oracle than 10 x that oracle's error estimate "
        "+ 16 ulps of its size (256 for float32); drawn cases use seed 3",
        "gradcheck: 1 submission, 1 implementation recognised; each [[]hypothesis[]] item draws up to 50 networks "
        "(--gradcheck-examples=50) with --gradcheck-seed=3",
    ])


def test_without_gradcheck_the_plugin_is_silent_and_imports_neither_jax_nor_scipy(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    pytester.makepyfile(test_imports="""
        import sys

        def test_no_heavy_imports(three_examples):
            assert three_examples.dims["numExamples"] == 3
            assert "jax" not in sys.modules
            assert "scipy" not in sys.modules
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "gradcheck:" not in result.stdout.str()


def test_the_report_file_holds_every_item_per_submission(pytester):
    _copy(pytester, "correct/backprop_function.py", "subs/alice.py")
    _copy(pytester, "wrong/swapped_return.py", "subs/bob.py")
    _copy(pytester, "wrong/syntax_error.py", "subs/carol.py")
    result = pytester.runpytest("--gradcheck", "subs", FD, "--gradcheck-report", "grades.json")
    result.stdout.fnmatch_lines(["gradcheck: report written to grades.json"])
    grades = json.loads((pytester.path / "grades.json").read_text())
    assert grades["settings"] == {"oracles": ["fd"], "tolerance": 10.0, "seed": 0, "timeout": 10.0, "examples": 50,
                                  "mode": "auto", "budget": 10.0}
    subs = {s["path"]: s for s in grades["submissions"]}
    assert list(subs) == ["subs/alice.py", "subs/bob.py", "subs/carol.py"]
    assert (subs["subs/alice.py"]["passed"], subs["subs/alice.py"]["failed"]) == (7, 0)
    [alice] = subs["subs/alice.py"]["implementations"]
    assert (alice["name"], alice["convention"], alice["model"], alice["verdict"]) == (
        "backprop", "a backprop(X, y, W1, W2) function", "welch", "passed")
    [bob_impl] = subs["subs/bob.py"]["implementations"]
    bob = {c["case"]: c for c in bob_impl["checks"] if c["check"] == "gradients"}
    assert bob["three-examples"]["outcome"] == "failed"
    assert bob["three-examples"]["name"] == "backprop[three-examples]"
    assert bob["three-examples"]["wrong"] == ["W1", "W2"]
    assert bob_impl["verdict"] == "failed" and bob_impl["wrong"] == ["W1", "W2"]
    assert bob_impl["report"].startswith("gradcheck: 2 of 2 gradients WRONG")  # the lead's report, once
    assert sum("report" in c for c in bob_impl["checks"]) == 0
    assert [c["name"] for c in bob_impl["checks"]][:2] == ["backprop[single-example]", "backprop[three-examples]"]
    carol = subs["subs/carol.py"]
    assert (carol["failed"], carol["checks"][0]["check"], carol["score"]) == (1, "import", 0)
    assert carol["checks"][0]["message"].startswith("SyntaxError")
    assert grades["schema"] == 2


def test_it_runs_under_xdist_and_writes_junit_xml(pytester):
    _copy(pytester, "correct/backprop_function.py", "subs/alice.py")
    _copy(pytester, "wrong/swapped_return.py", "subs/bob.py")
    result = pytester.runpytest_subprocess("--gradcheck", "subs", FD, "-n", "2", "-p", "no:randomly", "-v",
                                           "--junitxml=junit.xml", "--gradcheck-report=grades.json")
    result.assert_outcomes(passed=7, failed=7)
    # each submission's items run on one worker (--dist loadfile, the plugin's default under -n)
    workers = {}
    for line in result.stdout.lines:
        found = re.match(r"\[(gw\d+)\].* (?:PASSED|FAILED) subs/(\w+)\.py::", line)
        if found:
            workers.setdefault(found[2], set()).add(found[1])
    assert set(workers) == {"alice", "bob"} and all(len(w) == 1 for w in workers.values()), workers
    xml = (pytester.path / "junit.xml").read_text()
    assert 'name="backprop[three-examples]"' in xml
    grades = json.loads((pytester.path / "grades.json").read_text())
    assert [s["failed"] for s in grades["submissions"]] == [0, 7]


# The implements decorator ---------------------------------------------------------------


def test_implements_rejects_an_unknown_model_naming_the_known_ones():
    import gradcheck

    with pytest.raises(ValueError, match="unknown model 'welsh'; the reference models are welch, welch_reg"):
        gradcheck.implements("welsh")


def test_implements_used_without_a_model_says_how_to_call_it():
    import gradcheck

    with pytest.raises(TypeError, match=r'write @gradcheck.implements\("welch"\)'):

        @gradcheck.implements
        def grad(X, y, W1, W2):
            pass


# The notes' class: helper methods and stored intermediates ------------------------------


def test_a_set_params_that_fills_W2_first_fails_the_interface_item(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py", replace=(
        "W1_start = 0\n", "W1_start = 0\n        params = np.concatenate((params[-3:], params[:-3]))\n"))
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "interface")
    result.assert_outcomes(failed=1, deselected=7)
    # With all-ones weights any order looks right: the asymmetric twin is the first to show it.
    result.stdout.fnmatch_lines([
        "single-example-asymmetric: Neural_Network.setParams(params) did not set W1 to its part of params "
        "(shape (2, 3), W1 first, C order); self.W1 is now *, expected *",
        "(also wrong on three-examples-asymmetric, distinct-dims)",
    ])


def test_a_wrong_stored_intermediate_is_reported_by_name(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py", replace=(
        "        return dJdW1, dJdW2", "        self.a2 = self.z2\n        return dJdW1, dJdW2"))
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "three-examples and not asymmetric")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(["*intermediates WRONG (a2)*"])


def test_jax_compiles_once_per_network_shape_not_once_per_item(pytester):
    compiles = []

    def listen(event, *args, **kwargs):
        if str(event).endswith("backend_compile_duration"):
            compiles.append(event)

    _copy(pytester, "correct/backprop_function.py", "a.py")
    _copy(pytester, "correct/neural_network.py", "b.py")
    pytester.runpytest("--gradcheck", "a.py", "--gradcheck-oracles=jax").assert_outcomes(passed=7)
    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        # Another implementation on the same five cases: every network shape is compiled already.
        pytester.runpytest("--gradcheck", "b.py", "--gradcheck-oracles=jax").assert_outcomes(passed=8)
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)
    assert compiles == []


def test_a_failure_header_names_the_submission(pytester):
    _copy(pytester, "wrong/swapped_return.py", "bob/homework.py")
    result = pytester.runpytest("--gradcheck", "bob", FD, "-k", "three-examples and not asymmetric")
    result.stdout.fnmatch_lines(["_* backprop[[]three-examples[]] (bob/homework.py) _*"])


def test_a_wrong_sigmoid_prime_is_named_by_the_interface_item(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py", replace=(
        "return np.exp(-z) / ((1 + np.exp(-z)) ** 2)", "return self.sigmoid(z) * (1 - z)"))
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "interface")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines([
        "single-example: Neural_Network.sigmoidPrime(z) is wrong: at z = * yours is *, f'(z) = *; "
        "it must be e^(-z)/(1 + e^(-z))^2, i.e. f(z)(1 - f(z)).",
    ])


def test_fast_mode_is_used_and_stated_when_asked_for(pytester):
    _copy(pytester, "correct/backprop_function.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "--gradcheck-mode=fast",
                                "--gradcheck-report=grades.json")
    assert result.ret == pytest.ExitCode.OK
    grades = json.loads((pytester.path / "grades.json").read_text())
    assert grades["settings"]["mode"] == "fast"
    assert "fast mode: 8 random ±1 projections" in json.dumps(grades, ensure_ascii=False)
