"""gradcheck.strategies: what the strategies draw, how they reject bad arguments, and the property check.

``GRADCHECK_TEST_EXAMPLES`` sets how many cases the correct submissions are run on (default 500,
the number issue 6 asks for; each run takes about a second because the networks are small).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck import Case, get_model, load_case
from gradcheck.strategies import (
    as_code,
    cases_for,
    chain_cases,
    deep_cases,
    judge_gradients,
    roundoff_tolerance,
    run_property_check,
    scalar_net_cases,
    welch_cases,
)

CORRECT_EXAMPLES = int(os.environ.get("GRADCHECK_TEST_EXAMPLES", "500"))


def on_grid(a) -> bool:
    a = np.asarray(a, dtype=float)
    return bool(np.all(np.abs(a * 100 - np.round(a * 100)) < 1e-9))


# Submissions, written as students write them ---------------------------------------------------
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return np.exp(-z) / ((1 + np.exp(-z)) ** 2)


class Neural_Network:
    """The notes' class, as the lesson builds it (the plugin's adapter sets W1 and W2 from a case)."""

    def __init__(self, Lambda=0.0):
        self.inputLayerSize, self.outputLayerSize, self.hiddenLayerSize = 2, 1, 3
        self.W1 = np.random.randn(self.inputLayerSize, self.hiddenLayerSize)
        self.W2 = np.random.randn(self.hiddenLayerSize, self.outputLayerSize)
        self.Lambda = Lambda

    def forward(self, X):
        self.z2 = np.dot(X, self.W1)
        self.a2 = sigmoid(self.z2)
        self.z3 = np.dot(self.a2, self.W2)
        return sigmoid(self.z3)

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), sigmoid_prime(self.z3))
        dJdW2 = np.dot(self.a2.T, delta3)
        delta2 = np.dot(delta3, self.W2.T) * sigmoid_prime(self.z2)
        dJdW1 = np.dot(X.T, delta2)
        if self.Lambda:
            dJdW2 = dJdW2 / X.shape[0] + self.Lambda * self.W2
            dJdW1 = dJdW1 / X.shape[0] + self.Lambda * self.W1
        return dJdW1, dJdW2


class HardWiredNetwork(Neural_Network):
    """Writes W2ᵀ as W2.reshape(1, 3): right for 3 hidden units and 1 output, and only then."""

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), sigmoid_prime(self.z3))
        delta2 = np.dot(delta3, self.W2.reshape(1, 3)) * sigmoid_prime(self.z2)
        return np.dot(X.T, delta2), np.dot(self.a2.T, delta3)


def notes_class(cls, **kwargs):
    """What the plugin's adapter does for the notes' class: set the weights, call costFunctionPrime."""

    def compute(case: Case):
        net = cls(**kwargs)
        if "Lambda" in case.inputs:
            net.Lambda = float(case.Lambda)
        net.W1, net.W2 = case.W1, case.W2
        dJdW1, dJdW2 = net.costFunctionPrime(case.X, case.y)
        return {"dJdW1": dJdW1, "dJdW2": dJdW2}

    return compute


def backprop_loop(X, y, W1, W2):
    """One example at a time, with a2(1 − a2) for f'."""
    dJdW1, dJdW2 = np.zeros_like(W1), np.zeros_like(W2)
    for x_i, y_i in zip(X, y):
        a2 = sigmoid(x_i @ W1)
        yhat = sigmoid(a2 @ W2)
        delta3 = (yhat - y_i) * yhat * (1 - yhat)
        delta2 = (W2 @ delta3) * a2 * (1 - a2)
        dJdW1 += np.outer(x_i, delta2)
        dJdW2 += np.outer(a2, delta3)
    return dJdW1, dJdW2


