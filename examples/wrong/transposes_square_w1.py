"""The notes' network computing dJdW1 as delta2ᵀ·X, then "fixing" its orientation by shape. Wrong.

delta2ᵀ·X is (hiddenLayerSize, inputLayerSize): the transpose of dJdW1. The code turns it
round only when its shape differs from W1's, so every worked example passes (W1 is 2 x 3
there) and the answer is transposed exactly when W1 is square. The [hypothesis] item draws
square networks too and shrinks the failure to a 2 x 2 W1.
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

    def costFunctionPrime(self, X, y):
        self.yHat = self.forward(X)
        delta3 = np.multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = np.dot(self.a2.T, delta3)
        delta2 = np.dot(delta3, self.W2.T) * self.sigmoidPrime(self.z2)
        dJdW1 = np.dot(delta2.T, X)
        if dJdW1.shape != self.W1.shape:  # "it must have the shape of W1"
            dJdW1 = dJdW1.T
        return dJdW1, dJdW2
