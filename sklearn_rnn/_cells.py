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
# previous state (h_t = h_{t-1}, and c_t = c_{t-1} for the LSTM) and receives no
# gradient of its own, so it is invisible both forward and backward.
#
# Every cell has the same interface:
#   forward(X, p, pad, activation) -> Hs, cache
#   backward(dHs, X, Hs, cache, p, pad, activation, g, need_dX) -> dX or None
# where dHs is the gradient reaching the outputs h_1..h_T from above, either an
# array (n_timesteps, n_samples, n_hidden) or, when only the final state is read
# ('last' pooling), a FinalStateGradient, which spares the per-step additions.
# where ``p`` and ``g`` map "W" (n_inputs, n_gates * n_hidden), "R" (n_hidden,
# n_gates * n_hidden), "b" (n_gates * n_hidden,) and, for the GRU, "bh"
# (n_hidden,) to the parameters and to the gradient views to overwrite. All the
# gates of a step come from ONE product h_{t-1} R, and the input projections of
# all timesteps from ONE product X W, before the loop.

import numpy as np
from scipy.special import expit

from ._activations import ACTIVATIONS, DERIVATIVES


class FinalStateGradient:
    """The gradient of the loss with respect to h_T only, shape (n_samples, n_hidden).

    Padding carries the state through, so the final state is h_T whatever the
    padding; the backward loops start from this gradient and add nothing later.
    """

    def __init__(self, d_final):
        self.d_final = d_final


def _start_gradient(dHs, shape, dtype):
    """The carried gradient at t = T and the per-step gradients (or None)."""
    if isinstance(dHs, FinalStateGradient):
        return dHs.d_final.astype(dtype, copy=True), None
    return np.zeros(shape, dtype=dtype), dHs


def _derivative_factors(outputs, activation, pad):
    """σ'(z) for all steps at once, in terms of the outputs; 0 at padding steps.

    Computing the factors in bulk before the backward loop replaces several
    small per-step operations by a few large ones.

    Parameters
    ----------
    outputs : ndarray of shape (n_timesteps, n_samples, n_units)
        Activation outputs.
    activation : str
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None

    Returns
    -------
    factors : ndarray of the shape of ``outputs``
    """
    factors = np.ones_like(outputs)
    DERIVATIVES[activation](outputs, factors)
    if pad is not None:
        factors[pad] = 0
    return factors


def _input_projection(X, W, b):
    """X W + b for all timesteps at once, (n_timesteps, n_samples, n_columns)."""
    n_timesteps, n_samples, n_inputs = X.shape
    Z = (X.reshape(-1, n_inputs) @ W).reshape(n_timesteps, n_samples, -1)
    Z += b
    return Z


def _weight_gradients(X, Hs, dZ, dU, g):
    """dW = X^T dZ, dR = H_{t-1}^T dU, db = sum dZ, each one GEMM over all steps."""
    n_inputs, n_columns = X.shape[2], dZ.shape[2]
    n_hidden = Hs.shape[2]
    np.matmul(X.reshape(-1, n_inputs).T, dZ.reshape(-1, n_columns), out=g["W"])
    np.matmul(Hs[:-1].reshape(-1, n_hidden).T, dU.reshape(-1, n_columns), out=g["R"])
    np.sum(dZ.reshape(-1, n_columns), axis=0, out=g["b"])


def _input_gradient(dZ, W, need_dX):
    if not need_dX:
        return None
    n_timesteps, n_samples, n_columns = dZ.shape
    return (dZ.reshape(-1, n_columns) @ W.T).reshape(n_timesteps, n_samples, -1)


# ----------------------------------------------------------------------- Elman
def elman_forward(X, p, pad, activation):
    """Elman layer: h_t = σ(x_t W + h_{t-1} R + b).

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    cache : None
        The states are all the backward pass needs.
    """
    R = p["R"]
    activate = ACTIVATIONS[activation]
    Z = _input_projection(X, p["W"], p["b"])
    Hs = np.empty((Z.shape[0] + 1,) + Z.shape[1:], dtype=Z.dtype)
    Hs[0] = 0
    for t in range(Z.shape[0]):
        h = Hs[t + 1]
        np.matmul(Hs[t], R, out=h)
        h += Z[t]
        activate(h)
        if pad is not None:
            np.copyto(h, Hs[t], where=pad[t][:, None])
    return Hs, None


def elman_backward(dHs, X, Hs, cache, p, pad, activation, g, need_dX):
    """BPTT through an Elman layer; see the module comment for the interface."""
    R_T = p["R"].T
    n_timesteps = Hs.shape[0] - 1
    # σ'(z) of every step, 0 at padding steps so they get no gradient of their own
    factors = _derivative_factors(Hs[1:], activation, pad)
    dA = np.empty_like(factors)  # dL/d(pre-activation) at each step
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], Hs.dtype)
    carried = np.empty_like(dh)  # two buffers for dL/dh, swapped every step
    for t in reversed(range(n_timesteps)):
        if per_step is not None:
            dh += per_step[t]
        da = dA[t]
        np.multiply(dh, factors[t], out=da)
        np.matmul(da, R_T, out=carried)
        if pad is not None:
            # a padding step passes its state gradient straight to h_{t-1}
            np.copyto(carried, dh, where=pad[t][:, None])
        dh, carried = carried, dh
    _weight_gradients(X, Hs, dA, dA, g)
    return _input_gradient(dA, p["W"], need_dX)


