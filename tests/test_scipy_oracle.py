"""The scipy oracle: check_grad's number from one approx_fprime, N + a few calls, its own sample in fast mode."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import gradcheck
from gradcheck import oracles
from gradcheck.oracles.scipy import sample_elements


def _mlp(seed: int = 0, n_in: int = 6, hidden: int = 9, m: int = 12):
    """A float64 MLP cost for one parameter set per call (returns a Python float), and its gradient."""
    rng = np.random.default_rng(seed)
    X, y = rng.uniform(size=(m, n_in)), rng.uniform(0.2, 0.8, size=(m, 1))
    params = {"W1": rng.normal(0, 0.7, size=(n_in, hidden)), "W2": rng.normal(0, 0.5, size=(hidden, 1))}

    def cost(p):
        a2 = np.tanh(X @ p["W1"])
        return float(0.5 * np.sum((y - a2 @ p["W2"]) ** 2))

    def grad(p):
        a2 = np.tanh(X @ p["W1"])
        d3 = a2 @ p["W2"] - y
        return {"W1": X.T @ ((d3 @ p["W2"].T) * (1 - a2 ** 2)), "W2": a2.T @ d3}

    return cost, grad, params


def _flat(cost, params):
    theta, layout = oracles.flatten(params)
    calls = []

    def flat_cost(t):
        calls.append(1)
        return cost(oracles.unflatten(t, layout))

    return theta, layout, flat_cost, calls


def test_its_norm_is_the_number_scipy_check_grad_returns_at_the_same_step():
    cost, grad, params = _mlp()
    theta, _layout, flat_cost, _ = _flat(cost, params)
    user, _ = oracles.flatten(grad(params))
    check = oracles.scipy_check(flat_cost, theta, user)
    assert check.norm == scipy.optimize.check_grad(flat_cost, lambda _x: user, theta, epsilon=check.step)
    assert check.difference == oracles.course_difference(user, check.grad)


def test_a_right_gradient_costs_n_plus_13_calls_and_a_wrong_element_one_more_pass_over_it():
    cost, grad, params = _mlp()
    theta, _layout, flat_cost, calls = _flat(cost, params)
    user, _ = oracles.flatten(grad(params))
    check = oracles.scipy_check(flat_cost, theta, user)
    assert check.calls == len(calls) <= theta.size + 13  # 12 on the noise line, N + 1 in approx_fprime
    calls.clear()
    user[5] *= 1.01
    check = oracles.scipy_check(flat_cost, theta, user)
    assert len(calls) == check.calls <= theta.size + 13 + 2  # D(2h) on the one element, and J(θ) again


def test_a_missing_gradient_gets_the_truncation_term_everywhere():
    cost, _grad, params = _mlp()
    theta, _layout, flat_cost, calls = _flat(cost, params)
    check = oracles.scipy_check(flat_cost, theta, None)
    assert check.norm is None and len(calls) == 12 + 2 * (theta.size + 1)


@pytest.mark.parametrize("factor", [1e-3, -1e-3, 0.5])
def test_a_single_wrong_element_is_caught_and_only_it(factor):
    cost, grad, params = _mlp(1)
    right = grad(params)
    for name, index in (("W1", (2, 3)), ("W2", (4, 0))):
        wrong = {k: v.copy() for k, v in right.items()}
        wrong[name][index] *= 1 + factor
        report = gradcheck.check_function(cost, lambda p, w=wrong: w, params, oracles="scipy")
        assert report.wrong == [name], str(report)
        assert report.params[name].mismatched == 1 and report.params[name].worst["index"] == list(index)


def test_right_gradients_pass_on_many_networks():
    for seed in range(20):
        cost, grad, params = _mlp(seed)
        report = gradcheck.check_function(cost, grad, params, oracles=("fd", "scipy"))
        assert report.ok and not report.oracle_problems, str(report)


def test_a_cost_of_large_curvature_passes_because_its_truncation_is_measured():
    # J = Σ sin(200 w) + Σ exp(8 v): J'' up to 4e4 where J is O(1) per element, so forward
    # differences' truncation h·J''/2 is far above their round-off σ/h.
    params = {"w": np.linspace(0.5, 1.5, 40), "v": np.linspace(-0.5, 1.0, 30)}

    def cost(p):
        return float(np.sum(np.sin(200 * p["w"])) + np.sum(np.exp(8 * p["v"])))

    def grad(p):
        return {"w": 200 * np.cos(200 * p["w"]), "v": 8 * np.exp(8 * p["v"])}

    report = gradcheck.check_function(cost, grad, params, oracles="scipy")
    assert report.ok, str(report)
    theta, _layout, flat_cost, _ = _flat(cost, params)
    user, _ = oracles.flatten(grad(params))
    check = oracles.scipy_check(flat_cost, theta, user)
    roundoff = np.sqrt(2.0) * oracles.noise_level(np.array([flat_cost(r) for r in oracles.noise_rows(theta)])) / check.step
    assert np.any(check.err > 2 * roundoff)  # the truncation term was measured where it matters
    wrong = grad(params)
    wrong["w"][0] *= 1.01
    assert gradcheck.check_function(cost, lambda p: wrong, params, oracles="scipy").wrong == ["w"]


def test_fast_mode_differences_its_own_sample_and_says_how_many_elements():
    cost, grad, params = _mlp(2, n_in=40, hidden=60)
    n = 40 * 60 + 60
    calls = []
    counted = lambda p: calls.append(1) or cost(p)  # noqa: E731
    report = gradcheck.check_function(counted, grad, params, oracles=("fd", "scipy"), mode="fast")
    assert report.ok, str(report)
    assert report.oracles["scipy"].available and report.oracles["scipy"].norm is None
    assert (f"scipy: 64 of {n} elements sampled (32 per array, seed 0); "
            "the central-difference oracle's projections cover the rest") in report.notes
    assert len(calls) < n // 4


def test_fast_mode_alone_catches_a_wrong_element_in_its_sample_and_leaves_the_others_unjudged():
    cost, grad, params = _mlp(3, n_in=40, hidden=60)
    _theta, layout = oracles.flatten(params)
    sample = sample_elements(layout, 32, seed=4)
    assert sample.size == 64 and not np.array_equal(sample, sample_elements(layout, 32, seed=5))
    right = grad(params)
    wrong = {k: v.copy() for k, v in right.items()}
    wrong["W1"].reshape(-1)[sample[7]] *= 1.01
    report = gradcheck.check_function(cost, lambda p: wrong, params, oracles="scipy", mode="fast", seed=4)
    assert report.wrong == ["W1"], str(report)
    assert any(note.startswith("scipy: 64 of 2460 elements sampled (32 per array, seed 4); the other elements "
                               "are not judged") for note in report.notes)
    outside = {k: v.copy() for k, v in right.items()}
    outside["W1"].reshape(-1)[np.setdiff1d(np.arange(2400), sample)[0]] *= 1.01
    assert gradcheck.check_function(cost, lambda p: outside, params, oracles="scipy", mode="fast", seed=4).ok


def test_auto_mode_counts_scipys_calls_and_goes_fast_when_the_budget_is_short():
    cost, grad, params = _mlp(4, n_in=40, hidden=60)
    report = gradcheck.check_function(cost, grad, params, mode="auto", budget=1e-6)
    assert report.ok and any(note.startswith("scipy: 64 of 2460 elements sampled") for note in report.notes)
    assert any(note.startswith("fast mode: ") for note in report.notes)


def test_a_cost_that_returns_a_python_float_is_not_handed_to_jax():
    cost, grad, params = _mlp()
    report = gradcheck.check_function(cost, grad, params)
    assert not report.oracles["jax"].available
    assert ("jax oracle not used: the cost is not JAX-traceable (it returns a Python float, and float() "
            "of a traced value fails)") in report.notes


def test_the_model_path_samples_scipy_in_fast_mode_on_the_relu_net_and_says_kinks_are_not_sought():
    case = gradcheck.load_case("coursera-l3")
    report = gradcheck.check_gradients(case.expected["grads"], case, oracles="scipy", mode="fast")
    assert report.ok, str(report)
    assert any(n.startswith("fast mode does not look for relu kinks") for n in report.notes)
    assert any(n.startswith("scipy: ") and " elements sampled (32 per array, seed 0)" in n for n in report.notes)
