"""Writes the example notebooks of this folder with nbformat: python examples/notebooks/make_notebooks.py.

- ``neural_networks_demystified.ipynb``: the notes' class as the Welch lessons write it, after
  ``%pylab inline`` (bare ``dot``, ``exp``, numpy's ``sum``), with a training and a plotting cell. Correct.
- ``step_by_step/Building_your_Deep_Neural_Network_Step_by_Step.ipynb``: the Coursera notebook's shape:
  helper and test-case imports (and h5py) in the first cell, each graded function followed by a cell
  that calls the course's test, then a data-loading and a training cell. Correct.
- ``wrong_q11.ipynb``: the Welch notebook with the notes' Q11 answer, dJdW2 = a2^T. Wrong.
"""
import ast
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent

WELCH_CLASS = '''class Neural_Network(object):
    def __init__(self):
        # Define hyperparameters
        self.inputLayerSize = 2
        self.outputLayerSize = 1
        self.hiddenLayerSize = 3

        # Weights (parameters)
        self.W1 = randn(self.inputLayerSize, self.hiddenLayerSize)
        self.W2 = randn(self.hiddenLayerSize, self.outputLayerSize)

    def forward(self, X):
        # Propagate inputs through the network
        self.z2 = dot(X, self.W1)
        self.a2 = self.sigmoid(self.z2)
        self.z3 = dot(self.a2, self.W2)
        yHat = self.sigmoid(self.z3)
        return yHat

    def sigmoid(self, z):
        return 1 / (1 + exp(-z))

    def sigmoidPrime(self, z):
        return exp(-z) / ((1 + exp(-z)) ** 2)

    def costFunction(self, X, y):
        self.yHat = self.forward(X)
        J = 0.5 * sum((y - self.yHat) ** 2)  # numpy's sum, after %pylab: a scalar
        return J

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = dot(self.a2.T, delta3)
        delta2 = dot(delta3, self.W2.T) * self.sigmoidPrime(self.z2)
        dJdW1 = dot(X.T, delta2)
        return dJdW1, dJdW2'''


def welch(cls: str, title: str):
    return new_notebook(cells=[
        new_markdown_cell(f"# {title}"),
        new_code_cell("%pylab inline"),
        new_markdown_cell("Hours of sleep and hours of study, and the test score."),
        new_code_cell("X = array(([3, 5], [5, 1], [10, 2]), dtype=float)\ny = array(([75], [82], [93]), dtype=float)\n"
                      "X = X / amax(X, axis=0)\ny = y / 100"),
        new_code_cell(cls),
        new_markdown_cell("Train by gradient descent, then look at the sigmoid."),
        new_code_cell("NN = Neural_Network()\nscalar = 3\nfor i in range(1000):\n    dJdW1, dJdW2 = NN.costFunctionPrime(X, y)\n"
                      "    NN.W1 = NN.W1 - scalar * dJdW1\n    NN.W2 = NN.W2 - scalar * dJdW2\nprint(NN.costFunction(X, y))"),
        new_code_cell("testValues = arange(-5, 5, 0.01)\nplot(testValues, NN.sigmoid(testValues), linewidth=2)\n"
                      "plot(testValues, NN.sigmoidPrime(testValues), linewidth=2)\ngrid(1)\nlegend(['sigmoid', 'sigmoidPrime'])"),
    ])


def step_by_step():
    source = (EXAMPLES / "correct" / "deep_l_layer.py").read_text()
    functions = {n.name: ast.get_source_segment(source, n) for n in ast.parse(source).body
                 if isinstance(n, ast.FunctionDef)}
    cells = [new_markdown_cell("# Building your Deep Neural Network: Step by Step\n\n## 1 - Packages"),
             new_code_cell("import numpy as np\nimport h5py\nimport matplotlib.pyplot as plt\nfrom testCases import *\n"
                           "from dnn_utils import sigmoid, sigmoid_backward, relu, relu_backward\n\n%matplotlib inline\n"
                           "plt.rcParams['figure.figsize'] = (5.0, 4.0)\n\n%load_ext autoreload\n%autoreload 2\n\n"
                           "np.random.seed(1)")]
    for name, code in functions.items():
        if name in ("sigmoid", "relu", "relu_backward", "sigmoid_backward"):
            continue
        cells += [new_markdown_cell(f"### {name}"), new_code_cell(f"# GRADED FUNCTION: {name}\n\n{code}"),
                  new_code_cell(f"t_args = {name}_test_case()\nprint({name}(*t_args))")]
    cells += [new_markdown_cell("## Load the data and train"),
              new_code_cell("train_x_orig, train_y, test_x_orig, test_y, classes = load_data()"),
              new_code_cell("costs = []\nfor i in range(2500):\n    AL, caches = L_model_forward(train_x_orig, parameters)\n"
                            "    costs.append(compute_cost(AL, train_y))")]
    return new_notebook(cells=cells)


if __name__ == "__main__":
    nbformat.write(welch(WELCH_CLASS, "Neural Networks Demystified, part 4"), HERE / "neural_networks_demystified.ipynb")
    nbformat.write(welch(WELCH_CLASS.replace("dJdW2 = dot(self.a2.T, delta3)", "dJdW2 = self.a2.T"),
                         "Neural Networks Demystified, part 4 (the Q11 answer: wrong)"), HERE / "wrong_q11.ipynb")
    nbformat.write(step_by_step(), HERE / "step_by_step" / "Building_your_Deep_Neural_Network_Step_by_Step.ipynb")
