"""The smallest single-element relative error each oracle flags, on the worked examples.

For every element whose true value is not ~0, the correct gradient's element is multiplied by
(1 + 10^-k) for k = 2, 2.5, ..., 12; the smallest factor flagged on *every* element (and the
median over elements) is printed per case and oracle. Run: python bench/oracle_sensitivity.py
"""

from __future__ import annotations

import numpy as np

import gradcheck

FACTORS = [10.0 ** -k for k in np.arange(2.0, 12.5, 0.5)]


def smallest_flagged(case, oracle: str, k: str, index) -> float:
    grads = case.expected["grads"]
    smallest = float("inf")
    for factor in FACTORS:
        wrong = {key: np.array(v) for key, v in grads.items()}
        wrong[k][index] *= 1 + factor
        if gradcheck.check_gradients(wrong, case, oracles=(oracle,)).wrong != [k]:
            break
        smallest = factor
    return smallest


def main() -> None:
    print(f"{'case':28} {'oracle':6} {'every element':>14} {'median':>10}")
    for name in gradcheck.case_names():
        case = gradcheck.load_case(name)
        grads = case.expected["grads"]
        scale = max(np.max(np.abs(v)) for v in grads.values())
        for oracle in ("fd", "scipy", "jax"):
            found = [smallest_flagged(case, oracle, k, index) for k, g in grads.items()
                     for index in np.ndindex(g.shape) if abs(g[index]) > 1e-12 * scale]
            print(f"{name:28} {oracle:6} {max(found):14.1e} {float(np.median(found)):10.1e}")


if __name__ == "__main__":
    main()
