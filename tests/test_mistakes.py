"""The catalog of mistakes: every entry is caught and named on a student-written mutant."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck.mistakes import CATALOG, GENERIC_IDS, diagnose, localise

from . import mutants


def _welch(case, bug, **kw):
    return mutants.welch_backprop(case.X, case.y, case.W1, case.W2, bug=bug, **kw)


@pytest.mark.parametrize("mistake", list(mutants.WELCH))
def test_each_welch_mutant_is_named(mistake):
    case = gradcheck.load_case("three-examples-asymmetric")
    diagnosis = diagnose(_welch(case, mutants.WELCH[mistake]), case)
    assert diagnosis is not None and diagnosis.id == mistake, diagnosis


@pytest.mark.parametrize("mistake", list(mutants.WELCH_REG))
def test_each_regularised_mutant_is_named(mistake):
    case = gradcheck.load_case("three-examples-regularised")
    grads = _welch(case, mutants.WELCH_REG[mistake], Lambda=float(case.Lambda))
    diagnosis = diagnose(grads, case)
    assert diagnosis is not None and diagnosis.id == mistake, diagnosis


@pytest.mark.parametrize("mistake", list(mutants.DEEP))
def test_each_deep_mutant_is_named(mistake, coursera_l3):
    grads = mutants.deep_backprop(coursera_l3.X, coursera_l3.Y, coursera_l3.params, bug=mutants.DEEP[mistake])
    diagnosis = diagnose(grads, coursera_l3)
    assert diagnosis is not None and diagnosis.id == mistake, diagnosis


def test_the_courses_planted_bugs_are_scaled_by_2_and_4(coursera_l3):
    grads = mutants.deep_backprop(coursera_l3.X, coursera_l3.Y, coursera_l3.params, bug="planted")
    diagnosis = diagnose(grads, coursera_l3)
    assert diagnosis.id == "scaled"
    assert set(diagnosis.params) == {"W2", "b1"}
    assert diagnosis.message == "db1 is 4 times the true gradient. dW2 is 2 times the true gradient."


def test_the_seed_001_mistake_is_named(scalar_chain):
    d = diagnose(mutants.chain_grad(scalar_chain.a0, scalar_chain.target, scalar_chain.w, bug="output"), scalar_chain)
    assert d.id == "chain/da-dw-is-output"
    d = diagnose(mutants.chain_grad(scalar_chain.a0, scalar_chain.target, scalar_chain.w, bug="no-2"), scalar_chain)
    assert (d.id, d.message) == ("scaled", "dw is 1/2 times the true gradient.")


def test_the_answers_d_minus_z_is_a_sign_flip(scalar_net):
    grads = mutants.scalar_net_grad(scalar_net.x, scalar_net.d, scalar_net.w1, scalar_net.w2, bug="d-z")
    assert diagnose(grads, scalar_net).id == "sign-flipped"


def test_the_q11_answer_is_named_even_when_its_shape_is_wrong():
    twin = gradcheck.load_case("three-examples-asymmetric")
    X = np.vstack([twin.X, [[0.6, 0.9]]])
    case = gradcheck.make_case("welch", {"X": X, "y": np.vstack([twin.y, [[0.5]]])}, twin.params)
    grads = _welch(case, "q11")
    assert grads["dJdW2"].shape == (3, 4) != case.shapes["W2"]
    assert diagnose(grads, case).id == "welch/dJdW2-without-delta3"


def test_correct_gradients_carry_no_diagnosis(gradcheck_case):
    assert diagnose(gradcheck_case.expected["grads"], gradcheck_case) is None


def test_every_catalog_entry_has_a_mutant():
    covered = set(mutants.WELCH) | set(mutants.WELCH_REG) | set(mutants.DEEP) | {"chain/da-dw-is-output"}
    assert {m.id for m in CATALOG} <= covered
    assert {"sign-flipped", "transposed", "swapped"} <= covered
    assert "scaled" in GENERIC_IDS


def test_an_unknown_mistake_is_localised_to_the_first_wrong_quantity():
    case = gradcheck.load_case("three-examples-asymmetric")
    ref = case.expected
    delta3 = ref["intermediates"]["delta3"]
    delta2 = ref["intermediates"]["delta2"] * np.array([1.0, 1.3, 1.0])  # one hidden unit off
    grads = {"dJdW2": ref["grads"]["W2"], "dJdW1": case.X.T @ delta2}
    d = diagnose(grads, case)
    assert d.id == "unknown"
    assert d.message == "dJdW2 right, dJdW1 wrong: look at dJdW1 = X^T . delta2 (notes Q17)."
    where = localise(grads, case, intermediates={"delta3": delta3, "delta2": delta2})
    assert where == "delta3 right, dJdW2 right, delta2 wrong: look at delta2 = delta3 . W2^T * f'(z2) (notes Q17)."


def test_a_deep_unknown_mistake_is_localised(coursera_l3):
    grads = mutants.deep_backprop(coursera_l3.X, coursera_l3.Y, coursera_l3.params)
    grads["dW2"] = grads["dW2"] + np.array([[0, 0, 0.1, 0, 0]] * 3)
    inter = coursera_l3.expected["intermediates"]
    where = localise(grads, coursera_l3, intermediates={k: inter[k] for k in ("dA3", "dZ3", "dA2", "dZ2")})
    assert where == "dA3 right, dZ3 right, dW3 right, db3 right, dA2 right, dZ2 right, dW2 wrong: look at dW2 = (1/m) dZ2 . A1^T."