# ------------------------------------------------------------------------ LSTM
def lstm_forward(X, p, pad, activation):
    """LSTM layer, gates in PyTorch's order (input, forget, cell, output).

    With a_t = x_t W + h_{t-1} R + b split into four blocks of n_hidden:
    i = sigmoid(a_i), f = sigmoid(a_f), g = σ(a_g), o = sigmoid(a_o),
    c_t = f c_{t-1} + i g, h_t = o σ(c_t); σ is ``activation`` (tanh in
    PyTorch's ``nn.LSTM``).

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    cache : tuple
        (gates, Cs, tanh_c): the activated gates (n_timesteps, n_samples,
        4 n_hidden), the cell states (n_timesteps + 1, n_samples, n_hidden)
        and σ(c_t) (n_timesteps, n_samples, n_hidden).
    """
    R = p["R"]
    H = R.shape[0]
    activate = ACTIVATIONS[activation]
    gates = _input_projection(X, p["W"], p["b"])  # activated in place below
    n_timesteps, n_samples = gates.shape[:2]
    Hs = np.empty((n_timesteps + 1, n_samples, H), dtype=gates.dtype)
    Cs = np.empty_like(Hs)
    tanh_c = np.empty((n_timesteps, n_samples, H), dtype=gates.dtype)
    Hs[0] = Cs[0] = 0
    recurrent = np.empty((n_samples, 4 * H), dtype=gates.dtype)
    for t in range(n_timesteps):
        a = gates[t]
        np.matmul(Hs[t], R, out=recurrent)
        a += recurrent
        expit(a[:, : 2 * H], out=a[:, : 2 * H])
        activate(a[:, 2 * H : 3 * H])
        expit(a[:, 3 * H :], out=a[:, 3 * H :])
        c = Cs[t + 1]
        np.multiply(a[:, H : 2 * H], Cs[t], out=c)
        c += a[:, :H] * a[:, 2 * H : 3 * H]
        tc = tanh_c[t]
        np.copyto(tc, c)
        activate(tc)
        h = Hs[t + 1]
        np.multiply(a[:, 3 * H :], tc, out=h)
        if pad is not None:
            is_pad = pad[t][:, None]
            np.copyto(h, Hs[t], where=is_pad)
            np.copyto(c, Cs[t], where=is_pad)
    return Hs, (gates, Cs, tanh_c)


def lstm_backward(dHs, X, Hs, cache, p, pad, activation, g, need_dX):
    """BPTT through an LSTM layer; see the module comment for the interface."""
    gates, Cs, tanh_c = cache
    R_T = p["R"].T
    H = R_T.shape[1]
    n_timesteps = Hs.shape[0] - 1
    # derivative of each gate's activation for all steps at once, 0 at padding
    gate_factors = gates * (1 - gates)  # sigmoid' for i, f, o
    gate_factors[:, :, 2 * H : 3 * H] = _derivative_factors(
        gates[:, :, 2 * H : 3 * H], activation, None
    )
    cell_factors = _derivative_factors(tanh_c, activation, None)
    if pad is not None:
        gate_factors[pad] = 0
    dA = np.empty_like(gates)
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], Hs.dtype)
    dc = np.zeros_like(dh)
    dc_total = np.empty_like(dh)
    carried = np.empty_like(dh)
    for t in reversed(range(n_timesteps)):
        if per_step is not None:
            dh += per_step[t]
        a, da = gates[t], dA[t]
        # h = o σ(c): dL/dc gathers σ'(c) o dh and what c_{t+1} sends back
        np.multiply(dh, a[:, 3 * H :], out=dc_total)
        dc_total *= cell_factors[t]
        dc_total += dc
        # c = f c_{t-1} + i g, then every block times its activation's derivative
        np.multiply(dc_total, a[:, 2 * H : 3 * H], out=da[:, :H])
        np.multiply(dc_total, Cs[t], out=da[:, H : 2 * H])
        np.multiply(dc_total, a[:, :H], out=da[:, 2 * H : 3 * H])
        np.multiply(dh, tanh_c[t], out=da[:, 3 * H :])
        da *= gate_factors[t]
        np.matmul(da, R_T, out=carried)
        if pad is None:
            np.multiply(dc_total, a[:, H : 2 * H], out=dc)
        else:
            is_pad = pad[t][:, None]
            np.multiply(dc_total, a[:, H : 2 * H], out=dc_total)
            np.copyto(dc_total, dc, where=is_pad)  # padding carries c unchanged
            dc, dc_total = dc_total, dc
            np.copyto(carried, dh, where=is_pad)
        dh, carried = carried, dh
    _weight_gradients(X, Hs, dA, dA, g)
    return _input_gradient(dA, p["W"], need_dX)


