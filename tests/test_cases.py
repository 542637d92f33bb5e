"""The worked examples: loading, fresh copies, the sources' printed values and errata."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck


def test_the_case_names_list_every_bundled_example():
    assert gradcheck.case_names() == (
        "single-example", "three-examples", "single-example-asymmetric", "three-examples-asymmetric",
        "three-examples-regularised", "coursera-l3", "scalar-chain", "scalar-chain-2", "scalar-net",
    )


def test_an_unknown_case_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no worked example called 'three_exampels'; the cases are single-example, "):
        gradcheck.load_case("three_exampels")


@pytest.mark.parametrize("name", ["three_examples", "three_examples_asymmetric", "scalar_chain_2", "coursera_l3"])
def test_a_case_may_be_named_with_underscores_as_its_fixture_is(name):
    case = gradcheck.load_case(name)
    assert case.name == name.replace("_", "-")
    assert case.expected["cost"] == gradcheck.load_case(case.name).expected["cost"]


def test_a_case_hands_out_fresh_copies():
    case = gradcheck.load_case("three-examples")
    X = case.inputs["X"]
    X[:] = 0
    case.params["W1"][:] = 7
    case.expected["grads"]["W2"][:] = 0
    case.X[0, 0] = 99
    again = gradcheck.load_case("three-examples")
    assert again.X[0, 0] == 0.3 and again.inputs["X"][1, 1] == 0.2
    assert np.all(again.W1 == 1.0)
    assert np.all(again.expected["grads"]["W2"] != 0)


def test_arrays_are_float64(gradcheck_case):
    for v in (*gradcheck_case.inputs.values(), *gradcheck_case.params.values()):
        assert np.asarray(v).dtype == np.float64


def test_the_asymmetric_twins_keep_the_data_and_tell_hidden_units_apart():
    for base in ("single-example", "three-examples"):
        case, twin = gradcheck.load_case(base), gradcheck.load_case(base + "-asymmetric")
        np.testing.assert_array_equal(case.X, twin.X)
        np.testing.assert_array_equal(case.y, twin.y)
        columns = {(*twin.W1[:, j], *twin.W2[j]) for j in range(twin.dims["hiddenLayerSize"])}
        assert len(columns) == twin.dims["hiddenLayerSize"]
        assert len(np.unique(twin.expected["grads"]["W1"])) == twin.W1.size


def _printed(case, quantity):
    (entry,) = [p for p in case.printed if p["quantity"] == quantity]
    return entry


def _holds(entry) -> bool:
    exact = np.asarray(entry["exact"], dtype=float).ravel()
    printed = np.asarray(entry["printed"], dtype=float).ravel()
    if "decimals" in entry:
        return bool(np.all(np.abs(exact - printed) <= 0.5 * 10.0 ** -entry["decimals"] * (1 + 1e-9)))
    return all(float(f"{e:.{entry['significant']}g}") == p for e, p in zip(exact, printed))


@pytest.mark.parametrize(
    ("quantity", "status"),
    [("z2", "holds"), ("a2", "erratum"), ("z3", "holds"), ("yHat", "erratum"), ("J", "erratum"), ("dJdW2", "erratum")],
)
def test_the_notes_single_example_printed_values_hold_or_are_errata(single_example, quantity, status):
    entry = _printed(single_example, quantity)
    assert entry["status"] == status
    if status == "erratum":
        assert not _holds(entry) and entry["note"]


def test_the_notes_z3_holds_from_their_rounded_a2(single_example):
    entry = _printed(single_example, "z3")
    a2 = single_example.expected["intermediates"]["a2"]
    by_hand = float(np.sum(np.round(a2, 2) * single_example.W2.T))
    assert round(by_hand, 2) == entry["printed"] == 2.37
    assert round(entry["exact"], 2) == 2.36  # the exact value would print 2.36


def test_the_notes_q11_answer_is_dz3_dW2_not_dJdW2(single_example):
    entry = _printed(single_example, "dJdW2")
    # The notes answer with their own printed a2, transposed: that is dz3/dW2.
    assert entry["printed"] == [_printed(single_example, "a2")["printed"]] * 3
    np.testing.assert_allclose(single_example.expected["grads"]["W2"], 0.0101512, rtol=1e-5)


@pytest.mark.parametrize("name", gradcheck.case_names())
def test_every_printed_value_that_holds_agrees_to_its_printed_precision(name):
    case = gradcheck.load_case(name)
    for entry in case.printed:
        if entry["status"] == "holds" and "exact" in entry and entry["quantity"] != "z3":
            assert _holds(entry), entry


def test_the_three_examples_reference_values(three_examples):
    exp = three_examples.expected
    assert f"{exp['cost']:.6g}" == "0.0153285"
    np.testing.assert_allclose(exp["grads"]["W2"], 0.0136640, rtol=5e-6)
    np.testing.assert_allclose(exp["grads"]["W1"][0], 0.00121040, rtol=5e-6)
    np.testing.assert_allclose(exp["grads"]["W1"][1], 0.00239732, rtol=5e-6)


def test_gradient_descent_on_the_scalar_chain_reproduces_the_seeds_iterates(scalar_chain):
    rate = scalar_chain.extra["learning_rate"]
    printed = [p["printed"] for p in scalar_chain.printed if p["quantity"].startswith("w after")]
    assert rate == 0.007 and len(printed) == 20
    params, inputs = scalar_chain.params, scalar_chain.inputs
    for step, want in enumerate(printed):
        params["w"] = params["w"] - rate * scalar_chain.model.gradients(inputs, params)["w"]
        assert float(f"{params['w']:.5g}") == want, f"step {step + 1}"
        assert abs(params["w"] - scalar_chain.extra["descent"][step]) < 1e-12 * abs(want) + 1e-13
    assert float(f"{inputs['a0'] * params['w']:.5g}") == 50.099


def _course_difference(case, grads, epsilon=1e-7):
    """The course's gradient_check_n: theta +- epsilon on each parameter, then |g - g~| / (|g| + |g~|)."""
    names = case.param_names
    params = case.params
    theta = np.concatenate([params[k].reshape(-1, 1) for k in names])

    def unflatten(t):
        out, i = {}, 0
        for k in names:
            out[k] = t[i : i + params[k].size].reshape(params[k].shape)
            i += params[k].size
        return out

    approx = np.zeros_like(theta)
    for i in range(len(theta)):
        plus, minus = np.copy(theta), np.copy(theta)
        plus[i][0] += epsilon
        minus[i][0] -= epsilon
        approx[i] = (case.cost(unflatten(plus)) - case.cost(unflatten(minus))) / (2 * epsilon)
    grad = np.concatenate([grads[k].reshape(-1, 1) for k in names])
    return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))


def test_the_courses_gradient_check_numbers_come_out(coursera_l3):
    grads = coursera_l3.expected["grads"]
    assert sum(v.size for v in coursera_l3.params.values()) == 47
    fixed = _course_difference(coursera_l3, grads)
    planted = _course_difference(coursera_l3, {**grads, "W2": grads["W2"] * 2, "b1": grads["b1"] * 4})
    assert planted == pytest.approx(0.2850931567761623, rel=1e-9)
    assert fixed == pytest.approx(1.1890913024229996e-07, rel=1e-9)


def test_each_case_records_its_provenance(gradcheck_case):
    assert gradcheck_case.provenance["source"]
    assert gradcheck_case.title
    assert gradcheck_case.model.__doc__


def test_make_case_computes_the_expected_values():
    case = gradcheck.load_case("three-examples-asymmetric")
    made = gradcheck.make_case("welch", case.inputs, case.params)
    for k in case.param_names:
        np.testing.assert_allclose(made.expected["grads"][k], case.expected["grads"][k], rtol=1e-12)
