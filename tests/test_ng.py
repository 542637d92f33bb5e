"""Ng's ex4 (the Python ports' nnCostFunction): recognised by signature, judged, its mistakes named."""

from __future__ import annotations

import jax.monitoring  # noqa: F401
import numpy as np
import pytest
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401
from gradcheck import make_case
from gradcheck.course import get_course, get_model
from gradcheck.courses.ng import debug_network, debug_weights

from ._examples import copy_example as _copy

FD = "--gradcheck-oracles=fd"
FEW = "--gradcheck-examples=10"


# The reference ------------------------------------------------------------------------------------
def _cost_by_hand(X, y, T1, T2, lam):
    """ex4's cost written out example by example and label by label (Python floats, loops)."""
    m, K = len(X), len(T2)
    J = 0.0
    for i in range(m):
        a1 = [1.0, *X[i]]
        a2 = [1.0] + [1 / (1 + np.exp(-sum(w * a for w, a in zip(row, a1)))) for row in T1]
        for k in range(K):
            h = 1 / (1 + np.exp(-sum(w * a for w, a in zip(T2[k], a2))))
            yk = 1.0 if y[i] == k else 0.0
            J += -yk * np.log(h) - (1 - yk) * np.log(1 - h)
    reg = sum(w * w for T in (T1, T2) for row in T for w in row[1:])
    return J / m + lam / (2 * m) * reg


@pytest.mark.parametrize("lam", [0.0, 3.0])
def test_the_reference_gradient_is_the_central_difference_of_the_cost_written_out_by_hand(lam):
    # Provenance: checkNNGradients' debugging network (public, reproducible); no published gradient values.
    inputs, params = debug_network(lam)
    y = inputs["Y"].argmax(axis=1)
    case = make_case("ng_ex4", inputs, params, name="by-hand")
    for name in ("Theta1", "Theta2"):
        got = case.expected["grads"][name]
        for index in np.ndindex(got.shape):
            step = 1e-5
            moved = [{k: v.copy() for k, v in params.items()} for _ in range(2)]
            moved[0][name][index] += step
            moved[1][name][index] -= step
            costs = [_cost_by_hand(inputs["X"], y, p["Theta1"], p["Theta2"], lam) for p in moved]
            assert got[index] == pytest.approx((costs[0] - costs[1]) / (2 * step), rel=1e-6, abs=1e-9)
    assert case.expected["cost"] == pytest.approx(_cost_by_hand(inputs["X"], y, params["Theta1"], params["Theta2"], lam))


def test_debug_weights_fill_sin_column_by_column_as_octave_does():
    W = debug_weights(5, 3)
    assert W.shape == (5, 4)
    assert W[1, 0] == pytest.approx(np.sin(2) / 10) and W[0, 1] == pytest.approx(np.sin(6) / 10)


def test_the_course_names_its_arrays_as_ex4_does():
    model = get_model("ng_ex4")
    inputs, params = debug_network(0.0)
    dims = model.dims(inputs, params)
    assert model.param_names() == ("Theta1", "Theta2")
    assert model.shapes(dims)["Theta1"] == (5, 4) and model.shape_table(dims)["Theta2"] == ("num_labels", "hidden_layer_size + 1")
    assert [c.name for c in get_course("ng").derived_cases(0)] == [
        "ex4-checkNNGradients", "ex4-checkNNGradients-lambda-3", "ex4-distinct-dims"]


@pytest.mark.parametrize("bad", [{"min_labels": 0}, {"max_examples": 0}, {"distinct_dims": "yes"}],
                         ids=lambda b: "ng_ex4_cases(" + ", ".join(f"{k}={v!r}" for k, v in b.items()) + ")")
def test_the_strategy_rejects_bad_arguments(bad):
    from gradcheck.courses.ng.strategy import ng_ex4_cases

    with pytest.raises((ValueError, TypeError)):
        ng_ex4_cases(**bad)


