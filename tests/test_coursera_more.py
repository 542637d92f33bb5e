"""The Coursera course beyond the current C1W4 notebook: its older template, run as users run it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jax.monitoring  # noqa: F401
import pytest
import scipy.optimize  # noqa: F401

# pytester drops the modules an inner run imported; importing the heavy ones here keeps them (see test_plugin)
import gradcheck.oracles.jax  # noqa: F401
from gradcheck.courses.coursera.conventions import LLayer

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FD = "--gradcheck-oracles=fd"
OLDER = "correct/deep_l_layer_older.py"


def _copy(pytester: pytest.Pytester, example: str, dest: str, *, replace: tuple[str, str] = ("", "")) -> Path:
    path = pytester.path / dest
    source = (EXAMPLES / example).read_text()
    if replace[0]:
        assert replace[0] in source, replace[0]
    path.write_text(source.replace(*replace))
    return path


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_older_template_with_its_own_output_assert_passes_its_drawn_networks(pytester):
    source = (EXAMPLES / OLDER).read_text()
    assert "assert(AL.shape == (1,X.shape[1]))" in source and 'grads["dA" + str(L)]' in source
    _copy(pytester, OLDER, "older.py")
    result = pytester.runpytest("--gradcheck", "older.py", FD, "-v", "-k", "L_model_backward")
    result.stdout.fnmatch_lines(["*L_model_backward?hypothesis? PASSED*"])
    result.stdout.no_fnmatch_line("*hard-wired*")
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and outcomes["passed"] >= 3


def test_the_older_template_is_drawn_with_one_output_unit_only_where_it_asserts_it():
    older, current = _module(EXAMPLES / OLDER), _module(EXAMPLES / "correct/deep_l_layer.py")
    assert LLayer(older).single_output and not LLayer(current).single_output
    assert LLayer(older).state() == {"single_output": True}


def test_a_wrong_older_template_fails_its_drawn_networks_without_being_called_hard_wired(pytester):
    _copy(pytester, OLDER, "older.py", replace=("dZ = dA * s * (1 - s)", "dZ = dA * s"))
    result = pytester.runpytest("--gradcheck", "older.py", FD, "-k", "L_model_backward and hypothesis")
    result.assert_outcomes(failed=1, deselected=12)
    result.stdout.no_fnmatch_line("*hard-wired*")
