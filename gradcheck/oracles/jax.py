"""The JAX oracle: reverse-mode gradients in float64. The only module that imports jax.

Every function here turns on 64-bit floats only for its own duration (``jax.enable_x64``),
so the user's global ``jax_enable_x64`` setting is left as it was.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..cache import cache_root
from ..course import Model

if not hasattr(jax, "enable_x64"):  # the context manager is public from JAX 0.8 on
    raise ImportError(f"jax {jax.__version__} is too old: the jax oracle needs jax>=0.8 (jax.enable_x64)")

__all__ = ["cost_gradient", "model_gradients", "prepare", "roundoff_spread"]


def _use_persistent_cache() -> None:
    """JAX's own persistent compilation cache, so that a second run loads what the first compiled.

    Left alone when the user has configured a cache (``JAX_COMPILATION_CACHE_DIR`` or
    ``jax.config``), or set ``GRADCHECK_JAX_CACHE=0``. The models' gradients compile in about
    0.2 s each, under JAX's default threshold for caching (1 s), so the threshold is lowered for
    this process.
    """
    if os.environ.get("GRADCHECK_JAX_CACHE", "1") == "0" or jax.config.jax_compilation_cache_dir:
        return
    try:
        directory = cache_root() / "jax"
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: compile every run
        return
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


_use_persistent_cache()


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
    """The jitted gradient of ``model``'s cost with respect to its parameters and taps."""
    xp = _Numpy(relu_prime_at_zero)

    def cost(params, taps, inputs):
        return model.cost(inputs, params, xp=xp, taps=taps)

    return jax.jit(jax.grad(cost, argnums=(0, 1)))


# One compilation per model, relu convention and shapes, shared between threads: a compilation
# prepared in the background (:func:`prepare`) is waited for, never repeated.
_compiled: dict[tuple, Future] = {}
#: The models' gradients are small graphs run a few times: XLA's LLVM optimisations cost more time than
#: they save (0.25 s against 0.16 s a compilation here); the arithmetic is the same IEEE operations.
_COMPILER_OPTIONS = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
_compiled_lock = threading.Lock()


def _signature(*trees: Mapping[str, Any]) -> tuple:
    return tuple(tuple(sorted((k, np.shape(v)) for k, v in tree.items())) for tree in trees)


def _executable(model: Model, relu_prime_at_zero: int, params, taps, inputs) -> Callable:
    """The compiled gradient for these shapes (x64 must be on), compiling it here unless another
    thread already is."""
    key = (model, relu_prime_at_zero, _signature(params, taps, inputs))
    with _compiled_lock:
        future = _compiled.get(key)
        mine = future is None
        if mine:
            future = _compiled[key] = Future()
    if mine:
        try:
            future.set_result(_model_grad(model, relu_prime_at_zero).lower(params, taps, inputs).compile(_COMPILER_OPTIONS))
        except BaseException as exc:
            future.set_exception(exc)
    return future.result()


def _float64(arrays: Mapping[str, Any]) -> dict[str, Any]:
    return {k: jnp.asarray(np.asarray(v, dtype=np.float64)) for k, v in arrays.items()}


def _evaluate(model: Model, inputs, params, taps: Mapping[str, Any] | None, relu_prime_at_zero: int) -> tuple[dict, dict]:
    """The compiled gradients at ``params`` and at the given tap values (zeros when ``taps`` is None)."""
    dims = model.dims(inputs, params)
    shapes = model.shapes(dims)
    relu = int(bool(relu_prime_at_zero))
    with jax.enable_x64(True):
        # Host arrays moved to the device (jnp.zeros would compile a broadcast for every shape).
        tap_values = {k: jnp.asarray(np.zeros(shapes[k]) if taps is None else
                                     np.broadcast_to(np.asarray(taps[k], dtype=np.float64), shapes[k]))
                      for k in model.tap_names(dims)}
        args = (_float64(params), tap_values, _float64(inputs))
        g_params, g_taps = _executable(model, relu, *args)(*args)
        grads = {k: np.asarray(g_params[k], dtype=np.float64) for k in params}
        scale = model.tap_scale(inputs)
        inter = {k: np.asarray(v, dtype=np.float64) * scale for k, v in g_taps.items()}
    return grads, inter


