"""Recognition by signature: a function named like a convention but with another signature is not
called with the wrong arguments; the header (or the usage error) says it was not recognised, and why."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jax.monitoring  # noqa: F401
import pytest
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FD = "--gradcheck-oracles=fd"

SIX_ARGUMENTS = textwrap.dedent("""
    import numpy as np


    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))


    def backprop(x, y, biases, weightsT, cost, num_layers):
        activations, zs = [x], []
        for b, wT in zip(biases, weightsT):
            zs.append(np.dot(activations[-1], wT) + b)
            activations.append(sigmoid(zs[-1]))
        delta = cost.delta(zs[-1], activations[-1], y) * sigmoid(zs[-1]) * (1 - sigmoid(zs[-1]))
        return [delta], [np.dot(activations[-2].T, delta)]
""")
NOTES = "the notes' backprop(X, y, W1, W2) -> (dJdW1, dJdW2)"
NIELSEN = "Nielsen's Network(sizes).backprop(self, x, y) -> (nabla_b, nabla_w)"


def test_a_six_argument_backprop_alone_is_a_usage_error_naming_the_conventions_it_resembles(pytester):
    (pytester.path / "uni.py").write_text(SIX_ARGUMENTS)
    result = pytester.runpytest("--gradcheck", "uni.py", FD)
    assert result.ret == 4
    signature = "backprop(x, y, biases, weightsT, cost, num_layers)"
    result.stderr.fnmatch_lines([f"not recognised: {signature} does not match {NOTES}",
                                 f"not recognised: {signature} does not match {NIELSEN}*"])
    assert "TypeError" not in result.stdout.str() + result.stderr.str()


def test_beside_a_recognised_class_the_near_miss_is_in_the_header_and_never_called(pytester):
    source = (EXAMPLES / "correct/neural_network.py").read_text() + SIX_ARGUMENTS.replace("import numpy as np\n", "")
    (pytester.path / "homework.py").write_text(source)
    result = pytester.runpytest("--gradcheck", "homework.py", FD)
    result.stdout.fnmatch_lines([f"gradcheck: homework.py: not recognised: backprop(x, y, biases, weightsT, cost, "
                                 f"num_layers) does not match {NOTES}"])
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and outcomes["passed"] == 8
    assert "TypeError" not in result.stdout.str()


def test_a_four_argument_backprop_in_other_spellings_is_still_the_notes_function(pytester):
    source = (EXAMPLES / "correct/backprop_function.py").read_text()
    (pytester.path / "hw.py").write_text(source)
    result = pytester.runpytest("--gradcheck", "hw.py", FD)
    result.stdout.no_fnmatch_line("*not recognised*")
    assert result.parseoutcomes()["passed"] >= 2


def test_a_network_class_whose_backprop_takes_more_is_a_near_miss_of_nielsens(pytester):
    source = (EXAMPLES / "correct/nielsen_network.py").read_text().replace(
        "def backprop(self, x, y):", "def backprop(self, x, y, eta):")
    (pytester.path / "net.py").write_text(source)
    result = pytester.runpytest("--gradcheck", "net.py", FD)
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"not recognised: Network.backprop(self, x, y, eta) with Network(self, sizes) "
                                 f"does not match {NIELSEN}"])


# The Coursera course's and ex4's functions ---------------------------------------------------------
@pytest.mark.parametrize(("source", "line"), [
    ("def backward_propagation(X, Y, cache):\n    return {}\n",
     "backward_propagation(X, Y, cache) does not match the Coursera course's backward_propagation(parameters, cache, X, "
     "Y) or backward_propagation(x, theta)"),
    ("def linear_backward(dZ):\n    return dZ, dZ, dZ\n",
     "linear_backward(dZ) does not match the Coursera course's linear_backward(dZ, cache)"),
    ("def L_model_forward(X, parameters):\n    return X, []\n\ndef L_model_backward(AL, Y, caches, lambd):\n"
     "    return {}\n",
     "L_model_backward(AL, Y, caches, lambd) does not match the Coursera course's L_model_backward(AL, Y, caches)"),
    ("def backward_propagation_with_dropout(X, Y, cache):\n    return {}\n",
     "backward_propagation_with_dropout(X, Y, cache) does not match the Coursera course's "
     "backward_propagation_with_dropout(X, Y, cache, keep_prob)"),
], ids=["backward_propagation(X, Y, cache)", "linear_backward(dZ)", "L_model_backward(AL, Y, caches, lambd)",
        "backward_propagation_with_dropout(X, Y, cache)"])
def test_a_coursera_function_of_another_signature_is_a_near_miss_never_called(pytester, source, line):
    (pytester.path / "homework.py").write_text(source)
    result = pytester.runpytest("--gradcheck", "homework.py", FD)
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"not recognised: {line}"])
    assert "TypeError" not in result.stdout.str() + result.stderr.str()


def test_a_recognised_pair_is_not_listed_as_a_near_miss(pytester):
    (pytester.path / "homework.py").write_text((EXAMPLES / "correct/gradient_checking.py").read_text())
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "--gradcheck-examples=5")
    result.stdout.no_fnmatch_line("*not recognised*")
    assert "failed" not in result.parseoutcomes()
