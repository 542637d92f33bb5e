"""The ``[hypothesis]`` item: each implementation on networks drawn by Hypothesis (issue 6).

``GRADCHECK_TEST_EXAMPLES`` sets how many networks the correct submissions are run on (default 500,
the number issue 6 asks for), as in test_strategies.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

# As in test_plugin.py: keep jax (and the oracles' modules) imported for the whole session, since
# pytester drops what an in-process run imported and a second import of jaxlib aborts the process.
import gradcheck.oracles.jax  # noqa: F401
import gradcheck.students.drawn as drawn
from gradcheck.students.recognise import recognise

from ._examples import EXAMPLES
from ._examples import copy_example as _copy

FD = "--gradcheck-oracles=fd"
FEW = "--gradcheck-examples=20"
CORRECT_EXAMPLES = int(os.environ.get("GRADCHECK_TEST_EXAMPLES", "500"))


def _write(pytester: pytest.Pytester, dest: str, source: str) -> Path:
    path = pytester.path / dest
    path.write_text(textwrap.dedent(source))
    return path


def _failure(result: pytest.RunResult, name: str) -> str:
    """The text of one item's failure section."""
    out = result.stdout.str()
    start = out.index(f" {name} (")
    end = min(i for i in (out.find("\n____", start), out.find("\n====", start)) if i != -1)
    return out[start:end]


def _implementation(example: str, name: str):
    spec = importlib.util.spec_from_file_location(f"_example_{Path(example).stem}", EXAMPLES / example)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(i for i in recognise(module) if i.name == name)


BACKPROP_OFF_BY_ONE_PERCENT = """
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def backprop(X, y, W1, W2):
        a2 = sigmoid(X @ W1)
        yHat = sigmoid(a2 @ W2)
        delta3 = -(y - yHat) * yHat * (1 - yHat)
        delta2 = delta3 @ W2.T * a2 * (1 - a2)
        return 1.01 * (X.T @ delta2), a2.T @ delta3
"""

BACKPROP_RESHAPES_W2 = """
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def backprop(X, y, W1, W2):
        a2 = sigmoid(X @ W1)
        yHat = sigmoid(a2 @ W2)
        delta3 = -(y - yHat) * yHat * (1 - yHat)
        delta2 = delta3 @ W2.reshape(1, 3) * a2 * (1 - a2)
        return X.T @ delta2, a2.T @ delta3
"""


# The two wrong examples of issue 6 ---------------------------------------------------------


def test_code_hard_wired_to_three_hidden_units_passes_the_notes_cases_and_fails_hypothesis_as_hard_wired(pytester):
    _copy(pytester, "wrong/hard_wired_three_hidden.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-v")
    for case in ("single-example", "three-examples", "single-example-asymmetric", "three-examples-asymmetric"):
        result.stdout.fnmatch_lines([f"homework.py::Neural_Network[[]{case}[]] PASSED*"])
    # Its other items still run: the distinct-dims case (5 hidden units) fails them too.
    result.stdout.fnmatch_lines(["homework.py::Neural_Network[[]distinct-dims[]] FAILED*",
                                 "homework.py::Neural_Network[[]hypothesis[]] FAILED*"])
    text = _failure(result, "Neural_Network[hypothesis]")
    assert "Neural_Network on networks drawn by Hypothesis (" in text
    assert ("hard-wired to hiddenLayerSize = 3: the code gives right gradients there, and raises or returns "
            "missing or misshapen gradients whenever it changes.") in text
    dims = re.search(r"Fails on a drawn network of welch \((.*?)\), found after \d+ examples? \(seed 0\) and "
                     r"shrunk to the smallest that fails:", text)
    assert dims and "hiddenLayerSize=3" not in dims.group(1), text
    assert re.search(r"  dJdW1 has shape \(\d, 3\) but must be \(inputLayerSize, hiddenLayerSize\) = \(\d, \d\), "
                     r"the shape of W1", text), text
    assert "The smallest failing case, as code:" in text
    assert "from homework import Neural_Network" in text
    assert "dJdW1, dJdW2 = net.costFunctionPrime(X, y)" in text
    assert "Reproduce: pytest --gradcheck homework.py --gradcheck-seed=0 --gradcheck-examples=50" in text


