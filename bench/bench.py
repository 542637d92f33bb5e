"""Benchmark: full and fast gradient checks against the peers, on one float64 MLP cost.

Usage (torch is a benchmark-only dependency: ``pip install torch==2.13.0``, exact pin)::

    python bench/bench.py            # N ~ 1e2, 1e3, 1e4, 1e5 (several minutes)
    python bench/bench.py --quick    # N ~ 1e2, 1e3
    python bench/bench.py --sizes 100,1000 --out bench/RESULTS.md
    python bench/bench.py --seeds 0 --large 0   # the table only

The table's first rows are ``check_function`` as users get it (default options: central differences and
scipy, jax where the cost traces) on the ordinary cost written for one parameter set per call, then on
the cost written to broadcast, then ``oracles=("fd",)`` on each; every cell's ratio is to 2N sequential
calls of the cost (the black-box floor), and the ratio table adds torch's full gradcheck (issue 17's P2).
P7 runs a CS231n TwoLayerNet at its default sizes (N = 308,310) through ``check_function(mode="auto")``
and compares its wall time with the budget (``--p7-budget``).

Besides the table it times fast mode at N ~ 1e6 (``--large``), measures fast mode's detection
rate against torch's fast_mode on the same planted errors over ``--seeds`` seeds at N ~
``--detect-n``. The start-up targets (``pytest --gradcheck`` as a whole) are ``bench/startup.py``'s.

The cost is the notes' network (``welch``): 64 examples, one output, as many inputs as hidden
units (k), so N = k² + k parameters. This shape reproduces the issue's reference times for 2N
forward passes (1.8 ms / 27 ms / 0.79 s / 37.5 s at N = 10² to 10⁵): a fixed 10 inputs with a wide
hidden layer made each pass 2-20x dearer than the issue's (a forward pass at N = 10⁶ then computes
5.8 million sigmoids) and is not the network the targets were set on. Every method checks the same
function at the same point with the same analytic gradient, and all times come from
one run on one machine. Each cell is the median of up to ``--repeat`` runs (one run
for anything slower than ``--max-seconds``); JAX and torch are warmed up first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

# One BLAS thread: on two shared cores a threaded BLAS spinning against other work made a forward
# pass up to 50x slower at random; every method calls the same cost, so the ratios are unchanged.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

M_EXAMPLES = 64
#: The clock of the table's cells: CPU seconds of this process (all its threads) by default, since on a
#: machine shared with other work wall time mostly measures the others; ``--clock wall`` for wall time.
CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
clock = time.process_time
#: (method, N) where a peer failed a right gradient.
FALSE_ALARMS: set[tuple[str, int]] = set()
#: Our black-box full check as users get it (default oracles: fd and scipy; jax where the cost traces),
#: on the ordinary cost written for one parameter set per call and on the cost written to broadcast;
#: then central differences alone (``oracles=("fd",)``) on each.
DEFAULTS_ONE = "gradcheck check_function (defaults, one set per call)"
DEFAULTS = "gradcheck check_function (defaults, cost broadcasts)"
OURS_ONE = "gradcheck check_function (fd, one set per call)"
OURS = "gradcheck check_function (fd, cost broadcasts)"
FLOOR = "2N sequential forward passes"
TORCH = "torch gradcheck (full)"


def network(n_params: int, seed: int = 0):
    """X, y, W1, W2 of the network with k inputs and k hidden units, k² + k closest to ``n_params``."""
    hidden = n_in = max(1, round((np.sqrt(1 + 4 * n_params) - 1) / 2))
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (M_EXAMPLES, n_in))
    y = rng.uniform(0.2, 0.8, (M_EXAMPLES, 1))
    W1 = rng.normal(0, 1 / np.sqrt(n_in), (n_in, hidden))
    W2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1))
    return X, y, W1, W2


# ---------------------------------------------------------------- the cost in each framework


def np_cost_batched(X, y, W1, W2):
    """The cost, written to broadcast: W1 (K, k, k) and W2 (K, k, 1) give K costs."""
    a2 = 1 / (1 + np.exp(-(X @ W1)))
    yhat = 1 / (1 + np.exp(-(a2 @ W2)))
    return 0.5 * np.sum((y - yhat) ** 2, axis=(-2, -1))


def np_cost(X, y, W1, W2):
    """The same cost for one parameter set only: a batch of them raises."""
    return float(np_cost_batched(X, y, W1, W2))


def np_grad(X, y, W1, W2):
    z2 = X @ W1
    a2 = 1 / (1 + np.exp(-z2))
    yhat = 1 / (1 + np.exp(-(a2 @ W2)))
    d3 = -(y - yhat) * yhat * (1 - yhat)
    d2 = (d3 @ W2.T) * a2 * (1 - a2)
    return X.T @ d2, a2.T @ d3


# ---------------------------------------------------------------- the methods


def plain_loop(X, y, W1, W2, h=1e-6):
    """Central differences, one element at a time, perturbing in place."""
    out = []
    for W in (W1, W2):
        g = np.empty_like(W)
        flat, gflat = W.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            fp = np_cost(X, y, W1, W2)
            flat[i] = old - h
            fm = np_cost(X, y, W1, W2)
            flat[i] = old
            gflat[i] = (fp - fm) / (2 * h)
        out.append(g)
    return out


def _pairs_of_passes(X, y, W1, W2, elements):
    """Two cost evaluations per (flat array, index) in ``elements``, the element moved ±1e-6 in place."""
    for flat, i in elements:
        old = flat[i]
        flat[i] = old + 1e-6
        np_cost(X, y, W1, W2)
        flat[i] = old - 1e-6
        np_cost(X, y, W1, W2)
        flat[i] = old


def forward_2n(X, y, W1, W2):
    """The floor for any black-box central difference: 2N cost evaluations in sequence."""
    _pairs_of_passes(X, y, W1, W2, ((W.reshape(-1), i) for W in (W1, W2) for i in range(W.size)))


def forward_2n_sampled(X, y, W1, W2, elements: int = 2000):
    """2N forward passes estimated: the first ``elements`` elements' passes timed, scaled to all N."""
    count = min(elements, W1.size)
    t0 = clock()
    _pairs_of_passes(X, y, W1, W2, ((W1.reshape(-1), i) for i in range(count)))
    return (clock() - t0) * (W1.size + W2.size) / count


