"""Start-up benchmarks of ``pytest --gradcheck`` as users run it (issue 17: P1, P5, P6).

Usage::

    python bench/startup.py [--repeat 5] [--class-size 100] [--out bench/STARTUP.md]

Every figure is the median wall time of ``--repeat`` runs in fresh subprocesses, with the default
options, measured with bytecode caching on (as on a student's laptop) and off
(``PYTHONDONTWRITEBYTECODE=1``, as on this project's machines):

- **P5**: a trivial test file with the plugin installed, against the same run with ``-p no:gradcheck``
  (paired: the two alternate).
- **P1**: ``pytest --gradcheck neural_network.py`` (the bundled notes-style submission: three oracles,
  every case, 50 Hypothesis examples) against the bare trivial run; *first run* with an empty
  gradcheck cache directory each time (``XDG_CACHE_HOME`` fresh: JAX imported and compiled),
  *warm* with the cache of an earlier run.
- **P6**: a folder of ``--class-size`` copies of that submission under ``-n 2``, warm (one run).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSION = ROOT / "examples" / "correct" / "neural_network.py"


def _run(cmd: list[str], cwd: Path, env: dict) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 5):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def _env(bytecode: bool, cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CI")}
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def measure(repeat: int, class_size: int) -> list[str]:
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    rows: list[tuple[str, str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "test_trivial.py").write_text("def test_trivial():\n    assert True\n")
        shutil.copy(SUBMISSION, work / "neural_network.py")
        klass = work / "class"
        for i in range(class_size):
            (klass / f"student_{i:03d}").mkdir(parents=True)
            shutil.copy(SUBMISSION, klass / f"student_{i:03d}" / "homework.py")
        for bytecode in (True, False):
            mode = "on" if bytecode else "off"
            warm = work / f"cache-{mode}"
            env = _env(bytecode, warm)
            _run(pytest + ["test_trivial.py"], work, env)  # bytecode written, page cache warm
            bare, plain = [], []
            for _ in range(repeat):
                bare.append(_run(pytest + ["test_trivial.py"], work, env))
                plain.append(_run(pytest + ["-p", "no:gradcheck", "test_trivial.py"], work, env))
            b, p = statistics.median(bare), statistics.median(plain)
            rows.append(("P5", f"trivial test, plugin installed vs -p no:gradcheck (bytecode {mode})", b, p,
                         "at most 20 ms"))
            first = []
            for i in range(repeat):
                env_first = _env(bytecode, work / f"fresh-{mode}-{i}")
                first.append(_run(pytest + ["--gradcheck", "neural_network.py"], work, env_first))
            rows.append(("P1", f"--gradcheck one submission, first run (bytecode {mode})", statistics.median(first),
                         b, "at most 2.0 s beyond bare"))
            _run(pytest + ["--gradcheck", "neural_network.py"], work, env)
            again = [_run(pytest + ["--gradcheck", "neural_network.py"], work, env) for _ in range(repeat)]
            rows.append(("P1", f"--gradcheck one submission, warm (bytecode {mode})", statistics.median(again), b,
                         "at most 1.0 s beyond bare"))
        env = _env(True, work / "cache-on")
        folder = _run(pytest + ["-n", "2", "--gradcheck", "class"], work, env)
        rows.append(("P6", f"--gradcheck a folder of {class_size} correct submissions, -n 2, warm (bytecode on)",
                     folder, None, "at most 60 s"))
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"median of {repeat} runs (P6: one run); wall times.", "",
             "| target | run | wall | against | difference | target |", "|---|---|---|---|---|---|"]
    for target, name, t, against, goal in rows:
        diff = "" if against is None else f"{(t - against) * 1000:+.0f} ms"
        lines.append(f"| {target} | {name} | {t:.3f} s | {'' if against is None else f'{against:.3f} s'} | "
                     f"{diff} | {goal} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--class-size", type=int, default=100)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here (markdown)")
    args = parser.parse_args()
    lines = measure(args.repeat, args.class_size)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text("# Start-up (bench/startup.py)\n\n" + text)


if __name__ == "__main__":
    main()
