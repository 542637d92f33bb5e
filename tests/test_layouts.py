"""Real project layouts as targets: files inside packages, students' helper modules, bad targets,
and the reproduce line of a dotted module (pytester, as users run it)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.monitoring  # noqa: F401
import pytest
import scipy.optimize  # noqa: F401

import gradcheck.oracles.jax  # noqa: F401  (kept imported across the in-process runs, see test_plugin)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FD = "--gradcheck-oracles=fd"


def _write(pytester: pytest.Pytester, dest: str, source: str) -> Path:
    path = pytester.path / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def _example(name: str) -> str:
    return (EXAMPLES / name).read_text()


_LAYERS = """
    import numpy as np


    def relu(x):
        return np.maximum(0, x)
"""


def _cs231n(pytester: pytest.Pytester) -> None:
    """CS231n's assignment layout: cs231n/classifiers/fc_net.py imports ..layers."""
    for folder in ("cs231n", "cs231n/classifiers"):
        _write(pytester, f"{folder}/__init__.py", "")
    _write(pytester, "cs231n/layers.py", _LAYERS)
    _write(pytester, "cs231n/classifiers/fc_net.py",
           "from ..layers import *\n" + _example("correct/two_layer_net.py").replace("np.maximum(0, ", "relu("))


def test_a_file_inside_a_package_is_imported_by_its_package_name_so_relative_imports_work(pytester):
    _cs231n(pytester)
    result = pytester.runpytest("--gradcheck", "cs231n/classifiers/fc_net.py", FD, "-v")
    result.stdout.fnmatch_lines(["*cs231n/classifiers/fc_net.py::TwoLayerNet[[]reg-0[]] PASSED*"])
    result.assert_outcomes(passed=3)  # reg 0, reg 0.1, other sizes
    assert "relative import" not in result.stdout.str()


def test_in_a_package_folder_a_module_the_others_import_is_a_helper_not_a_submission(pytester):
    _cs231n(pytester)
    result = pytester.runpytest("--gradcheck", "cs231n", FD, "-v")
    result.assert_outcomes(passed=3)
    assert "layers.py::" not in result.stdout.str()


def test_a_module_in_a_plain_folder_imports_its_project_by_the_folders_name(pytester):
    _write(pytester, "src/activations.py", """
        import numpy as np


        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
    """)
    _write(pytester, "src/bp.py", _example("correct/backprop_function.py").replace(
        "import numpy as np", "import numpy as np\nfrom src.activations import sigmoid as _sigmoid_from_src", 1))
    for target in ("src/bp.py", "src"):
        result = pytester.runpytest("--gradcheck", target, FD)
        result.assert_outcomes(passed=7)
        assert "No module named 'src'" not in result.stdout.str()


def test_in_a_folder_the_students_helpers_and_the_course_helpers_get_no_items(pytester):
    for who in ("alice", "bob"):
        _write(pytester, f"{who}/my_helpers.py", "def scale(a):\n    return 1 * a\n")
        _write(pytester, f"{who}/dnn_utils.py", "def sigmoid(z):\n    return z\n")
        _write(pytester, f"{who}/public_tests.py", "from dlai_tools.testing_utils import single_test\n")
        _write(pytester, f"{who}/homework.py", "from my_helpers import scale\nfrom dnn_utils import *\n"
               + _example("correct/backprop_function.py"))
    _write(pytester, "bob/notes.py", "def unused():\n    return 1\n")  # imported by nobody: reported, skipped
    result = pytester.runpytest("--gradcheck", "alice", "--gradcheck", "bob", FD, "-rs")
    result.assert_outcomes(passed=14, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED * nothing in notes.py is recognised*"])
    text = result.stdout.str()
    for helper in ("my_helpers.py::", "dnn_utils.py::", "public_tests.py::"):
        assert helper not in text


def test_a_course_helper_given_as_the_target_is_still_graded(pytester):
    _write(pytester, "dnn_utils.py", _example("correct/backprop_function.py"))
    result = pytester.runpytest("--gradcheck", "dnn_utils.py", FD)
    result.assert_outcomes(passed=7)


@pytest.mark.parametrize("name", ["notes.txt", "homework.py.bak", "data.json"])
def test_a_file_that_is_neither_py_nor_ipynb_is_a_usage_error_not_an_internal_error(pytester, name):
    _write(pytester, name, "def backprop(X, y, W1, W2):\n    pass\n")
    result = pytester.runpytest("--gradcheck", name)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --gradcheck {name}: {name} is neither a .py module nor a .ipynb notebook. "
                                 "Give a .py file, a .ipynb notebook, a folder of them, or a dotted module name."])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_the_reproduce_line_and_code_of_a_dotted_target_use_the_dotted_name_and_reproduce(pytester):
    _write(pytester, "src/__init__.py", "")
    _write(pytester, "src/bp.py", _example("wrong/transposes_square_w1.py"))
    result = pytester.runpytest("--gradcheck", "src.bp", FD, "-k", "hypothesis")
    result.assert_outcomes(failed=1, deselected=7)
    text = result.stdout.str()
    command = re.search(r"^Reproduce: (.*)$", text, re.M).group(1)
    assert command.startswith("pytest --gradcheck src.bp ")
    assert "    from src.bp import Neural_Network" in text
    assert "(run this where src.bp is importable)" in text

    again = pytester.runpytest(*shlex.split(command)[1:], FD)
    again.assert_outcomes(failed=1, deselected=7)
    assert re.search(r"^Reproduce: (.*)$", again.stdout.str(), re.M).group(1) == command

    block = text.split("The smallest failing case, as code:\n", 1)[1].split("\nReproduce:", 1)[0]
    code = textwrap.dedent(block)
    run = subprocess.run([sys.executable, "-c", code], cwd=pytester.path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    off = [float(v) for v in re.findall(r"dJdW1 is off by (\S+)", run.stdout)]
    assert off and off[0] > 1e-8  # the code, run alone, shows the same wrong gradient
