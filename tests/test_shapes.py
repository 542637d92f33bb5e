"""Shape assertions and their messages (the wording is a contract)."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
from gradcheck import ShapeMismatch, assert_shapes


def test_a_transposed_dJdW1_is_named_with_its_dimensions(three_examples):
    dJdW1 = three_examples.expected["grads"]["W1"]
    with pytest.raises(ShapeMismatch) as info:
        assert_shapes({"dJdW1": dJdW1.T}, three_examples)
    assert str(info.value) == (
        "dJdW1 has shape (3, 2) but must be (inputLayerSize, hiddenLayerSize) = (2, 3), the shape of W1. "
        "A transposed result usually means X.T @ delta2 was written as delta2.T @ X."
    )


def test_a_wrong_hidden_size_names_the_dimension(three_examples):
    with pytest.raises(ShapeMismatch) as info:
        assert_shapes({"dJdW1": np.zeros((2, 4))}, three_examples)
    assert str(info.value) == (
        "dJdW1 has shape (2, 4) but must be (inputLayerSize, hiddenLayerSize) = (2, 3), the shape of W1. "
        "(hiddenLayerSize is 3 here, got 4.)"
    )


def test_every_wrong_array_is_reported_not_only_the_first(three_examples):
    with pytest.raises(ShapeMismatch) as info:
        assert_shapes({"dJdW1": np.zeros((3, 2)), "dJdW2": np.zeros((3, 1)), "delta2": np.zeros((3, 1))}, three_examples)
    assert len(info.value.problems) == 2
    assert info.value.problems[1].startswith("delta2 has shape (3, 1) but must be (numExamples, hiddenLayerSize) = (3, 3).")


def test_a_coursera_gradient_uses_the_courses_names(coursera_l3):
    with pytest.raises(ShapeMismatch, match=r"^dW2 has shape \(5, 3\) but must be \(n2, n1\) = \(3, 5\), the shape of W2\. "
                                            r"A transposed result usually means dZ2 @ A1\.T was written as A1 @ dZ2\.T\.$"):
        assert_shapes({"dW2": np.zeros((5, 3))}, coursera_l3)
    with pytest.raises(ShapeMismatch, match=r"^db1 has shape \(1, 5\) but must be \(n1, 1\) = \(5, 1\), the shape of b1\."):
        assert_shapes({"db1": np.zeros((1, 5))}, coursera_l3)


def test_right_shapes_and_accepted_quirks_pass(coursera_l3, scalar_chain, three_examples):
    assert_shapes({**coursera_l3.inputs, "Y": np.array([1.0, 1.0, 0.0]), "dA0": np.zeros((4, 3))}, coursera_l3)
    assert_shapes({"dw": 1.0, "J": np.array([3.0])}, scalar_chain)
    assert_shapes({"J": np.array([[0.01]]), "dJdW2": np.zeros((3, 1))}, three_examples)


def test_a_model_name_works_when_the_arrays_carry_the_sizes():
    case = gradcheck.load_case("three-examples-asymmetric")
    assert_shapes({**case.inputs, **case.params, "dJdW2": np.zeros((3, 1))}, "welch")
    with pytest.raises(ShapeMismatch):
        assert_shapes({**case.inputs, **case.params, "dJdW2": np.zeros((1, 3))}, "welch")


def test_a_model_name_without_sizes_says_what_to_pass():
    with pytest.raises(ValueError, match=r"cannot tell the network's sizes .*Pass a Case instead of the model name"):
        assert_shapes({"dJdW1": np.zeros((2, 3))}, "welch")


def test_an_unknown_name_lists_the_known_ones(three_examples):
    with pytest.raises(ValueError, match=r"'dJdW3' is not in 'welch''s shape table; known names: X, y, W1, W2"):
        assert_shapes({"dJdW3": np.zeros((2, 3))}, three_examples)


def test_the_shape_error_is_an_assertion_error():
    assert issubclass(ShapeMismatch, AssertionError)
