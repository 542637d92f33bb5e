"""Structure-aware central differences are the plain central differences, computed with less work."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck import oracles

from ._networks import random_case

EPS = np.finfo(np.float64).eps


def plain(case, steps):
    params = case.params
    out = {}
    for k, p in params.items():
        q = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            plus, minus = dict(params), dict(params)
            plus[k], minus[k] = p.copy(), p.copy()
            plus[k][idx] += steps[k][idx]
            minus[k][idx] -= steps[k][idx]
            q[idx] = (case.cost(plus) - case.cost(minus)) / (2 * steps[k][idx])
        out[k] = q
    return out


def deep_case(dims, m, seed):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.normal(size=(dims[l], 1))
    inputs = {"X": rng.normal(size=(dims[0], m)), "Y": (rng.random((dims[-1], m)) > 0.5) * 1.0}
    return gradcheck.make_case("deep", inputs, params)


CASES = {
    "three-examples-asymmetric": lambda: gradcheck.load_case("three-examples-asymmetric"),
    "three-examples-regularised": lambda: gradcheck.load_case("three-examples-regularised"),
    "coursera-l3": lambda: gradcheck.load_case("coursera-l3"),
    "welch-wide": lambda: gradcheck.make_case(
        "welch",
        {"X": np.random.default_rng(1).uniform(size=(7, 4)), "y": np.random.default_rng(2).uniform(size=(7, 2))},
        {"W1": np.random.default_rng(3).normal(size=(4, 5)), "W2": np.random.default_rng(4).normal(size=(5, 2))},
    ),
    "deep-1-layer": lambda: deep_case([3, 2], 5, 0),
    "deep-4-layers": lambda: deep_case([3, 6, 4, 5, 2], 7, 1),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("h", [1e-3, 1e-6])
def test_structured_differences_equal_the_plain_ones_within_round_off(name, h):
    case = CASES[name]()
    steps = {k: h * np.maximum(1.0, np.abs(v)) for k, v in case.params.items()}
    got, scales = case.model.structure().differences(case.inputs, case.params, steps)
    want = plain(case, steps)
    J = abs(case.expected["cost"])
    for k in want:
        # Both are central differences at the same points; they may differ by the round-off of
        # the plain evaluation (ε·|J|/h per evaluation) and of the structured one (ε·scale/h).
        bound = 64 * EPS * (J + scales[k]) / steps[k]
        assert np.all(np.abs(got[k] - want[k]) <= bound), (k, np.max(np.abs(got[k] - want[k]) / bound))


def test_structured_differences_approach_the_gradient(coursera_l3):
    steps = {k: 1e-5 * np.maximum(1.0, np.abs(v)) for k, v in coursera_l3.params.items()}
    got, _ = coursera_l3.model.structure().differences(coursera_l3.inputs, coursera_l3.params, steps)
    for k, g in coursera_l3.expected["grads"].items():
        np.testing.assert_allclose(got[k], g, atol=1e-8)


WELCH = ["three-examples-asymmetric", "three-examples-regularised", "welch-wide"]


@pytest.mark.parametrize("name", WELCH)
@pytest.mark.parametrize("ladder", [oracles.STRUCTURED_LADDER, oracles.STRUCTURED_SHORT_LADDER], ids=["wide", "short"])
def test_the_fd_oracle_on_welch_models_gives_the_plain_evaluations_numbers(name, ladder):
    case = CASES[name]()
    names = case.param_names
    theta, layout = oracles.flatten(case.params, names)
    fast = oracles.structured_differences(case.model, case.inputs, case.params, names, ladder=ladder)
    slow = oracles.central_differences(oracles.model_batch_cost(case.model, case.inputs, layout), theta, ladder=ladder)
    exact, _ = oracles.flatten(case.expected["grads"], names)
    assert np.all(np.abs(fast.grad - slow.grad) <= fast.err + slow.err)
    assert np.all(np.abs(fast.grad - exact) <= 2 * fast.err)


@pytest.mark.parametrize("model", ["welch", "welch_reg"])
def test_the_short_structured_ladder_passes_correct_gradients_and_flags_one_in_a_million(model, monkeypatch):
    monkeypatch.setattr(oracles, "STRUCTURED_WIDE_LIMIT", 0)
    rng = np.random.default_rng(11)
    for _ in range(100):
        case = random_case(model, rng)
        assert gradcheck.check_gradients(case.expected["grads"], case, oracles="fd").ok
    grads = {k: v.copy() for k, v in case.expected["grads"].items()}
    grads["W1"][0, 0] *= 1 + 1e-6
    assert gradcheck.check_gradients(grads, case, oracles="fd").wrong == ["W1"]


@pytest.mark.parametrize("model", ["welch", "welch_reg"])
@pytest.mark.parametrize("seed", range(5))
def test_the_cost_along_a_direction_from_the_cached_pass_is_the_cost_at_the_moved_parameters(model, seed):

    rng = np.random.default_rng(seed)
    case = random_case(model, rng)
    names = case.model.param_names(case.dims)
    theta, layout = oracles.flatten(case.params, names)
    line = case.model.structure().lines(case.inputs, case.params, names)
    for _ in range(3):
        u = rng.choice([-1.0, 1.0], theta.size) * rng.uniform(0.5, 2.0, theta.size)
        phi = line(u)
        for t in (0.0, 1e-3, -0.37):
            plain_cost = case.cost(oracles.unflatten(theta + t * u, layout))
            assert phi(t) == pytest.approx(plain_cost, rel=64 * EPS, abs=64 * EPS)
