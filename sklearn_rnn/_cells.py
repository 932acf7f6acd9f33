"""Recurrent cells: the forward pass of a layer over time and its BPTT backward."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

# Arrays here are TIME-major: X of shape (n_timesteps, n_samples, n_inputs) and the
# hidden states Hs of shape (n_timesteps + 1, n_samples, n_hidden) with Hs[0] the
# initial state (zeros), so step t writes Hs[t + 1]. Time-major slices Hs[t] are
# contiguous (n_samples, n_hidden) blocks, which the per-step matrix product needs.
#
# ``pad`` is None when no step is padding, else a boolean array of shape
# (n_timesteps, n_samples), True where a step is padding. A padding step copies the
# previous state (h_t = h_{t-1}) and receives no gradient of its own, so it is
# invisible both forward and backward.

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES


def elman_forward(X, W, R, b, pad, activation):
    """Run an Elman layer h_t = σ(x_t W + h_{t-1} R + b) over all timesteps.

    Parameters
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_inputs)
        Layer inputs, zero at padding steps.
    W : ndarray of shape (n_inputs, n_hidden)
        Input weights.
    R : ndarray of shape (n_hidden, n_hidden)
        Recurrent weights.
    b : ndarray of shape (n_hidden,)
        Bias.
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
        Padding steps.
    activation : str
        Key of :data:`ACTIVATIONS`.

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
        Hidden states, ``Hs[0] = 0``.
    """
    n_timesteps, n_samples, n_inputs = X.shape
    n_hidden = R.shape[0]
    activate = ACTIVATIONS[activation]
    # Input projections of all timesteps in one GEMM, bias included.
    Z = (X.reshape(-1, n_inputs) @ W).reshape(n_timesteps, n_samples, n_hidden)
    Z += b
    Hs = np.empty((n_timesteps + 1, n_samples, n_hidden), dtype=Z.dtype)
    Hs[0] = 0
    for t in range(n_timesteps):
        h = Hs[t + 1]
        np.matmul(Hs[t], R, out=h)
        h += Z[t]
        activate(h)
        if pad is not None:
            np.copyto(h, Hs[t], where=pad[t][:, None])
    return Hs


def elman_backward(dHs, X, Hs, W, R, pad, activation, grads, need_dX=True):
    """Backpropagate through time through an Elman layer.

    Parameters
    ----------
    dHs : ndarray of shape (n_timesteps, n_samples, n_hidden)
        Gradient of the loss with respect to the layer outputs h_1..h_T coming
        from above (pooling or the next layer), recurrence not included.
    X, W, R, pad, activation :
        As given to :func:`elman_forward`.
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
        As returned by :func:`elman_forward`.
    grads : tuple of ndarray (dW, dR, db)
        Views into the flat gradient, overwritten with this layer's gradients.
    need_dX : bool, default=True
        Whether to compute the gradient with respect to the inputs.

    Returns
    -------
    dX : ndarray of shape (n_timesteps, n_samples, n_inputs) or None
        Gradient with respect to X (zero at padding steps).
    """
    n_timesteps, n_samples, n_inputs = X.shape
    n_hidden = R.shape[0]
    derivative = DERIVATIVES[activation]
    dW, dR, db = grads
    # dA[t] = dL/d(pre-activation at t); dh carries dL/dh_t backwards in time.
    dA = np.empty((n_timesteps, n_samples, n_hidden), dtype=Hs.dtype)
    dh = np.zeros((n_samples, n_hidden), dtype=Hs.dtype)
    R_T = R.T
    for t in reversed(range(n_timesteps)):
        dh += dHs[t]
        da = dA[t]
        np.copyto(da, dh)
        derivative(Hs[t + 1], da)
        if pad is None:
            dh = da @ R_T
        else:
            # A padding step passes its state gradient straight to h_{t-1}.
            is_pad = pad[t][:, None]
            np.copyto(da, 0, where=is_pad)
            dh_prev = da @ R_T
            np.add(dh_prev, dh, out=dh_prev, where=is_pad)
            dh = dh_prev
    # Weight gradients: one GEMM over all timesteps each.
    dA_flat = dA.reshape(-1, n_hidden)
    np.matmul(X.reshape(-1, n_inputs).T, dA_flat, out=dW)
    np.matmul(Hs[:-1].reshape(-1, n_hidden).T, dA_flat, out=dR)
    np.sum(dA_flat, axis=0, out=db)
    if not need_dX:
        return None
    return (dA_flat @ W.T).reshape(n_timesteps, n_samples, n_inputs)
