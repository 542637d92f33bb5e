"""Notebooks as targets: ``pytest --gradcheck homework.ipynb`` (pytester), notebooks written with nbformat.

The notebooks have the shape of the courses' own: the Welch lessons start with ``%pylab inline``
and use numpy's names bare; the Coursera step-by-step notebook imports its helper modules and
h5py in its first cell, then alternates graded functions and cells that call the course's test
cases, and ends by loading data and training. Each is judged as its ``.py`` equivalent is.
"""

from __future__ import annotations

import ast
import builtins
import json
import textwrap
from pathlib import Path

import jax.monitoring  # noqa: F401
import nbformat
import numpy as np
import pytest
import scipy.optimize  # noqa: F401
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import gradcheck.oracles.jax  # noqa: F401  (kept imported across the in-process runs, see test_plugin)
from gradcheck.students.notebook import Cell, pylab_namespace, translate

from ._examples import EXAMPLES

FD = "--gradcheck-oracles=fd"


def _notebook(pytester: pytest.Pytester, dest: str, cells: list[str], *, markdown: bool = True) -> Path:
    """A notebook of these code cells (each after a markdown cell, as course notebooks are), via nbformat."""
    made = []
    for i, source in enumerate(cells):
        if markdown:
            made.append(new_markdown_cell(f"## Step {i + 1}"))
        made.append(new_code_cell(textwrap.dedent(source).strip("\n")))
    path = pytester.path / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=made), str(path))
    return path


def _write(pytester: pytest.Pytester, dest: str, source: str) -> Path:
    path = pytester.path / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def _items(pytester: pytest.Pytester, target: str, *args: str) -> dict[str, str]:
    """Item name (without the file) -> outcome, from the JSON report of one run."""
    report = pytester.path / f"{Path(target).stem}-report.json"
    pytester.runpytest("--gradcheck", target, FD, "--gradcheck-report", str(report), *args)
    data = json.loads(report.read_text())
    return {c["name"]: c["outcome"] for s in data["submissions"]
            for c in [*(c for i in s["implementations"] for c in i["checks"]), *s.get("checks", [])]}


# The notes' class, as the Welch notebook has it: %pylab inline, then bare numpy names ---------------
_WELCH_CLASS = """
class Neural_Network(object):
    def __init__(self):
        self.inputLayerSize = 2
        self.outputLayerSize = 1
        self.hiddenLayerSize = 3
        self.W1 = randn(self.inputLayerSize, self.hiddenLayerSize)
        self.W2 = randn(self.hiddenLayerSize, self.outputLayerSize)

    def forward(self, X):
        self.z2 = dot(X, self.W1)
        self.a2 = self.sigmoid(self.z2)
        self.z3 = dot(self.a2, self.W2)
        return self.sigmoid(self.z3)

    def sigmoid(self, z):
        return 1 / (1 + exp(-z))

    def sigmoidPrime(self, z):
        return exp(-z) / ((1 + exp(-z)) ** 2)

    def costFunction(self, X, y):
        self.yHat = self.forward(X)
        return 0.5 * sum((y - self.yHat) ** 2, axis=0)  # numpy's sum: the builtin takes no axis

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = dot(self.a2.T, delta3)
        delta2 = dot(delta3, self.W2.T) * self.sigmoidPrime(self.z2)
        dJdW1 = dot(X.T, delta2)
        return dJdW1, dJdW2
"""

_WELCH_DATA = """
X = array(([3, 5], [5, 1], [10, 2]), dtype=float)
y = array(([75], [82], [93]), dtype=float)
X = X / amax(X, axis=0)
y = y / 100
"""
_WELCH_TRAIN = """
NN = Neural_Network()
for i in range(1000):
    dJdW1, dJdW2 = NN.costFunctionPrime(X, y)
    NN.W1 = NN.W1 - 3 * dJdW1
    NN.W2 = NN.W2 - 3 * dJdW2
"""
_WELCH_PLOT = """
testValues = arange(-5, 5, 0.01)
plot(testValues, NN.sigmoid(testValues), linewidth=2)
grid(1)
legend(['sigmoid'])
"""


def _welch(pytester, dest="homework.ipynb", cls=_WELCH_CLASS, pylab="%pylab inline"):
    return _notebook(pytester, dest, [pylab, _WELCH_DATA, cls, _WELCH_TRAIN, _WELCH_PLOT])


