"""Student code in its own process: each hostile or broken submission gets its own verdict, and no
other submission's, the judge's or the report's (DESIGN §7a).

Every test puts one bad submission beside a correct one (``fine.py``) and checks both verdicts.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import gradcheck.oracles.jax  # noqa: F401  (kept imported for the whole session, as in test_plugin.py)

from ._examples import EXAMPLES, pytest_in

CORRECT = (EXAMPLES / "correct" / "backprop_function.py").read_text()
FAST = ("--gradcheck-oracles=fd", "--gradcheck-examples=3", "--gradcheck-timeout=2")
#: The correct function, with ``{before}`` run at import and ``{inside}`` inside the call.
TEMPLATE = """
import numpy as np
{imports}
{before}

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(X, y, W1, W2):
    {inside}
    z2 = X @ W1
    a2 = sigmoid(z2)
    z3 = a2 @ W2
    yHat = sigmoid(z3)
    delta3 = -(y - yHat) * yHat * (1 - yHat)
    delta2 = delta3 @ W2.T * a2 * (1 - a2)
    return {{"dJdW1": X.T @ delta2, "dJdW2": a2.T @ delta3}}
"""


def _hostile(imports: str = "", before: str = "", inside: str = "pass") -> str:
    return TEMPLATE.format(imports=imports, before=textwrap.dedent(before), inside=inside)


def _folder(pytester: pytest.Pytester, bad: str) -> None:
    (pytester.path / "subs").mkdir()
    (pytester.path / "subs" / "fine.py").write_text(CORRECT)
    (pytester.path / "subs" / "bad.py").write_text(bad)


def _items(report: dict, name: str) -> list[dict]:
    sub = next(s for s in report["submissions"] if s["path"].endswith(name))
    return [c for i in sub["implementations"] for c in i["checks"]] + sub.get("checks", [])


def _run(pytester, bad: str, *extra: str, subprocess: bool = False):
    _folder(pytester, bad)
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = run("--gradcheck", "subs", "--gradcheck-report", "grades.json", *FAST, *extra)
    report = json.loads((pytester.path / "grades.json").read_text())
    fine = _items(report, "fine.py")
    assert fine and all(i["outcome"] == "passed" for i in fine), fine
    return result, report


FAULTS = {
    "os._exit at import": (_hostile("import os", "os._exit(0)"),
                           "*your code ended the process with exit code 0 while {name} was imported*"),
    "os._exit in the call": (_hostile("import os", inside="os._exit(0)"),
                             "*your code ended the process with exit code 0 while backprop ran on *"),
    "a segfault": (_hostile("import ctypes", inside="ctypes.string_at(0)"), "*killed by SIGSEGV*"),
    "KeyboardInterrupt": (_hostile(inside="raise KeyboardInterrupt"), "*raised KeyboardInterrupt*"),
    "SystemExit": (_hostile("import sys", inside="sys.exit(3)"), "*raised SystemExit*"),
    "a loop that catches the timeout": (
        _hostile("import time", inside="while True:\n        try:\n            time.sleep(0.1)\n"
                                       "        except BaseException:\n            pass"),
        "*did not return within --gradcheck-timeout=2 s*"),
    "a disarmed timer": (
        _hostile("import signal, time", inside="signal.setitimer(signal.ITIMER_REAL, 0)\n    while True: time.sleep(0.1)"),
        "*did not return within --gradcheck-timeout=2 s*"),
    "a long C call": (_hostile(inside="a = np.ones((3000, 3000))\n    for _ in range(200): a = a @ a / 3000"),
                      "*did not return within --gradcheck-timeout=2 s*"),
    "complex gradients": (_hostile().replace('return {"dJdW1": X.T @ delta2', 'return {"dJdW1": (X.T @ delta2) * (1 + 0j)'),
                          "*dJdW1 is complex (complex128)*"),
    "memory exhausted": (_hostile(inside="blob = np.ones(int(1e10))"), "*MemoryError*"),
}


def _folder_run(folder: Path, files: dict[str, str]):
    """``pytest --gradcheck subs -n 2`` on ``fine.py`` and ``files`` (name -> source) in a subprocess;
    (the finished process, the JSON report), the correct neighbour checked to have passed."""
    (folder / "subs").mkdir()
    for name, source in {"fine.py": CORRECT, **files}.items():
        (folder / "subs" / name).write_text(source)
    run, report = pytest_in(folder, "--gradcheck", "subs", *FAST, "-n", "2")
    fine = _items(report, "fine.py")
    assert fine and all(i["outcome"] == "passed" for i in fine), run.stdout
    return run, report


#: A sleep the worker's own time limit stops (beside FAULTS' disarmed timer and long C call, which it cannot).
SLEEP = _hostile("import time", inside="time.sleep(60)")


def _fault_file(fault: str) -> str:
    return f"fault{list(FAULTS).index(fault)}.py"


@pytest.fixture(scope="module")
def faults_run(tmp_path_factory):
    """One ``-n 2`` run of a folder holding ``fine.py``, every fault of FAULTS and a sleeping submission:
    the instructor's folder where one student crashes, another hangs and a third exhausts memory."""
    run, report = _folder_run(tmp_path_factory.mktemp("faults"),
                              {**{_fault_file(f): bad for f, (bad, _) in FAULTS.items()}, "sleep.py": SLEEP})
    assert run.returncode == 1 and "INTERNALERROR" not in run.stdout + run.stderr, run.stdout + run.stderr
    return run, report


