"""The notes' network computed entirely in float32: camelCase, examples are rows, no biases.

A correct submission in single precision: X, y and the weights are cast to float32 where they are
used (the weights themselves are left as gradcheck set them), so every gradient and the cost are
float32 and are judged with float32 tolerances.
"""
import numpy as np


class Neural_Network(object):
    def __init__(self):
        # Define hyperparameters
        self.inputLayerSize = 2
        self.outputLayerSize = 1
        self.hiddenLayerSize = 3

        # Weights (parameters)
        self.W1 = np.random.randn(self.inputLayerSize, self.hiddenLayerSize).astype(np.float32)
        self.W2 = np.random.randn(self.hiddenLayerSize, self.outputLayerSize).astype(np.float32)

    def forward(self, X):
        # Propagate inputs through the network, in single precision
        X = np.asarray(X, dtype=np.float32)
        self.z2 = np.dot(X, self.W1.astype(np.float32))
        self.a2 = self.sigmoid(self.z2)
        self.z3 = np.dot(self.a2, self.W2.astype(np.float32))
        yHat = self.sigmoid(self.z3)
        return yHat

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def sigmoidPrime(self, z):
        return np.exp(-z) / ((1 + np.exp(-z)) ** 2)

    def costFunction(self, X, y):
        y = np.asarray(y, dtype=np.float32)
        self.yHat = self.forward(X)
        J = 0.5 * sum((y - self.yHat) ** 2)  # the builtin sum: an array of shape (1,)
        return J

    def costFunctionPrime(self, X, y):
        X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32)
        self.yHat = self.forward(X)

        delta3 = np.multiply(-(y - self.yHat), self.sigmoidPrime(self.z3))
        dJdW2 = np.dot(self.a2.T, delta3)

        delta2 = np.dot(delta3, self.W2.T.astype(np.float32)) * self.sigmoidPrime(self.z2)
        dJdW1 = np.dot(X.T, delta2)

        return dJdW1, dJdW2

    # Helper functions for interacting with other classes
    def getParams(self):
        return np.concatenate((self.W1.ravel(), self.W2.ravel()))

    def setParams(self, params):
        W1_start = 0
        W1_end = self.hiddenLayerSize * self.inputLayerSize
        self.W1 = np.reshape(params[W1_start:W1_end], (self.inputLayerSize, self.hiddenLayerSize))
        W2_end = W1_end + self.hiddenLayerSize * self.outputLayerSize
        self.W2 = np.reshape(params[W1_end:W2_end], (self.hiddenLayerSize, self.outputLayerSize))

    def computeGradients(self, X, y):
        dJdW1, dJdW2 = self.costFunctionPrime(X, y)
        return np.concatenate((dJdW1.ravel(), dJdW2.ravel()))