def test_a_pylab_notebook_is_judged_as_its_py_equivalent(pytester):
    _welch(pytester)
    _write(pytester, "homework_py.py", "from numpy import *\nfrom numpy.random import randn\n" + _WELCH_CLASS)
    notebook = _items(pytester, "homework.ipynb")
    module = _items(pytester, "homework_py.py")
    assert notebook == module
    assert notebook and set(notebook.values()) == {"passed"}
    assert "Neural_Network[interface]" in notebook  # costFunction ran, with numpy's sum


def test_pylab_gives_numpys_names_bare_as_pylab_does():
    names = pylab_namespace()
    assert names["sum"] is np.sum and names["sum"] is not builtins.sum
    assert names["exp"] is np.exp and names["dot"] is np.dot and names["randn"] is np.random.randn
    assert names["np"] is np


def test_without_pylab_the_bare_names_fail_with_the_cell_and_line_named(pytester):
    _welch(pytester, pylab="import numpy as np")
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "-k", "three-examples and not asym")
    result.assert_outcomes(failed=1, deselected=7)
    # cell 3 is the class (code cells count from 1; the markdown cells between are not counted)
    result.stdout.fnmatch_lines(['*File "*homework.ipynb", cell 3, line 6, in __init__',
                                 "*self.W1 = randn(self.inputLayerSize, self.hiddenLayerSize)",
                                 "NameError: name 'randn' is not defined"])


def test_cells_that_train_plot_or_load_data_are_not_run_and_the_header_says_why(pytester):
    _notebook(pytester, "homework.ipynb", [
        "%pylab inline", _WELCH_DATA, _WELCH_CLASS + "\n\ndef data_shape():\n    return training_data.shape",
        "training_data = load('training_data.npy')",
        _WELCH_TRAIN + "\nraise RuntimeError('this cell must not run')", _WELCH_PLOT,
    ])
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "--gradcheck-report", "grades.json")
    outcomes = result.parseoutcomes()
    assert outcomes == {"passed": 8}
    [graded] = json.loads((pytester.path / "grades.json").read_text())["submissions"]
    assert [line.split(" (", 1)[0] for line in graded["notebook_not_run"]] == ["cell 2", "cell 4", "cell 5", "cell 6"]
    assert "not run: loads data" in graded["notebook_not_run"][1]
    result.stdout.fnmatch_lines([
        "gradcheck: homework.ipynb: ran its imports, definitions and the assignments they use "
        "(--gradcheck-notebook=all runs every cell)",
        "  cell 2 (X = array(([[]3, 5], [[]5, 1], [[]10, 2]), dtype=float)) not run: not needed for grading (line 1: *",
        "  cell 4 (training_data = load('training_data.npy')) not run: loads data (line 1: training_data = load(*",
        "  cell 5 (NN = Neural_Network()) not run: not needed for grading (line 1: NN = Neural_Network()*), "
        "trains (line 2: for i in range(1000):)",
        "  cell 6 (testValues = arange(-5, 5, 0.01)) not run: not needed for grading (*), plots (line 2: plot(*",
    ])


def test_all_runs_every_cell_in_order_and_a_raising_cell_fails_the_import(pytester):
    _notebook(pytester, "homework.ipynb", ["%pylab inline", _WELCH_CLASS,
                                           "print('training')\nraise RuntimeError('the data file is missing')"])
    pytester.makeini("[pytest]\ngradcheck_notebook = all\n")
    _notebook(pytester, "agg.ipynb", [  # as the student's Run All: display() works, matplotlib opens no window
        "import os\n%pylab inline\ndisplay('starting')", _WELCH_CLASS,
        "assert os.environ['MPLBACKEND'] == 'Agg', os.environ['MPLBACKEND']\n%time x = 1\nassert x == 1"])
    agg = pytester.runpytest("--gradcheck", "agg.ipynb", FD)
    agg.assert_outcomes(passed=8)
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "--gradcheck-notebook", "all")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "gradcheck: homework.ipynb: ran every cell in order (--gradcheck-notebook=all)",
        "homework.ipynb's cells cannot be run, so none of its gradients can be checked:",
        '*File "*homework.ipynb", cell 3, line 2, in <module>',
        "RuntimeError: the data file is missing",
    ])
    needed = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "--gradcheck-notebook=needed")
    assert needed.parseoutcomes() == {"passed": 8}