def scipy_check(X, y, W1, W2, direction):
    from scipy.optimize import check_grad

    s1 = W1.size

    def f(theta):
        return np_cost(X, y, theta[:s1].reshape(W1.shape), theta[s1:].reshape(W2.shape))

    def g(theta):
        a, b = np_grad(X, y, theta[:s1].reshape(W1.shape), theta[s1:].reshape(W2.shape))
        return np.concatenate([a.ravel(), b.ravel()])

    theta = np.concatenate([W1.ravel(), W2.ravel()])
    return check_grad(f, g, theta, direction=direction, seed=0)


def torch_method(fast: bool):
    import torch

    def run(X, y, W1, W2):
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        w1 = torch.from_numpy(W1.copy()).requires_grad_()
        w2 = torch.from_numpy(W2.copy()).requires_grad_()

        def f(a, b):
            yhat = torch.sigmoid(torch.sigmoid(Xt @ a) @ b)
            return 0.5 * torch.sum((yt - yhat) ** 2)

        return torch.autograd.gradcheck(f, (w1, w2), fast_mode=fast)

    return run


def torch_fast_passes(X, y, W1, W2, grads, seed=0) -> bool:
    """torch.autograd.gradcheck(fast_mode=True) on the cost whose backward returns ``grads``."""
    import torch

    class Planted(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return torch.tensor(np_cost(X, y, a.detach().numpy(), b.detach().numpy()), dtype=torch.float64)

        @staticmethod
        def backward(ctx, out):
            a, b = (torch.from_numpy(np.asarray(g)) for g in (grads["W1"], grads["W2"]))
            return out * a, out * b

    torch.manual_seed(seed)
    w1 = torch.from_numpy(W1.copy()).requires_grad_()
    w2 = torch.from_numpy(W2.copy()).requires_grad_()
    # Once fast_mode has found a mismatch, torch re-runs the slow (2N-pass) check only to word its
    # error message: the verdict is already made, and at N = 10⁶ that re-run takes an hour. Skip it.
    module = sys.modules["torch.autograd.gradcheck"]  # the module; torch.autograd.gradcheck is the function
    wording = module._run_slow_mode_and_get_error
    module._run_slow_mode_and_get_error = lambda *a, **k: ""
    try:
        return bool(torch.autograd.gradcheck(Planted.apply, (w1, w2), fast_mode=True, raise_exception=False))
    finally:
        module._run_slow_mode_and_get_error = wording


def jax_method():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.test_util import check_grads

    def run(X, y, W1, W2):
        Xj, yj = jnp.asarray(X), jnp.asarray(y)

        def f(a, b):
            yhat = jax.nn.sigmoid(jax.nn.sigmoid(Xj @ a) @ b)
            return 0.5 * jnp.sum((yj - yhat) ** 2)

        try:
            check_grads(f, (jnp.asarray(W1), jnp.asarray(W2)), order=1, modes=["rev"])
        except AssertionError:  # its fixed tolerance rejected a right gradient: timed all the same, and marked
            FALSE_ALARMS.add(("jax check_grads (projection)", W1.size + W2.size))

    return run


def np_grads(X, y, W1, W2) -> dict:
    a, b = np_grad(X, y, W1, W2)
    return {"W1": a, "W2": b}


def _check_function(cost, X, y, W1, W2, **options):
    """gradcheck.check_function on ``cost`` with the analytic gradient: central differences only, or with
    ``defaults=True`` the default options (no ``oracles`` argument)."""
    import gradcheck

    if options.pop("defaults", False) is False:
        options.setdefault("oracles", ("fd",))
    report = gradcheck.check_function(cost, lambda p: np_grads(X, y, p["W1"], p["W2"]), {"W1": W1, "W2": W2},
                                      **options)
    assert report.ok, str(report)


def ours_defaults_one(X, y, W1, W2):
    """gradcheck.check_function with its default options on a cost written for one parameter set."""
    _check_function(lambda p: np_cost(X, y, p["W1"], p["W2"]), X, y, W1, W2, defaults=True)


def ours_defaults(X, y, W1, W2):
    """gradcheck.check_function with its default options on a cost that broadcasts."""
    _check_function(lambda p: np_cost_batched(X, y, p["W1"], p["W2"]), X, y, W1, W2, defaults=True)


def _check_model(X, y, W1, W2, grads=None, **options):
    """gradcheck.check_gradients on the built-in welch model, central differences only."""
    import gradcheck

    case = gradcheck.make_case("welch", {"X": X, "y": y}, {"W1": W1, "W2": W2}, name="bench")
    return gradcheck.check_gradients(np_grads(X, y, W1, W2) if grads is None else grads, case,
                                     oracles=("fd",), **options)


def ours_function(X, y, W1, W2):
    """gradcheck.check_function: the black-box full check of a cost that broadcasts (blocks of perturbations)."""
    _check_function(lambda p: np_cost_batched(X, y, p["W1"], p["W2"]), X, y, W1, W2)


def ours_function_one(X, y, W1, W2):
    """gradcheck.check_function on a cost written for one parameter set: one call per perturbation."""
    _check_function(lambda p: np_cost(X, y, p["W1"], p["W2"]), X, y, W1, W2)


def ours_model(X, y, W1, W2):
    """gradcheck.check_gradients on the built-in welch model, full."""
    report = _check_model(X, y, W1, W2)
    assert report.ok, str(report)


def ours_function_fast(X, y, W1, W2):
    """gradcheck.check_function in fast mode: random projections and sampled elements."""
    _check_function(lambda p: np_cost_batched(X, y, p["W1"], p["W2"]), X, y, W1, W2, mode="fast")


def ours_model_fast(X, y, W1, W2, grads=None, seed=0):
    """gradcheck.check_gradients on the built-in welch model in fast mode; returns whether it passed."""
    return _check_model(X, y, W1, W2, grads, mode="fast", seed=seed).ok


def methods(include_torch: bool) -> dict[str, Callable]:
    out: dict[str, Callable] = {
        DEFAULTS_ONE: ours_defaults_one,
        DEFAULTS: ours_defaults,
        OURS_ONE: ours_function_one,
        OURS: ours_function,
        "gradcheck built-in model (full)": ours_model,
        "gradcheck check_function (fast)": ours_function_fast,
        "gradcheck built-in model (fast)": ours_model_fast,
        "plain central-difference loop": plain_loop,
        FLOOR: forward_2n,
        "2N forward passes (2000 elements timed, scaled to N)": forward_2n_sampled,
        "scipy check_grad (all)": lambda *a: scipy_check(*a, "all"),
        "scipy check_grad (random)": lambda *a: scipy_check(*a, "random"),
        "jax check_grads (projection)": jax_method(),
    }
    if include_torch:
        out[TORCH] = torch_method(False)
        out["torch gradcheck (fast_mode)"] = torch_method(True)
    return out


# ---------------------------------------------------------------- timing and the table


#: Rows that call the cost 2N times or more: beyond ``--black-box-limit`` parameters they are not run
#: (minutes each on a shared 2-core machine) and the sampled 2N row stands in for the black-box limit,
#: except the rows of the P2 targets (``FLOOR_ROWS``), run up to ``--floor-limit``.
BLACK_BOX_ROWS = (DEFAULTS_ONE, DEFAULTS, OURS, OURS_ONE,
                  "plain central-difference loop", FLOOR,
                  "scipy check_grad (all)", TORCH)
FLOOR_ROWS = (OURS_ONE, FLOOR)  # P2 at N = 1e5: fd alone against the 2N floor
SAMPLED_ROW = "2N forward passes (2000 elements timed, scaled to N)"


def runs_at(name: str, n: int, limit: int, floor_limit: int = 0) -> bool:
    if name == SAMPLED_ROW:
        return n > max(limit, floor_limit)
    if name in FLOOR_ROWS:
        return n <= max(limit, floor_limit)
    return n <= limit or name not in BLACK_BOX_ROWS


def interleaved(table: dict[str, Callable], args, repeat: int, max_seconds: float) -> dict[str, float]:
    """The least time of each method over up to ``repeat`` rounds, the methods taking turns in each round."""
    times: dict[str, list[float]] = {name: [] for name in table}
    for _ in range(repeat):
        for name, fn in table.items():
            if times[name] and sum(times[name]) > max_seconds:
                continue
            fresh = [a.copy() for a in args]
            t0 = clock()
            result = fn(*fresh)
            times[name].append(result if fn is forward_2n_sampled else clock() - t0)
    return {name: min(ts) for name, ts in times.items()}


def timed(fn, args, repeat: int, max_seconds: float) -> float:
    times: list[float] = []
    while len(times) < repeat:
        fresh = [a.copy() for a in args]
        t0 = clock()
        result = fn(*fresh)
        # A method that estimates its own time (the sampled 2N row) returns it.
        times.append(result if fn is forward_2n_sampled else clock() - t0)
        if sum(times) > max_seconds:
            break
    return statistics.median(times)


def fmt(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def machine() -> str:
    import importlib.metadata as md

    versions = []
    for pkg in ("numpy", "scipy", "jax", "torch"):
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{', '.join(versions)} (torch on 1 thread, BLAS on {os.environ.get('OPENBLAS_NUM_THREADS')}); "
            f"float64; {M_EXAMPLES} examples, "
            "k inputs, k hidden units, 1 output (N = k² + k)")


def planted_errors(X, y, W1, W2, seed: int) -> dict[str, dict]:
    """The P4 errors: W1 scaled by 1.01; the largest gradient entry off by 10%; a random element of W1 off by 10%."""
    a, b = np_grad(X, y, W1, W2)
    scaled = {"W1": a * 1.01, "W2": b}
    largest = {"W1": a.copy(), "W2": b.copy()}
    flat = largest["W1" if np.max(np.abs(a)) >= np.max(np.abs(b)) else "W2"].reshape(-1)
    flat[np.argmax(np.abs(flat))] *= 1.1
    one = {"W1": a.copy(), "W2": b.copy()}
    one["W1"].reshape(-1)[np.random.default_rng(seed).integers(a.size)] *= 1.1
    return {"W1 scaled by 1.01": scaled, "largest entry x1.1": largest, "random W1 element x1.1": one}


def detection(n: int, seeds: int, have_torch: bool) -> list[str]:
    """Detection rates of fast mode (ours) and torch's fast_mode on the same planted errors, over seeds."""
    caught: dict[str, list[int]] = {}
    passed_right = 0
    for seed in range(seeds):
        X, y, W1, W2 = network(n, seed)
        passed_right += ours_model_fast(X, y, W1, W2, seed=seed)
        for label, grads in planted_errors(X, y, W1, W2, seed).items():
            row = caught.setdefault(label, [0, 0])
            row[0] += not ours_model_fast(X, y, W1, W2, grads, seed=seed)
            if have_torch:
                row[1] += not torch_fast_passes(X, y, W1, W2, grads, seed=seed)
        if seed % 20 == 0:
            print(f"detection: seed {seed}", file=sys.stderr, flush=True)
    lines = [f"Fast-mode detection over {seeds} seeds (network and draws), N = {W1.size + W2.size}; "
             f"right gradients passed by ours in {passed_right}/{seeds}:", "",
             "| planted error | gradcheck fast mode | torch gradcheck fast_mode |", "|---|---|---|"]
    for label, (ours, torch_) in caught.items():
        theirs = f"{torch_}/{seeds} ({100 * torch_ / seeds:.1f}%)" if have_torch else "n/a"
        lines.append(f"| {label} | {ours}/{seeds} ({100 * ours / seeds:.1f}%) | {theirs} |")
    return lines


def large_fast(n: int, have_torch: bool, repeat: int) -> list[str]:
    """P4's timing: fast checks at N ~ 1e6 (the cost itself, for scale)."""
    X, y, W1, W2 = network(n)
    rows = {"one cost evaluation": lambda *a: np_cost(*a), "gradcheck built-in model (fast)": ours_model_fast,
            "gradcheck check_function (fast)": ours_function_fast, "jax check_grads (projection)": jax_method()}
    if have_torch:
        rows["torch gradcheck (fast_mode)"] = torch_method(True)
    lines = [f"Fast checks at N = {W1.size + W2.size} (median of up to {repeat} runs):", "",
             "| method | time |", "|---|---|"]
    for name, fn in rows.items():
        t = timed(fn, (X, y, W1, W2), repeat, 20.0)
        print(f"N = {W1.size + W2.size}  {name:<34} {fmt(t)}", file=sys.stderr, flush=True)
        lines.append(f"| {name} | {fmt(t)} |")
    return lines


def ratios(results: dict[str, list[float]], ns: list[int]) -> list[str]:
    """The P2 ratios from the table's cells (same run): each check_function row against the 2N floor and torch."""
    model = results.get("gradcheck built-in model (full)")
    lines = ["| ratio | " + " | ".join(f"N = {n}" for n in ns) + " |", "|---|" + "---|" * len(ns)]
    for row in (DEFAULTS_ONE, DEFAULTS, OURS_ONE, OURS):
        if row not in results:
            continue
        if FLOOR in results:
            lines.append(f"| {row} / 2N forward passes (P2: at most 1.6, fd at 1e5 at most 1.1) | " +
                         " | ".join(f"{o / f:.3g}" for o, f in zip(results[row], results[FLOOR])) + " |")
        if TORCH in results:
            lines.append(f"| torch full / {row} (P2: at least 1.5) | " +
                         " | ".join(f"{t / o:.3g}" for t, o in zip(results[TORCH], results[row])) + " |")
    if TORCH in results and FLOOR in results:
        lines.append("| torch full / 2N forward passes | " +
                     " | ".join(f"{t / f:.3g}" for t, f in zip(results[TORCH], results[FLOOR])) + " |")
    limit = results.get(FLOOR)
    if model and limit and SAMPLED_ROW in results:
        limit = [a if a == a else b for a, b in zip(limit, results[SAMPLED_ROW])]
    if model and limit:
        lines.append("| 2N forward passes (sampled beyond the black-box limit) / ours (built-in model) | " +
                     " | ".join(f"{p / o:.3g}" for p, o in zip(limit, model)) + " |")
    return [line.replace("nan", "n/a") for line in lines]


def cs231n_net(seed: int = 0, examples: int = 5, input_dim: int = 3 * 32 * 32, hidden_dim: int = 100,
               num_classes: int = 10, reg: float = 0.1):
    """CS231n assignment 2's TwoLayerNet at its default sizes (affine-relu-affine-softmax, weight_scale
    1e-3, L2 reg): its loss and gradient for one parameter set per call, and its parameters."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(examples, input_dim))
    y = rng.integers(num_classes, size=examples)
    params = {"W1": rng.normal(0, 1e-3, (input_dim, hidden_dim)), "b1": rng.normal(0, 1e-3, hidden_dim),
              "W2": rng.normal(0, 1e-3, (hidden_dim, num_classes)), "b2": rng.normal(0, 1e-3, num_classes)}

    def forward(p):
        h = np.maximum(0, X @ p["W1"] + p["b1"])
        scores = h @ p["W2"] + p["b2"]
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        return h, probs

    def loss(p):
        _, probs = forward(p)
        return float(-np.mean(np.log(probs[np.arange(examples), y])) +
                     0.5 * reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)))

    def grads(p):
        h, probs = forward(p)
        d = probs.copy()
        d[np.arange(examples), y] -= 1
        d /= examples
        dh = (d @ p["W2"].T) * (h > 0)
        return {"W1": X.T @ dh + reg * p["W1"], "b1": dh.sum(0), "W2": h.T @ d + reg * p["W2"], "b2": d.sum(0)}

    return loss, grads, params


def cs231n_auto(budget: float) -> list[str]:
    """P7: a CS231n-style net at its default sizes through check_function(mode="auto"), wall time against the budget."""
    import gradcheck

    loss, grads, params = cs231n_net()
    n = sum(v.size for v in params.values())
    started, cpu = time.perf_counter(), time.process_time()
    report = gradcheck.check_function(loss, grads, params, mode="auto", budget=budget)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    wrong = grads(params)
    wrong["W1"] = wrong["W1"] * 1.01
    started, cpu_wrong = time.perf_counter(), time.process_time()
    caught = gradcheck.check_function(loss, lambda p: wrong, params, mode="auto", budget=budget)
    wall_wrong, cpu_wrong = time.perf_counter() - started, time.process_time() - cpu_wrong
    sampled = [note for note in report.notes if note.startswith(("scipy:", "fast mode:"))]
    return [f"P7: CS231n TwoLayerNet at its default sizes (3072-100-10, 5 examples, N = {n}) through "
            f"check_function(mode=\"auto\", budget={budget:g}), default oracles:", "",
            "| gradient | verdict | wall (CPU) | wall / budget (P7: at most 1.5) |", "|---|---|---|---|",
            f"| right | {'ok' if report.ok else 'WRONG'} | {fmt(wall)} ({fmt(cpu)}) | {wall / budget:.3g} |",
            f"| W1 x1.01 | {', '.join(caught.wrong) or 'missed'} WRONG | {fmt(wall_wrong)} ({fmt(cpu_wrong)}) | "
            f"{wall_wrong / budget:.3g} |",
            "", "The report's notes on what was sampled:", ""] + [f"- {note}" for note in sampled]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (N ~ 1e2, 1e3)")
    ap.add_argument("--sizes", help="comma-separated parameter counts, e.g. 100,1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=5.0, help="stop repeating a cell after this long")
    ap.add_argument("--skip", default="", help="comma-separated substrings of methods to skip")
    ap.add_argument("--out", help="also write the markdown table to this file")
    ap.add_argument("--black-box-limit", type=int, default=20_000,
                    help="largest N for the rows that call the cost 2N times or more")
    ap.add_argument("--floor-limit", type=int, default=150_000,
                    help="largest N for the P2 rows at 1e5 (fd on the one-set cost, the 2N floor)")
    ap.add_argument("--clock", choices=tuple(CLOCK), default="cpu", help="the table's clock (default: cpu)")
    ap.add_argument("--p7-budget", type=float, default=10.0, help="budget of the P7 run in seconds (0: skip)")
    ap.add_argument("--seeds", type=int, default=200, help="seeds for the fast-mode detection rates (0: skip)")
    ap.add_argument("--detect-n", type=int, default=1_000_000, help="N for the detection rates")
    ap.add_argument("--large", type=int, default=1_000_000, help="N for the fast-mode timing (0: skip)")
    args = ap.parse_args(argv)
    global clock
    clock = CLOCK[args.clock]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if args.quick else [100, 1000, 10_000, 100_000])
    try:
        import torch

        # Two OpenMP threads on two shared cores made torch's gradcheck 20-50x slower here (and their
        # spinning slowed what ran after it): torch gets one thread, its fastest setting on this machine.
        torch.set_num_threads(1)
        have_torch = True
    except ImportError:
        have_torch = False
        print("torch not installed: its rows are skipped (pip install torch==2.13.0)", file=sys.stderr)
    table = methods(have_torch)
    skip = [s for s in args.skip.split(",") if s]
    table = {k: v for k, v in table.items() if not any(s in k for s in skip)}
    # Warm up imports and JIT caches so that no cell pays a one-off cost.
    warm = network(100)
    for fn in table.values():
        fn(*[a.copy() for a in warm])
    results: dict[str, list[float]] = {k: [] for k in table}
    ns = []
    for n in sizes:
        X, y, W1, W2 = network(n)
        ns.append(W1.size + W2.size)
        cells = interleaved({k: v for k, v in table.items() if runs_at(k, ns[-1], args.black_box_limit,
                                                                       args.floor_limit)},
                            (X, y, W1, W2), args.repeat, args.max_seconds)
        for name in table:
            results[name].append(cells.get(name, float("nan")))
            if name in cells:
                print(f"N = {ns[-1]:>7}  {name:<34} {fmt(cells[name])}", file=sys.stderr, flush=True)
    base = FLOOR
    lines = [f"Machine: {machine()}.", "",
             "| method | " + " | ".join(f"N = {n}" for n in ns) + " |",
             "|---|" + "---|" * len(ns)]
    for name, ts in results.items():
        cells_text = []
        for t, floor in zip(ts, results.get(base, ts)):
            ratio = "" if name == base or base not in results or floor != floor or t != t else f" ({t / floor:.2g}x)"
            cells_text.append(fmt(t) + ratio + (" †" if (name, ns[len(cells_text)]) in FALSE_ALARMS else ""))
        lines.append(f"| {name} | " + " | ".join(cells_text) + " |")
    lines += ["", f"Each cell is the {'CPU time (all threads of the process)' if args.clock == 'cpu' else 'wall time'}"
              f" of the least of up to {args.repeat} runs, the rows taking turns (one run for a cell "
              f"slower than {args.max_seconds:g} s), so that other work on the shared machine weighs on every row "
              f"alike. In parentheses: the time over `{base}` (the black-box floor) in the same run. "
              "n/a: not run at that size (see --black-box-limit, --floor-limit). †: failed the right gradient "
              "(a false alarm)."]
    lines += ["", *ratios(results, ns)]
    if args.p7_budget:
        lines += ["", *cs231n_auto(args.p7_budget)]
    if args.large and not args.quick:
        lines += ["", *large_fast(args.large, have_torch, args.repeat)]
    if args.seeds:
        lines += ["", *detection(args.detect_n if not args.quick else 1000, args.seeds, have_torch)]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
