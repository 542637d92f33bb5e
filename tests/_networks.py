"""Random networks of every model, drawn with a seeded RNG, and float32 versions of correct backprop.

The float32 gradients are what a student's float32 implementation computes: the model's
formulas evaluated with float32 arrays throughout.
"""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.course import sigmoid, sigmoid_prime

MODELS = ("welch", "welch_reg", "deep", "chain", "chain2", "scalar_net")


def _distinct(rng: np.random.Generator, k: int, low: int = 1, high: int = 7) -> list[int]:
    return [int(v) for v in rng.choice(np.arange(low, high), size=k, replace=False)]


def random_case(model: str, rng: np.random.Generator) -> gradcheck.Case:
    """A network of ``model`` with distinct dimensions, asymmetric weights and sensible data."""
    if model in ("welch", "welch_reg"):
        m, n_in, hid = _distinct(rng, 3)
        out = int(rng.integers(1, 4))
        inputs = {"X": rng.uniform(0, 1, (m, n_in)), "y": rng.uniform(0, 1, (m, out))}
        if model == "welch_reg":
            inputs["Lambda"] = float(rng.uniform(0, 1e-2))
        params = {"W1": rng.normal(0, 1, (n_in, hid)), "W2": rng.normal(0, 1, (hid, out))}
    elif model == "deep":
        L = int(rng.integers(2, 4))
        sizes = _distinct(rng, L + 1, 1, 8)
        sizes[-1] = 1
        m = int(rng.integers(2, 8))
        inputs = {"X": rng.normal(0, 1, (sizes[0], m)), "Y": rng.integers(0, 2, (1, m)).astype(float)}
        params = {}
        for l in range(1, L + 1):
            params[f"W{l}"] = rng.normal(0, 1, (sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
            params[f"b{l}"] = rng.normal(0, 0.1, (sizes[l], 1))
    elif model == "chain":
        inputs = {"a0": rng.uniform(-5, 5), "target": rng.uniform(-50, 50)}
        params = {"w": rng.uniform(-20, 20)}
    elif model == "chain2":
        inputs = {"a0": rng.uniform(-5, 5), "target": rng.uniform(-50, 50)}
        params = {"w1": rng.uniform(-3, 3), "w2": rng.uniform(-3, 3)}
    else:
        inputs = {"x": rng.uniform(-2, 2), "d": rng.uniform(0, 1)}
        params = {"w1": rng.uniform(-2, 2), "w2": rng.uniform(-2, 2)}
    return gradcheck.make_case(model, inputs, params, name=f"random-{model}")


def backward32(case: gradcheck.Case, dtype=np.float32) -> dict[str, np.ndarray]:
    """The model's backward pass computed in ``dtype`` throughout, as students write it.

    The formulas differ from the reference's where students' usually do: the notes'
    f'(z) = e^(-z)/(1 + e^(-z))², the course's dZ[L] through dA[L] and σ(Z)(1 − σ(Z)).
    """
    f32 = dtype
    i = {k: np.asarray(v, dtype=f32) for k, v in case.inputs.items()}
    p = {k: np.asarray(v, dtype=f32) for k, v in case.params.items()}
    name = case.model.name
    if name in ("welch", "welch_reg"):
        s = f32(1.0 / i["X"].shape[0]) if name == "welch_reg" else f32(1.0)
        z2 = i["X"] @ p["W1"]
        a2 = sigmoid(z2)
        z3 = a2 @ p["W2"]
        delta3 = -(i["y"] - sigmoid(z3)) * sigmoid_prime(z3) * s
        delta2 = (delta3 @ p["W2"].T) * sigmoid_prime(z2)
        grads = {"W1": i["X"].T @ delta2, "W2": a2.T @ delta3}
        if name == "welch_reg":
            grads = {k: v + i["Lambda"] * p[k] for k, v in grads.items()}
        return grads
    if name == "deep":
        L = len(p) // 2
        m = i["X"].shape[1]
        A, cache = i["X"], []
        for l in range(1, L + 1):
            Z = p[f"W{l}"] @ A + p[f"b{l}"]
            cache.append((A, Z))
            A = sigmoid(Z) if l == L else np.maximum(Z, f32(0))
        dA = -(i["Y"] / A - (f32(1) - i["Y"]) / (f32(1) - A))
        grads = {}
        for l in range(L, 0, -1):
            A_prev, Z = cache[l - 1]
            if l < L:
                dZ = np.array(dA, copy=True)
                dZ[Z <= 0] = 0
            else:
                s = f32(1) / (f32(1) + np.exp(-Z))
                dZ = dA * s * (f32(1) - s)
            grads[f"W{l}"] = dZ @ A_prev.T / f32(m)
            grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / f32(m)
            dA = p[f"W{l}"].T @ dZ
        return grads
    if name == "chain":
        return {"w": i["a0"] * f32(2) * (i["a0"] * p["w"] - i["target"])}
    if name == "chain2":
        a1 = i["a0"] * p["w1"]
        da2 = f32(2) * (a1 * p["w2"] - i["target"])
        return {"w1": i["a0"] * p["w2"] * da2, "w2": a1 * da2}
    y = sigmoid(p["w1"] * i["x"])
    p2 = p["w2"] * y
    dp2 = (sigmoid(p2) - i["d"]) * sigmoid_prime(p2)
    return {"w1": dp2 * p["w2"] * sigmoid_prime(p["w1"] * i["x"]) * i["x"], "w2": dp2 * y}
