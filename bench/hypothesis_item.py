"""Time the plugin's ``[hypothesis]`` item on the notes-style example submissions.

    python bench/hypothesis_item.py [N ...]      # default: 50 100 examples

Runs what the item runs (:func:`gradcheck.students.drawn.check_drawn`, seed 0, through the plugin's
adapter for the notes' class) on a correct submission and on the two wrong examples of issue 6,
and prints the median of 5 runs for each N, with and without JAX confirming a failure. Hypothesis
and JAX are imported (and JAX has compiled) before the clock starts: the first item of a session
pays about 0.8 s more for importing Hypothesis, and about 1 s more where JAX confirms a failure.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

from gradcheck.students.drawn import check_drawn
from gradcheck.students.recognise import recognise

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SUBMISSIONS = {
    "correct notes class": "correct/neural_network.py",
    "hard-wired to 3 hidden units": "wrong/hard_wired_three_hidden.py",
    "transposes a square W1": "wrong/transposes_square_w1.py",
}


def implementation(example: str):
    spec = importlib.util.spec_from_file_location(f"_bench_{Path(example).stem}", EXAMPLES / example)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return recognise(module)[0]


def main(sizes: list[int]) -> None:
    for label, example in SUBMISSIONS.items():
        impl = implementation(example)
        for use_jax in (False, True):
            check_drawn(impl, examples=sizes[0], seed=0, use_jax=use_jax)  # warm: imports, JAX compilation
            for n in sizes:
                times = []
                for _ in range(5):
                    start = time.perf_counter()
                    result = check_drawn(impl, examples=n, seed=0, use_jax=use_jax)
                    times.append(time.perf_counter() - start)
                verdict = "passes" if result.ok else "fails"
                print(f"{label:30s} {'fd+jax' if use_jax else 'fd':6s} {n:4d} examples: median "
                      f"{statistics.median(times):6.3f} s (min {min(times):.3f}), {verdict}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 100])
