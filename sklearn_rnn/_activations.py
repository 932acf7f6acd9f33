"""Recurrent activation functions and their derivatives, looked up by name."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

# The transcendental functions are written for speed on the per-step blocks of
# the recurrent loops (benchmarks/bench_torch.py). NumPy's float64 ``tanh`` and
# SciPy's ``expit`` are scalar loops (about 15 and 11 ns a value on the
# reference machine), while ``exp`` costs about 7 ns in float64 and 1.5 ns in
# float32 (vectorised); NumPy's float32 ``tanh`` is vectorised too (3 ns). Hence:
#   logistic(z) = 1 / (1 + exp(-z))            any dtype
#   tanh(z)     = 2 / (1 + exp(-2 z)) - 1      float64 (float32: np.tanh)
# for arrays of at least EXP_FORM_MIN_UNITS units (their last axis); for fewer,
# the four or five NumPy calls of these forms cost more than the one call of
# expit or np.tanh (in a batch of 64 sequences, the break-even is near 16
# units). The choice depends on the units alone, never on the number of
# sequences, so a sequence gets the same prediction alone or in any batch.
# Both are accurate to a few units of float64's epsilon in ABSOLUTE terms (the
# tanh identity loses relative accuracy for |z| < 1e-3, where its absolute
# error stays below 4.5e-16). exp(-z) overflows to inf for large negative z,
# which gives the exact limits 0 and -1: CALL THEM UNDER
# ``np.errstate(over="ignore")`` (the recurrent loops set it once per layer, as
# it costs more than a small step's activation).

import numpy as np
from scipy.special import expit

EXP_FORM_MIN_UNITS = 32


def inplace_identity(Z, out=None):
    """Identity activation.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_units)
        Pre-activations; overwritten by the activations when ``out`` is None.
    out : ndarray of shape (n_samples, n_units), default=None
        Where to write the activations instead.
    """
    if out is not None:
        np.copyto(out, Z)


def inplace_tanh(Z, out=None):
    """Hyperbolic tangent activation (in place unless ``out`` is given)."""
    out = Z if out is None else out
    if Z.dtype == np.float32 or Z.shape[-1] < EXP_FORM_MIN_UNITS:
        np.tanh(Z, out=out)
        return
    np.multiply(Z, -2, out=out)
    np.exp(out, out=out)
    out += 1
    np.divide(2, out, out=out)
    out -= 1


def inplace_logistic(Z, out=None):
    """Logistic sigmoid activation (in place unless ``out`` is given)."""
    out = Z if out is None else out
    if Z.shape[-1] < EXP_FORM_MIN_UNITS:
        expit(Z, out=out)
        return
    np.negative(Z, out=out)
    logistic_of_negated(out)


def logistic_of_negated(Z):
    """sigmoid(a) in place of Z = -a (the recurrent loops negate in bulk)."""
    if Z.shape[-1] < EXP_FORM_MIN_UNITS:
        np.negative(Z, out=Z)
        expit(Z, out=Z)
        return
    np.exp(Z, out=Z)
    Z += 1
    np.reciprocal(Z, out=Z)


def inplace_relu(Z, out=None):
    """Rectified linear activation (in place unless ``out`` is given)."""
    np.maximum(Z, 0, out=Z if out is None else out)


ACTIVATIONS = {
    "identity": inplace_identity,
    "tanh": inplace_tanh,
    "sigmoid": inplace_logistic,
    "relu": inplace_relu,
}


# Each derivative is written in terms of the activation's OUTPUT h = σ(z), so the
# backward pass never needs the pre-activations: tanh' = 1 - h², σ' = h (1 - h),
# relu' = [h > 0]. They write σ'(z) into ``out`` without temporaries.


def identity_derivative(h, out):
    """Write the identity's derivative (1) into ``out``.

    Parameters
    ----------
    h : ndarray of shape (n_samples, n_units)
        Activation outputs.
    out : ndarray of shape (n_samples, n_units)
        Overwritten by the derivative at the pre-activations that gave ``h``.
    """
    out.fill(1)


def tanh_derivative(h, out):
    """Write tanh'(z) = 1 - h**2 into ``out``."""
    np.multiply(h, h, out=out)
    np.subtract(1, out, out=out)


def logistic_derivative(h, out):
    """Write sigmoid'(z) = h (1 - h) into ``out``."""
    np.subtract(1, h, out=out)
    out *= h


def relu_derivative(h, out):
    """Write relu'(z) = [h > 0] into ``out``."""
    np.greater(h, 0, out=out)


DERIVATIVES = {
    "identity": identity_derivative,
    "tanh": tanh_derivative,
    "sigmoid": logistic_derivative,
    "relu": relu_derivative,
}
