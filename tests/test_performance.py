"""The fast paths give the same verdicts: check_function's verified differences, and fast mode."""

from __future__ import annotations

import numpy as np
import pytest

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


def _welch(seed: int, hidden: int = 30):
    rng = np.random.default_rng(seed)
    inputs = {"X": rng.uniform(size=(16, 5)), "y": rng.uniform(0.2, 0.8, size=(16, 1))}
    params = {"W1": rng.normal(0, 0.5, size=(5, hidden)), "W2": rng.normal(0, 0.3, size=(hidden, 1))}
    return gradcheck.make_case("welch", inputs, params, name=f"welch-{seed}")


def _largest_off_by_10_percent(grads, k="W2"):
    wrong = {key: np.array(v) for key, v in grads.items()}
    index = np.unravel_index(int(np.argmax(np.abs(wrong[k]))), wrong[k].shape)
    wrong[k][index] *= 1.1
    return wrong


@pytest.mark.parametrize("seed", range(20))
def test_fast_mode_passes_right_gradients_and_catches_a_scaled_array_and_one_wrong_element(seed):
    case = _welch(seed)
    right = case.expected["grads"]
    assert gradcheck.check_gradients(right, case, oracles="fd", mode="fast", seed=seed).ok
    scaled = {**right, "W1": right["W1"] * 1.01}
    assert gradcheck.check_gradients(scaled, case, oracles="fd", mode="fast", seed=seed).wrong == ["W1"]
    largest = _largest_off_by_10_percent(right, "W2")
    assert gradcheck.check_gradients(largest, case, oracles="fd", mode="fast", seed=seed).wrong == ["W2"]
    # A random element of W1 (not necessarily sampled) is caught by the projections.
    rng = np.random.default_rng(seed)
    index = tuple(int(rng.integers(s)) for s in right["W1"].shape)
    wrong = {key: np.array(v) for key, v in right.items()}
    wrong["W1"][index] *= 1.1
    report = gradcheck.check_gradients(wrong, case, oracles="fd", mode="fast", seed=seed)
    assert report.wrong == ["W1"], str(report)


def test_fast_mode_states_its_miss_probability_and_names_a_projection_that_failed():
    cost, grad, params = _mlp(3, hidden=40)
    right = grad(params)
    wrong = {**right, "W1": right["W1"].copy()}
    wrong["W1"][2, 5] += 0.5
    report = gradcheck.check_function(cost, lambda p: wrong, params, oracles="fd", mode="fast", seed=1)
    assert report.wrong == ["W1"]
    text = str(report)
    assert "fast mode: 8 random ±1 projections + 32 sampled elements per array" in text
    assert "is missed with probability ≤ 2^-8 = 0.0039" in text
    assert "random projection: uᵀ(yours) = " in text or "Mismatched elements: 1 / 160" in text


def test_auto_mode_checks_fully_within_the_budget_and_fast_beyond_it():
    cost, grad, params = _mlp(4)
    full = gradcheck.check_function(cost, grad, params, oracles="fd", mode="auto", budget=60)
    assert full.ok and not any(n.startswith("fast mode") for n in full.notes)
    fast = gradcheck.check_function(cost, grad, params, oracles="fd", mode="auto", budget=1e-9)
    assert fast.ok and any(n.startswith("fast mode") for n in fast.notes)
    case = _welch(0)
    assert any(n.startswith("fast mode") for n in
               gradcheck.check_gradients(case.expected["grads"], case, mode="auto", budget=1e-9).notes)


@pytest.mark.parametrize("options, message", [
    ({"mode": "quick"}, "mode='quick': choose one of 'full', 'fast', 'auto'"),
    ({"mode": "auto", "budget": 0}, "budget=0: give the seconds a full check may take"),
], ids=["check_function(mode='quick')", "check_function(budget=0)"])
def test_a_bad_mode_or_budget_is_a_usage_error(options, message):
    cost, grad, params = _mlp()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gradcheck.check_function(cost, grad, params, **options)


def test_a_cost_that_broadcasts_over_a_leading_axis_is_called_with_batches_and_judged_alike():
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(6, 3))
    params = {"W": rng.normal(size=(3, 4))}
    calls = []

    def cost(p):
        calls.append(np.shape(p["W"]))
        return 0.5 * np.sum(np.tanh(X @ p["W"]) ** 2, axis=(-2, -1))

    def grad(p):
        t = np.tanh(X @ p["W"])
        return {"W": X.T @ (t * (1 - t ** 2))}

    assert gradcheck.check_function(cost, grad, params, oracles="fd").ok
    assert any(len(s) == 3 for s in calls)  # batches of perturbed W's
    single = len([s for s in calls if len(s) == 2])
    assert single <= 12 + 2  # the noise line, the cost at θ and the gradient's
    right = grad(params)["W"]
    for index in np.ndindex(right.shape):
        wrong = right.copy()
        wrong[index] *= 1 + 1e-6
        assert gradcheck.check_function(cost, lambda p, w=wrong: {"W": w}, params, oracles="fd").wrong == ["W"]


