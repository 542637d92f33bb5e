"""The report: planted bugs, kinks, float32, random networks, wording, and pytest's view of a failure."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import gradcheck
from gradcheck import get_model

from ._networks import MODELS, backward32, random_case


def _course_grads(case):
    return {f"d{k}": v for k, v in case.expected["grads"].items()}


def test_the_courses_planted_bugs_are_named_and_the_rest_reported_right():
    case = gradcheck.load_case("coursera-l3")
    grads = _course_grads(case)
    grads["dW2"] *= 2
    grads["db1"] *= 4
    report = gradcheck.check_gradients(grads, case)
    assert sorted(report.wrong) == ["W2", "b1"]
    assert all(report.params[k].ok for k in ("W1", "b2", "W3", "b3"))
    assert not report.ok and not report.oracle_problems
    assert report.difference == pytest.approx(0.2850931567761623, rel=1e-7)
    assert "the course's difference ‖g − ĝ‖/(‖g‖ + ‖ĝ‖) = 0.285093" in str(report)
    json.dumps(report.to_dict())


def test_a_relu_preactivation_within_the_step_of_zero_is_named_and_a_correct_gradient_passes():
    case = gradcheck.load_case("coursera-l3")
    params = case.params
    z1 = case.expected["intermediates"]["Z1"]
    params["b1"][1, 0] -= z1[1, 2] - 1e-9  # Z1[1, 2] becomes 1e-9
    near = case.with_params(params, name="kinked")
    report = gradcheck.check_gradients(near.expected["grads"], near)
    assert report.ok, str(report)
    assert any(note.startswith("kink at Z1[1, 2]") for note in report.notes), report.notes
    assert report.params["b1"].excluded >= 1


def _relu_prime_at_zero_is_one(case):
    """The Coursera backward pass with relu'(0) = 1 instead of 0."""
    inputs, params = case.inputs, case.params
    fw = case.model.forward(inputs, params)
    L, m = len(params) // 2, inputs["X"].shape[1]
    grads, dZ = {}, fw[f"A{L}"] - inputs["Y"]
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ fw[f"A{l - 1}"].T / m
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (fw[f"Z{l - 1}"] >= 0)
    return grads


def _exactly_at_zero():
    """coursera-l3 with Z1[1, 2] = W1[1, 0]·1 + b1[1] = 0 exactly (X[:, 2] = e_0, b1[1] = −W1[1, 0])."""
    case = gradcheck.load_case("coursera-l3")
    inputs, params = case.inputs, case.params
    inputs["X"][:, 2] = [1.0, 0.0, 0.0, 0.0]
    params["b1"][1, 0] = -params["W1"][1, 0]
    at_zero = gradcheck.make_case("deep", inputs, params, name="at-zero")
    assert at_zero.model.forward(at_zero.inputs, at_zero.params)["Z1"][1, 2] == 0.0
    return at_zero


def test_relu_prime_at_an_exact_zero_may_be_taken_as_zero_or_one():
    at_zero = _exactly_at_zero()
    zero, one = at_zero.expected["grads"], _relu_prime_at_zero_is_one(at_zero)
    assert abs(zero["b1"][1, 0] - one["b1"][1, 0]) > 1e-3  # the conventions differ here
    for grads in (zero, one):
        report = gradcheck.check_gradients(grads, at_zero)
        assert report.ok, str(report)
        assert any("kink at Z1[1, 2] (exactly at 0: relu'(0) = 0 and = 1 are both accepted)" in note
                   for note in report.notes), report.notes


def test_an_element_at_an_exact_kink_is_still_judged_by_jax():
    at_zero = _exactly_at_zero()
    grads = _relu_prime_at_zero_is_one(at_zero)
    grads["b1"][1, 0] *= 1.001
    assert gradcheck.check_gradients(grads, at_zero).wrong == ["b1"]
    assert gradcheck.check_gradients(grads, at_zero, oracles="fd").ok  # differences cannot see it