def test_code_that_transposes_a_square_W1_passes_every_fixed_case_and_fails_hypothesis_with_a_2x2_W1(pytester):
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-v")
    result.assert_outcomes(passed=7, failed=1)  # 5 cases, [shapes], [interface]; only [hypothesis] fails
    text = _failure(result, "Neural_Network[hypothesis]")
    assert "inputLayerSize=2, hiddenLayerSize=2" in text
    assert re.search(r"  dJdW1 \(the gradient of W1\): Mismatched elements: \d / 4", text), text
    assert re.search(r"worst dJdW1\[\d, \d\]: yours \S+ +expected \S+", text), text
    assert re.search(r"oracles at dJdW1\[\d, \d\]: analytic backward \S+, central difference \S+ ±\S+: both agree", text), text
    assert "hard-wired" not in text


def test_the_failure_says_which_oracles_agree_jax_included_when_selected(pytester):
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", "-k", "hypothesis")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.re_match_lines([r".*oracles at dJdW1\[\d, \d\]: analytic backward \S+, central difference \S+ ±\S+, "
                                  r"jax \S+: all agree"])


# Correct code ------------------------------------------------------------------------------


@pytest.mark.parametrize(("example", "name", "examples"), [
    ("correct/neural_network.py", "Neural_Network", CORRECT_EXAMPLES),
    ("correct/deep_l_layer.py", "L_model_backward", CORRECT_EXAMPLES),
    # test_strategies.py runs these styles on 500 networks; here their adapters, on fewer.
    ("correct/neural_network_regularised.py", "Neural_Network", min(CORRECT_EXAMPLES, 100)),
    ("correct/gradient_checking.py", "backward_propagation_n", min(CORRECT_EXAMPLES, 100)),
    ("correct/registered.py", "scalar_net_gradient", CORRECT_EXAMPLES),
])
def test_correct_submissions_pass_500_drawn_networks(example, name, examples):
    # Through the library rather than pytester: the same check, without an inner session per run.
    result = drawn.check_drawn(_implementation(example, name), examples=examples, seed=2026, use_jax=False)
    assert result.ok and not result.unconfirmed, result.message
    assert result.examples == examples


def test_a_correct_submission_passes_its_hypothesis_item(pytester):
    _copy(pytester, "correct/neural_network_snake.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "hypothesis", "-v")
    result.stdout.fnmatch_lines(["homework.py::NeuralNetwork[[]hypothesis[]] PASSED*"])


# Seeds, reproduction, options ------------------------------------------------------------


def test_the_seed_is_in_the_header_and_in_the_failure(pytester):
    _write(pytester, "homework.py", BACKPROP_RESHAPES_W2)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "--gradcheck-seed=7", "-k", "hypothesis")
    result.stdout.fnmatch_lines([
        "gradcheck: 1 submission, * each [[]hypothesis[]] item draws up to 20 networks (--gradcheck-examples=20) "
        "with --gradcheck-seed=7",
        "backprop on networks drawn by Hypothesis (* drawn, --gradcheck-seed=7):",
        "*found after * (seed 7)*",
        "Reproduce: pytest --gradcheck homework.py --gradcheck-seed=7 --gradcheck-examples=20 "
        "-k 'backprop and hypothesis'",
    ])


def test_the_same_seed_gives_the_same_failure_word_for_word(pytester):
    _write(pytester, "homework.py", BACKPROP_OFF_BY_ONE_PERCENT)
    texts = []
    for _ in range(2):
        result = pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "--gradcheck-seed=3", "-k", "hypothesis")
        texts.append(_failure(result, "backprop[hypothesis]"))
    assert texts[0] == texts[1]
    other = pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "--gradcheck-seed=4", "-k", "hypothesis")
    assert _failure(other, "backprop[hypothesis]") != texts[0]