def prepare(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any]) -> None:
    """Compile ``model``'s gradient for these shapes now (in a background thread, while the judge
    does other work), so that :func:`model_gradients` and :func:`roundoff_spread` find it ready.
    A failure here is left for the judgement itself to meet and report."""
    try:
        dims = model.dims(inputs, params)
        shapes = model.shapes(dims)
        with jax.enable_x64(True):
            taps = {k: jnp.asarray(np.zeros(shapes[k])) for k in model.tap_names(dims)}
            _executable(model, 0, _float64(params), taps, _float64(inputs))
    except Exception:  # the judgement compiles again and reports what goes wrong
        with _compiled_lock:
            for key in [k for k, f in _compiled.items() if f.done() and f.exception() is not None]:
                del _compiled[key]


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
    return _evaluate(model, inputs, params, None, relu_prime_at_zero)


def _crosses_a_kink(model: Model, inputs, params, taps, watch: tuple[str, ...], base: Mapping[str, Any]) -> bool:
    """Whether moving the intermediates by ``taps`` changes a relu's branch (the numpy forward pass says).

    A pre-activation at exactly 0 that moves, or one that changes sign: the gradient there jumps
    between relu'(0) = 0 and 1, which is not round-off.
    """
    moved = model.forward(inputs, params, taps=taps)
    for name in watch:
        z0, z1 = np.asarray(base[name]), np.asarray(moved[name])
        if np.any((z0 > 0) != (z1 > 0)) or np.any((z0 == 0) & (z1 != 0)):
            return True
    return False


def roundoff_spread(model: Model, inputs: Mapping[str, Any], params: Mapping[str, Any], *, ulps: float,
                    patterns: int, seed: int = 0) -> tuple[dict, dict, dict, dict, int]:
    """JAX's gradients and how far they move when every intermediate is moved by ``ulps`` ulps.

    A float64 evaluation of the gradient is exact arithmetic on intermediates that each carry a
    rounding error of about an ulp (backward stability of each operation). So the gradient's
    round-off is measured by evaluating it again, by the same compiled function, with each tap
    point (``z2``, ``z3``; ``A0`` = X, ``Z1``, ``A1``, ...) moved by ``ulps`` of its own value
    in a seeded random ± pattern: the per-element spread |g − g̃| is the condition of the
    gradient with respect to those roundings times their size, and it includes the difference
    between the two evaluations' own roundings. The tap values have the zeros' shapes, so
    nothing is compiled again. Exact zeros are not moved (an exact 0 is computed exactly), and
    a pattern that would move a relu pre-activation across (or off) its kink is dropped: there
    the gradient jumps, which is not round-off.

    Returns:
        ``(grads, intermediate_grads, grad_spread, intermediate_spread, used)``: the gradients
        at the unmoved point (as :func:`model_gradients`), the largest spread over the patterns
        used, per element, and how many patterns were used (0: every one crossed a kink).
    """
    inputs = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    grads, inter = _evaluate(model, inputs, params, None, 0)
    g_spread = {k: np.zeros_like(v) for k, v in grads.items()}
    i_spread = {k: np.zeros_like(v) for k, v in inter.items()}
    points = model.tap_points(inputs, params)
    watch = model.relu_preactivations(model.dims(inputs, params))
    base = model.forward(inputs, params) if watch else {}
    rng = np.random.default_rng(seed)
    used = 0
    for _ in range(patterns):
        taps = {}
        for k, v in points.items():
            v = np.asarray(v, dtype=np.float64)
            signs = rng.choice((-1.0, 1.0), size=v.shape)
            taps[k] = np.where(v == 0, 0.0, ulps * np.spacing(np.abs(v)) * signs)
        if watch and _crosses_a_kink(model, inputs, params, taps, watch, base):
            continue
        moved, moved_inter = _evaluate(model, inputs, params, taps, 0)
        used += 1
        for k in g_spread:
            g_spread[k] = np.maximum(g_spread[k], np.abs(moved[k] - grads[k]))
        for k in i_spread:
            i_spread[k] = np.maximum(i_spread[k], np.abs(moved_inter[k] - inter[k]))
    return grads, inter, g_spread, i_spread, used


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
