"""Losses on the output layer, each paired with its canonical output activation."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit, softmax, xlogy


def identity(raw):
    """Identity output activation (regression)."""
    return raw


def logistic(raw):
    """Element-wise logistic output activation (binary and multilabel)."""
    return expit(raw)


def softmax_rows(raw):
    """Softmax over the last axis, the outputs (multiclass)."""
    return softmax(raw, axis=-1)


def exp(raw):
    """Exponential output activation (the log link of Poisson regression).

    Saturates at the largest finite value instead of overflowing to inf, so
    that a prediction is always finite.
    """
    return np.exp(np.minimum(raw, np.log(np.finfo(raw.dtype).max)))


OUT_ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "softmax": softmax_rows,
    "exp": exp,
}


# Every loss below is written on the RAW output z = V p + c (before the output
# activation g) and summed over the output units. With these canonical loss/link
# pairs the derivative of the per-sample loss with respect to z is simply
# g(z) - y (identity with squared error, logistic with binary cross-entropy,
# softmax with categorical cross-entropy), which is why each function can return
# its gradient with one subtraction. Cross-entropies are computed from the logits
# (log-sum-exp), never from clipped probabilities, so the value is exact and its
# finite differences match the gradient. The outputs are the LAST axis: raw
# may be (n_samples, n_outputs) or, for per-step outputs, (n_timesteps,
# n_samples, n_outputs), and the loss has the shape of raw without that axis.


def squared_error(raw, Y):
    """Half squared error and its gradient.

    Parameters
    ----------
    raw : ndarray of shape (..., n_outputs)
        Raw outputs (identical to the predictions).
    Y : ndarray of shape (..., n_outputs)
        Targets.

    Returns
    -------
    per_sample : ndarray of shape (...)
        0.5 * sum_k (raw_k - y_k) ** 2.
    d_raw : ndarray of shape (..., n_outputs)
        Derivative of ``per_sample`` with respect to ``raw``.
    """
    d_raw = raw - Y
    return 0.5 * np.einsum("...j,...j->...", d_raw, d_raw), d_raw


def binary_log_loss(raw, Y):
    """Logistic loss summed over independent binary outputs, and its gradient.

    ``per_sample = sum_k log(1 + exp(z_k)) - y_k z_k``, the cross-entropy of
    ``sigmoid(z)``; ``d_raw = sigmoid(z) - y``.
    """
    per_sample = (np.logaddexp(0, raw) - Y * raw).sum(axis=-1)
    return per_sample, expit(raw) - Y


def log_loss(raw, Y):
    """Softmax cross-entropy and its gradient.

    ``per_sample = -sum_k y_k log softmax(z)_k``; ``d_raw = softmax(z) - y``.
    """
    # log-sum-exp after subtracting the row maximum, as scipy's log_softmax
    # computes it, without its array-API dispatch (a tenth of a minibatch
    # step's time on small batches)
    log_proba = raw - raw.max(axis=-1, keepdims=True)
    log_proba -= np.log(np.exp(log_proba).sum(axis=-1, keepdims=True))
    per_sample = -np.einsum("...j,...j->...", Y, log_proba)
    return per_sample, np.exp(log_proba) - Y


def half_poisson_deviance(raw, Y):
    """Half Poisson deviance with the log link, summed over outputs, and its gradient.

    With ``mu = exp(z)``: ``per_sample = sum_k y_k log(y_k / mu_k) - y_k + mu_k
    = sum_k exp(z_k) - y_k z_k + y_k log(y_k) - y_k`` (MLPRegressor's
    ``loss='poisson'``; 0 where the prediction equals the target);
    ``d_raw = exp(z) - y``. An overflowing ``exp`` gives an infinite loss, which
    the solvers treat as divergence.
    """
    mu = np.exp(raw)
    per_sample = (mu - Y * raw + xlogy(Y, Y) - Y).sum(axis=-1)
    return per_sample, mu - Y


def null_raw(out_activation, Y, weights=None):
    """Raw output of the best constant model: the null model of the loss.

    The constant that minimises the weighted mean loss is the weighted mean
    target through the inverse of the output activation: log class
    frequencies for softmax, their log-odds for the logistic output, the mean
    for the identity and its logarithm for exp. It predicts what
    ``DummyClassifier(strategy='prior')`` and ``DummyRegressor()`` predict.

    Parameters
    ----------
    out_activation : {'identity', 'logistic', 'softmax', 'exp'}
    Y : ndarray of shape (n_rows, n_outputs)
        Targets (indicator columns for the classifiers).
    weights : ndarray of shape (n_rows,) or None

    Returns
    -------
    raw : ndarray of shape (n_outputs,)
    """
    mean = np.average(Y, axis=0, weights=weights)
    if out_activation == "identity":
        return mean
    # a class (or a zero count) absent from Y gets a finite, very low value
    tiny = 1e-12
    if out_activation == "exp":
        return np.log(np.maximum(mean, tiny))
    proba = np.clip(mean, tiny, 1 - tiny)
    if out_activation == "logistic":
        return np.log(proba) - np.log1p(-proba)
    return np.log(proba)


# out_activation_ -> the loss it is paired with
LOSS_FUNCTIONS = {
    "exp": half_poisson_deviance,
    "identity": squared_error,
    "logistic": binary_log_loss,
    "softmax": log_loss,
}
