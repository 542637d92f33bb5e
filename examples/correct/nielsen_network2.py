"""Nielsen's network2.py (chapter 3), in Python 3: Network(sizes, cost=CrossEntropyCost). Correct.

The cost classes have static fn(a, y) and delta(z, a, y); backprop asks the cost for the output
error, so the class is checked once with each cost class (regularisation is in the update only).
"""
import numpy as np


class QuadraticCost(object):

    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost(object):

    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y


class Network(object):

    def __init__(self, sizes, cost=CrossEntropyCost):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.default_weight_initializer()
        self.cost = cost

    def default_weight_initializer(self):
        self.biases = [np.random.randn(n, 1) for n in self.sizes[1:]]
        self.weights = [np.random.randn(n, m) / np.sqrt(m) for m, n in zip(self.sizes[:-1], self.sizes[1:])]

    def feedforward(self, a):
        for bias, weight in zip(self.biases, self.weights):
            a = sigmoid(weight @ a + bias)
        return a

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        sum_b = [np.zeros(bias.shape) for bias in self.biases]
        sum_w = [np.zeros(weight.shape) for weight in self.weights]
        for x, y in mini_batch:
            db, dw = self.backprop(x, y)
            sum_b = [s + d for s, d in zip(sum_b, db)]
            sum_w = [s + d for s, d in zip(sum_w, dw)]
        self.weights = [(1 - eta * (lmbda / n)) * weight - (eta / len(mini_batch)) * s
                        for weight, s in zip(self.weights, sum_w)]
        self.biases = [bias - (eta / len(mini_batch)) * s for bias, s in zip(self.biases, sum_b)]

    def backprop(self, x, y):
        activations, zs = [x], []
        for bias, weight in zip(self.biases, self.weights):
            zs.append(weight @ activations[-1] + bias)
            activations.append(sigmoid(zs[-1]))
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        delta = (self.cost).delta(zs[-1], activations[-1], y)
        for layer in range(len(self.weights) - 1, -1, -1):
            if layer < len(self.weights) - 1:
                delta = (self.weights[layer + 1].T @ delta) * sigmoid_prime(zs[layer])
            nabla_b[layer] = delta
            nabla_w[layer] = delta @ activations[layer].T
        return (nabla_b, nabla_w)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))