# ------------------------------------------------------------------------- GRU
def gru_forward(X, p, pad, activation):
    """GRU layer as PyTorch's ``nn.GRU`` (reset gate after the recurrent product).

    With the blocks (reset r, update z, new n) of x_t W + b and of h_{t-1} R:
    r = sigmoid(x W_r + h R_r + b_r), z = sigmoid(x W_z + h R_z + b_z),
    n = σ(x W_n + b_n + r (h R_n + bh)), h_t = (1 - z) n + z h_{t-1}; σ is
    ``activation`` (tanh in PyTorch). ``b`` holds PyTorch's b_ih + b_hh for r
    and z and b_in for n; ``bh`` is PyTorch's b_hn.

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    cache : tuple
        (gates, recurrent_new): the activated r, z, n (n_timesteps, n_samples,
        3 n_hidden) and h_{t-1} R_n + bh (n_timesteps, n_samples, n_hidden).
    """
    R, bh = p["R"], p["bh"]
    H = R.shape[0]
    activate = ACTIVATIONS[activation]
    gates = _input_projection(X, p["W"], p["b"])  # becomes r, z, n in place
    n_timesteps, n_samples = gates.shape[:2]
    Hs = np.empty((n_timesteps + 1, n_samples, H), dtype=gates.dtype)
    Hs[0] = 0
    recurrent_new = np.empty_like(Hs[1:])
    recurrent = np.empty((n_samples, 3 * H), dtype=gates.dtype)
    for t in range(n_timesteps):
        a = gates[t]
        np.matmul(Hs[t], R, out=recurrent)
        a[:, : 2 * H] += recurrent[:, : 2 * H]
        expit(a[:, : 2 * H], out=a[:, : 2 * H])
        un = recurrent_new[t]
        np.add(recurrent[:, 2 * H :], bh, out=un)
        new = a[:, 2 * H :]
        new += a[:, :H] * un
        activate(new)
        h = Hs[t + 1]
        np.subtract(Hs[t], new, out=h)
        h *= a[:, H : 2 * H]
        h += new
        if pad is not None:
            np.copyto(h, Hs[t], where=pad[t][:, None])
    return Hs, (gates, recurrent_new)


def gru_backward(dHs, X, Hs, cache, p, pad, activation, g, need_dX):
    """BPTT through a GRU layer; see the module comment for the interface."""
    gates, recurrent_new = cache
    R_T = p["R"].T
    H = R_T.shape[1]
    n_timesteps = Hs.shape[0] - 1
    r, z, new = gates[:, :, :H], gates[:, :, H : 2 * H], gates[:, :, 2 * H :]
    # bulk factors, 0 at padding steps: sigmoid' of r and z, and (1 - z) σ'(n)
    rz_factors = gates[:, :, : 2 * H] * (1 - gates[:, :, : 2 * H])
    new_factors = _derivative_factors(new, activation, None)
    new_factors *= 1 - z
    if pad is not None:
        rz_factors[pad] = 0
        new_factors[pad] = 0
    dZ = np.empty_like(gates)  # gradient of the input projections x W + b
    dU = np.empty_like(gates)  # gradient of the recurrent products h R (+ bh)
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], Hs.dtype)
    carried = np.empty_like(dh)
    through_z = np.empty_like(dh)
    for t in reversed(range(n_timesteps)):
        if per_step is not None:
            dh += per_step[t]
        dz, du = dZ[t], dU[t]
        # h = n + z (h_{t-1} - n): z gets (h_{t-1} - n) dh, n gets (1 - z) dh
        np.subtract(Hs[t], new[t], out=dz[:, H : 2 * H])
        dz[:, H : 2 * H] *= dh
        np.multiply(dh, new_factors[t], out=dz[:, 2 * H :])
        # n = σ(x W_n + b_n + r u_n): r gets u_n dn, u_n gets r dn
        np.multiply(dz[:, 2 * H :], recurrent_new[t], out=dz[:, :H])
        dz[:, : 2 * H] *= rz_factors[t]
        np.multiply(dz[:, 2 * H :], r[t], out=du[:, 2 * H :])
        du[:, : 2 * H] = dz[:, : 2 * H]
        np.matmul(du, R_T, out=carried)
        np.multiply(dh, z[t], out=through_z)
        carried += through_z
        if pad is not None:
            np.copyto(carried, dh, where=pad[t][:, None])
        dh, carried = carried, dh
    _weight_gradients(X, Hs, dZ, dU, g)
    np.sum(dU[:, :, 2 * H :].reshape(-1, H), axis=0, out=g["bh"])
    return _input_gradient(dZ, p["W"], need_dX)


# name -> (forward, backward); the number of gate blocks is _params.N_GATES
CELLS = {
    "rnn": (elman_forward, elman_backward),
    "lstm": (lstm_forward, lstm_backward),
    "gru": (gru_forward, gru_backward),
}