@pytest.mark.parametrize("model", MODELS)
def test_correct_gradients_pass_on_500_random_networks_in_float64_and_float32(model):
    rng = np.random.default_rng(20261122)
    for _ in range(500):
        case = random_case(model, rng)
        report = gradcheck.check_gradients(case.expected["grads"], case, oracles="fd")
        assert report.ok, str(report)
        report32 = gradcheck.check_gradients(backward32(case), case, oracles="fd")
        assert report32.ok, str(report32)
        assert any("is float32: judged with a float32 tolerance" in n for n in report32.notes)


@pytest.mark.parametrize("model", MODELS)
def test_correct_gradients_pass_with_all_three_oracles_on_random_networks(model):
    rng = np.random.default_rng(7)
    for _ in range(3):
        case = random_case(model, rng)
        report = gradcheck.check_gradients(case.expected["grads"], case)
        assert report.ok, str(report)


def test_a_float32_gradient_is_judged_with_a_float32_tolerance_and_the_report_says_so():
    case = gradcheck.load_case("three-examples-asymmetric")
    grads = {f"dJd{k}": v.astype(np.float32) for k, v in case.expected["grads"].items()}
    report = gradcheck.check_gradients(grads, case)
    assert report.ok, str(report)
    assert report.params["W1"].dtype == "float32"
    assert "dJdW1 is float32: judged with a float32 tolerance" in str(report)


def _wrong_three_examples():
    case = gradcheck.load_case("three-examples")
    grads = {f"dJd{k}": v for k, v in case.expected["grads"].items()}
    grads["dJdW1"][1, 2] *= 2
    return case, grads


def test_the_report_reads_as_designed():
    case, grads = _wrong_three_examples()
    text = str(gradcheck.check_gradients(grads, case))
    lines = text.splitlines()
    assert lines[0] == ("gradcheck: 1 of 2 gradients WRONG (dJdW1) on three-examples (model welch); "
                        "oracles central difference, scipy, jax agree")
    assert lines[1].startswith(("likely mistake: ", "where it goes wrong: "))  # what a student reads first
    lines = lines[1:]
    assert lines[1] == "dJdW1: WRONG   shape ok (inputLayerSize, hiddenLayerSize) = (2, 3)"
    assert lines[2] == "  Mismatched elements: 1 / 6 (16.7%)"
    assert lines[3].startswith("  Max absolute difference: 0.0023973")
    assert "Max relative difference: 0.5" in lines[3]
    assert lines[4].startswith("  worst [1, 2]: yours 0.0047946")
    assert "   central difference 0.0023973" in lines[4] and "   jax 0.0023973" in lines[4]
    assert lines[5].startswith("  tolerance central difference ")
    assert lines[6].startswith("dJdW2: ok      max rel err ")


def test_intermediates_are_judged_as_separate_entries():
    case = gradcheck.load_case("three-examples-asymmetric")
    inter = case.expected["intermediates"]
    given = {"z2": inter["z2"], "yHat": inter["yHat"], "delta3": inter["delta3"], "delta2": inter["delta2"] * 1.01}
    report = gradcheck.check_gradients(case.expected["grads"], case, intermediates=given)
    assert report.wrong == [] and not report.ok
    assert [k for k, r in report.intermediates.items() if not r.ok] == ["delta2"]
    assert "intermediates: ok: z2, yHat, delta3\ndelta2: WRONG" in str(report)


def test_deep_intermediates_use_the_m_times_j_convention():
    case = gradcheck.load_case("coursera-l3")
    inter = case.expected["intermediates"]
    given = {k: inter[k] for k in ("dZ3", "dA2", "dZ2", "dA1", "dZ1", "A2")}
    report = gradcheck.check_gradients(_course_grads(case), case, intermediates=given)
    assert report.ok, str(report)