def test_the_ini_setting_chooses_the_policy_and_the_command_line_wins(pytester):
    _notebook(pytester, "homework.ipynb", ["%pylab inline", _WELCH_CLASS, "raise RuntimeError('plotting')"])
    pytester.makeini("[pytest]\ngradcheck_notebook = all\n")
    by_ini = pytester.runpytest("--gradcheck", "homework.ipynb", FD)
    by_ini.assert_outcomes(failed=1)
    overridden = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "--gradcheck-notebook=needed")
    assert "failed" not in overridden.parseoutcomes()
    pytester.makeini("[pytest]\ngradcheck_notebook = some\n")
    bad = pytester.runpytest("--gradcheck", "homework.ipynb", FD)
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*ini setting gradcheck_notebook = 'some': 'some' is not a notebook policy: choose needed*"])


def test_a_cell_with_a_syntax_error_is_the_import_verdict_naming_the_cell(pytester):
    _notebook(pytester, "homework.ipynb", ["%pylab inline", _WELCH_CLASS, "for i in range(3)\n    print(i)"])
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["homework.ipynb's cells cannot be run*", '*File "*homework.ipynb", cell 3, line 1',
                                 "SyntaxError: expected ':'"])


def test_a_wrong_notebook_names_the_mistake_and_the_cell(pytester):
    wrong = _WELCH_CLASS.replace("dJdW2 = dot(self.a2.T, delta3)", "dJdW2 = self.a2.T")
    _welch(pytester, cls=wrong)
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "-k", "three-examples and not asym")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines([
        "*Neural_Network[[]three-examples[]] (homework.ipynb, cell 3, line 1)*",
        "likely mistake: dJdW2 is (a2)^T, which is dz3/dW2: delta3 was dropped*",
    ])


def test_a_notebook_that_is_not_json_or_of_an_unknown_version_is_a_usage_error(pytester):
    _write(pytester, "broken.ipynb", '{"cells": [')
    result = pytester.runpytest("--gradcheck", "broken.ipynb")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --gradcheck broken.ipynb: broken.ipynb is not a notebook: its JSON does not "
                                 "parse*Give a .py file, a .ipynb notebook, a folder of them, or a dotted module name."])
    _write(pytester, "future.ipynb", json.dumps({"cells": [], "metadata": {}, "nbformat": 99, "nbformat_minor": 0}))
    result = pytester.runpytest("--gradcheck", "future.ipynb")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --gradcheck future.ipynb: future.ipynb is not a notebook nbformat * can read*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_in_a_folder_the_failure_header_names_the_students_notebook_and_cell(pytester):
    _welch(pytester, "alice/homework.ipynb", cls=_WELCH_CLASS.replace("dJdW2 = dot(self.a2.T, delta3)", "dJdW2 = self.a2.T"))
    _welch(pytester, "bob/homework.ipynb")
    result = pytester.runpytest("--gradcheck", "alice", "--gradcheck", "bob", FD, "-k", "three-examples and not asym")
    result.assert_outcomes(failed=1, passed=1, deselected=14)
    result.stdout.fnmatch_lines(["*Neural_Network[[]three-examples[]] (alice/homework.ipynb, cell 3, line 1)*"])


def test_in_a_folder_a_broken_notebook_fails_its_own_import_item_only(pytester):
    _write(pytester, "alice/homework.ipynb", '{"cells": [')
    _welch(pytester, "bob/homework.ipynb")
    result = pytester.runpytest("--gradcheck", "alice", "--gradcheck", "bob", FD)
    result.assert_outcomes(failed=1, passed=8)
    result.stdout.fnmatch_lines(["homework.ipynb's cells cannot be run, so none of its gradients can be checked:",
                                 "NotebookError: homework.ipynb is not a notebook: its JSON does not parse*"])


# The Coursera step-by-step notebook: helpers beside it, h5py, test-case cells, data and training ----------
_DEEP = (EXAMPLES / "correct" / "deep_l_layer.py").read_text()
_DEEP_FUNCTIONS = {n.name: ast.get_source_segment(_DEEP, n) for n in ast.parse(_DEEP).body
                   if isinstance(n, ast.FunctionDef)}
_UTILS = ("sigmoid", "relu", "relu_backward", "sigmoid_backward")


