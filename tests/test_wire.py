"""The judge reads a worker's messages without ever unpickling: only numbers and plain data arrive."""

from __future__ import annotations

import base64
import json
import pickle

import numpy as np
import pytest

from gradcheck.students.wire import WireError, decode, encode


@pytest.mark.parametrize("value", [np.float64(2.5), np.zeros(()), np.arange(6, dtype=np.float32).reshape(2, 3).T,
                                   np.array([1 + 2j]), np.array([True, False]), np.int64(7)],
                         ids=["float64 scalar", "0-d", "float32 transposed", "complex", "bool", "int64"])
def test_arrays_arrive_with_their_dtype_shape_and_values(value):
    got = decode(encode({"x": value, "nested": [(value, "a"), {"inf": float("inf")}]}))
    for arr in (got["x"], got["nested"][0][0]):
        assert arr.dtype == np.asarray(value).dtype and arr.shape == np.shape(value)
        assert np.array_equal(arr, value)
    assert got["nested"][0][1] == "a" and got["nested"][1]["inf"] == float("inf")
    assert isinstance(got["nested"][0], tuple)


def test_an_object_array_cannot_be_sent():
    with pytest.raises(WireError, match="cannot be sent"):
        encode({"x": np.array([object()])})


@pytest.mark.parametrize("message", [
    b"\x80\x04" + pickle.dumps({"x": 1})[2:],  # a pickle
    json.dumps({"x": {"__array__": ["|O", [1], base64.b64encode(b"12345678").decode()]}}).encode(),
    json.dumps({"x": {"__array__": ["<f8", [3], base64.b64encode(b"1234").decode()]}}).encode(),
    json.dumps({"x": {"__array__": ["<f8", [1], "not base64!"]}}).encode(),
], ids=["pickle", "object dtype", "short bytes", "bad base64"])
def test_what_the_protocol_does_not_allow_is_refused(message):
    with pytest.raises(WireError):
        decode(message)
