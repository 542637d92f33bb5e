"""Independent oracles (issue 11, point 4): no error bar comes from another oracle or from the analytic backward.

A deliberately wrong reference model, the notes' network whose ``backward`` returns the true
gradients (and intermediates) times 1.5, must never let a gradient equal to that wrong backward
pass, whichever oracles judge; the analytic backward pass must agree with the oracles and judge
nobody; and the ``[hypothesis]`` item, which judges drawn networks by the analytic backward pass,
verifies it first.
"""

from __future__ import annotations

import importlib.util
import textwrap

import numpy as np
import pytest

import gradcheck
import gradcheck.students.drawn as drawn
from gradcheck import judge as compare
from gradcheck import strategies, tolerance
from gradcheck.students.recognise import recognise

Welch = type(gradcheck.get_model("welch"))
ORACLE_SETS = [("fd",), ("scipy",), ("jax",), ("fd", "scipy", "jax")]
TITLES = {"fd": "central difference", "scipy": "scipy", "jax": "jax"}


def _times(arrays, factor):
    return {k: factor * np.asarray(v, dtype=np.float64) for k, v in arrays.items()}


class WrongWelch(Welch):
    """The notes' network with a wrong analytic backward pass: every gradient and intermediate × 1.5."""

    name = "welch_wrong"

    def backward(self, inputs, params):
        grads, inter = super().backward(inputs, params)
        return _times(grads, 1.5), _times(inter, 1.5)


def _wrong_case():
    notes = gradcheck.load_case("three-examples-asymmetric")
    return gradcheck.make_case(WrongWelch(), notes.inputs, notes.params, name="wrong-backward"), notes


def _titles(oracle_set):
    words = [TITLES[o] for o in oracle_set]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _expected_problems(oracle_set):
    """The report's oracle problems, up to the oracles' values and error bars (which vary with the platform)."""
    return [f"oracle problem: the course's analytic backward disagrees with {_titles(oracle_set)} on W1[0, 0]: "
            "analytic 0.089494485 vs ",
            f"oracle problem: the course's analytic backward disagrees with {_titles(oracle_set)} on W2[0, 0]: "
            "analytic -0.31632156 vs "], [" (6 of 6 elements)", " (3 of 3 elements)"]


@pytest.mark.parametrize("oracle_set", ORACLE_SETS, ids="+".join)
def test_a_gradient_equal_to_a_wrong_analytic_backward_never_passes(oracle_set):
    case, _ = _wrong_case()
    wrong = WrongWelch().backward(case.inputs, case.params)[0]
    report = gradcheck.check_gradients(wrong, case, oracles=oracle_set)
    assert not report.ok, str(report)
    assert [r.status for r in report.params.values()] == ["not judged", "not judged"]
    starts, ends = _expected_problems(oracle_set)
    assert len(report.oracle_problems) == 2
    for problem, start, end in zip(report.oracle_problems, starts, ends):
        assert problem.startswith(start) and problem.endswith(end), problem
    text = str(report)
    used = ", ".join(TITLES[o] for o in oracle_set)
    assert text.startswith(f"gradcheck: NOT JUDGED on wrong-backward (model welch_wrong): the course's analytic "
                           f"backward disagrees with the oracles ({used})\n" + starts[0])
    assert report.diagnosis is None


@pytest.mark.parametrize("oracle_set", ORACLE_SETS, ids="+".join)
def test_right_gradients_are_not_failed_for_being_right_under_a_wrong_analytic_backward(oracle_set):
    # They are not passed either: the report has the oracle problem naming the analytic backward,
    # every gradient is "ok" against the oracles, and nobody is WRONG.
    case, notes = _wrong_case()
    report = gradcheck.check_gradients(notes.expected["grads"], case, oracles=oracle_set)
    assert report.wrong == []
    assert [r.status for r in report.params.values()] == ["ok", "ok"]
    assert not report.ok
    starts, ends = _expected_problems(oracle_set)
    for problem, start, end in zip(report.oracle_problems, starts, ends, strict=True):
        assert problem.startswith(start) and problem.endswith(end), problem


