"""The three oracles: correct gradients pass, the oracles agree with the exact values, small errors are caught."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import gradcheck
from gradcheck import oracles

WELCH = [n for n in gradcheck.case_names() if gradcheck.load_case(n).model.name.startswith("welch")]
SENSITIVE = [*WELCH, "coursera-l3"]


def _flat_expected(case):
    theta, layout = oracles.flatten(case.params, case.param_names)
    exact, _ = oracles.flatten(case.expected["grads"], case.param_names)
    return theta, layout, exact


def test_importing_gradcheck_imports_neither_jax_nor_scipy():
    code = 'import gradcheck, sys; assert "jax" not in sys.modules and "scipy" not in sys.modules'
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("oracle_set", [("fd",), ("scipy",), ("jax",), ("fd", "scipy", "jax")], ids="+".join)
@pytest.mark.parametrize("name", gradcheck.case_names())
def test_correct_gradients_pass_on_every_case(name, oracle_set):
    case = gradcheck.load_case(name)
    report = gradcheck.check_gradients(case.expected["grads"], case, oracles=oracle_set)
    assert report.ok, str(report)
    assert report.wrong == [] and report.oracle_problems == []


@pytest.mark.parametrize("name", gradcheck.case_names())
def test_the_oracles_agree_with_the_exact_values_within_their_error_estimates(name):
    case = gradcheck.load_case(name)
    theta, layout, exact = _flat_expected(case)
    fd = oracles.central_differences(oracles.model_batch_cost(case.model, case.inputs, layout), theta)
    # The estimates are measured, not bounds; twice the estimate is what we hold them to (the verdicts use 10x).
    assert np.all(np.abs(fd.grad - exact) <= 2 * fd.err)
    scipy = oracles.scipy_check(lambda t: float(case.model.cost(case.inputs, oracles.unflatten(t, layout))),
                                theta, exact)
    assert np.all(np.abs(scipy.grad - exact) <= 2 * scipy.err)
    from gradcheck.oracles import jax as _jax

    grads, inter = _jax.model_gradients(case.model, case.inputs, case.params)
    for k, v in grads.items():
        assert np.max(np.abs(v - case.expected["grads"][k])) <= 1e-12 * max(1.0, np.max(np.abs(v)))
    for k, v in inter.items():
        want = case.expected["intermediates"][k]
        assert np.max(np.abs(v - want)) <= 1e-12 * max(1.0, np.max(np.abs(want)))


def test_the_jax_oracle_leaves_the_global_x64_setting_alone():
    import jax

    before = jax.config.jax_enable_x64
    case = gradcheck.load_case("three-examples")
    gradcheck.check_gradients(case.expected["grads"], case, oracles="jax")
    assert jax.config.jax_enable_x64 == before


def _flagged(case, grads, oracle):
    return not gradcheck.check_gradients(grads, case, oracles=(oracle,)).ok


@pytest.mark.parametrize("oracle, factor", [("fd", 1e-6), ("jax", 1e-6), ("scipy", 1e-3)])
@pytest.mark.parametrize("name", SENSITIVE)
def test_one_element_off_by_a_small_factor_is_flagged(name, oracle, factor):
    case = gradcheck.load_case(name)
    grads = case.expected["grads"]
    scale = max(np.max(np.abs(v)) for v in grads.values())
    missed = []
    for k, g in grads.items():
        for index in np.ndindex(g.shape):
            if abs(g[index]) <= 1e-12 * scale:
                continue  # a true 0 stays 0 under any factor
            wrong = {key: v.copy() for key, v in grads.items()}
            wrong[k][index] *= 1 + factor
            report = gradcheck.check_gradients(wrong, case, oracles=(oracle,))
            if report.wrong != [k]:
                missed.append(f"{k}{list(index)}")
    assert not missed, f"{oracle} missed x(1 + {factor:g}) in {', '.join(missed)}"


def test_numerical_gradient_returns_gradients_and_error_estimates():
    params = {"w": np.array([1.0, -2.0]), "b": np.array(0.5)}
    grads, errors = gradcheck.numerical_gradient(lambda p: np.sum(p["w"] ** 3) + np.sin(p["b"]), params)
    assert np.allclose(grads["w"], [3.0, 12.0], rtol=1e-10, atol=0)
    assert abs(grads["b"] - np.cos(0.5)) <= 2 * errors["b"] <= 1e-9
    assert errors["w"].shape == (2,)


def test_numerical_gradient_takes_a_vectorised_cost():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]])}
    grads, errors = gradcheck.numerical_gradient(lambda p: np.sum(p["w"] ** 2, axis=(1, 2)), params, vectorized=True)
    assert np.allclose(grads["w"], 2 * params["w"], rtol=1e-12)
    assert np.all(errors["w"] < 1e-9)
