"""The JAX oracle: reverse-mode gradients in float64. The only module that imports jax.

Every function here turns on 64-bit floats only for its own duration (``jax.enable_x64``),
so the user's global ``jax_enable_x64`` setting is left as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..course import Model

__all__ = ["cost_gradient", "model_gradients"]


def _relu(prime_at_zero: int) -> Callable:
    """relu with a stated derivative at 0 (``jnp.maximum`` would split it, giving 0.5)."""

    @jax.custom_jvp
    def relu(z):
        return jnp.maximum(z, 0.0)

    @relu.defjvp
    def _jvp(primals, tangents):
        (z,), (t,) = primals, tangents
        slope = (z >= 0) if prime_at_zero else (z > 0)
        return relu(z), t * slope.astype(t.dtype)

    return relu


class _Numpy:
    """``jax.numpy`` whose ``maximum(z, 0.0)`` is a relu with relu'(0) = 0 or 1, as the models' backward says."""

    def __init__(self, relu_prime_at_zero: int):
        self._relu = _relu(relu_prime_at_zero)

    def __getattr__(self, name: str) -> Any:
        return getattr(jnp, name)

    def maximum(self, a, b):
        if isinstance(b, float) and b == 0.0:
            return self._relu(a)
        return jnp.maximum(a, b)


@functools.cache
def _model_grad(model: Model, relu_prime_at_zero: int) -> Callable:
    """The jitted gradient of ``model``'s cost with respect to its parameters and taps.

    jit caches one compilation per shape (and per x64 setting), so repeated cases are cheap.
    """
    xp = _Numpy(relu_prime_at_zero)

    def cost(params, taps, inputs):
        return model.cost(inputs, params, xp=xp, taps=taps)

    return jax.jit(jax.grad(cost, argnums=(0, 1)))


def _float64(arrays: Mapping[str, Any]) -> dict[str, Any]:
    return {k: jnp.asarray(np.asarray(v, dtype=np.float64)) for k, v in arrays.items()}


def model_gradients(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any], *,
                    relu_prime_at_zero: int = 0) -> tuple[dict, dict]:
    """``jax.grad`` of a built-in model's cost in float64, and of the cost with respect to its taps.

    Args:
        model: a built-in reference model.
        inputs: its inputs by name (``X``, ``y``; ``X``, ``Y``; ...).
        params: its parameters by name.
        relu_prime_at_zero: the derivative taken for relu at exactly 0: 0 (as the models'
            backward pass) or 1.

    Returns:
        ``(grads, intermediate_grads)``: numpy float64 arrays by parameter name, and by tap
        name (``delta3``, ``delta2``; ``dZ2``, ``dA1``, ...) multiplied by the model's
        ``tap_scale`` (m for the Coursera net, whose dA and dZ are derivatives of m·J).

    Example:
        >>> grads, inter = model_gradients(case.model, case.inputs, case.params)
    """
    dims = model.dims(inputs, params)
    shapes = model.shapes(dims)
    with jax.enable_x64(True):
        taps = {k: jnp.zeros(shapes[k], dtype=jnp.float64) for k in model.tap_names(dims)}
        g_params, g_taps = _model_grad(model, int(bool(relu_prime_at_zero)))(_float64(params), taps, _float64(inputs))
        grads = {k: np.asarray(g_params[k], dtype=np.float64) for k in params}
        scale = model.tap_scale(inputs)
        inter = {k: np.asarray(v, dtype=np.float64) * scale for k, v in g_taps.items()}
    return grads, inter


class NotTraceable(Exception):
    """The cost could not be differentiated by JAX (it calls numpy on its arguments, ...)."""


def cost_gradient(cost: Callable[[dict], Any], params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``jax.grad`` of a user's ``cost(params_dict) -> scalar``, in float64.

    Raises:
        NotTraceable: when JAX cannot trace the cost; the message says why.
    """
    with jax.enable_x64(True):
        try:
            grads = jax.grad(lambda p: jnp.reshape(cost(p), ()))(_float64(params))
        except Exception as exc:  # any failure to trace means "no JAX oracle", not a user error
            raise NotTraceable(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
        return {k: np.asarray(grads[k], dtype=np.float64) for k in params}