def test_the_analytic_backward_disagreement_names_every_oracle_s_value():
    case, _ = _wrong_case()
    report = gradcheck.check_gradients(WrongWelch().backward(case.inputs, case.params)[0], case)
    first = report.oracle_problems[0]
    assert "vs central difference 0.05966299 ±" in first and ", scipy 0.05966298" in first
    assert ", jax 0.05966299 ±" in first


def test_a_right_analytic_backward_is_no_problem_on_any_bundled_case():
    for name in gradcheck.case_names():
        case = gradcheck.load_case(name)
        report = gradcheck.check_gradients(case.expected["grads"], case)
        assert report.ok and not report.oracle_problems, str(report)


def test_an_analytic_backward_that_raises_is_an_oracle_problem_and_judges_nobody(monkeypatch):
    case = gradcheck.load_case("three-examples")

    def broken(self, inputs, params):
        raise RuntimeError("no backward here")

    grads = case.expected["grads"]
    monkeypatch.setattr(Welch, "backward", broken)
    report = gradcheck.check_gradients(grads, case, oracles="jax")
    assert report.oracle_problems == ["oracle problem: the course's analytic backward raised RuntimeError: "
                                      "no backward here"]
    assert not report.ok and report.wrong == []


# The JAX oracle's own error estimate ------------------------------------------------------------------
@pytest.mark.parametrize("name", gradcheck.case_names())
def test_the_jax_error_estimate_is_small_covers_its_error_and_never_calls_the_analytic_backward(name, monkeypatch):
    case = gradcheck.load_case(name)
    exact, exact_inter = case.expected["grads"], case.expected["intermediates"]

    def no_backward(self, inputs, params):
        raise AssertionError("the jax oracle called the analytic backward pass")

    monkeypatch.setattr(type(case.model), "backward", no_backward)
    g_refs, i_refs, note = compare._jax_references(case.model, case.inputs, case.params)
    assert note == ""
    scale = max(np.max(np.abs(exact[k])) for k in exact)
    for k, ref in g_refs.items():
        # Measured at most 4e-13 of the gradient's scale (coursera-l3, whose output is near 1).
        assert np.max(ref.err) <= 1e-12 * scale, (k, np.max(ref.err))
        assert np.all(ref.err > 0)
        # Measured, not a bound: held, as the fd estimate is in test_oracles.py, to twice itself (verdicts use 10x).
        assert np.all(np.abs(ref.value - exact[k]) <= 2 * ref.err), k
    for k, ref in i_refs.items():
        bound = max(np.max(np.abs(exact_inter[k])), scale)
        assert np.max(ref.err) <= 1e-12 * bound, (k, np.max(ref.err))
        assert np.all(np.abs(ref.value - exact_inter[k]) <= 2 * ref.err), k


def test_the_jax_error_estimate_is_the_same_whatever_the_analytic_backward_says():
    case, notes = _wrong_case()
    wrong, _, _ = compare._jax_references(case.model, case.inputs, case.params)
    right, _, _ = compare._jax_references(notes.model, notes.inputs, notes.params)
    for k in right:
        assert np.array_equal(wrong[k].value, right[k].value) and np.array_equal(wrong[k].err, right[k].err)


def test_at_an_exact_kink_the_jax_error_estimate_is_its_floor_and_a_note_says_so():
    from .test_report import _exactly_at_zero

    at_zero = _exactly_at_zero()
    g_refs, _, note = compare._jax_references(at_zero.model, at_zero.inputs, at_zero.params)
    assert note.startswith("jax's error estimate is its floor alone (2 ulps")
    eps = np.finfo(np.float64).eps
    for ref in g_refs.values():
        assert np.allclose(ref.err, tolerance.JAX_FLOOR_ULPS * eps * np.max(np.abs(ref.value)), rtol=0, atol=0)


