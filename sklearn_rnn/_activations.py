"""Recurrent activation functions and their derivatives, looked up by name."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit


def inplace_identity(Z):
    """Identity activation, in place (nothing to do).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_units)
        Pre-activations; overwritten by the activations.
    """


def inplace_tanh(Z):
    """Hyperbolic tangent activation, in place."""
    np.tanh(Z, out=Z)


def inplace_logistic(Z):
    """Logistic sigmoid activation, in place."""
    expit(Z, out=Z)


def inplace_relu(Z):
    """Rectified linear activation, in place."""
    np.maximum(Z, 0, out=Z)


ACTIVATIONS = {
    "identity": inplace_identity,
    "tanh": inplace_tanh,
    "sigmoid": inplace_logistic,
    "relu": inplace_relu,
}


# Each derivative is written in terms of the activation's OUTPUT h = σ(z), so the
# backward pass never needs the pre-activations: tanh' = 1 - h², σ' = h (1 - h),
# relu' = [h > 0]. They multiply ``delta`` in place by σ'(z).


def inplace_identity_derivative(h, delta):
    """Multiply ``delta`` by the identity's derivative (1), in place.

    Parameters
    ----------
    h : ndarray of shape (n_samples, n_units)
        Activation outputs.
    delta : ndarray of shape (n_samples, n_units)
        Gradient with respect to the outputs; overwritten by the gradient with
        respect to the pre-activations.
    """


def inplace_tanh_derivative(h, delta):
    """Multiply ``delta`` by tanh'(z) = 1 - h**2, in place."""
    delta *= 1 - h * h


def inplace_logistic_derivative(h, delta):
    """Multiply ``delta`` by sigmoid'(z) = h (1 - h), in place."""
    delta *= h * (1 - h)


def inplace_relu_derivative(h, delta):
    """Multiply ``delta`` by relu'(z) = [h > 0], in place."""
    delta[h <= 0] = 0


DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "tanh": inplace_tanh_derivative,
    "sigmoid": inplace_logistic_derivative,
    "relu": inplace_relu_derivative,
}