def test_a_cost_that_ignores_the_batch_axis_is_called_one_set_at_a_time():
    cost, _grad, params = _mlp(6)
    theta, layout = oracles.flatten(params)
    rows = oracles.noise_rows(theta)
    singles = {i: cost(oracles.unflatten(rows[i], layout)) for i in (0, len(rows) - 1)}
    assert oracles.broadcast_values(cost, rows, layout, singles) is None
    assert oracles.broadcast_values(lambda p: p["W1"][0].sum(), rows, layout, singles) is None
    first_set_only = lambda p: np.full(len(rows), cost({k: v[0] for k, v in p.items()}))  # noqa: E731
    assert oracles.broadcast_values(first_set_only, rows, layout, singles) is None


def test_fast_mode_on_the_relu_model_differences_it_through_its_cost_and_says_kinks_are_not_sought(coursera_l3):
    right = coursera_l3.expected["grads"]
    report = gradcheck.check_gradients(right, coursera_l3, oracles="fd", mode="fast")
    assert report.ok, str(report)
    assert any(n.startswith("fast mode does not look for relu kinks") for n in report.notes)
    wrong = {k: np.array(v) for k, v in right.items()}
    wrong["W2"] *= 1.01
    assert gradcheck.check_gradients(wrong, coursera_l3, oracles="fd", mode="fast").wrong == ["W2"]


def test_fast_mode_runs_scipy_on_a_sample_of_its_own_and_says_so():
    case = _welch(1)
    n = sum(np.size(v) for v in case.params.values())
    k = sum(min(np.size(v), 32) for v in case.params.values())  # all 30 of W2, 32 of W1's 150
    both = gradcheck.check_gradients(case.expected["grads"], case, oracles=("fd", "scipy"), mode="fast")
    assert both.ok and both.oracles["scipy"].available, str(both)
    assert f"scipy: {k} of {n} elements sampled (32 per array, seed 0); the central-difference oracle's " \
           "projections cover the rest" in both.notes
    alone = gradcheck.check_gradients(case.expected["grads"], case, oracles="scipy", mode="fast")
    assert alone.ok and alone.oracles["scipy"].available
    assert any(note.startswith(f"scipy: {k} of {n} elements sampled") and "the other elements are not judged" in note
               for note in alone.notes)


def test_blocks_of_perturbations_give_the_quotients_one_call_each_gives_whatever_block_is_chosen():
    rng = np.random.default_rng(8)
    X = rng.uniform(size=(7, 12))
    params = {"W": rng.normal(size=(12, 30)), "v": rng.normal(size=30)}

    def cost(p):
        return np.sum(np.tanh(X @ p["W"] + p["v"][..., None, :]) ** 2, axis=(-2, -1))

    theta, layout = oracles.flatten(params)
    idx = np.arange(theta.size)
    steps = np.full(theta.size, 1e-5)
    blocks = oracles.BlockQuotients(cost, theta, layout)
    got = blocks(idx, steps)  # 1560 rows: blocks of 8, 16, 32, ... as long as they pay
    one_each = oracles.loop_quotients(oracles.InPlaceCost(cost, theta, layout))(idx, steps)
    np.testing.assert_allclose(got, one_each, rtol=0, atol=1e-9)
    assert blocks.intact()


def test_a_broadcasting_cost_that_changes_its_inputs_is_differenced_on_copies_and_judged_right():
    rng = np.random.default_rng(9)
    X = rng.uniform(size=(5, 3))
    params = {"W": rng.normal(size=(3, 4))}

    def cost(p):
        value = 0.5 * np.sum(np.tanh(X @ p["W"]) ** 2, axis=(-2, -1))
        p["W"] *= 0.0  # scribbles over its input after using it
        return value

    def grad(p):
        t = np.tanh(X @ p["W"])
        return {"W": X.T @ (t * (1 - t ** 2))}

    right = grad({k: v.copy() for k, v in params.items()})
    assert gradcheck.check_function(cost, lambda p: right, params, oracles="fd").ok
    wrong = {"W": right["W"] * (1 + 1e-6)}
    assert gradcheck.check_function(cost, lambda p: wrong, params, oracles="fd").wrong == ["W"]


def test_fast_mode_reports_a_wrong_sampled_element_where_it_is():
    case = _welch(2)
    grads = {k: np.array(v) for k, v in case.expected["grads"].items()}
    index = np.unravel_index(int(np.argmax(np.abs(grads["W1"]))), grads["W1"].shape)
    grads["W1"][index] *= 1.1  # your largest element is always among the sampled ones
    report = gradcheck.check_gradients(grads, case, oracles="fd", mode="fast")
    assert report.wrong == ["W1"]
    assert report.params["W1"].worst["index"] == [int(i) for i in index]
    assert report.params["W1"].total == grads["W1"].size and report.params["W1"].mismatched == 1