# Intermediates: judged by JAX, never by the analytic backward ----------------------------------------
def test_backward_intermediates_without_jax_are_not_judged_and_a_note_says_so():
    case, notes = _wrong_case()
    inter = notes.expected["intermediates"]
    given = {"delta3": inter["delta3"], "delta2": inter["delta2"], "a2": notes.expected["intermediates"]["a2"]}
    report = gradcheck.check_gradients(notes.expected["grads"], notes, oracles="fd", intermediates=given)
    assert report.ok, str(report)
    assert list(report.intermediates) == ["a2"]
    assert ("delta3, delta2 not judged: a backward intermediate is judged by jax's derivative of the cost with "
            "respect to it, and the jax oracle is not used here") in report.notes
    with_jax = gradcheck.check_gradients(notes.expected["grads"], notes, oracles="jax", intermediates=given)
    assert with_jax.ok and sorted(with_jax.intermediates) == ["a2", "delta2", "delta3"], str(with_jax)
    # The wrong model's intermediates (× 1.5) are wrong for JAX, though its analytic backward says so.
    wrong_inter = {k: 1.5 * v for k, v in given.items() if k != "a2"}
    judged = gradcheck.check_gradients(notes.expected["grads"], case, oracles="jax", intermediates=wrong_inter)
    assert [r.status for r in judged.intermediates.values()] == ["WRONG", "WRONG"]


# The [hypothesis] item verifies the analytic backward pass before trusting it ----------------------------
def _wrong_strategy():
    return strategies.welch_cases().map(lambda c: gradcheck.make_case(WrongWelch(), c.inputs, c.params, name=c.name))


def test_a_property_check_judged_by_a_wrong_analytic_backward_judges_nobody():
    outcome = strategies.run_property_check(lambda c: WrongWelch().backward(c.inputs, c.params)[0],
                                            _wrong_strategy(), max_examples=20, seed=1)
    assert not outcome.ok and outcome.reference_problem and outcome.examples == 0
    assert outcome.message.startswith("NOT JUDGED: the course's analytic backward pass of welch_wrong, which judges "
                                      "the drawn networks, disagrees with central differences on the first one drawn")
    assert "oracle problem: the course's analytic backward disagrees with central difference on W1[" in outcome.message
    # A reference given by the caller is the caller's: it is not verified.
    given = strategies.run_property_check(lambda c: WrongWelch().backward(c.inputs, c.params)[0], _wrong_strategy(),
                                          max_examples=5, seed=1, reference=lambda c: c.expected["grads"])
    assert given.ok and not given.reference_problem


def test_a_right_analytic_backward_is_verified_and_the_check_runs():
    outcome = strategies.run_property_check(lambda c: c.model.backward(c.inputs, c.params)[0], "deep",
                                            max_examples=10, seed=1)
    assert outcome.ok and not outcome.reference_problem and outcome.examples == 10


WRONG_LIKE_THE_REFERENCE = """
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def backprop(X, y, W1, W2):
        z2 = X @ W1
        a2 = sigmoid(z2)
        yHat = sigmoid(a2 @ W2)
        delta3 = -(y - yHat) * yHat * (1 - yHat)
        delta2 = (delta3 @ W2.T) * a2 * (1 - a2)
        return 1.5 * (X.T @ delta2), 1.5 * (a2.T @ delta3)
"""


def test_the_hypothesis_item_skips_when_the_analytic_backward_is_wrong(monkeypatch, tmp_path):
    path = tmp_path / "homework_like_the_reference.py"
    path.write_text(textwrap.dedent(WRONG_LIKE_THE_REFERENCE))
    spec = importlib.util.spec_from_file_location("homework_like_the_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    impl = next(i for i in recognise(module) if i.name == "backprop")

    right_backward = Welch.backward
    monkeypatch.setattr(Welch, "backward", lambda self, inputs, params: tuple(
        _times(d, 1.5) for d in right_backward(self, inputs, params)))
    result = drawn.check_drawn(impl, examples=20, seed=0, use_jax=False)
    assert result.ok and result.unconfirmed  # the plugin skips an unconfirmed item: neither passed nor failed
    assert result.outcome.reference_problem
    assert "the course's analytic backward pass of welch" in result.message
    monkeypatch.setattr(Welch, "backward", right_backward)
    assert not drawn.check_drawn(impl, examples=20, seed=0, use_jax=False).ok  # with the right one it fails