def _said(report: dict, name: str) -> list[str]:
    """Every line gradcheck wrote about one submission in the JSON report (its reports and messages)."""
    sub = next(s for s in report["submissions"] if s["path"].endswith(name))
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.extend(value.splitlines())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(sub)
    return found


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_submission_fails_with_its_own_verdict_and_its_neighbour_passes(faults_run, fault):
    _, report = faults_run
    name = _fault_file(fault)
    pytest.LineMatcher(_said(report, name)).fnmatch_lines([FAULTS[fault][1].format(name=name)])
    bad_items = _items(report, name)
    assert bad_items and all(i["outcome"] == "failed" for i in bad_items if i.get("check") != "shapes")


def test_recursion_limits_forks_threads_and_children_at_import_do_not_touch_the_run(pytester):
    bad = _hostile("import os, sys, threading, time, subprocess", """
        sys.setrecursionlimit(60)
        threading.Thread(target=lambda: time.sleep(1000)).start()
        subprocess.Popen(["sleep", "1000"])
        if os.fork() == 0:
            time.sleep(0.2)
    """)
    result, report = _run(pytester, bad)
    assert result.ret == 0, result.stdout.str()
    assert all(i["outcome"] == "passed" for i in _items(report, "bad.py"))
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_hundred_megabytes_of_output_is_capped(pytester):
    bad = _hostile(inside='print("x" * 100_000_000)\n    return {}')
    result, _ = _run(pytester, bad)
    assert result.ret == 1
    assert len(result.stdout.str()) < 3_000_000
    result.stdout.fnmatch_lines(["*characters of output dropped*"])


def test_gradients_from_jax_or_from_gradcheck_s_own_model_are_not_hand_written(pytester):
    bad = _hostile("import gradcheck", inside='''model = gradcheck.get_model("welch")
    g = model.backward({"X": X, "y": y}, {"W1": W1, "W2": W2})[0]
    return {"dJdW1": g["W1"], "dJdW2": g["W2"]}''')
    result, report = _run(pytester, bad)
    result.stdout.fnmatch_lines(["*gradients not hand-written (computed with gradcheck's welch model (backward))*"])
    assert all(i["outcome"] == "failed" for i in _items(report, "bad.py") if i.get("check") != "shapes")
    allowed = pytester.runpytest("--gradcheck", "subs/bad.py", *FAST, "--gradcheck-allow-autodiff")
    assert allowed.ret == 0, allowed.stdout.str()


def test_jax_grad_is_not_hand_written(pytester):
    bad = _hostile("import jax, jax.numpy as jnp\njax.config.update('jax_enable_x64', True)", inside='''
    def J(W1, W2):
        return 0.5 * jnp.sum((y - 1 / (1 + jnp.exp(-(1 / (1 + jnp.exp(-X @ W1))) @ W2))) ** 2)
    g1, g2 = jax.grad(J, argnums=(0, 1))(W1, W2)
    return {"dJdW1": np.asarray(g1), "dJdW2": np.asarray(g2)}''')
    result, _ = _run(pytester, bad, "-k", "three-examples and not asymmetric", "--gradcheck-timeout=60")  # jax compiles in the call
    result.stdout.fnmatch_lines(["*gradients not hand-written (computed with jax.grad)*"])


CHEATS = {
    "a hook flipping failures to passes": ("import gc, pytest", """
        class Flip:
            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(self, item, call):
                outcome = yield
                outcome.get_result().outcome = "passed"
        for o in gc.get_objects():
            if type(o).__name__ == "PytestPluginManager":
                o.register(Flip())
    """),
    "patched items": ("import gradcheck.plugin", """
        for cls in vars(gradcheck.plugin).values():
            if isinstance(cls, type) and hasattr(cls, "runtest"):
                cls.runtest = lambda self: None
    """),
    "a patched Report": ("import gradcheck.report", "gradcheck.report.Report.ok = property(lambda self: True)\n"),
    "an atexit forger and deleter": ("import atexit, json, os", """
        atexit.register(lambda: open("grades.json", "w").write(json.dumps({"all": "passed"})))
        atexit.register(lambda: os.path.exists("../grades.json") and os.remove("../grades.json"))
    """),
    "np.seterr and warnings at import": ("import warnings", "np.seterr(all='raise')\nwarnings.simplefilter('error')\n"),
    "a neighbour rewritten": ("import os, pathlib", """
        for p in pathlib.Path(os.path.dirname(os.path.abspath(__file__))).glob("*.py"):
            if p.name != os.path.basename(__file__):
                p.write_text("raise SystemExit('rewritten')")
    """),
}