def _coursera(pytester, folder: str = "") -> None:
    _write(pytester, f"{folder}dnn_utils.py", "import numpy as np\n\n\n" + "\n\n\n".join(_DEEP_FUNCTIONS[n] for n in _UTILS))
    _write(pytester, f"{folder}public_tests.py", "from dlai_tools.testing_utils import single_test\n")
    graded = [n for n in _DEEP_FUNCTIONS if n not in _UTILS]
    cells = ["""
        import numpy as np
        import h5py
        from testCases import *
        from dnn_utils import sigmoid, sigmoid_backward, relu, relu_backward
        from public_tests import *

        %matplotlib inline
        %load_ext autoreload
        %autoreload 2

        np.random.seed(1)
    """]
    for name in graded:
        cells += [f"# GRADED FUNCTION: {name}\n\n{_DEEP_FUNCTIONS[name]}",
                  f"t_A, t_cache = {name}_test_case()\nprint(t_A)\n\n{name}_test({name})"]
    cells += ["train_x_orig, train_y, test_x_orig, test_y, classes = load_data()",
              "layers_dims = [12288, 20, 7, 5, 1]",
              "parameters, costs = L_layer_model(train_x_orig, train_y, layers_dims, num_iterations=2500)"]
    _notebook(pytester, f"{folder}Building_your_Deep_Neural_Network_Step_by_Step.ipynb", cells)
    _write(pytester, f"{folder}step_by_step.py", "import numpy as np\nfrom dnn_utils import sigmoid, sigmoid_backward, "
           "relu, relu_backward\n\n\n" + "\n\n\n".join(_DEEP_FUNCTIONS[n] for n in graded))


def test_the_coursera_notebook_is_judged_as_its_py_equivalent_and_the_missing_imports_reported(pytester):
    _coursera(pytester)
    target = "Building_your_Deep_Neural_Network_Step_by_Step.ipynb"
    notebook = _items(pytester, target)
    assert notebook == _items(pytester, "step_by_step.py")
    assert notebook and set(notebook.values()) == {"passed"}
    result = pytester.runpytest("--gradcheck", target, FD, "-k", "nothing")
    result.stdout.fnmatch_lines([
        "  cell 1 (import numpy as np) partly run: raised (line 2: ModuleNotFoundError: No module named 'h5py'; "
        "line 3: ModuleNotFoundError: No module named 'testCases'; ...), not needed for grading (line 11: *",
        "  cell 3 (t_A, t_cache = linear_forward_test_case()) not run: not needed for grading (*",
        "  cell 15 (t_A, t_cache = L_model_backward_test_case()) not run: not needed for grading (*",
        "  cell 16 (train_x_orig, train_y, test_x_orig, test_y, classes = loa...) not run: loads data (*",
        "  cell 17 (layers_dims = [[]12288, 20, 7, 5, 1]) not run: not needed for grading (*",
        "  cell 18 (parameters, costs = L_layer_model(train_x_orig, train_y, ...) not run: trains (*",
    ])


def test_a_folder_of_notebooks_grades_each_and_not_the_course_helpers(pytester):
    _coursera(pytester, "alice/")
    (pytester.path / "alice" / "step_by_step.py").unlink()
    _welch(pytester, "bob/homework.ipynb")
    result = pytester.runpytest("--gradcheck", "alice", "--gradcheck", "bob", FD, "-v")
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and "skipped" not in outcomes and outcomes["passed"] == 17
    text = result.stdout.str()
    assert "alice/Building_your_Deep_Neural_Network_Step_by_Step.ipynb::L_model_backward" in text
    assert "bob/homework.ipynb::Neural_Network" in text
    assert "dnn_utils.py::" not in text and "public_tests.py::" not in text


@pytest.mark.parametrize(
    ("line", "python"),
    [("!pip install h5py", "pass"), ("%matplotlib inline", "pass"), ("files = !ls", "pass"),
     ("np.dot?", "pass"), ("    %time x = 1", "    x = 1"), ("%timeit -n 3 f(x)", "f(x)"), ("x = 5 % 3", "x = 5 % 3"), ("a != b", "a != b")],
    ids=lambda v: v,
)
def test_ipython_lines_are_left_out_and_python_kept(line, python):
    assert translate(Cell(1, line)).python == python


def test_a_cell_magic_without_python_is_not_run_and_time_runs_its_body():
    assert translate(Cell(1, "%%bash\nls -l")).not_python == "%%bash cell"
    assert translate(Cell(1, "%%time\nx = 1")).python == "\nx = 1"