def test_a_transposed_gradient_is_reported_with_named_dimensions():
    case = gradcheck.load_case("three-examples-asymmetric")
    grads = {"dJdW1": case.expected["grads"]["W1"].T, "dJdW2": case.expected["grads"]["W2"]}
    report = gradcheck.check_gradients(grads, case, oracles=("fd", "jax"))
    assert report.wrong == ["W1"]
    assert "dJdW1: WRONG   shape WRONG: dJdW1 has shape (3, 2) but must be (inputLayerSize, hiddenLayerSize)" \
        in str(report)


def test_unknown_names_and_oracles_are_usage_errors():
    case = gradcheck.load_case("three-examples")
    with pytest.raises(ValueError, match="'dJdW3' is not a gradient of this model; the gradients are W1, W2"):
        gradcheck.check_gradients({"dJdW3": np.zeros((2, 3))}, case)
    with pytest.raises(ValueError, match="'dA1' is an intermediate, not a parameter's gradient: pass it in intermediates="):
        gradcheck.check_gradients({"dA1": np.zeros((5, 3))}, gradcheck.load_case("coursera-l3"))
    with pytest.raises(ValueError, match="oracles=\\('torch',\\)"):
        gradcheck.check_gradients(case.expected["grads"], case, oracles=("torch",))


def test_a_missing_gradient_is_wrong():
    case = gradcheck.load_case("three-examples")
    report = gradcheck.check_gradients({"dJdW2": case.expected["grads"]["W2"]}, case, oracles="fd")
    assert report.wrong == ["W1"]
    assert "W1: missing" in str(report)


def test_check_function_judges_any_cost_and_uses_jax_when_traceable():
    import jax.numpy as jnp

    params = {"w": np.array([0.3, -1.2, 2.0]), "b": np.array(0.1)}

    def cost(p):
        return jnp.sum(jnp.tanh(p["w"]) ** 2) + p["b"] ** 3

    def grad(p):
        t = np.tanh(p["w"])
        return {"w": 2 * t * (1 - t**2), "b": 3 * p["b"] ** 2}

    report = gradcheck.check_function(cost, grad, params)
    assert report.ok, str(report)
    assert report.oracles["jax"].available

    def bad_grad(p):
        return {**grad(p), "b": 3 * p["b"] ** 2 * (1 + 1e-6)}

    assert gradcheck.check_function(cost, bad_grad, params, oracles=("fd", "jax")).wrong == ["b"]


def test_check_function_notes_a_cost_jax_cannot_trace():
    params = {"w": np.array([0.3, -1.2])}
    report = gradcheck.check_function(lambda p: float(np.sum(np.asarray(p["w"]) ** 2)),
                                      lambda p: {"w": 2 * p["w"]}, params)
    assert report.ok, str(report)
    assert not report.oracles["jax"].available
    assert any(n.startswith("jax oracle not used: the cost is not JAX-traceable") for n in report.notes)


def test_the_models_analytic_gradients_pass_through_the_case_method():
    case = gradcheck.load_case("scalar-net")
    case.assert_gradients({"dw1": case.expected["grads"]["w1"], "dw2": case.expected["grads"]["w2"]})
    assert get_model("scalar_net").name == "scalar_net"


