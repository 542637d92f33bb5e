"""The Coursera course beyond the current C1W4 notebook: its older template, run as users run it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jax.monitoring  # noqa: F401
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401
from gradcheck.courses.coursera.conventions import LLayer

from ._examples import EXAMPLES
from ._examples import copy_example as _copy

FD = "--gradcheck-oracles=fd"
OLDER = "correct/deep_l_layer_older.py"


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_older_template_with_its_own_output_assert_passes_its_drawn_networks(pytester):
    source = (EXAMPLES / OLDER).read_text()
    assert "assert(AL.shape == (1,X.shape[1]))" in source and 'grads["dA" + str(L)]' in source
    _copy(pytester, OLDER, "older.py")
    result = pytester.runpytest("--gradcheck", "older.py", FD, "-v", "-k", "L_model_backward")
    result.stdout.fnmatch_lines(["*L_model_backward?hypothesis? PASSED*"])
    result.stdout.no_fnmatch_line("*hard-wired*")
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and outcomes["passed"] >= 3


def test_the_older_template_is_drawn_with_one_output_unit_only_where_it_asserts_it():
    older, current = _module(EXAMPLES / OLDER), _module(EXAMPLES / "correct/deep_l_layer.py")
    assert LLayer(older).single_output and not LLayer(current).single_output
    assert LLayer(older).state() == {"single_output": True}


def test_a_wrong_older_template_fails_its_drawn_networks_without_being_called_hard_wired(pytester):
    _copy(pytester, OLDER, "older.py", replace=("dZ = dA * s * (1 - s)", "dZ = dA * s"))
    result = pytester.runpytest("--gradcheck", "older.py", FD, "-k", "L_model_backward and hypothesis")
    result.assert_outcomes(failed=1, deselected=12)
    result.stdout.no_fnmatch_line("*hard-wired*")


# C1W3: the planar network with one tanh hidden layer -------------------------------------------
PLANAR = "correct/planar_one_hidden_layer.py"


def test_the_planar_pair_passes_its_case_and_its_drawn_networks(pytester):
    _copy(pytester, PLANAR, "planar.py")
    result = pytester.runpytest("--gradcheck", "planar.py", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*backward_propagation?planar-distinct-dims? PASSED*",
                                 "*backward_propagation?hypothesis? PASSED*"])


def test_tanh_derivative_as_1_minus_A1_is_named_with_the_students_gradients(pytester):
    _copy(pytester, "wrong/planar_tanh_derivative.py", "planar.py")
    result = pytester.runpytest("--gradcheck", "planar.py", FD)
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines(["*likely mistake: tanh's derivative is taken as 1 - A1 instead of 1 - A1**2.*",
                                 "dW1: WRONG*", "db1: WRONG*", "dW2: ok*", "db2: ok*"])


def test_the_c2w1_warm_up_pair_is_its_own_convention_not_the_planar_net(pytester):
    (pytester.path / "warmup.py").write_text(
        "def forward_propagation(x, theta):\n    return theta * x\n\n"
        "def backward_propagation(x, theta):\n    return x\n")
    result = pytester.runpytest("--gradcheck", "warmup.py", FD, "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*backward_propagation?gc-1d-x-2-theta-4? PASSED*"])
    result.stdout.no_fnmatch_line("*(model planar)*")


def test_a_warm_up_returning_theta_fails_naming_dtheta(pytester):
    (pytester.path / "warmup.py").write_text(
        "def forward_propagation(x, theta):\n    return theta * x\n\n"
        "def backward_propagation(x, theta):\n    return theta\n")
    result = pytester.runpytest("--gradcheck", "warmup.py", FD, "--gradcheck-examples=10")
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines(["dtheta: WRONG*"])


def test_a_pair_of_another_signature_is_neither_the_warm_up_nor_the_planar_net(pytester):
    (pytester.path / "warmup.py").write_text(
        "def forward_propagation(x, theta, y):\n    return theta * x\n\n"
        "def backward_propagation(x, theta, y):\n    return x\n")
    result = pytester.runpytest("--gradcheck", "warmup.py", FD)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*nothing in warmup.py is recognised*"])


def test_the_older_compute_cost_with_parameters_is_the_interface_and_its_missing_1_over_m_is_caught(pytester):
    _copy(pytester, PLANAR, "planar.py", replace=("def compute_cost(A2, Y):", "def compute_cost(A2, Y, parameters):"))
    path = pytester.path / "planar.py"
    path.write_text(path.read_text().replace("cost = - np.sum(logprobs) / m", "cost = - np.sum(logprobs)"))
    result = pytester.runpytest("--gradcheck", "planar.py", FD, "--gradcheck-examples=5", "-k", "interface")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*compute_cost(A2, Y, parameters) is * but J = * here*"])


# C2W1: L2 regularisation on the three-layer network --------------------------------------------
def test_the_l2_regularised_backward_pass_passes_with_the_courses_lambd(pytester):
    _copy(pytester, "correct/regularization_l2.py", "reg.py")
    result = pytester.runpytest("--gradcheck", "reg.py", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*backward_propagation_with_regularization?deep-regularised-lambd-0.7? PASSED*",
                                 "*backward_propagation_with_regularization?hypothesis? PASSED*"])


def test_the_l2_term_without_1_over_m_is_named_on_the_weights_only(pytester):
    _copy(pytester, "wrong/regularization_l2_without_1_over_m.py", "reg.py")
    result = pytester.runpytest("--gradcheck", "reg.py", FD)
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines(["*likely mistake: the L2 term of dW lacks the 1/m*"])
    result.stdout.re_match_lines([r"reg\.py +backward_propagation_with_regularization +FAILED +deep_reg/L2-without-1/m"
                                  r" +W1, W2, W3"])


def test_compute_cost_with_regularization_is_checked_as_the_interface(pytester):
    _copy(pytester, "correct/regularization_l2.py", "reg.py", replace=("* lambd / (2 * m)", "* lambd / 2"))
    result = pytester.runpytest("--gradcheck", "reg.py", FD, "-k", "interface")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*compute_cost_with_regularization(A3, Y, parameters, 0.7) is * but J = * here*"])


# C2W1: dropout, judged with the masks of the student's own cache --------------------------------
def test_the_dropout_pair_passes_with_the_courses_masks(pytester):
    _copy(pytester, "correct/dropout.py", "dropout.py")
    result = pytester.runpytest("--gradcheck", "dropout.py", FD, "--gradcheck-examples=10", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*backward_propagation_with_dropout?deep-dropout-keep-prob-0.7? PASSED*",
                                 "*backward_propagation_with_dropout?hypothesis? PASSED*"])


def test_dropout_not_rescaled_by_keep_prob_is_named_on_the_hidden_layers(pytester):
    _copy(pytester, "wrong/dropout_not_rescaled.py", "dropout.py")
    result = pytester.runpytest("--gradcheck", "dropout.py", FD, "--gradcheck-examples=10")
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines(["dW1: WRONG*", "*dW3: ok*"])
    result.stdout.re_match_lines([r"dropout\.py +backward_propagation_with_dropout +FAILED "
                                  r"+deep_dropout/dA-not-rescaled-by-keep-prob +W1, W2, b1, b2"])


def test_a_forward_pass_with_other_masks_is_judged_on_the_courses_cache(pytester):
    _copy(pytester, "correct/dropout.py", "dropout.py", replace=("    np.random.seed(1)\n", "    np.random.seed(7)\n"))
    result = pytester.runpytest("--gradcheck", "dropout.py", FD, "--gradcheck-examples=10", "-k", "keep")
    result.assert_outcomes(passed=1, deselected=2)


def test_a_backward_pass_without_the_mask_is_named(pytester):
    _copy(pytester, "correct/dropout.py", "dropout.py", replace=("np.int64(A2 > 0)", "np.int64(Z2 > 0)"))
    path = pytester.path / "dropout.py"
    path.write_text(path.read_text().replace("np.int64(A1 > 0)", "np.int64(Z1 > 0)")
                    .replace("dA2 = dA2 * D2 / keep_prob", "dA2 = dA2 / keep_prob")
                    .replace("dA1 = dA1 * D1 / keep_prob", "dA1 = dA1 / keep_prob"))
    result = pytester.runpytest("--gradcheck", "dropout.py", FD, "--gradcheck-examples=10", "-k", "keep")
    result.stdout.re_match_lines([r"dropout\.py +backward_propagation_with_dropout +FAILED +deep_dropout/mask-not-applied"])
