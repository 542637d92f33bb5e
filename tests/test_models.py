"""The reference models against the independent 30-digit values of fixtures/make_cases.py."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck import get_model

CASES = gradcheck.case_names()


def assert_close(got, want, rtol=1e-12):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    scale = np.maximum(np.abs(want), np.max(np.abs(want), initial=0.0) * 1e-3)
    np.testing.assert_array_less(np.abs(got - want), rtol * scale + 1e-300)


@pytest.mark.parametrize("name", CASES)
def test_the_cost_agrees_with_the_high_precision_value(name):
    case = gradcheck.load_case(name)
    assert_close(case.model.cost(case.inputs, case.params), case.expected["cost"])


@pytest.mark.parametrize("name", CASES)
def test_the_analytic_gradients_agree_with_the_high_precision_values(name):
    case = gradcheck.load_case(name)
    grads = case.model.gradients(case.inputs, case.params)
    assert list(grads) == list(case.param_names)
    for k, want in case.expected["grads"].items():
        assert_close(grads[k], want)


@pytest.mark.parametrize("name", CASES)
def test_the_intermediates_agree_with_the_high_precision_values(name):
    case = gradcheck.load_case(name)
    forward = case.model.forward(case.inputs, case.params)
    _, backward = case.model.backward(case.inputs, case.params)
    expected = case.expected["intermediates"]
    assert expected, "every case records its intermediates"
    for k, want in expected.items():
        assert_close({**forward, **backward}[k], want)


@pytest.mark.parametrize("name", CASES)
def test_every_array_has_the_shape_its_table_says(name):
    case = gradcheck.load_case(name)
    shapes = case.shapes
    arrays = {**case.inputs, **case.params, **case.expected["intermediates"]}
    for k, v in arrays.items():
        assert np.shape(v) == shapes[k], k
    assert set(case.model.tap_names(case.dims)) <= set(shapes)


def test_welch_dims_use_the_notes_names(three_examples):
    assert three_examples.dims == {"numExamples": 3, "inputLayerSize": 2, "hiddenLayerSize": 3, "outputLayerSize": 1}
    assert three_examples.shape_table["W1"] == ("inputLayerSize", "hiddenLayerSize")


def test_the_deep_model_takes_any_number_of_layers():
    rng = np.random.default_rng(0)
    dims = [3, 4, 2, 5, 1]
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.normal(size=(dims[l], 1))
    case = gradcheck.make_case("deep", {"X": rng.normal(size=(3, 6)), "Y": (rng.random((1, 6)) > 0.5) * 1.0}, params)
    assert case.param_names == ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4")
    grads = case.expected["grads"]
    # A central difference on one entry of each parameter confirms the analytic backward pass.
    for k, p in case.params.items():
        h = 1e-6
        plus, minus = dict(case.params), dict(case.params)
        plus[k] = p.copy()
        plus[k][0, 0] += h
        minus[k] = p.copy()
        minus[k][0, 0] -= h
        fd = (case.cost(plus) - case.cost(minus)) / (2 * h)
        assert abs(fd - grads[k][0, 0]) < 1e-7 * max(1.0, abs(fd))


def test_the_deep_model_accepts_a_one_dimensional_Y(coursera_l3):
    inputs = coursera_l3.inputs
    flat = {"X": inputs["X"], "Y": inputs["Y"].ravel()}
    grads = coursera_l3.model.gradients(flat, coursera_l3.params)
    for k, v in coursera_l3.expected["grads"].items():
        assert_close(grads[k], v)


def test_an_unknown_model_name_lists_the_models():
    with pytest.raises(ValueError, match=r"unknown model 'welsh'; the reference models are welch, welch_reg, deep"):
        get_model("welsh")