def test_assert_gradients_fails_a_users_test_with_the_report(pytester):
    pytester.makepyfile(
        """
        import gradcheck

        def test_backprop():
            case = gradcheck.load_case("three-examples")
            grads = {"dJd" + k: v for k, v in case.expected["grads"].items()}
            grads["dJdW1"][1, 2] *= 2
            gradcheck.assert_gradients(grads, case, oracles=("fd",))

        def test_method():
            case = gradcheck.load_case("three-examples")
            grads = {"dJd" + k: v for k, v in case.expected["grads"].items()}
            grads["dJdW2"][0, 0] *= 1.001
            case.assert_gradients(grads, oracles="fd")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "E*GradientMismatch: gradcheck: 1 of 2 gradients WRONG (dJdW1) on three-examples*",
        "E*dJdW1: WRONG   shape ok (inputLayerSize, hiddenLayerSize) = (2, 3)",
        "E*Mismatched elements: 1 / 6 (16.7%)",
        "E*dJdW2: ok      max rel err*",
    ])
    result.stdout.fnmatch_lines(["E*1 of 2 gradients WRONG (dJdW2)*"])
    assert "compare.py" not in result.stdout.str()
    assert "cases.py" not in result.stdout.str()


@pytest.mark.parametrize("model", ["welch", "deep"])
def test_students_float64_formulas_pass_the_strictest_oracle_on_100_networks(model):
    rng = np.random.default_rng(11)
    shapes = {}
    for _ in range(100):
        case = random_case(model, rng)
        # Two shapes per model, so that JAX compiles twice, not a hundred times.
        key = len(shapes) if len(shapes) < 2 else int(rng.integers(0, 2))
        dims = shapes.setdefault(key, case)
        params = {k: rng.normal(0, 1, np.shape(v)) for k, v in dims.params.items()}
        inputs = {**dims.inputs, "X": rng.uniform(0, 1, np.shape(dims.inputs["X"]))}
        case = gradcheck.make_case(model, inputs, params)
        report = gradcheck.check_gradients(backward32(case, np.float64), case, oracles="jax")
        assert report.ok, str(report)


def test_oracles_that_disagree_are_an_oracle_problem_never_the_users_error():
    import jax.numpy as jnp

    report = gradcheck.check_function(lambda p: jnp.sum(jnp.abs(p["w"])), lambda p: {"w": np.sign(p["w"])},
                                      {"w": np.array([0.0, 1.0])})
    assert not report.ok and report.wrong == []
    text = str(report)
    assert text.startswith("gradcheck: NOT JUDGED on check_function: the oracles (central difference, scipy, jax) "
                           "disagree with each other")
    assert "oracle problem: central difference and jax disagree on w[0]: 0 ±" in text
    assert report.params["w"].status == "not judged"


def test_the_json_report_is_strict_json_with_the_text():
    case = gradcheck.load_case("coursera-l3")
    grads = _course_grads(case)
    grads["db1"][0, 0] = np.nan
    data = gradcheck.check_gradients(grads, case, oracles=("fd", "jax")).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["wrong"] == ["b1"]
    assert data["params"]["b1"]["status"] == "WRONG"
    assert data["diagnosis"] == {
        "id": "not-finite", "message": "db1 has 1 non-finite entries (nan or inf): look for a log of 0 or an overflow."}
    assert data["text"].startswith("gradcheck: 1 of 6 gradients WRONG (db1)")
    assert set(data["oracles"]) == {"fd", "jax"}


def test_a_case_that_is_not_a_case_is_a_usage_error():
    with pytest.raises(TypeError, match=r"case must be a gradcheck\.Case, got str; use gradcheck\.load_case"):
        gradcheck.check_gradients({}, "three-examples")


def test_check_function_judges_a_float32_gradient_with_a_float32_tolerance():
    params = {"w": np.array([0.3, -1.2, 2.0])}

    def cost(p):
        return float(np.sum((3.0 * p["w"] - 1.0) ** 2))

    def grad32(p):
        w = np.asarray(p["w"], dtype=np.float32)
        return {"w": np.float32(6) * (np.float32(3) * w - np.float32(1))}

    report = gradcheck.check_function(cost, grad32, params, oracles=("fd", "scipy"))
    assert report.ok, str(report)
    assert "w is float32: judged with a float32 tolerance" in str(report)


def test_a_network_whose_cost_is_infinite_is_not_judged_and_the_report_says_why():
    case = gradcheck.load_case("coursera-l3")
    params = case.params
    params["W3"] *= 200  # A3 saturates to exactly 1 where Y = 0: the cost is 0·log(0) = nan
    with np.errstate(all="ignore"):  # the reference backward pass meets the same saturation
        saturated = case.with_params(params)
        report = gradcheck.check_gradients(saturated.expected["grads"], saturated)
    assert not report.ok and report.wrong == []
    text = str(report)
    assert text.startswith("gradcheck: NOT JUDGED on coursera-l3-modified (model deep): no oracle could run\n"
                           "the cost is not finite (nan) at these parameters")
    assert "\nW1: not judged\n" in text


def test_oracles_that_disagree_on_a_saturated_output_say_so():
    case = gradcheck.load_case("coursera-l3")
    params = case.params
    params["W3"] *= 5  # A3 rounds to within 6e-15 of 1 (Y = 0 there): the cost keeps few digits
    with np.errstate(all="ignore"):
        saturated = case.with_params(params)
        report = gradcheck.check_gradients(saturated.expected["grads"], saturated)
    assert report.oracle_problems and report.wrong == []
    assert report.oracle_problems[-1].startswith("hint: the output A3 comes within 5.8e-15 of 0 or 1")


def test_without_jax_the_other_oracles_judge_and_a_note_says_why(monkeypatch):
    import gradcheck.oracles

    monkeypatch.setitem(sys.modules, "gradcheck.oracles.jax", None)  # importing it now raises ImportError
    monkeypatch.delattr(gradcheck.oracles, "jax", raising=False)
    case = gradcheck.load_case("three-examples")
    report = gradcheck.check_gradients(case.expected["grads"], case)
    assert report.ok and not report.oracles["jax"].available
    assert any(n.startswith("jax oracle not used: jax cannot be imported") for n in report.notes)
    with pytest.raises(gradcheck.OracleUnavailable, match="pip install jax"):
        gradcheck.check_gradients(case.expected["grads"], case, oracles="jax")


def _shaped_case(model: str, shape: tuple[int, ...], rng: np.random.Generator) -> gradcheck.Case:
    """A random network of ``model`` with the given distinct sizes (so JAX compiles once per shape)."""
    if model in ("welch", "welch_reg"):
        m, n_in, hid, out = shape
        inputs = {"X": rng.uniform(0, 1, (m, n_in)), "y": rng.uniform(0, 1, (m, out))}
        if model == "welch_reg":
            inputs["Lambda"] = float(rng.uniform(0, 1e-2))
        return gradcheck.make_case(model, inputs, {"W1": rng.normal(0, 1, (n_in, hid)), "W2": rng.normal(0, 1, (hid, out))})
    if model == "deep":
        m, *sizes = shape
        params = {}
        for l in range(1, len(sizes)):
            params[f"W{l}"] = rng.normal(0, 1, (sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
            params[f"b{l}"] = rng.normal(0, 0.1, (sizes[l], 1))
        inputs = {"X": rng.normal(0, 1, (sizes[0], m)), "Y": rng.integers(0, 2, (sizes[-1], m)).astype(float)}
        return gradcheck.make_case(model, inputs, params)
    return random_case(model, rng)


SHAPES = {"welch": [(5, 2, 3, 1), (4, 3, 6, 2)], "welch_reg": [(5, 2, 3, 1), (6, 4, 2, 3)],
          "deep": [(3, 4, 5, 3, 1), (6, 2, 4, 1)], "chain": [()], "chain2": [()], "scalar_net": [()]}


@pytest.mark.parametrize("model", MODELS)
def test_correct_gradients_pass_the_scipy_and_jax_oracles_on_500_random_networks(model):
    rng = np.random.default_rng(11)
    shapes = SHAPES[model]
    for i in range(500):
        case = _shaped_case(model, shapes[i % len(shapes)], rng)
        report = gradcheck.check_gradients(case.expected["grads"], case, oracles=("scipy", "jax"))
        assert report.ok, str(report)
