"""Where jax cannot be imported (not installed, or too old), its judgements are skipped with the install
command, never failed; the other oracles judge as before."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

import gradcheck
import gradcheck.oracles
from gradcheck.oracles import OracleUnavailable

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Put first on PYTHONPATH, this makes ``import jax`` fail in the inner pytest and in every process it
#: starts (the submissions' forkserver workers included), as on a machine without jax.
NO_JAX = textwrap.dedent(
    """
    import sys

    class _NoJax:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("jax", "jaxlib"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NoJax())
    """
)


@pytest.fixture
def without_jax(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    site = pytester.mkdir("no_jax_site")
    (site / "sitecustomize.py").write_text(NO_JAX)
    monkeypatch.setenv("PYTHONPATH", str(site))
    return pytester


def test_without_jax_the_other_oracles_judge_and_the_header_says_jax_is_skipped(without_jax):
    homework = without_jax.path / "homework.py"
    homework.write_text((EXAMPLES / "correct" / "neural_network.py").read_text())
    check = without_jax.run(sys.executable, "-c", "import jax")
    assert check.ret != 0 and "No module named 'jax'" in check.stderr.str()  # the sitecustomize is in force
    result = without_jax.runpytest_subprocess("--gradcheck", "homework.py", "--gradcheck-report", "grades.json",
                                              "-p", "no:cacheprovider")
    # 5 cases judged by fd and scipy, [shapes], [interface] and [hypothesis] pass; nothing fails for want of jax.
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["gradcheck: jax oracle not used: jax is not installed; pip install jax"])
    (sub,) = json.loads((without_jax.path / "grades.json").read_text())["submissions"]
    [impl] = sub["implementations"]
    cases = [c for c in impl["checks"] if c["check"] == "gradients"]
    assert len(cases) == 5 and all("pip install jax" in " ".join(c["notes"]) for c in cases)


def test_without_jax_a_jax_only_run_skips_the_cases_with_the_install_command(without_jax):
    homework = without_jax.path / "homework.py"
    homework.write_text((EXAMPLES / "correct" / "neural_network.py").read_text())
    result = without_jax.runpytest_subprocess("--gradcheck", "homework.py", "--gradcheck-oracles=jax", "-rs",
                                              "-p", "no:cacheprovider")
    assert result.parseoutcomes()["skipped"] == 5 and "failed" not in result.parseoutcomes()
    result.stdout.fnmatch_lines(["SKIPPED [[]5[]] *pip install jax*"])


def test_without_jax_a_wrong_homework_still_fails_by_the_other_oracles(without_jax):
    homework = without_jax.path / "homework.py"
    homework.write_text((EXAMPLES / "wrong" / "delta2_uses_z3.py").read_text())
    result = without_jax.runpytest_subprocess("--gradcheck", "homework.py", "--gradcheck-oracles=fd,jax",
                                              "-p", "no:cacheprovider")
    assert result.parseoutcomes()["failed"] >= 1
    result.stdout.fnmatch_lines(["gradcheck: 1 of 2 gradients WRONG (dJdW1) on distinct-dims (model welch); "
                                 "oracles central difference alone",
                                 "*FAILED homework.py::Neural_Network[[]three-examples[]]*"])


def _blocked(monkeypatch: pytest.MonkeyPatch, jax_module) -> None:
    """The JAX oracle imported afresh, with ``sys.modules["jax"]`` set to ``jax_module`` (None: not installed)."""
    monkeypatch.delitem(sys.modules, "gradcheck.oracles.jax", raising=False)
    monkeypatch.delattr(gradcheck.oracles, "jax", raising=False)
    monkeypatch.setitem(sys.modules, "jax", jax_module)
    if jax_module is not None:
        monkeypatch.setitem(sys.modules, "jax.numpy", jax_module.numpy)


def test_check_gradients_by_jax_alone_raises_oracle_unavailable_with_the_install_command(monkeypatch):
    _blocked(monkeypatch, None)
    case = gradcheck.load_case("three-examples")
    with pytest.raises(OracleUnavailable, match=r"jax cannot be imported .*; install it with pip install jax$"):
        gradcheck.check_gradients(case.expected["grads"], case, oracles="jax")
    with pytest.raises(ImportError):  # what an ImportError handler catches
        gradcheck.check_function(lambda p: (p["w"] ** 2).sum(), lambda p: {"w": 2 * p["w"]},
                                 {"w": case.params["W1"]}, oracles=("jax",))
    report = gradcheck.check_gradients(case.expected["grads"], case, oracles=("fd", "jax"))
    assert report.ok and not report.oracles["jax"].available


def test_a_jax_older_than_0_8_is_unavailable_with_the_upgrade_command(monkeypatch):
    old = types.ModuleType("jax")
    old.__version__, old.numpy = "0.7.2", types.ModuleType("jax.numpy")  # no jax.enable_x64
    _blocked(monkeypatch, old)
    case = gradcheck.load_case("three-examples")
    with pytest.raises(OracleUnavailable, match=r"jax 0\.7\.2 is too old: .*jax>=0\.8.*install it with pip install -U jax"):
        gradcheck.check_gradients(case.expected["grads"], case, oracles="jax")
    assert gradcheck.OracleUnavailable is OracleUnavailable
