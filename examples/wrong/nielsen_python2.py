"""Nielsen's network.py as the book's repository has it, in Python 2 (print statements, xrange): it needs a port.

weights[l] is (sizes[l+1], sizes[l]), biases[l] is (sizes[l+1], 1); the quadratic cost; backprop
returns (nabla_b, nabla_w) for one example, layer by layer, shaped like biases and weights.
"""
import random

import numpy as np


class Network(object):

    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.random.randn(rows, 1) for rows in sizes[1:]]
        self.weights = [np.random.randn(rows, cols) for cols, rows in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for bias, weight in zip(self.biases, self.weights):
            a = sigmoid(np.dot(weight, a) + bias)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta):
        training_data = list(training_data)
        for j in xrange(epochs):
            random.shuffle(training_data)
            print "Epoch {0} complete".format(j)
            for k in range(0, len(training_data), mini_batch_size):
                self.update_mini_batch(training_data[k:k + mini_batch_size], eta)

    def update_mini_batch(self, mini_batch, eta):
        total_b = [np.zeros(bias.shape) for bias in self.biases]
        total_w = [np.zeros(weight.shape) for weight in self.weights]
        for x, y in mini_batch:
            delta_b, delta_w = self.backprop(x, y)
            total_b = [tb + db for tb, db in zip(total_b, delta_b)]
            total_w = [tw + dw for tw, dw in zip(total_w, delta_w)]
        self.weights = [weight - (eta / len(mini_batch)) * tw for weight, tw in zip(self.weights, total_w)]
        self.biases = [bias - (eta / len(mini_batch)) * tb for bias, tb in zip(self.biases, total_b)]

    def backprop(self, x, y):
        nabla_b = [np.zeros(bias.shape) for bias in self.biases]
        nabla_w = [np.zeros(weight.shape) for weight in self.weights]
        activation = x
        activations = [x]
        zs = []
        for bias, weight in zip(self.biases, self.weights):
            z = np.dot(weight, activation) + bias
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, self.num_layers):
            z = zs[-layer]
            delta = np.dot(self.weights[-layer + 1].transpose(), delta) * sigmoid_prime(z)
            nabla_b[-layer] = delta
            nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))