FLAKY = _hostile("import os", "if os.getpid() % 2:\n    raise ImportError('flaky')\n")


def _cheat_file(cheat: str) -> str:
    return f"cheat{list(CHEATS).index(cheat)}.py"


@pytest.fixture(scope="module")
def under_xdist(tmp_path_factory):
    """One ``-n 2`` run of a folder holding ``fine.py``, every cheat (each also wrong: its delta3 doubled,
    so a cheat that worked would pass it) and three imports that fail at random: each cheat is tried
    beside a correct neighbour and beside every other cheat."""
    cheats = {_cheat_file(c): _hostile(imports, before).replace("delta3 = -(y - yHat)", "delta3 = 2 * -(y - yHat)")
              for c, (imports, before) in CHEATS.items()}
    return _folder_run(tmp_path_factory.mktemp("xdist"), {**cheats, **{f"flaky{i}.py": FLAKY for i in range(3)}})


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_a_cheat_changes_nothing_but_its_own_failure_under_xdist(under_xdist, cheat):
    run, report = under_xdist
    assert run.returncode == 1, run.stdout
    bad = _items(report, _cheat_file(cheat))
    assert bad and any(i["outcome"] == "failed" for i in bad), run.stdout
    assert len(report["submissions"]) == 1 + len(CHEATS) + 3


def test_reading_the_caller_s_frames_finds_no_expected_values(pytester):
    bad = _hostile("import inspect", inside='''for frame in inspect.stack():
        for value in frame.frame.f_locals.values():
            expected = getattr(value, "expected", None) if not isinstance(value, type) else None
            if isinstance(expected, dict) and "grads" in expected:
                return {"dJdW1": expected["grads"]["W1"], "dJdW2": expected["grads"]["W2"]}
    return {"dJdW1": np.zeros_like(W1), "dJdW2": np.zeros_like(W2)}''')
    result, report = _run(pytester, bad)
    assert result.ret == 1
    assert all(i["outcome"] == "failed" for i in _items(report, "bad.py") if "fd" in i.get("nodeid", ""))


def test_an_import_that_fails_at_random_cannot_split_collection_under_xdist(under_xdist):
    # whatever each process's pid, every xdist worker collects what the controller found (three such
    # files in one run: each is imported by the controller's and the workers' processes)
    run, report = under_xdist
    assert "Different tests were collected" not in run.stdout + run.stderr
    assert run.returncode in (0, 1) and all(_items(report, f"flaky{i}.py") for i in range(3))


@pytest.mark.parametrize("hang", ["a disarmed timer", "a long C call", "a sleep"])
def test_after_one_timeout_the_further_cases_fail_at_once_naming_where_it_hung(faults_run, hang):
    # A hang is waited out once per implementation, not once per case: a folder with one hanging student
    # costs one time limit (the other cases and [hypothesis] say where it hung), whether the worker's own
    # limit stopped it (a sleep; a C call, once it returns) or the process had to be killed (a disarmed timer).
    _, report = faults_run
    name = _fault_file(hang) if hang in FAULTS else "sleep.py"
    checks = [c for c in _items(report, name) if c.get("check") != "shapes"]
    timed_out = [c for c in checks if "did not return within --gradcheck-timeout=2 s" in json.dumps(c)]
    not_run = [c for c in checks if "not run: backprop timed out on" in json.dumps(c)]
    assert len(timed_out) == 1 and len(not_run) == len(checks) - 1 >= 5, checks
    pytest.LineMatcher(_said(report, name)).fnmatch_lines(
        ["*not run: backprop timed out on single-example (--gradcheck-timeout=2 s)*"])


@pytest.mark.parametrize("chunks", [[5] * 3, [7] * 40, [1, 300, 2, 90, 45, 1000, 3], [64] * 9 + [1] * 50])
def test_captured_output_keeps_the_start_and_the_end_and_counts_what_it_drops(chunks):
    from gradcheck.students.implementation import CappedOutput

    out, written = CappedOutput(kept=100), []
    for i, n in enumerate(chunks):
        text = "".join(chr(ord("a") + (i + j) % 26) for j in range(n))
        assert out.write(text) == n
        written.append(text)
    full = "".join(written)
    got = out.getvalue()
    if len(full) <= 100:
        assert got == full
    else:
        assert got == f"{full[:50]}\n[... {len(full) - 100} characters of output dropped ...]\n{full[-50:]}"