# The plugin on ports' code ------------------------------------------------------------------------
def test_the_notebook_ports_nncostfunction_passes_every_item(pytester):
    _copy(pytester, "correct/ng_ex4.py", "ex4.py")
    result = pytester.runpytest("--gradcheck", "ex4.py", FEW, "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*nnCostFunction?ex4-checkNNGradients-lambda-3? PASSED*",
                                 "*nnCostFunction?interface? PASSED*", "*nnCostFunction?hypothesis? PASSED*"])


def test_an_octave_style_port_is_called_with_1_based_labels_a_column_y_and_fortran_order(pytester):
    _copy(pytester, "correct/ng_ex4_octave_style.py", "ex4.py")
    result = pytester.runpytest("--gradcheck", "ex4.py", FD, FEW, "-v")
    result.assert_outcomes(passed=6)


def test_the_detected_encoding_is_said_in_a_failures_report(pytester):
    _copy(pytester, "correct/ng_ex4_octave_style.py", "ex4.py",
          replace=("Theta2_grad[:, 1:] += Lambda / m * Theta2[:, 1:]", "Theta2_grad += Lambda / m * Theta2"))
    result = pytester.runpytest("--gradcheck", "ex4.py", FD, FEW)
    result.stdout.fnmatch_lines(["note: Detected: y holds the labels 1 .. num_labels (as the Octave original numbers "
                                 "them) with shape (m, 1); nn_params and grad are unrolled in Fortran order*"])
    result.stdout.re_match_lines([r"ex4\.py +nnCostFunction +FAILED +ng_ex4/bias-column-regularised +Theta2$"])


def test_grad_unrolled_in_another_order_than_nn_params_fails(pytester):
    _copy(pytester, "correct/ng_ex4_octave_style.py", "ex4.py",
          replace=("Theta1_grad.ravel(order='F')", "Theta1_grad.ravel()"))
    result = pytester.runpytest("--gradcheck", "ex4.py", FD, FEW)
    assert result.parseoutcomes()["failed"] >= 3
    result.stdout.fnmatch_lines(["Theta1_grad: WRONG*", "Theta2_grad: ok*"])


@pytest.mark.parametrize(("example", "mistake"), [
    ("ng_ex4_bias_column_regularised.py", "ng_ex4/bias-column-regularised"),
    ("ng_ex4_regularisation_without_1_over_m.py", "ng_ex4/regularisation-without-1-over-m"),
    ("ng_ex4_bias_column_dropped.py", "ng_ex4/bias-column-dropped-from-gradient"),
])
def test_a_known_mistake_is_named_with_theta1_and_theta2(pytester, example, mistake):
    _copy(pytester, f"wrong/{example}", "ex4.py")
    result = pytester.runpytest("--gradcheck", "ex4.py", FD, FEW)
    assert result.parseoutcomes()["failed"] >= 2
    result.stdout.fnmatch_lines(["Theta1_grad: WRONG*", "Theta2_grad: WRONG*"])
    result.stdout.re_match_lines([rf"ex4\.py +nnCostFunction +FAILED +{mistake} +Theta1, Theta2"])


def test_a_gradient_without_its_bias_columns_is_told_so(pytester):
    _copy(pytester, "correct/ng_ex4.py", "ex4.py",
          replace=("grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])",
                   "grad = np.concatenate([Theta1_grad[:, 1:].ravel(), Theta2_grad[:, 1:].ravel()])"))
    result = pytester.runpytest("--gradcheck", "ex4.py", FD, FEW)
    result.stdout.fnmatch_lines(["*That is the size without the bias columns*"])
    assert "passed" not in result.parseoutcomes() or result.parseoutcomes()["passed"] <= 1


def test_an_nncostfunction_of_another_signature_is_a_near_miss_not_a_type_error(pytester):
    (pytester.path / "ex4.py").write_text("def nnCostFunction(nn_params, X, y, lambda_):\n    return 0.0, nn_params\n")
    result = pytester.runpytest("--gradcheck", "ex4.py", FD)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["not recognised: nnCostFunction(nn_params, X, y, lambda_) does not match ex4's "
                                 "nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, "
                                 "lambda_) -> (J, grad) (it takes 4 arguments, not 7)"])
    assert "TypeError" not in result.stdout.str() + result.stderr.str()
