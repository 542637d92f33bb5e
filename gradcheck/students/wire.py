"""The messages between the judge and a submission's worker process: JSON, with arrays as raw bytes.

The judge never unpickles what a worker sends (a submission controls its worker and could send a
pickle that runs code in the judge): a message is JSON, and each array inside it is its dtype
string, its shape and its bytes (base64), rebuilt with ``np.frombuffer`` after the dtype is checked
to be a plain numeric or boolean one, so nothing but numbers can arrive. Complex arrays arrive as they are, for the judge to give them a verdict; object arrays
cannot be sent (the worker turns what it can into numbers and reports the rest as a problem).

Imports: numpy and the standard library.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

__all__ = ["MAX_MESSAGE", "WireError", "decode", "encode"]

#: The largest message a worker may send (bytes): gradients of any network gradcheck checks fit.
MAX_MESSAGE = 256 * 1024 * 1024
_ARRAY, _FLOAT, _TUPLE = "__array__", "__float__", "__tuple__"


class WireError(ValueError):
    """A message that is not what the protocol allows (too large, malformed, a forbidden dtype)."""


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise WireError(f"an array of dtype {array.dtype} cannot be sent; only numbers and booleans")
        array = np.array(array, order="C", copy=True)  # (ascontiguousarray would make a 0-d array 1-d)
        return {_ARRAY: [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode("ascii")]}
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT: repr(value)}
    if isinstance(value, dict):
        return {str(k): _pack(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {_TUPLE: [_pack(v) for v in value]}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise WireError(f"a {type(value).__name__} cannot be sent")


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_ARRAY}:
            dtype, shape, data = value[_ARRAY]
            dtype = np.dtype(str(dtype))
            if dtype.kind not in "biufc" or dtype.hasobject or dtype.fields is not None:
                raise WireError(f"an array of dtype {dtype}")
            shape = tuple(int(n) for n in shape)
            raw = base64.b64decode(data.encode("ascii"), validate=True)
            if len(raw) != dtype.itemsize * math.prod(shape):
                raise WireError(f"an array whose {len(raw)} bytes do not fill its shape {shape}")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if set(value) == {_FLOAT}:
            return float(value[_FLOAT])
        if set(value) == {_TUPLE}:
            return tuple(_unpack(v) for v in value[_TUPLE])
        return {k: _unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value


def encode(message: Any) -> bytes:
    """A message (dicts, lists, tuples, numbers, strings, numpy arrays) as bytes."""
    return json.dumps(_pack(message), allow_nan=False, separators=(",", ":")).encode()


def decode(data: bytes) -> Any:
    """The message in ``data``; :class:`WireError` when it is not one the protocol allows."""
    if len(data) > MAX_MESSAGE:
        raise WireError(f"a message of {len(data)} bytes, more than the {MAX_MESSAGE} allowed")
    try:
        return _unpack(json.loads(data))
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError) as exc:
        if isinstance(exc, WireError):
            raise
        raise WireError(f"a malformed message ({type(exc).__name__}: {exc})") from None