def backprop_three_hidden(X, y, W1, W2):
    """Hard-wired to 3 hidden units: loops over range(3)."""
    a2 = sigmoid(X @ W1)
    yhat = sigmoid(a2 @ W2)
    delta3 = -(y - yhat) * yhat * (1 - yhat)
    delta2 = np.zeros((X.shape[0], 3))
    for j in range(3):
        delta2[:, j] = (delta3 @ W2[j]) * a2[:, j] * (1 - a2[:, j])
    return X.T @ delta2, a2.T @ delta3


def backprop_orients_by_shape(X, y, W1, W2):
    """Computes dJdW1 as delta2ᵀ·X and transposes it only when its shape differs from W1's,
    so it returns the transpose exactly when W1 is square."""
    a2 = sigmoid(X @ W1)
    yhat = sigmoid(a2 @ W2)
    delta3 = -(y - yhat) * yhat * (1 - yhat)
    delta2 = delta3 @ W2.T * a2 * (1 - a2)
    dJdW1 = delta2.T @ X
    if dJdW1.shape != W1.shape:
        dJdW1 = dJdW1.T
    return dJdW1, a2.T @ delta3


def backprop_reshapes_w2(X, y, W1, W2):
    """Writes W2ᵀ as W2.reshape(1, -1): right only when there is one output."""
    a2 = sigmoid(X @ W1)
    yhat = sigmoid(a2 @ W2)
    delta3 = -(y - yhat) * yhat * (1 - yhat)
    delta2 = delta3 @ W2.reshape(W2.shape[1], W2.shape[0]) * a2 * (1 - a2)
    return X.T @ delta2, a2.T @ delta3


def function(f):
    return lambda case: dict(zip(("W1", "W2"), f(case.X, case.y, case.W1, case.W2)))


def deep_course_style(case: Case):
    """L_model_forward / L_model_backward as the course writes them (dAL, then relu masks on copies)."""
    X, Y, parameters = case.X, case.Y, case.params
    L, m = len(parameters) // 2, X.shape[1]
    caches, A = [], X
    for l in range(1, L + 1):
        Z = np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)]
        caches.append(((A, parameters["W" + str(l)]), Z))
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(0, Z)
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    grads = {}
    for l in reversed(range(1, L + 1)):
        (A_prev, W), Z = caches[l - 1]
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        else:
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
        grads["dW" + str(l)] = 1.0 / m * np.dot(dZ, A_prev.T)
        grads["db" + str(l)] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ)
    return grads


