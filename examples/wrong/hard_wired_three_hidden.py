"""The notes' network with delta2 built column by column for exactly 3 hidden units. Wrong.

It passes the notes' worked examples (hiddenLayerSize = 3 there), and gradcheck resizes the
class through its size attributes, but the loop and the np.zeros((m, 3)) are written for 3
hidden units: any other hiddenLayerSize raises or gives dJdW1 the wrong shape. The
[hypothesis] item says "hard-wired to hiddenLayerSize = 3".
"""
import numpy as np


class Neural_Network(object):
    def __init__(self):
        self.inputLayerSize = 2
        self.outputLayerSize = 1
        self.hiddenLayerSize = 3
        self.W1 = np.random.randn(self.inputLayerSize, self.hiddenLayerSize)
        self.W2 = np.random.randn(self.hiddenLayerSize, self.outputLayerSize)

    def forward(self, X):
        self.z2 = np.dot(X, self.W1)
        self.a2 = self.sigmoid(self.z2)
        self.z3 = np.dot(self.a2, self.W2)
        return self.sigmoid(self.z3)

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def sigmoidPrime(self, z):
        return np.exp(-z) / ((1 + np.exp(-z)) ** 2)

    def costFunction(self, X, y):
        self.yHat = self.forward(X)
        return 0.5 * np.sum((y - self.yHat) ** 2)

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = np.dot(self.a2.T, delta3)
        m = X.shape[0]
        delta2 = np.zeros((m, 3))
        for j in range(3):  # one hidden unit at a time
            delta2[:, j] = np.dot(delta3, self.W2[j]) * self.sigmoidPrime(self.z2[:, j])
        dJdW1 = np.dot(X.T, delta2)
        return dJdW1, dJdW2
