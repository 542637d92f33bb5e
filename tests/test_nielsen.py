"""Nielsen's course (network.py, network2.py): recognised by signature, judged, its mistakes named."""

from __future__ import annotations

import math

import jax.monitoring  # noqa: F401
import numpy as np
import pytest
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401
from gradcheck import make_case
from gradcheck.course import get_course, get_model

from ._examples import EXAMPLES
from ._examples import copy_example as _copy

FD = "--gradcheck-oracles=fd"


# The reference, against a formula written out element by element -----------------------------
def _by_hand(sizes, weights, biases, x, y, cross_entropy):
    """∂C/∂w and ∂C/∂b by the chain rule on scalars (Python floats, loops), independent of the model's code."""
    L = len(sizes) - 1
    acts = [[float(v) for v in x[:, 0]]]
    zs = []
    for l in range(L):
        z = [sum(weights[l][j][k] * acts[l][k] for k in range(sizes[l])) + biases[l][j][0] for j in range(sizes[l + 1])]
        zs.append(z)
        acts.append([1 / (1 + math.exp(-v)) for v in z])
    out = acts[L]
    sp = lambda v: (1 / (1 + math.exp(-v))) * (1 - 1 / (1 + math.exp(-v)))  # noqa: E731
    if cross_entropy:
        delta = [out[j] - y[j][0] for j in range(sizes[L])]
    else:
        delta = [(out[j] - y[j][0]) * sp(zs[L - 1][j]) for j in range(sizes[L])]
    gw, gb = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        gb[l] = [[d] for d in delta]
        gw[l] = [[delta[j] * acts[l][k] for k in range(sizes[l])] for j in range(sizes[l + 1])]
        if l:
            delta = [sum(weights[l][j][k] * delta[j] for j in range(sizes[l + 1])) * sp(zs[l - 1][k])
                     for k in range(sizes[l])]
    return gw, gb


@pytest.mark.parametrize("model_name", ["nielsen", "nielsen_ce"])
def test_the_reference_agrees_with_the_chain_rule_written_out_by_hand(model_name):
    # Provenance: the book publishes no worked gradients; this case is seeded, and its expected values
    # are computed here in float64 by an independent scalar formula (not mpmath, not the model's code).
    rng = np.random.default_rng(16)
    sizes = (3, 4, 2, 2)
    weights = [rng.standard_normal((sizes[l + 1], sizes[l])) for l in range(3)]
    biases = [rng.standard_normal((sizes[l + 1], 1)) for l in range(3)]
    x, y = rng.uniform(-1, 1, (3, 1)), np.array([[0.0], [1.0]])
    params = {**{f"weights[{l}]": weights[l] for l in range(3)}, **{f"biases[{l}]": biases[l] for l in range(3)}}
    case = make_case(model_name, {"x": x, "y": y}, params, name="by-hand")
    gw, gb = _by_hand(sizes, [W.tolist() for W in weights], [b.tolist() for b in biases], x, y,
                      model_name == "nielsen_ce")
    for l in range(3):
        np.testing.assert_allclose(case.expected["grads"][f"weights[{l}]"], gw[l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(case.expected["grads"][f"biases[{l}]"], gb[l], rtol=1e-12, atol=1e-15)


def test_the_course_names_its_arrays_as_the_book_does():
    model = get_model("nielsen")
    dims = {"n0": 3, "n1": 4, "n2": 2}
    assert model.param_names(dims) == ("weights[0]", "biases[0]", "weights[1]", "biases[1]")
    assert model.shape_table(dims)["weights[1]"] == ("n2", "n1")
    assert [c.name for c in get_course("nielsen").derived_cases(0)] == [
        "nielsen-distinct-dims", "nielsen-four-layers", "nielsen-distinct-dims-ce", "nielsen-four-layers-ce"]


# The plugin on readers' code ----------------------------------------------------------------------
def test_network_py_passes_every_item(pytester):
    _copy(pytester, "correct/nielsen_network.py", "network.py")
    result = pytester.runpytest("--gradcheck", "network.py", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*Network?nielsen-four-layers? PASSED*", "*Network?hypothesis? PASSED*"])


def test_network2_py_is_judged_once_per_cost_class_and_passes(pytester):
    _copy(pytester, "correct/nielsen_network2.py", "network2.py")
    result = pytester.runpytest("--gradcheck", "network2.py", FD, "-v")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*Network.QuadraticCost?nielsen-distinct-dims? PASSED*",
                                 "*Network.CrossEntropyCost?nielsen-distinct-dims-ce? PASSED*"])


@pytest.mark.parametrize(("example", "implementation", "mistake"), [
    ("nielsen_ce_delta_times_sigma_prime.py", "Network.CrossEntropyCost", "nielsen/cross-entropy-delta-times-sigma-prime"),
    ("nielsen_output_delta_without_sigma_prime.py", "Network", "nielsen/output-delta-without-sigma-prime"),
    ("nielsen_cost_derivative_sign.py", "Network", "nielsen/cost-derivative-sign"),
])
def test_a_known_mistake_is_named(pytester, example, implementation, mistake):
    _copy(pytester, f"wrong/{example}", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "--gradcheck-report=grades.json")
    assert result.parseoutcomes()["failed"] >= 3
    result.stdout.fnmatch_lines(["*nabla_w?0?: WRONG*"])
    result.stdout.re_match_lines([rf"homework\.py +{implementation} +FAILED +{mistake}"])


def test_the_cross_entropy_mistake_leaves_the_quadratic_cost_right(pytester):
    _copy(pytester, "wrong/nielsen_ce_delta_times_sigma_prime.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "QuadraticCost")
    result.assert_outcomes(passed=4, deselected=4)


@pytest.mark.parametrize(("example", "verdict"), [("nielsen_nabla_w_transposed.py", "nielsen/nabla-w-transposed"),
                                                  ("nielsen_layer_off_by_one.py", "nielsen/layer-index-off-by-one")])
def test_a_misshapen_nabla_w_fails_naming_the_students_gradient(pytester, example, verdict):
    _copy(pytester, f"wrong/{example}", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD)
    result.stdout.fnmatch_lines(["*nabla_w?0?: WRONG*shape WRONG*(n1, n0)*"])
    result.stdout.re_match_lines([rf"homework\.py +Network +FAILED +{verdict} +weights\[0\]"])


def test_a_python_2_file_is_told_to_be_ported(pytester):
    _copy(pytester, "wrong/nielsen_python2.py", "network.py")
    line = next(i for i, text in enumerate((EXAMPLES / "wrong/nielsen_python2.py").read_text().splitlines(), 1)
                if text.strip().startswith("print "))
    result = pytester.runpytest("--gradcheck", "network.py", FD)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"this is Python 2 code (print statement at line {line}); a Python 3 port is needed"])