def test_under_a_derandomised_profile_the_item_repeats_too(pytester):
    from hypothesis import settings

    _write(pytester, "homework.py", BACKPROP_OFF_BY_ONE_PERCENT)
    previous = settings.get_current_profile_name()
    settings.register_profile("test-ci-like", derandomize=True, deadline=None)
    settings.load_profile("test-ci-like")
    try:
        texts = [_failure(pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "-k", "hypothesis"),
                          "backprop[hypothesis]") for _ in range(2)]
    finally:
        settings.load_profile(previous)
    assert texts[0] == texts[1] and "--gradcheck-seed=0" in texts[0]


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_number_of_examples_below_one_is_rejected(pytester, value):
    result = pytester.runpytest(f"--gradcheck-examples={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--gradcheck-examples: '{value}' is not a whole number of at least 1*"])


# Student code misbehaving on drawn networks ------------------------------------------------


def test_an_exception_on_a_drawn_network_shows_the_students_own_traceback(pytester):
    _write(pytester, "homework.py", BACKPROP_RESHAPES_W2)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "-k", "hypothesis")
    text = _failure(result, "backprop[hypothesis]")
    assert "backprop(X, y, W1, W2) raised ValueError on case drawn-welch-" in text
    assert "your traceback (gradcheck's frames hidden)" in text
    assert re.search(r'homework\.py", line 11, in backprop\n +delta2 = delta3 @ W2\.reshape\(1, 3\)', text), text
    assert "conventions.py" not in text and "strategies.py" not in text
    assert "hard-wired to hiddenLayerSize = 3, outputLayerSize = 1" in text


def test_code_that_hangs_on_some_drawn_network_stops_the_search_at_the_timeout(pytester):
    _write(pytester, "homework.py", """
        import time
        import numpy as np

        def sigmoid(z):
            return 1 / (1 + np.exp(-z))

        def backprop(X, y, W1, W2):
            if W1.shape[1] != 3:
                time.sleep(30)
            a2 = sigmoid(X @ W1)
            yHat = sigmoid(a2 @ W2)
            delta3 = -(y - yHat) * yHat * (1 - yHat)
            return X.T @ (delta3 @ W2.T * a2 * (1 - a2)), a2.T @ delta3
    """)
    result = pytester.runpytest("--gradcheck", "homework.py", FD, FEW, "--gradcheck-timeout=0.2", "-k", "hypothesis")
    result.assert_outcomes(failed=1, deselected=6)
    result.stdout.fnmatch_lines([
        "backprop(X, y, W1, W2) did not return within --gradcheck-timeout=0.2 s on a drawn network of welch*",
        "The failing case, as code:",
    ])


def test_a_broken_submission_fails_its_import_item_only_and_gets_no_hypothesis_item(pytester):
    _copy(pytester, "wrong/syntax_error.py", "broken.py")
    result = pytester.runpytest("--gradcheck", "broken.py", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["broken.py::import"])
    assert "hypothesis" not in result.stdout.str()


def test_a_cs231n_net_without_a_reference_model_gets_a_hypothesis_item_on_drawn_constructor_sizes(pytester):
    _copy(pytester, "correct/two_layer_net.py", "net.py")
    result = pytester.runpytest("--gradcheck", "net.py", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["net.py::TwoLayerNet[[]reg-0[]]", "net.py::TwoLayerNet[[]reg-0.1[]]",
                                 "net.py::TwoLayerNet[[]hypothesis[]]"])


# Confirmation by independent oracles --------------------------------------------------------


def test_a_failure_the_oracles_do_not_confirm_is_not_held_against_the_student(pytester, monkeypatch):
    def disagreeing(case, mismatches, *, use_jax=True):
        return [drawn.Confirmation(mm.param, tuple(mm.index), mm.got,
                                   {"analytic": mm.expected, "fd": mm.got},
                                   {"analytic": mm.tolerance, "fd": 1e-9})
                for mm in mismatches if mm.kind == "value"]

    monkeypatch.setattr(drawn, "confirm", disagreeing)
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "hypothesis", "-rs")
    result.assert_outcomes(skipped=1, deselected=7)
    result.stdout.fnmatch_lines(["*gradcheck's oracles do not confirm the failure on a drawn network of welch*"])


