"""The network: stacked recurrent layers, pooling, output layer, loss and gradient."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import numpy as np

from ._cells import elman_backward, elman_forward
from ._losses import LOSS_FUNCTIONS
from ._params import make_param_index, n_params, penalty_mask, unpack


@dataclass(frozen=True)
class Network:
    """Static description of a network: everything but the parameter values.

    Parameters
    ----------
    n_features : int
        Number of features per timestep.
    hidden_layer_sizes : tuple of int
        Hidden units of each recurrent layer.
    n_outputs : int
        Number of output units.
    activation : {'tanh', 'sigmoid', 'relu', 'identity'}
        Recurrent activation.
    pooling : {'last', 'mean', 'max'}
        How the last layer's states over the valid steps become one vector.
    out_activation : {'identity', 'logistic', 'softmax'}
        Output activation; it selects the loss (see ``LOSS_FUNCTIONS``).
    """

    n_features: int
    hidden_layer_sizes: tuple
    n_outputs: int
    activation: str = "tanh"
    pooling: str = "last"
    out_activation: str = "identity"

    @property
    def index(self):
        """Layout of the flat parameter vector (see :func:`make_param_index`)."""
        return make_param_index(
            self.n_features, self.hidden_layer_sizes, self.n_outputs
        )

    @property
    def n_params(self):
        """Number of trainable parameters."""
        return n_params(self.index)


def to_time_major(X, pad, dtype):
    """Time-major, zero-filled copy of a batch-major padded batch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        May hold NaN at padding steps; never modified.
    pad : ndarray of shape (n_samples, n_timesteps) of bool, or None
        True at padding steps.
    dtype : numpy dtype
        Dtype of the result.

    Returns
    -------
    X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
        C-contiguous, zero at padding steps.
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
    """
    X_tm = X.transpose(1, 0, 2)
    if pad is None:
        return np.ascontiguousarray(X_tm, dtype=dtype), None
    pad_tm = np.ascontiguousarray(pad.T)
    return np.where(pad_tm[:, :, None], 0, X_tm).astype(dtype, copy=False), pad_tm


def _pool(Hs, pad, pooling):
    """Pool the top layer's states over the valid steps.

    Parameters
    ----------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    pooling : {'last', 'mean', 'max'}

    Returns
    -------
    pooled : ndarray of shape (n_samples, n_hidden)
    pool_cache : object
        What :func:`_pool_backward` needs.
    """
    states = Hs[1:]
    if pooling == "last":
        # Padding carries the state through, so the final state is the state at
        # the last valid step wherever the padding stands.
        return Hs[-1], None
    if pooling == "mean":
        if pad is None:
            weights = np.full(states.shape[:2], 1.0 / states.shape[0], Hs.dtype)
        else:
            valid = ~pad
            weights = (valid / valid.sum(axis=0)).astype(Hs.dtype)
        return np.einsum("tn,tnh->nh", weights, states), weights
    # max: padding steps are excluded by giving them -inf
    if pad is not None:
        states = np.where(pad[:, :, None], -np.inf, states)
    argmax = states.argmax(axis=0)[None]
    return np.take_along_axis(states, argmax, axis=0)[0], argmax


def _pool_backward(d_pooled, Hs, pooling, pool_cache):
    """Gradient with respect to the top layer outputs h_1..h_T, (T, n, hidden)."""
    dHs = np.zeros(Hs[1:].shape, dtype=Hs.dtype)
    if pooling == "last":
        dHs[-1] = d_pooled
    elif pooling == "mean":
        np.multiply(pool_cache[:, :, None], d_pooled, out=dHs)
    else:
        np.put_along_axis(dHs, pool_cache, d_pooled[None], axis=0)
    return dHs


def forward(net, params, X_tm, pad_tm):
    """Forward pass of the whole network.

    Parameters
    ----------
    net : Network
    params : dict of str to ndarray
        Named parameter views (see :func:`sklearn_rnn._params.unpack`).
    X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
        Time-major inputs, zero at padding steps.
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None

    Returns
    -------
    raw : ndarray of shape (n_samples, n_outputs)
        Output before the output activation.
    cache : dict
        What :func:`backward` needs.
    """
    inputs, layer_caches = X_tm, []
    for layer in range(len(net.hidden_layer_sizes)):
        W, R, b = params[f"W_{layer}"], params[f"R_{layer}"], params[f"b_{layer}"]
        Hs = elman_forward(inputs, W, R, b, pad_tm, net.activation)
        layer_caches.append((inputs, Hs))
        inputs = Hs[1:]
    pooled, pool_cache = _pool(Hs, pad_tm, net.pooling)
    raw = pooled @ params["V"]
    raw += params["c"]
    cache = {"layers": layer_caches, "pooled": pooled, "pool": pool_cache}
    return raw, cache


def backward(net, params, grads, cache, pad_tm, d_raw):
    """Backward pass: fill ``grads`` (named views of the flat gradient).

    Parameters
    ----------
    net : Network
    params, grads : dict of str to ndarray
        Named views of the parameters and of the gradient to overwrite.
    cache : dict
        As returned by :func:`forward`.
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
    d_raw : ndarray of shape (n_samples, n_outputs)
        Gradient of the loss with respect to the raw output.
    """
    np.matmul(cache["pooled"].T, d_raw, out=grads["V"])
    np.sum(d_raw, axis=0, out=grads["c"])
    top_Hs = cache["layers"][-1][1]
    dHs = _pool_backward(d_raw @ params["V"].T, top_Hs, net.pooling, cache["pool"])
    for layer in reversed(range(len(net.hidden_layer_sizes))):
        inputs, Hs = cache["layers"][layer]
        names = (f"W_{layer}", f"R_{layer}", f"b_{layer}")
        dHs = elman_backward(
            dHs,
            inputs,
            Hs,
            params[names[0]],
            params[names[1]],
            pad_tm,
            net.activation,
            tuple(grads[name] for name in names),
            need_dX=layer > 0,
        )


def predict_raw(net, theta, X_tm, pad_tm):
    """Raw network output, (n_samples, n_outputs), for time-major inputs."""
    raw, _ = forward(net, unpack(theta, net.index), X_tm, pad_tm)
    return raw


def embed(net, theta, X_tm, pad_tm):
    """Pooled last-layer state, (n_samples, n_hidden_last), for time-major inputs."""
    _, cache = forward(net, unpack(theta, net.index), X_tm, pad_tm)
    return cache["pooled"]


class LossGrad:
    """The training objective and its BPTT gradient on the flat parameter vector.

    ``loss = sum_i w_i l_i / sum_i w_i + alpha / 2 * ||weights||² / sum_i w_i``,
    with ``l_i`` the per-sample loss of :data:`LOSS_FUNCTIONS` and the L2 term
    scaled as MLP scales it, so integer sample weights act like repeated rows.

    Parameters
    ----------
    net : Network
    alpha : float
        L2 penalty on the weight matrices (not the biases).
    """

    def __init__(self, net, alpha):
        self.net = net
        self.alpha = alpha
        self.index = net.index
        self._penalty_mask = {}

    def __call__(self, theta, X_tm, pad_tm, Y, sample_weight=None):
        """Loss and gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
        X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
        pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,) or None

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_params,), same dtype as ``theta``
        """
        params = unpack(theta, self.index)
        raw, cache = forward(self.net, params, X_tm, pad_tm)
        per_sample, d_raw = LOSS_FUNCTIONS[self.net.out_activation](raw, Y)
        if sample_weight is None:
            sw_sum = Y.shape[0]
            loss = per_sample.sum() / sw_sum
            d_raw /= sw_sum
        else:
            sw_sum = sample_weight.sum()
            loss = per_sample @ sample_weight / sw_sum
            d_raw *= (sample_weight / sw_sum)[:, None]

        grad = np.empty_like(theta)
        backward(self.net, params, unpack(grad, self.index), cache, pad_tm, d_raw)

        if self.alpha:
            penalized = theta * self._mask(theta.dtype)
            loss += 0.5 * self.alpha * (penalized @ penalized) / sw_sum
            grad += (self.alpha / sw_sum) * penalized
        return float(loss), grad

    def _mask(self, dtype):
        if dtype not in self._penalty_mask:
            self._penalty_mask[dtype] = penalty_mask(self.index, dtype)
        return self._penalty_mask[dtype]