def deep_compact_style(case: Case):
    """dZ[L] = A[L] − Y directly, relu' as a boolean product."""
    p, m = case.params, case.X.shape[1]
    L = len(p) // 2
    As, Zs = [case.X], []
    for l in range(1, L + 1):
        Zs.append(p[f"W{l}"] @ As[-1] + p[f"b{l}"])
        As.append(sigmoid(Zs[-1]) if l == L else np.maximum(Zs[-1], 0))
    dZ, grads = As[-1] - case.Y, {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ As[l - 1].T / m
        grads[f"b{l}"] = dZ.mean(axis=1, keepdims=True)
        if l > 1:
            dZ = (p[f"W{l}"].T @ dZ) * (Zs[l - 2] > 0)
    return grads


def gradient_checking_style(case: Case):
    """forward_propagation_n / backward_propagation_n of the course: written for exactly three layers."""
    X, Y, p, m = case.X, case.Y, case.params, case.X.shape[1]
    W1, b1, W2, b2, W3, b3 = (p[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = np.maximum(0, Z2)
    A3 = sigmoid(np.dot(W3, A2) + b3)
    dZ3 = A3 - Y
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    return {"dW3": 1.0 / m * np.dot(dZ3, A2.T), "db3": 1.0 / m * np.sum(dZ3, axis=1, keepdims=True),
            "dW2": 1.0 / m * np.dot(dZ2, A1.T), "db2": 1.0 / m * np.sum(dZ2, axis=1, keepdims=True),
            "dW1": 1.0 / m * np.dot(dZ1, X.T), "db1": 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)}


def chain_style(case: Case):
    if case.model.name == "chain":
        return {"w": case.a0 * 2 * (case.a0 * case.w - case.target)}
    a1 = case.a0 * case.w1
    dC = 2 * (a1 * case.w2 - case.target)
    return {"w1": case.a0 * case.w2 * dC, "w2": a1 * dC}


def scalar_net_style(case: Case):
    y = sigmoid(case.w1 * case.x)
    z = sigmoid(case.w2 * y)
    dp2 = (z - case.d) * z * (1 - z)
    return {"w2": dp2 * y, "w1": dp2 * case.w2 * y * (1 - y) * case.x}


# What the strategies draw -----------------------------------------------------------------------
@given(welch_cases())
def test_welch_cases_draw_four_distinct_dimensions_by_default(case):
    assert isinstance(case, Case) and case.model.name == "welch"
    assert len(set(case.dims.values())) == 4, case.dims


@given(deep_cases())
def test_deep_cases_draw_distinct_dimensions_and_one_to_three_layers_by_default(case):
    L = len(case.param_names) // 2
    assert L in (1, 2, 3)
    assert len(set(case.dims.values())) == len(case.dims), case.dims


@given(welch_cases(min_examples=3, max_examples=3, min_hidden=3, max_hidden=3))
def test_dimensions_are_distinct_where_the_bounds_allow(case):
    d = case.dims
    assert d["numExamples"] == d["hiddenLayerSize"] == 3
    assert len({3, d["inputLayerSize"], d["outputLayerSize"]}) == 3, d


@given(welch_cases(max_examples=3, max_inputs=2, max_hidden=2, max_outputs=4))
def test_an_early_size_leaves_room_for_the_later_ones_to_be_distinct(case):
    d = case.dims
    assert d["numExamples"] == 3 and {d["inputLayerSize"], d["hiddenLayerSize"]} == {1, 2}
    assert d["outputLayerSize"] == 4


@given(welch_cases(distinct_dims=False, min_inputs=2, max_inputs=2, min_hidden=2, max_hidden=2))
def test_distinct_dims_false_allows_square_weights(case):
    assert case.W1.shape == (2, 2)


@given(st.one_of(welch_cases(), welch_cases(regularised=True), welch_cases(distinct_dims=False)))
def test_no_two_units_share_their_weights(case):
    for W in (case.W1, case.W2):
        assert len({tuple(r) for r in W}) == W.shape[0]
        assert len({tuple(c) for c in W.T}) == W.shape[1]


@given(deep_cases())
def test_no_two_units_of_a_deep_layer_share_their_weights(case):
    for name in case.param_names[::2]:
        W = case.params[name]
        assert len({tuple(r) for r in W}) == W.shape[0]
        assert len({tuple(c) for c in W.T}) == W.shape[1]


@given(welch_cases(regularised=True))
def test_welch_pre_activations_stay_where_the_sigmoid_is_not_saturated(case):
    inter = case.expected["intermediates"]
    assert np.all(np.abs(inter["z2"]) <= 4.0) and np.all(np.abs(inter["z3"]) <= 4.0)
    assert 0.001 <= case.Lambda <= 0.1


@given(deep_cases())
def test_deep_relu_pre_activations_keep_clear_of_the_kink_and_the_output_is_not_saturated(case):
    inter = case.expected["intermediates"]
    L = len(case.param_names) // 2
    for l in range(1, L):
        assert np.all(np.abs(inter[f"Z{l}"]) >= 1e-3)
    assert np.all(np.abs(inter[f"Z{L}"]) <= 4.0)


@given(deep_cases())
def test_deep_labels_are_zeros_and_ones_of_shape_nL_by_m(case):
    L = len(case.param_names) // 2
    assert case.Y.shape == (case.dims[f"n{L}"], case.dims["m"])
    assert set(np.unique(case.Y)) <= {0.0, 1.0}


@given(deep_cases(layer_dims=[4, 5, 3, 1], max_examples=6))
def test_layer_dims_fixes_the_sizes_and_m_avoids_them(case):
    assert [case.params[f"W{l}"].shape for l in (1, 2, 3)] == [(5, 4), (3, 5), (1, 3)]
    assert case.dims["m"] in (2, 6)


@given(welch_cases(min_examples=2, max_examples=4, min_inputs=3, max_inputs=3, max_hidden=2, max_outputs=1))
def test_welch_dimensions_respect_their_bounds(case):
    d = case.dims
    assert 2 <= d["numExamples"] <= 4 and d["inputLayerSize"] == 3
    assert d["hiddenLayerSize"] <= 2 and d["outputLayerSize"] == 1


@given(st.one_of(cases_for("welch"), cases_for("welch_reg"), cases_for("deep"), chain_cases(),
                 chain_cases(layers=2), scalar_net_cases()))
def test_drawn_cases_carry_the_reference_gradients_and_values_on_a_grid_of_hundredths(case):
    expected = case.expected["grads"]
    reference = get_model(case.model.name).gradients(case.inputs, case.params)
    assert expected.keys() == reference.keys()
    for k in expected:
        np.testing.assert_array_equal(expected[k], reference[k])
    for name, value in {**case.inputs, **case.params}.items():
        if name != "Lambda":
            assert on_grid(value), name


@given(chain_cases(), chain_cases(layers=2))
def test_chain_cases_layers_picks_chain_or_chain2(one, two):
    assert (one.model.name, two.model.name) == ("chain", "chain2")


@given(cases_for("welch"))
def test_a_case_printed_as_code_rebuilds_the_same_arrays(case):
    namespace: dict = {}
    exec(as_code(case), namespace)
    rebuilt = namespace["case"]
    assert rebuilt.model.name == case.model.name
    for k, v in {**case.inputs, **case.params}.items():
        np.testing.assert_array_equal(getattr(rebuilt, k), v)


@pytest.mark.parametrize(("strategy", "text"), [
    (welch_cases(max_hidden=4), "welch_cases(max_hidden=4)"),
    (deep_cases(layer_dims=[4, 5, 1]), "deep_cases(layer_dims=[4, 5, 1])"),
    (chain_cases(layers=2), "chain_cases(layers=2)"),
    (scalar_net_cases(), "scalar_net_cases()"),
])
def test_a_strategy_reads_like_the_call_that_made_it(strategy, text):
    assert repr(strategy) == text


def test_a_strategy_that_draws_nothing_is_a_usage_error_of_the_check():
    with pytest.raises(ValueError, match=r"^the strategy chain_cases\(\)\.filter\(.*\) drew no valid case in 5 tries"):
        run_property_check(dict, chain_cases().filter(lambda case: False), max_examples=5, seed=1)


def test_importing_the_strategies_does_not_import_jax():
    code = "import sys, gradcheck.strategies; assert 'jax' not in sys.modules, 'jax was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# Bad arguments are rejected up front --------------------------------------------------------------
BAD_ARGUMENTS = [
    pytest.param(lambda: welch_cases(min_hidden=0), ValueError, "min_hidden=0 must be at least 1",
                 id="welch_cases(min_hidden=0)"),
    pytest.param(lambda: welch_cases(max_examples=2.5), TypeError, "max_examples must be an integer, not 2.5",
                 id="welch_cases(max_examples=2.5)"),
    pytest.param(lambda: welch_cases(min_inputs=True), TypeError, "min_inputs must be an integer, not True",
                 id="welch_cases(min_inputs=True)"),
    pytest.param(lambda: welch_cases(min_hidden=4, max_hidden=3), ValueError,
                 "min_hidden=4 is greater than max_hidden=3; no size lies between them",
                 id="welch_cases(min_hidden=4, max_hidden=3)"),
    pytest.param(lambda: welch_cases(max_outputs=0), ValueError, "max_outputs=0 must be at least 1",
                 id="welch_cases(max_outputs=0)"),
    pytest.param(lambda: welch_cases(distinct_dims="yes"), TypeError,
                 "distinct_dims must be True or False, not 'yes'", id="welch_cases(distinct_dims='yes')"),
    pytest.param(lambda: welch_cases(regularised=1), TypeError, "regularised must be True or False, not 1",
                 id="welch_cases(regularised=1)"),
    pytest.param(lambda: welch_cases(max_abs_z=0), ValueError, "max_abs_z=0 must be a finite number > 0",
                 id="welch_cases(max_abs_z=0)"),
    pytest.param(lambda: welch_cases(max_abs_z=float("inf")), ValueError,
                 "max_abs_z=inf must be a finite number > 0", id="welch_cases(max_abs_z=inf)"),
    pytest.param(lambda: welch_cases(min_lambda=0.5), ValueError,
                 "min_lambda=0.5 needs regularised=True; the unregularised model has no Lambda",
                 id="welch_cases(min_lambda=0.5)"),
    pytest.param(lambda: welch_cases(regularised=True, min_lambda=0.5, max_lambda=0.1), ValueError,
                 "min_lambda=0.5 is greater than max_lambda=0.1",
                 id="welch_cases(regularised=True, min_lambda=0.5, max_lambda=0.1)"),
    pytest.param(lambda: welch_cases(regularised=True, max_lambda=-1), ValueError,
                 "max_lambda=-1 must be a finite number ≥ 0", id="welch_cases(regularised=True, max_lambda=-1)"),
    pytest.param(lambda: deep_cases(layer_dims=[3]), ValueError,
                 "layer_dims=[3] needs at least two sizes, (n0, n1)", id="deep_cases(layer_dims=[3])"),
    pytest.param(lambda: deep_cases(layer_dims=[3, 0]), ValueError, "layer_dims[1]=0 must be at least 1",
                 id="deep_cases(layer_dims=[3, 0])"),
    pytest.param(lambda: deep_cases(layer_dims="34"), TypeError,
                 "layer_dims must be a sequence of sizes (n0, n1, ..., nL), not '34'",
                 id="deep_cases(layer_dims='34')"),
    pytest.param(lambda: deep_cases(layer_dims=[2, 3], max_width=4, min_layers=1), ValueError,
                 "layer_dims=[2, 3] fixes the sizes; leave out min_layers, max_width",
                 id="deep_cases(layer_dims=[2, 3], max_width=4, min_layers=1)"),
    pytest.param(lambda: deep_cases(min_layers=0), ValueError, "min_layers=0 must be at least 1",
                 id="deep_cases(min_layers=0)"),
    pytest.param(lambda: deep_cases(min_width=3, max_width=2), ValueError,
                 "min_width=3 is greater than max_width=2; no size lies between them",
                 id="deep_cases(min_width=3, max_width=2)"),
    pytest.param(lambda: deep_cases(min_examples=0), ValueError, "min_examples=0 must be at least 1",
                 id="deep_cases(min_examples=0)"),
    pytest.param(lambda: deep_cases(relu_margin=-0.1), ValueError,
                 "relu_margin=-0.1 must be a finite number ≥ 0", id="deep_cases(relu_margin=-0.1)"),
    pytest.param(lambda: chain_cases(layers=3), ValueError, "layers=3 must be 1 (model chain) or 2 (model chain2)",
                 id="chain_cases(layers=3)"),
    pytest.param(lambda: chain_cases(max_abs_value=0), ValueError,
                 "max_abs_value=0 must be a finite number > 0", id="chain_cases(max_abs_value=0)"),
    pytest.param(lambda: scalar_net_cases(max_abs_z="4"), TypeError, "max_abs_z must be a number, not '4'",
                 id="scalar_net_cases(max_abs_z='4')"),
    pytest.param(lambda: run_property_check(dict, "welch", max_examples=0), ValueError,
                 "max_examples=0 must be at least 1", id="run_property_check(f, 'welch', max_examples=0)"),
    pytest.param(lambda: run_property_check(dict, "welch", seed=1.5), TypeError,
                 "seed must be an integer or None, not 1.5", id="run_property_check(f, 'welch', seed=1.5)"),
    pytest.param(lambda: run_property_check(dict, "resnet"), ValueError,
                 "unknown model 'resnet'; the reference models are welch, welch_reg, deep, deep_reg, planar, deep_dropout, "
                 "gc_1d, chain, chain2, scalar_net, nielsen, nielsen_ce, ng_ex4",
                 id="run_property_check(f, 'resnet')"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD_ARGUMENTS)
def test_a_bad_argument_is_rejected_when_the_strategy_is_made(call, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()


# The property check ---------------------------------------------------------------------------------
def test_code_hard_wired_to_three_hidden_units_passes_three_examples_but_fails_with_a_shrunk_case():
    case = load_case("three-examples")
    for got, want in zip(backprop_three_hidden(case.X, case.y, case.W1, case.W2), case.expected["grads"].values()):
        np.testing.assert_allclose(got, want, rtol=1e-12)

    outcome = run_property_check(function(backprop_three_hidden), "welch", max_examples=50, seed=1)

    assert not outcome.ok
    assert outcome.hard_wired == {"hiddenLayerSize": 3}
    first, second = outcome.message.splitlines()[:2]
    assert first == ("hard-wired to hiddenLayerSize = 3: the code gives right gradients there, and raises or returns "
                     "missing or misshapen gradients whenever it changes.")
    assert re.fullmatch(r"Fails on a drawn network of welch \(numExamples=\d, inputLayerSize=\d, hiddenLayerSize=\d, "
                        r"outputLayerSize=\d\), found after \d+ examples? \(seed 1\) and shrunk to the smallest "
                        r"that fails:", second), second
    assert outcome.case.dims["hiddenLayerSize"] != 3
    assert max(outcome.case.dims.values()) <= 4, outcome.case.dims  # shrunk to a small network
    assert "the call raised" in outcome.message and "as code:" in outcome.message


def test_a_notes_class_hard_wired_by_a_reshape_is_reported_with_every_size_it_accepts():
    case = load_case("three-examples-asymmetric")
    assert judge_gradients(case, notes_class(HardWiredNetwork)(case)) == []

    outcome = run_property_check(notes_class(HardWiredNetwork), "welch", max_examples=50, seed=2)

    assert outcome.hard_wired == {"hiddenLayerSize": 3, "outputLayerSize": 1}
    assert "hard-wired to hiddenLayerSize = 3, outputLayerSize = 1" in outcome.message


def test_deep_code_written_for_three_layers_is_reported_as_hard_wired_to_three_layers():
    assert judge_gradients(load_case("coursera-l3"), gradient_checking_style(load_case("coursera-l3"))) == []

    outcome = run_property_check(gradient_checking_style, "deep", max_examples=50, seed=10)

    assert outcome.hard_wired == {"L": 3}
    assert outcome.message.startswith("hard-wired to L = 3")


def test_code_that_transposes_square_matrices_passes_three_examples_but_fails_the_property_check():
    for name in ("three-examples", "three-examples-asymmetric"):
        case = load_case(name)
        got = dict(zip(("W1", "W2"), backprop_orients_by_shape(case.X, case.y, case.W1, case.W2)))
        assert judge_gradients(case, got) == []

    outcome = run_property_check(function(backprop_orients_by_shape), "welch", max_examples=50, seed=3)

    assert not outcome.ok and outcome.hard_wired is None
    d = outcome.case.dims
    assert d["inputLayerSize"] == d["hiddenLayerSize"] == 2, d  # the smallest square W1 that shows it
    [mismatch] = outcome.mismatches
    assert (mismatch.kind, mismatch.param) == ("value", "W1")
    assert re.search(r"worst W1\[\d, \d\]: yours \S+ +expected \S+ (±\S+|exactly) +central difference", outcome.message)


def test_code_that_is_right_only_for_one_output_is_not_called_hard_wired():
    outcome = run_property_check(function(backprop_reshapes_w2), "welch", max_examples=50, seed=4)
    assert not outcome.ok and outcome.hard_wired is None
    assert outcome.case.dims["outputLayerSize"] >= 2
    assert "hard-wired" not in outcome.message


def test_an_exception_counts_as_a_failure_and_its_summary_is_reported():
    def broken(case):
        raise ZeroDivisionError("float division by zero")

    outcome = run_property_check(broken, "scalar_net", max_examples=10, seed=5)
    assert not outcome.ok
    assert "the call raised ZeroDivisionError: float division by zero" in outcome.message


def test_an_error_of_one_part_per_million_in_one_element_is_caught():
    def slightly_off(case):
        grads = function(backprop_loop)(case)
        grads["W1"].flat[-1] *= 1 + 1e-6
        return grads

    outcome = run_property_check(slightly_off, "welch", max_examples=50, seed=6)
    assert not outcome.ok and outcome.mismatches[0].param == "W1"


def test_code_whose_answer_changes_between_calls_is_reported_with_its_first_failing_case():
    calls = []

    def flaky(case):
        calls.append(case)
        grads = function(backprop_loop)(case)
        if len(calls) % 3 == 0:
            grads["W1"] = grads["W1"] + 1
        return grads

    outcome = run_property_check(flaky, "welch", max_examples=50, seed=2)
    assert not outcome.ok
    assert outcome.message.startswith("The gradients of one case changed from one call to the next (seed 2)")
    assert "The failing case, as code:" in outcome.message


def test_the_same_seed_draws_the_same_cases_and_shrinks_to_the_same_one():
    runs = [run_property_check(function(backprop_reshapes_w2), "welch", max_examples=30, seed=7) for _ in range(2)]
    assert runs[0].message == runs[1].message and runs[0].examples == runs[1].examples
    assert "(seed 7)" in runs[0].message


def test_without_a_seed_the_check_picks_one_and_records_it():
    outcome = run_property_check(function(backprop_loop), "welch", max_examples=5)
    assert outcome.ok and isinstance(outcome.seed, int) and outcome.examples == 5


def test_the_gradients_are_judged_against_the_reference_when_one_is_given():
    def doubled(case):
        return {k: 2 * v for k, v in case.expected["grads"].items()}

    outcome = run_property_check(function(backprop_loop), "welch", max_examples=20, seed=9, reference=doubled)
    assert not outcome.ok and outcome.mismatches[0].kind == "value"


def test_the_report_adds_jax_s_value_where_the_jax_oracle_is_installed(monkeypatch):
    fake = types.ModuleType("gradcheck.oracles.jax")
    fake.model_gradients = lambda model, inputs, params: model.backward(inputs, params)
    monkeypatch.setitem(sys.modules, "gradcheck.oracles.jax", fake)
    import gradcheck.oracles

    monkeypatch.setattr(gradcheck.oracles, "jax", fake, raising=False)

    outcome = run_property_check(function(backprop_reshapes_w2), "welch", max_examples=50, seed=4)
    assert re.search(r"central difference \S+ ±\S+ +jax \S+", outcome.message)


def test_under_a_derandomised_profile_the_seed_is_0_so_ci_runs_repeat():
    previous = settings.get_current_profile_name()
    settings.register_profile("test-derandomised", derandomize=True)
    settings.load_profile("test-derandomised")
    try:
        outcome = run_property_check(function(backprop_reshapes_w2), "welch", max_examples=30)
    finally:
        settings.load_profile(previous)
    assert outcome.seed == 0 and "(seed 0)" in outcome.message


def welch_float32(case):
    X, y, W1, W2 = (np.asarray(a, dtype=np.float32) for a in (case.X, case.y, case.W1, case.W2))
    dJdW1, dJdW2 = backprop_loop(X, y, W1, W2)
    if "Lambda" in case.inputs:
        m, lam = X.shape[0], np.float32(case.Lambda)
        dJdW1, dJdW2 = dJdW1 / m + lam * W1, dJdW2 / m + lam * W2
    return {"W1": dJdW1, "W2": dJdW2}


def welch_loop_any(case):
    grads = function(backprop_loop)(case)
    if "Lambda" in case.inputs:
        m = case.X.shape[0]
        grads = {k: g / m + case.Lambda * case.params[k] for k, g in grads.items()}
    return grads


@given(st.one_of(cases_for("welch"), cases_for("welch_reg"), cases_for("deep")))
def test_correct_answers_use_under_a_quarter_of_the_round_off_tolerance(case):
    if case.model.name == "deep":
        styles = [deep_course_style, deep_compact_style]
    else:
        styles = [notes_class(Neural_Network, Lambda=1.0 if "Lambda" in case.inputs else 0.0), welch_loop_any,
                  welch_float32]
    for style in styles:
        grads = {k.removeprefix("dJd").removeprefix("d"): v for k, v in style(case).items()}
        eps = np.finfo(np.asarray(grads["W1"]).dtype).eps
        tolerance = roundoff_tolerance(case, eps=eps)
        for name, want in case.expected["grads"].items():
            err = np.abs(np.asarray(grads[name], dtype=np.float64) - want)
            assert np.all(err <= 0.25 * tolerance[name]), (style.__name__, name, np.max(err / tolerance[name]))


def test_a_right_float32_implementation_passes():
    def in_float32(case):
        X, y, W1, W2 = (np.asarray(a, dtype=np.float32) for a in (case.X, case.y, case.W1, case.W2))
        return dict(zip(("W1", "W2"), backprop_loop(X, y, W1, W2)))

    outcome = run_property_check(in_float32, "welch", max_examples=100, seed=8)
    assert outcome.ok, outcome.message


CORRECT = [
    pytest.param(notes_class(Neural_Network), "welch", id="welch-notes-class"),
    pytest.param(function(backprop_loop), "welch", id="welch-loop-a2(1-a2)"),
    pytest.param(notes_class(Neural_Network, Lambda=1.0), "welch_reg", id="welch_reg-notes-class"),
    pytest.param(deep_course_style, "deep", id="deep-course-style"),
    pytest.param(deep_compact_style, "deep", id="deep-compact"),
    pytest.param(chain_style, "chain", id="chain"),
    pytest.param(chain_style, "chain2", id="chain2"),
    pytest.param(scalar_net_style, "scalar_net", id="scalar_net"),
]


@pytest.mark.parametrize(("compute_grads", "model"), CORRECT)
def test_correct_submissions_pass_every_drawn_case(compute_grads, model):
    outcome = run_property_check(compute_grads, model, max_examples=CORRECT_EXAMPLES, seed=2026)
    assert outcome.ok, outcome.message
    assert outcome.examples == CORRECT_EXAMPLES


def test_a_bounded_shrink_reports_the_smallest_failure_seen_the_same_way_every_time():
    def doubles_dW2(case):
        grads = deep_compact_style(case)
        grads["W2"] = 2 * grads["W2"]
        return grads

    runs = [run_property_check(doubles_dW2, deep_cases(min_layers=3, max_layers=3), max_examples=20, seed=11,
                               max_shrink_draws=50) for _ in range(2)]
    assert not runs[0].ok and not runs[0].flaky
    assert runs[0].mismatches[0].param == "W2"
    assert runs[0].message == runs[1].message
