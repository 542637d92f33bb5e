"""The catalog of mistakes: every entry is caught and named on a student-written mutant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gradcheck
from gradcheck.course import get_course
from gradcheck.diagnosis import GENERIC_IDS, catalog, diagnose, localise

from . import mutants

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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
    covered = (set(mutants.WELCH) | set(mutants.WELCH_REG) | set(mutants.DEEP) | set(mutants.NIELSEN)
               | set(mutants.NIELSEN_CE) | set(mutants.PLANAR) | set(mutants.DEEP_REG) | set(mutants.NG_EX4)
               | set(mutants.DROPOUT) | {"chain/da-dw-is-output"})
    assert {m.id for m in catalog()} <= covered
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


# ---------------------------------------------------------------- through the public API, oracle by oracle

ORACLES = ("fd", "scipy", "jax")


def _mutants():
    """(catalog id, case name, student-written wrong gradients) for every mutant."""
    twin = gradcheck.load_case("three-examples-asymmetric")
    reg = gradcheck.load_case("three-examples-regularised")
    deep = gradcheck.load_case("coursera-l3")
    chain = gradcheck.load_case("scalar-chain")
    net = gradcheck.load_case("scalar-net")
    out = [(i, twin, _welch(twin, bug)) for i, bug in mutants.WELCH.items()]
    out += [(i, reg, _welch(reg, bug, Lambda=float(reg.Lambda))) for i, bug in mutants.WELCH_REG.items()]
    out += [(i, deep, mutants.deep_backprop(deep.X, deep.Y, deep.params, bug=bug)) for i, bug in mutants.DEEP.items()]
    out += [("scaled", deep, mutants.deep_backprop(deep.X, deep.Y, deep.params, bug="planted")),
            ("chain/da-dw-is-output", chain, mutants.chain_grad(chain.a0, chain.target, chain.w, bug="output")),
            ("scaled", chain, mutants.chain_grad(chain.a0, chain.target, chain.w, bug="no-2")),
            ("sign-flipped", net, mutants.scalar_net_grad(net.x, net.d, net.w1, net.w2, bug="d-z"))]
    reg = next(c for c in get_course("coursera").derived_cases(0) if c.model.name == "deep_reg")
    out += [(i, reg, mutants.deep_reg_backprop(reg.X, reg.Y, reg.params, float(reg.lambd), bug=bug))
            for i, bug in mutants.DEEP_REG.items()]
    planar = next(c for c in get_course("coursera").derived_cases(0) if c.model.name == "planar")
    out += [(i, planar, mutants.planar_backprop(planar.X, planar.Y, planar.params, bug=bug))
            for i, bug in mutants.PLANAR.items()]
    drop = next(c for c in get_course("coursera").derived_cases(0) if c.model.name == "deep_dropout")
    out += [(i, drop, mutants.dropout_backprop(drop.X, drop.Y, drop.params, float(drop.keep_prob), drop.D1, drop.D2,
                                               bug=bug))
            for i, bug in mutants.DROPOUT.items()]
    ng = next(c for c in get_course("ng").derived_cases(0) if c.name == "ex4-checkNNGradients-lambda-3")
    out += [(i, ng, mutants.ng_ex4_grad(ng.X, ng.Y, ng.Theta1, ng.Theta2, float(ng.lambda_), bug=bug))
            for i, bug in mutants.NG_EX4.items()]
    nielsen = {c.name: c for c in get_course("nielsen").derived_cases(0)}
    for table, name in ((mutants.NIELSEN, "nielsen-four-layers"), (mutants.NIELSEN_CE, "nielsen-four-layers-ce")):
        case = nielsen[name]
        L = len(case.param_names) // 2
        weights = [case.params[f"weights[{l}]"] for l in range(L)]
        biases = [case.params[f"biases[{l}]"] for l in range(L)]
        out += [(i, case, mutants.nielsen_backprop(case.x, case.y, weights, biases, bug=bug,
                                                   cross_entropy=case.model.cross_entropy))
                for i, bug in table.items()]
    return out


MUTANTS = _mutants()


@pytest.mark.parametrize("oracle", ORACLES)
@pytest.mark.parametrize(("mistake", "case", "grads"), MUTANTS,
                         ids=[f"{m}-{c.name}-{i}" for i, (m, c, _) in enumerate(MUTANTS)])
def test_every_mutant_is_caught_by_every_oracle_and_named(mistake, case, grads, oracle):
    report = gradcheck.check_gradients(grads, case, oracles=(oracle,))
    assert not report.ok and report.wrong
    assert report.diagnosis is not None and report.diagnosis.id == mistake, report.diagnosis
    assert report.to_dict()["diagnosis"]["id"] == mistake
    assert f"likely mistake: {report.diagnosis.message}" in str(report)


def test_the_whole_catalog_is_covered_by_the_mutants():
    named = {m for m, _, _ in MUTANTS}
    assert {entry.id for entry in catalog()} <= named
    assert {"scaled", "sign-flipped", "transposed", "swapped"} <= named


def test_a_passing_report_has_no_diagnosis(gradcheck_case):
    report = gradcheck.check_gradients(gradcheck_case.expected["grads"], gradcheck_case, oracles=("fd",))
    assert report.ok and report.diagnosis is None and report.to_dict()["diagnosis"] is None
    assert "likely mistake" not in str(report)


def test_the_report_localises_an_unknown_mistake_with_the_intermediates():
    case = gradcheck.load_case("three-examples-asymmetric")
    ref = case.expected
    delta2 = ref["intermediates"]["delta2"] * np.array([1.0, 1.3, 1.0])
    grads = {"dJdW1": case.X.T @ delta2, "dJdW2": ref["grads"]["W2"]}
    report = gradcheck.check_gradients(grads, case, oracles=("jax",),
                                       intermediates={"delta3": ref["intermediates"]["delta3"], "delta2": delta2})
    assert report.wrong == ["W1"]
    assert report.diagnosis.id == "unknown"
    assert ("where it goes wrong: delta3 right, dJdW2 right, delta2 wrong: "
            "look at delta2 = delta3 . W2^T * f'(z2) (notes Q17).") in str(report)


def test_the_courses_planted_bugs_are_reported_as_scaled_in_the_report(coursera_l3):
    grads = mutants.deep_backprop(coursera_l3.X, coursera_l3.Y, coursera_l3.params, bug="planted")
    report = gradcheck.check_gradients(grads, coursera_l3)
    assert sorted(report.wrong) == ["W2", "b1"]
    assert "likely mistake: db1 is 4 times the true gradient. dW2 is 2 times the true gradient." in str(report)


# ---------------------------------------------------------------- scale factors: only the simple ones are named


@pytest.mark.parametrize(("factor", "named"), [(2.0, "2"), (0.25, "1/4"), (3.0, "m = 3"), (1 / 3, "1/m = 1/3")])
def test_a_simple_factor_is_named_as_a_scale(factor, named):
    case = gradcheck.load_case("three-examples-asymmetric")
    grads = {**case.expected["grads"], "W2": factor * case.expected["grads"]["W2"]}
    d = diagnose(grads, case)
    assert (d.id, d.message) == ("scaled", f"W2 is {named} times the true gradient.")


def test_on_the_all_ones_case_the_q11_answer_is_not_named_a_scale_factor():
    case = gradcheck.load_case("three-examples")
    (path,) = [p for p in EXAMPLES.glob("wrong/q11_*.py")]
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    net = namespace["Neural_Network"]()
    net.W1, net.W2 = case.W1, case.W2
    dJdW1, dJdW2 = net.costFunctionPrime(case.X, case.y)
    d = diagnose({"dJdW1": dJdW1, "dJdW2": dJdW2}, case)
    # All-ones weights make every entry of the true dJdW2 alike, so a2^T summed is a multiple of it (165.12).
    assert d.id == "proportional" and "times the true gradient" not in d.message
    assert d.message.startswith("dJdW2 is proportional to the true gradient, by 165.12, which is no simple factor "
                                "(2, 4, 1/2, 1/4, m = 3 or 1/m = 1/3)")


def test_the_readme_names_the_same_scale_factors_as_the_diagnosis():
    from gradcheck.diagnosis import _NAMED_FACTORS

    readme = (EXAMPLES.parent / "README.md").read_text()
    words = ", ".join(label for _, label in _NAMED_FACTORS)
    assert f"only a factor of {words}, m or 1/m is named" in " ".join(readme.split())
    assert "`proportional`" in readme
