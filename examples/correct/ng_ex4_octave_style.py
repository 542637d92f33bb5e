"""Ng's ex4 ported line by line from Octave: labels 1..num_labels (digit 0 as 10), y a column as
loadmat gives it, order='F' reshapes as Theta1(:) unrolls, and a loop over the examples. Correct."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, Lambda):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1), order='F')
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1), order='F')
    m = X.shape[0]
    J = 0.0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    for t in range(m):
        a1 = np.hstack(([1.0], X[t, :]))
        z2 = Theta1 @ a1
        a2 = np.hstack(([1.0], sigmoid(z2)))
        a3 = sigmoid(Theta2 @ a2)
        yk = np.zeros(num_labels)
        yk[int(y[t, 0]) - 1] = 1.0
        J += np.sum(-yk * np.log(a3) - (1 - yk) * np.log(1 - a3))
        delta3 = a3 - yk
        delta2 = (Theta2[:, 1:].T @ delta3) * sigmoidGradient(z2)
        Theta2_grad += np.outer(delta3, a2)
        Theta1_grad += np.outer(delta2, a1)

    J = J / m + Lambda / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] += Lambda / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += Lambda / m * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(order='F'), Theta2_grad.ravel(order='F')])
    return J, grad
