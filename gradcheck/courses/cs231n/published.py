"""Worked examples from CS231n's own published checks: deterministic inputs and the printed outputs.

The assignments' notebooks (assignment 2's ``FullyConnectedNets.ipynb`` and
``ConvolutionalNetworks.ipynb``, the same cells in the many public copies of the assignment) test a forward pass on inputs built with ``np.linspace`` and compare it with a
printed ``correct_out`` through ``rel_error`` (max |a - b| / max(1e-8, |a| + |b|)), saying what error to
expect. Only those checks are recorded here: their inputs are exact to rebuild, where the gradient
checks draw ``np.random.randn`` under a seed. The numbers are the notebooks' as printed (8 decimals,
so each value holds to 5e-9); ``tests/test_cs231n.py`` recomputes every one independently.

Each example: ``inputs`` as ``(start, stop, shape)`` linspace specs (``np.linspace(start, stop,
prod(shape)).reshape(shape)``), the ``param`` dict passed as is, the printed ``correct_out``, the
error the notebook expects, and where it comes from.

Imports: numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_A2 = "CS231n assignment 2"

#: forward name -> the published check.
WORKED: dict[str, dict[str, Any]] = {
    "affine_forward": {
        "inputs": {"x": (-0.1, 0.5, (2, 4, 5, 6)), "w": (-0.2, 0.3, (120, 3)), "b": (-0.3, 0.1, (3,))},
        "param": None,
        "correct_out": [[1.49834967, 1.70660132, 1.91485297],
                        [3.25553199, 3.5141327, 3.77273342]],
        "expected_error": "around 1e-9 (printed: 9.7698500479884e-10)",
        "source": f"{_A2}, FullyConnectedNets.ipynb, 'Test the affine_forward function' (num_inputs = 2, "
                  "input_shape = (4, 5, 6), output_dim = 3)",
    },
    "relu_forward": {
        "inputs": {"x": (-0.5, 0.5, (3, 4))},
        "param": None,
        "correct_out": [[0.0, 0.0, 0.0, 0.0],
                        [0.0, 0.0, 0.04545455, 0.13636364],
                        [0.22727273, 0.31818182, 0.40909091, 0.5]],
        "expected_error": "around 5e-8 (printed: 4.99999979802e-08; the 8 printed decimals of 0.0454545...)",
        "source": f"{_A2}, FullyConnectedNets.ipynb, 'Test the relu_forward function'",
    },
    "conv_forward_naive": {
        "inputs": {"x": (-0.1, 0.5, (2, 3, 4, 4)), "w": (-0.2, 0.3, (3, 3, 4, 4)), "b": (-0.1, 0.2, (3,))},
        "param": {"conv_param": {"stride": 2, "pad": 1}},
        "correct_out": [[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                         [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                         [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                        [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                         [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                         [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]],
        "expected_error": "around 2e-8",
        "source": f"{_A2}, ConvolutionalNetworks.ipynb, 'Convolution: Naive forward pass' (stride 2, pad 1)",
    },
}
#: Half a unit in the 8th decimal: how far a printed value may be from the exact one.
PRINTED_ABS = 5e-9


def inputs(forward: str) -> dict[str, Any]:
    """The published check's arguments for ``forward``, by name, in the forward's order."""
    worked = WORKED[forward]
    out: dict[str, Any] = {k: np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)
                           for k, (lo, hi, shape) in worked["inputs"].items()}
    out.update({k: dict(v) for k, v in (worked["param"] or {}).items()})
    return out


def rel_error(a, b) -> float:
    """The notebooks' relative error: max |a - b| / max(1e-8, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


#: The losses' published checks: seeded scores near 0, where svm_loss -> C - 1 and softmax_loss -> log C.
LOSS_CHECKS: dict[str, dict[str, Any]] = {
    "svm_loss": {"expected": 9.0, "printed": "Loss should be around 9", "exact_limit": "C - 1 = 9 as x -> 0"},
    "softmax_loss": {"expected": 2.3, "printed": "Loss should be close to 2.3", "exact_limit": "log C = 2.302585 as x -> 0"},
}
LOSS_SOURCE = (f"{_A2}, FullyConnectedNets.ipynb, 'Test svm_loss and softmax_loss': np.random.seed(231); "
               "num_classes, num_inputs = 10, 50; x = 0.001 * np.random.randn(num_inputs, num_classes); "
               "y = np.random.randint(num_classes, size=num_inputs)")


def loss_inputs() -> dict[str, np.ndarray]:
    """The losses' published inputs, rebuilt from numpy's legacy seed 231 as the notebook draws them."""
    rng = np.random.RandomState(231)
    x = 0.001 * rng.randn(50, 10)
    return {"x": x, "y": rng.randint(10, size=50)}