@pytest.mark.parametrize(("values", "yours", "agreeing", "confirmed"), [
    ({"analytic": 1.0, "fd": 1.0 + 1e-10, "jax": 1.0}, 2.0, ["analytic", "fd", "jax"], True),
    ({"analytic": 1.0, "fd": 2.0, "jax": 1.0}, 2.0, ["analytic", "jax"], True),
    ({"analytic": 1.0, "fd": 2.0, "jax": 2.0}, 2.0, ["fd", "jax"], False),
    ({"analytic": 1.0, "fd": 2.0}, 3.0, ["analytic"], False),
    ({"analytic": 1.0, "fd": 1.0}, float("nan"), ["analytic", "fd"], True),
], ids=["all-agree", "fd-off", "analytic-off", "none-agree", "yours-nan"])
def test_a_failure_is_confirmed_only_when_two_oracles_agree_and_the_student_differs(values, yours, agreeing, confirmed):
    errors = {"analytic": 1e-15, "fd": 1e-8, "jax": 1e-15}
    c = drawn.Confirmation("W1", (0, 1), yours, values, {k: errors[k] for k in values})
    assert c.agreeing == agreeing and c.confirmed is confirmed


def test_the_grader_report_records_the_seed_and_the_smallest_case(pytester):
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "hypothesis", "--gradcheck-report=grades.json")
    [impl] = json.loads((pytester.path / "grades.json").read_text())["submissions"][0]["implementations"]
    [item] = impl["checks"]
    assert item["check"] == "hypothesis" and item["outcome"] == "failed"
    found = item["hypothesis"]
    assert found["seed"] == 0 and found["wrong"] == ["W1"] and found["dims"]["hiddenLayerSize"] == 2
    assert found["case"].startswith("import numpy as np")
    assert found["agreeing"] == {"W1": ["analytic", "fd"]}


def test_with_the_jax_oracle_unselected_a_failing_item_never_imports_jax(pytester):
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    pytester.makeconftest("""
        import sys

        def pytest_terminal_summary(terminalreporter):
            terminalreporter.write_line(f"jax imported: {'jax' in sys.modules}")
    """)
    result = pytester.runpytest_subprocess("--gradcheck", "homework.py", FD, "-k", "hypothesis", "-p", "no:randomly")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(["*oracles at dJdW1*: analytic backward *, central difference * ±*: both agree",
                                 "jax imported: False"])


def test_the_smallest_failing_case_printed_as_code_runs_and_shows_the_wrong_gradient(pytester):
    _copy(pytester, "wrong/transposes_square_w1.py", "homework.py")
    result = pytester.runpytest("--gradcheck", "homework.py", FD, "-k", "hypothesis")
    text = _failure(result, "Neural_Network[hypothesis]")
    code = textwrap.dedent(text.split("as code:\n", 1)[1].split("\nReproduce:", 1)[0])
    (pytester.path / "repro.py").write_text(code)
    run = pytester.run(sys.executable, "repro.py")
    assert run.ret == 0, run.stderr.str()
    off = dict(re.findall(r"^(dJdW\d) is off by (\S+)$", run.stdout.str(), re.M))
    assert float(off["dJdW1"]) > 1e-9 and float(off["dJdW2"]) < 1e-12, run.stdout.str()


def _rewriters() -> list:
    return [h for h in sys.meta_path if type(h).__module__ == "_pytest.assertion.rewrite"]


def test_hypothesis_is_imported_past_pytests_assertion_rewriting_which_comes_back_where_it_was():
    from gradcheck.plugin.session import _without_assertion_rewriting

    before = list(sys.meta_path)
    assert _rewriters(), "pytest's rewriting hook should be installed while the suite runs"
    with pytest.raises(RuntimeError), _without_assertion_rewriting():
        assert not _rewriters()
        raise RuntimeError("an import failed")
    assert sys.meta_path == before
