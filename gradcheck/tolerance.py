"""The tolerance table: every factor a verdict depends on, in one place, each with its reason.

A gradient element is wrong for an oracle when |yours − r| > SAFETY · (e + floor), e the oracle's
own error estimate and floor = ULPS[dtype] · ε(dtype) · the gradient's magnitude (see
:mod:`gradcheck.judge`). The other entries are the same idea where a check has no oracle error
bar of its own; none of them is an rtol picked to make tests pass.

Imports: nothing.
"""

from __future__ import annotations

#: Factor on the oracles' error estimates: the estimates are measured (Richardson's change, the
#: cost's noise), so they are right to within a small factor, not a bound; 10 covers that.
SAFETY = 10.0
#: The user's own round-off, in ulps of the gradient's magnitude: a float64 gradient is a sum of
#: a few terms (16 ulps); float32 and float16 code accumulates in its own precision, and a
#: float32 gradient is also shifted by the data's rounding, which the judge adds per element.
ULPS = {"float64": 16.0, "float32": 256.0, "float16": 256.0}
#: The least floor used inside the black-box differences (float64 code): ULPS["float64"].
FLOOR_ULPS = ULPS["float64"]
#: Ulps of the cost's magnitude: the least round-off assumed for one cost evaluation.
COST_ULPS = 2.0
#: Ulps of the changed terms' magnitude assumed for the round-off of one structured difference.
STRUCTURED_ULPS = 4.0
#: The ``[hypothesis]`` item's factor on its per-element round-off bound (8·n·ε·|terms|): correct
#: implementations in several styles, float64 and float32, used at most 0.13/8 of it over 2100
#: drawn cases (tests/test_strategies.py pins "under a quarter").
HYPOTHESIS_SAFETY = 8.0
#: A drawn failure is shrunk only to networks where it still shows to 6 significant digits (when the
#: first failure did): the report prints 10, and a mistake visible only in the 14th digit of a
#: near-zero network is true but teaches nothing.
VISIBLE_RTOL = 1e-6
#: The diagnosis matches a catalog entry within this relative distance (of the array's largest
#: entry): entries differ from the truth and each other by O(1) on the asymmetric cases, so
#: anything between round-off (1e-12) and 1e-2 separates them; 1e-6, or 1e-3 for float32 answers.
MATCH_RTOL = {"float64": 1e-6, "float32": 1e-3}
#: An interface method's value (a cost, getParams) must equal the reference to this relative
#: accuracy: both are the same few float64 operations, so 1e-9 leaves 10⁷ ulps of room.
INTERFACE_RTOL = 1e-9
#: The same for a value the code computed in lower precision: the data rounded to float32
#: (½ ulp each) and a few float32 operations put a cost or yHat some 10 ulps (ε = 1.2e-7) off
#: the float64 reference; 1e-4 leaves 10³ ulps, while the catalog's mistakes are off by O(1).
INTERFACE_RTOL_LOW = {"float32": 1e-4, "float16": 1e-2}
#: A building block's output (dW, db, dA_prev of one layer) against the reference pass: one layer's
#: products in float64 agree to ~1e-15; 1e-7 also admits float32 blocks (ε = 1.2e-7).
BLOCK_RTOL = 1e-7
#: The JAX oracle's round-off estimate (:func:`_jax_references`). Each intermediate of a float64
#: forward pass carries a few roundings of ½ ulp (z2 = X·W1 alone is a product and a sum), so JAX's
#: gradient is evaluated again with every intermediate moved by 2 ulps; the spread scales with
#: that size. On the bundled cases JAX's actual error against the exact values is at most 0.44 of
#: the estimate for the gradients and 1.04 of it for the intermediates (tests/test_independence.py
#: holds it to 2x, as test_oracles.py the fd estimate); SAFETY covers the estimate's own uncertainty.
JAX_MOVE_ULPS = 2.0
#: One ± pattern moves an element by a signed sum of terms that can cancel by chance; the larger
#: spread of two patterns makes that unlikely (each costs one call of the compiled gradient).
JAX_PATTERNS = 2
#: Where both evaluations round alike the spread is 0, yet each element is still the rounded
#: result of its last product and sum (½ ulp each, so 1 ulp) in each of the two evaluations:
#: 2 ulps of the array's largest element (a small element carries its larger terms' round-off).
JAX_FLOOR_ULPS = 2.0