# The bundled example notebooks ---------------------------------------------------------------------
@pytest.mark.parametrize("example", ["neural_networks_demystified.ipynb", "step_by_step"])
def test_the_example_notebooks_pass(pytester, example):
    result = pytester.runpytest("--gradcheck", str(EXAMPLES / "notebooks" / example), FD)
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and "skipped" not in outcomes and outcomes["passed"] >= 7


def test_the_wrong_example_notebook_fails_naming_the_mistake(pytester):
    result = pytester.runpytest("--gradcheck", str(EXAMPLES / "notebooks" / "wrong_q11.ipynb"), FD,
                                "-k", "three-examples and not asym")
    result.assert_outcomes(failed=1, deselected=7)
    result.stdout.fnmatch_lines(["*Neural_Network[[]three-examples[]] (*/wrong_q11.ipynb, cell 3, line 1)*",
                                 "likely mistake: dJdW2 is (a2)^T*"])


def test_under_xdist_a_notebooks_items_and_header_are_the_controllers(pytester):
    _welch(pytester)
    result = pytester.runpytest("--gradcheck", "homework.ipynb", FD, "-n", "2")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["gradcheck: homework.ipynb: ran its imports, definitions*",
                                 "  cell 4 (NN = Neural_Network()) not run: *trains*"])


def test_a_drawn_failure_gives_code_to_run_in_a_cell_after_the_notebooks_definitions(pytester):
    source = (EXAMPLES / "wrong" / "transposes_square_w1.py").read_text()
    cls = source[source.index("class Neural_Network"):]
    _notebook(pytester, "square.ipynb", ["%matplotlib inline\nimport numpy as np", cls])
    result = pytester.runpytest("--gradcheck", "square.ipynb", FD, "-k", "hypothesis")
    result.assert_outcomes(failed=1, deselected=7)
    text = result.stdout.str()
    assert "# your code on it (run this in a cell of square.ipynb, after its definitions)" in text
    assert "import Neural_Network" not in text
    assert "Reproduce: pytest --gradcheck square.ipynb --gradcheck-seed=0" in text
    code = textwrap.dedent(text.split("as code:\n", 1)[1].split("\nReproduce:", 1)[0])
    namespace: dict = {}
    exec(compile("import numpy as np\n" + cls, "square-cells", "exec"), namespace)
    printed = []
    namespace["print"] = lambda *args: printed.append(args)
    exec(compile(code, "the-generated-cell", "exec"), namespace)
    assert printed[0][0] == "dJdW1 is off by" and printed[0][1] > 1e-8


# A .py file whose import fails ---------------------------------------------------------------------
BACKPROP = (EXAMPLES / "correct" / "backprop_function.py").read_text()
SCRIPT_TAIL = """

data = np.loadtxt("grades.csv", delimiter=",")  # the student's data: not in the grader's folder
X, y = data[:, :2], data[:, 2:]
for i in range(1000):
    W1 -= 0.1 * backprop(X, y, W1, W2)["dJdW1"]
"""


def test_a_py_file_that_loads_missing_data_at_the_bottom_is_graded_on_its_definitions(pytester):
    _write(pytester, "homework.py", BACKPROP + SCRIPT_TAIL)
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "--gradcheck-report=r.json")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines([
        "gradcheck: homework.py: importing it raised FileNotFoundError: *; graded on its imports, definitions "
        "and the assignments they use",
        "  homework.py partly run: loads data (line *: data = np.loadtxt(*)*trains (line *: for i in range(1000):)"])
    report = json.loads((pytester.path / "r.json").read_text())
    [sub] = report["submissions"]
    assert sub["not_run"][0].startswith("importing it raised FileNotFoundError"), sub


def test_a_py_file_that_trains_past_the_time_limit_at_import_is_graded_on_its_definitions(pytester):
    _write(pytester, "homework.py", BACKPROP + "\n\nwhile True:  # train until stopped\n    pass\n")
    result = pytester.runpytest("--gradcheck", "homework.py", "--gradcheck-oracles=fd", "--gradcheck-timeout=1")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["gradcheck: homework.py: importing it took longer than --gradcheck-timeout=1 s; *",
                                 "  homework.py partly run: trains (line *: while True:*)"])


def test_a_py_file_whose_definitions_alone_hold_nothing_keeps_its_import_verdict(pytester):
    _write(pytester, "homework.py", "import numpy as np\n\nraise RuntimeError('my data is missing')\n")
    result = pytester.runpytest("--gradcheck", "homework.py")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*homework.py cannot be imported*", "*RuntimeError: my data is missing*"])
