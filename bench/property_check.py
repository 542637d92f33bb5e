"""Time the property check (the plugin's ``[hypothesis]`` item) on a notes-style submission.

    python bench/property_check.py [N ...]      # default: 50 100 500 examples

Prints the median of 5 runs for each N, on a correct submission (every example runs) and on one
hard-wired to 3 hidden units (fails, shrinks, probes the sizes it accepts). Seeds are fixed.
Where the JAX oracle (``gradcheck._jax``) is installed, the correct submission is also timed with
JAX's gradients as the reference of every drawn case (one compilation per new shape).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from gradcheck.strategies import run_property_check


class Neural_Network:
    """The notes' class as the lesson writes it."""

    def __init__(self):
        self.inputLayerSize, self.outputLayerSize, self.hiddenLayerSize = 2, 1, 3
        self.W1 = np.random.randn(self.inputLayerSize, self.hiddenLayerSize)
        self.W2 = np.random.randn(self.hiddenLayerSize, self.outputLayerSize)

    def forward(self, X):
        self.z2 = np.dot(X, self.W1)
        self.a2 = self.sigmoid(self.z2)
        self.z3 = np.dot(self.a2, self.W2)
        return self.sigmoid(self.z3)

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def sigmoidPrime(self, z):
        return np.exp(-z) / ((1 + np.exp(-z)) ** 2)

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = np.dot(self.a2.T, delta3)
        delta2 = np.dot(delta3, self.W2.T) * self.sigmoidPrime(self.z2)
        dJdW1 = np.dot(X.T, delta2)
        return dJdW1, dJdW2


class HardWired(Neural_Network):
    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        delta2 = np.dot(delta3, self.W2.reshape(1, 3)) * self.sigmoidPrime(self.z2)
        return np.dot(X.T, delta2), np.dot(self.a2.T, delta3)


def adapter(cls):
    def compute(case):
        net = cls()
        net.W1, net.W2 = case.W1, case.W2
        dJdW1, dJdW2 = net.costFunctionPrime(case.X, case.y)
        return {"W1": dJdW1, "W2": dJdW2}

    return compute


def jax_reference():
    try:
        from gradcheck import _jax
    except ImportError:
        return None
    return lambda case: _jax.model_gradients(case.model, case.inputs, case.params)[0]


def main(sizes: list[int]) -> None:
    run_property_check(adapter(Neural_Network), "welch", max_examples=10, seed=0)  # warm imports
    runs = [("Neural_Network", Neural_Network, None), ("HardWired", HardWired, None)]
    reference = jax_reference()
    if reference is not None:
        run_property_check(adapter(Neural_Network), "welch", max_examples=5, seed=0, reference=reference)
        runs.append(("Neural_Network, jax reference", Neural_Network, reference))
    for label, cls, ref in runs:
        for n in sizes:
            times = []
            for rep in range(5):
                t = time.perf_counter()
                outcome = run_property_check(adapter(cls), "welch", max_examples=n, seed=rep, reference=ref)
                times.append(time.perf_counter() - t)
            verdict = "ok" if outcome.ok else ("hard-wired" if outcome.hard_wired else "fails")
            print(f"{label:30s} {n:4d} examples: median {statistics.median(times):6.3f} s "
                  f"(min {min(times):.3f}, max {max(times):.3f}); verdict {verdict}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 100, 500])
