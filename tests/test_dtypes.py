"""Returned arrays keep their dtype through the plugin: float32 code is judged as float32, complex is a verdict."""

from __future__ import annotations

import json

import jax.monitoring  # noqa: F401
import numpy as np
import pytest
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401
from gradcheck.students.implementation import as_cost, close

from ._examples import copy_example as _copy

FLOAT32 = "correct/neural_network_float32.py"


def test_a_float32_notes_class_passes_every_item_with_the_float32_note(pytester):
    _copy(pytester, FLOAT32, "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-report=grades.json")
    result.assert_outcomes(passed=8)
    text = (pytester.path / "grades.json").read_text()
    assert "dJdW1 is float32: judged with a float32 tolerance" in text
    assert "dJdW2 is float32: judged with a float32 tolerance" in text


def test_a_wrong_float32_notes_class_still_fails_naming_its_gradient(pytester):
    _copy(pytester, FLOAT32, "homework.py", replace=("dJdW2 = np.dot(self.a2.T, delta3)", "dJdW2 = self.a2.T"))
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "-k", "asymmetric")
    result.assert_outcomes(failed=2, deselected=6)
    result.stdout.fnmatch_lines(["*dJdW2: WRONG*"])


def test_a_complex_gradient_fails_with_its_own_message(pytester):
    _copy(pytester, "correct/neural_network.py", "homework.py",
          replace=("return dJdW1, dJdW2", "return dJdW1 + 0j, dJdW2"))
    result = pytester.runpytest("--gradcheck", "homework.py", "-W", "error::numpy.exceptions.ComplexWarning")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 6
    result.stdout.fnmatch_lines([
        "*dJdW1 is complex (complex128): the gradient of a real cost is real, and gradcheck does not drop an "
        "imaginary part*"])
    result.stdout.fnmatch_lines(["FAILED homework.py::Neural_Network?hypothesis?*"])


def test_a_float32_cost_is_compared_with_float32_room_and_a_float64_one_is_not():
    want = 0.013370853038953554
    near = as_cost(np.float32(want * (1 + 3e-7)), "costFunction(X, y)", [])
    assert close(near, want)
    assert not close(float(np.float64(want * (1 + 3e-7))), want)
    assert not close(as_cost(np.float32(want * 1.01), "costFunction(X, y)", []), want)


def test_a_complex_cost_is_refused():
    from gradcheck.students.implementation import StudentError

    with pytest.raises(StudentError, match="is complex"):
        as_cost(np.complex128(1 + 1j), "costFunction(X, y)", [])


def test_the_report_is_valid_json_with_float32_costs(pytester):
    _copy(pytester, FLOAT32, "homework.py")
    pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "--gradcheck-report=grades.json")
    json.loads((pytester.path / "grades.json").read_text())
