"""The fast paths give the same verdicts: check_function's verified differences, and fast mode."""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck import oracles


def _mlp(seed: int = 0, hidden: int = 7):
    rng = np.random.default_rng(seed)
    X, y = rng.uniform(size=(9, 4)), rng.uniform(0.2, 0.8, size=(9, 1))
    params = {"W1": rng.normal(size=(4, hidden)), "W2": rng.normal(size=(hidden, 1)), "b": np.array(0.3)}

    def cost(p):
        a2 = 1 / (1 + np.exp(-(X @ p["W1"])))
        yhat = 1 / (1 + np.exp(-(a2 @ p["W2"] + p["b"])))
        return 0.5 * np.sum((y - yhat) ** 2)

    def grad(p):
        a2 = 1 / (1 + np.exp(-(X @ p["W1"])))
        yhat = 1 / (1 + np.exp(-(a2 @ p["W2"] + p["b"])))
        d3 = -(y - yhat) * yhat * (1 - yhat)
        return {"W1": X.T @ ((d3 @ p["W2"].T) * a2 * (1 - a2)), "W2": a2.T @ d3, "b": np.sum(d3)}

    return cost, grad, params


def test_check_function_passes_a_right_gradient_and_flags_one_element_off_by_one_in_a_million():
    cost, grad, params = _mlp()
    assert gradcheck.check_function(cost, grad, params, oracles="fd").ok
    right = grad(params)
    for k, g in right.items():
        for index in np.ndindex(np.shape(g)):
            wrong = {key: np.array(v, dtype=float) for key, v in right.items()}
            wrong[k][index] *= 1 + 1e-6
            report = gradcheck.check_function(cost, lambda p, w=wrong: w, params, oracles="fd")
            assert report.wrong == [k], (k, index)


def test_verified_differences_are_central_differences_within_their_error_estimates():
    cost, grad, params = _mlp(1)
    theta, layout = oracles.flatten(params)
    user, _ = oracles.flatten(grad(params))
    wrong = user.copy()
    wrong[::3] *= 1.01  # a third of the elements get the Richardson ladder
    exact = user
    for given in (user, wrong, np.full_like(user, np.nan)):
        fd = oracles.verified_differences(cost, theta, layout, given)
        assert np.all(np.abs(fd.grad - exact) <= 2 * fd.err + 1e-13)
        assert np.all(np.isfinite(fd.err))


def test_a_cost_that_changes_its_inputs_is_differenced_on_copies():
    cost, grad, params = _mlp(2)

    def rude(p):
        value = cost(p)
        p["W1"] += 0.0 * p["W1"] + 1.0
        return value

    assert oracles.verified_differences(rude, *oracles.flatten(params), oracles.flatten(grad(params))[0]) is None
    assert gradcheck.check_function(rude, grad, params, oracles="fd").ok
    assert np.all(params["W1"] == _mlp(2)[2]["W1"])
