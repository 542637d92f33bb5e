"""The notes' network in snake_case, sizes passed to the constructor. A correct submission."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


class NeuralNetwork:
    def __init__(self, input_layer_size=2, hidden_layer_size=3, output_layer_size=1):
        self.W1 = np.random.randn(input_layer_size, hidden_layer_size)
        self.W2 = np.random.randn(hidden_layer_size, output_layer_size)

    def forward(self, X):
        self.z2 = X @ self.W1
        self.a2 = sigmoid(self.z2)
        self.z3 = self.a2 @ self.W2
        return sigmoid(self.z3)

    def cost_function(self, X, y):
        self.y_hat = self.forward(X)
        return 0.5 * np.sum((y - self.y_hat) ** 2)

    def cost_function_prime(self, X, y):
        self.y_hat = self.forward(X)
        delta3 = -(y - self.y_hat) * sigmoid_prime(self.z3)
        delta2 = (delta3 @ self.W2.T) * sigmoid_prime(self.z2)
        print("training step")  # students print; the report stays readable
        return X.T @ delta2, self.a2.T @ delta3
