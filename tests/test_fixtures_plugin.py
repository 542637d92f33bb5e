"""The worked examples as pytest fixtures in a project with no conftest, and from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

import gradcheck


def test_the_fixtures_work_without_a_conftest(pytester):
    pytester.makepyfile(
        """
        import numpy as np

        def backprop(X, y, W1, W2):
            f = lambda z: 1 / (1 + np.exp(-z))
            z2 = X @ W1; a2 = f(z2); z3 = a2 @ W2; yHat = f(z3)
            delta3 = -(y - yHat) * yHat * (1 - yHat)
            delta2 = delta3 @ W2.T * a2 * (1 - a2)
            return X.T @ delta2, a2.T @ delta3

        def test_single(single_example):
            dJdW1, dJdW2 = backprop(single_example.X, single_example.y, single_example.W1, single_example.W2)
            single_example.assert_shapes({"dJdW1": dJdW1, "dJdW2": dJdW2})
            np.testing.assert_allclose(dJdW2, single_example.expected["grads"]["W2"], rtol=1e-12)

        def test_three(three_examples):
            dJdW1, _ = backprop(three_examples.X, three_examples.y, three_examples.W1, three_examples.W2)
            np.testing.assert_allclose(dJdW1, three_examples.expected["grads"]["W1"], rtol=1e-12)

        def test_coursera(coursera_l3):
            assert coursera_l3.shapes["W1"] == (5, 4) and coursera_l3.dims["m"] == 3

        def test_chain(scalar_chain):
            assert scalar_chain.a0 == 5.7 and scalar_chain.w == -23.1

        def test_every_case(gradcheck_case):
            assert gradcheck_case.expected["grads"]
        """
    )
    assert not list(pytester.path.glob("conftest.py"))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4 + len(gradcheck.case_names()))


def test_the_fixtures_are_listed_by_pytest_fixtures(pytester):
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*three_examples*", "*The worked example 'three-examples'*", "*gradcheck_case*"])


@pytest.mark.slow
def test_the_wheel_ships_the_cases(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), root],
        check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("pytest_gradcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gradcheck/_fixtures/cases/coursera-l3.json" in names
    assert "gradcheck/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    assert "pytest_gradcheck-0.1.0.dist-info/licenses/LICENSE" in names
    assert "gradcheck/examples/correct/neural_network.py" in names
    assert not [n for n in names if n.endswith("make_cases.py")]  # a development script, which needs mpmath
    metadata = zipfile.ZipFile(wheel).read("pytest_gradcheck-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "Project-URL: Source, https://github.com/" in metadata
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )
    script = textwrap.dedent(
        """
        import gradcheck, gradcheck._data as c
        assert gradcheck.__file__.startswith(SITE), gradcheck.__file__
        assert "_fixtures" in str(c.data_dir())
        for name in gradcheck.case_names():
            case = gradcheck.load_case(name)
            assert case.expected["grads"], name
        from gradcheck._data import examples_dir
        assert str(examples_dir()).startswith(SITE), examples_dir()
        assert (examples_dir() / "correct" / "neural_network.py").is_file()
        print(len(gradcheck.case_names()))
        """
    ).replace("SITE", repr(str(target)))
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)},
        check=True, capture_output=True, text=True,
    )
    assert out.stdout.strip() == str(len(gradcheck.case_names()))
