"""Recurrent cells: the forward pass of a layer over time and its BPTT backward."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

# Arrays here are TIME-major: X of shape (n_timesteps, n_samples, n_inputs) and the
# hidden states Hs of shape (n_timesteps + 1, n_samples, n_hidden) with Hs[0] the
# initial state (zeros, or the ``initial`` state a forward pass is given to
# continue a sequence), so step t writes Hs[t + 1]. Time-major slices Hs[t] are
# contiguous (n_samples, n_hidden) blocks, which the per-step matrix product needs.
#
# ``pad`` is None when no step is padding, else a boolean array of shape
# (n_timesteps, n_samples), True where a step is padding. A padding step copies the
# previous state (h_t = h_{t-1}, and c_t = c_{t-1} for the LSTM) and receives no
# gradient of its own, so it is invisible both forward and backward.
#
# Every cell has the same interface:
#   forward(X, p, pad, activation, empty, initial=None) -> Hs, cache
# where ``initial`` is None (zero state) or the state to start from: (h_0,) or,
# for the LSTM, (h_0, c_0), each of shape (n_samples, n_hidden).
#   backward(dHs, X, Hs, cache, p, pad, activation, g, need_dX, empty) -> dX or None
# where dHs is the gradient reaching the outputs h_1..h_T from above, either an
# array (n_timesteps, n_samples, n_hidden) or, when only the final state is read
# ('last' pooling), a FinalStateGradient, which spares the per-step additions.
# ``p`` and ``g`` map "W" (n_inputs, n_gates * n_hidden), "R" (n_hidden,
# n_gates * n_hidden), "b" (n_gates * n_hidden,) and, for the GRU, "bh"
# (n_hidden,) to the parameters and to the gradient views to overwrite. All the
# gates of a step come from ONE matmul call h_{t-1} R (none at the first step
# from a zero state: h_0 R = 0), and the input projections of all timesteps
# from ONE call X W, before the loop. A backward pass differentiates a forward
# pass from the zero state (training never gives ``initial``), which is not a
# parameter: the backward loops end at the first step without carrying a
# gradient to it, and the first step adds nothing to dR. ``empty(name, shape,
# dtype)`` provides every array bigger than a step (see
# ``sklearn_rnn._resources.Workspace``): the returned Hs, cache and dX are such
# arrays, valid until the next pass with the same allocator.
#
# The loops are written for few NumPy calls per step (each costs about a
# microsecond however small its arrays) on contiguous arrays (a call on a
# strided block of a wider array costs two to three times more): the gated
# cells keep their gates GATE-major, (n_gates, n_timesteps, n_samples,
# n_hidden), so that every gate of every step is one contiguous block, and
# their backward loops multiply by factors computed in bulk beforehand. The
# gradients with respect to the gate pre-activations stay row-major,
# (n_timesteps, n_samples, n_gates * n_hidden), as one matrix product per step
# and one per weight matrix need them.
# The per-step products of two matrices call ``np.dot``, not ``np.matmul``: the
# same BLAS product with 0.5-1 us less overhead per call, which is a fifth of
# the backward step of a 16-unit Elman layer on the reference machine. (The
# gated cells' forward product is a stacked one, which only matmul computes.)

import numpy as np

from ._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    EXP_FORM_MIN_UNITS,
    inplace_logistic,
    logistic_of_negated,
)
from ._resources import batches, fresh_array


class FinalStateGradient:
    """The gradient of the loss with respect to h_T only, shape (n_samples, n_hidden).

    Padding carries the state through, so the final state is h_T whatever the
    padding; the backward loops start from this gradient and add nothing later.
    """

    def __init__(self, d_final):
        self.d_final = d_final


def _start_gradient(dHs, shape, dtype, empty):
    """The carried gradient at t = T and the per-step gradients (or None)."""
    dh = empty("dh", shape, dtype)
    if isinstance(dHs, FinalStateGradient):
        np.copyto(dh, dHs.d_final)
        return dh, None
    dh.fill(0)
    return dh, dHs


def _derivative_factors(outputs, activation, pad, out):
    """σ'(z) for a block of k steps, in terms of the outputs, written into ``out``.

    Parameters
    ----------
    outputs : ndarray of shape (k, n_samples, n_units)
        Activation outputs.
    activation : str
    pad : ndarray of shape (k, n_samples) of bool, or None
        The factors are 0 at padding steps, so these get no gradient.
    out : ndarray of the shape of ``outputs``

    Returns
    -------
    out : ndarray of the shape of ``outputs``
    """
    DERIVATIVES[activation](outputs, out)
    if pad is not None:
        out[pad] = 0
    return out


# The backward loops compute what does not depend on the recurrence (activation
# derivatives and their products with the cached gates) for BLOCKS of steps of
# about this many bytes per array, not for all steps at once: the factor arrays
# then take a bounded amount of memory whatever the sequence length, and the
# block just computed is still in the CPU cache when the loop reads it. Much
# smaller blocks would pay each NumPy call's overhead too often.
BLOCK_BYTES = 2**20


def _blocks_backwards(n_timesteps, step_bytes):
    """Slices of consecutive steps covering ``range(n_timesteps)``, last first.

    Parameters
    ----------
    n_timesteps : int
    step_bytes : int
        Bytes of one step of the biggest array computed per block.

    Returns
    -------
    blocks : list of slice
    size : int
        The number of steps of the longest block.
    """
    size = min(n_timesteps, max(1, BLOCK_BYTES // step_bytes))
    return batches(n_timesteps, size)[::-1], size


def _by_gate(M, n_gates):
    """View of M (n_rows, n_gates * n_hidden) as (n_gates, n_rows, n_hidden) matrices.

    Column block g of M becomes matrix g, so one stacked ``np.matmul`` with
    ``_by_gate(W, n_gates)`` computes every gate's product in GATE-major
    layout, each gate's result a contiguous block.
    """
    n_rows, n_columns = M.shape
    return M.reshape(n_rows, n_gates, n_columns // n_gates).transpose(1, 0, 2)


def _gate_projection(X, W, b, out):
    """x_t W + b for all steps at once, gate-major into ``out``.

    Parameters
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_inputs)
    W : ndarray of shape (n_inputs, n_gates * n_hidden)
    b : ndarray of shape (n_gates * n_hidden,)
    out : ndarray of shape (n_gates, n_timesteps, n_samples, n_hidden)
        C-contiguous.
    """
    n_gates, n_timesteps, n_samples, H = out.shape
    np.matmul(
        X.reshape(-1, X.shape[2]),
        _by_gate(W, n_gates),
        out=out.reshape(n_gates, n_timesteps * n_samples, H),
    )
    out += b.reshape(n_gates, 1, 1, H)
    return out


def column_sums(M, out):
    """``out = M.sum(axis=0)`` for a 2D M, as the product of a vector of ones and M.

    One BLAS matrix-vector product costs a third to a half of ``np.sum`` over
    the rows (32 x 192: 3.3 against 9.4 us; 1600 x 192: 79 against 150 us).
    """
    np.dot(np.ones(M.shape[0], M.dtype), M, out=out)


def _weight_gradients(X, Hs, dZ, dU, g):
    """dW = X^T dZ, dR = H_{t-1}^T dU, db = sum dZ, each one GEMM over all steps.

    The states start at zero (Hs[0] = 0) in every pass that is differentiated,
    so the first step adds nothing to dR and its product is skipped (all of
    dR for sequences of one step: a product over zero rows writes zeros).
    """
    n_inputs, n_columns = X.shape[2], dZ.shape[2]
    n_hidden = Hs.shape[2]
    np.matmul(X.reshape(-1, n_inputs).T, dZ.reshape(-1, n_columns), out=g["W"])
    np.matmul(
        Hs[1:-1].reshape(-1, n_hidden).T, dU[1:].reshape(-1, n_columns), out=g["R"]
    )
    column_sums(dZ.reshape(-1, n_columns), g["b"])


def _input_gradient(dZ, W, need_dX, empty):
    """dL/dX = dZ W^T for all steps at once, or None when not needed."""
    if not need_dX:
        return None
    n_timesteps, n_samples, n_columns = dZ.shape
    dX = empty("dX", (n_timesteps, n_samples, W.shape[0]), dZ.dtype)
    np.matmul(dZ.reshape(-1, n_columns), W.T, out=dX.reshape(-1, W.shape[0]))
    return dX


# ----------------------------------------------------------------------- Elman
def elman_forward(X, p, pad, activation, empty=fresh_array, initial=None):
    """Elman layer: h_t = σ(x_t W + h_{t-1} R + b).

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    cache : None
        The states are all the backward pass needs.
    """
    R = p["R"]
    activate = ACTIVATIONS[activation]
    n_timesteps, n_samples = X.shape[:2]
    Hs = empty("Hs", (n_timesteps + 1, n_samples, R.shape[0]), R.dtype)
    Hs[0] = 0 if initial is None else initial[0]
    _gate_projection(X, p["W"], p["b"], out=Hs[1:][None])  # x_t W + b, in h_t
    recurrent = empty("recurrent", Hs.shape[1:], R.dtype)
    with np.errstate(over="ignore"):  # exp overflows to inf: exact limits
        for t in range(n_timesteps):
            h = Hs[t + 1]
            if t or initial is not None:  # h_0 R = 0 from a zero state
                np.dot(Hs[t], R, out=recurrent)
                h += recurrent
            activate(h)
            if pad is not None:
                np.copyto(h, Hs[t], where=pad[t][:, None])
    return Hs, None


def elman_backward(
    dHs, X, Hs, cache, p, pad, activation, g, need_dX, empty=fresh_array
):
    """BPTT through an Elman layer; see the module comment for the interface."""
    R_T = p["R"].T
    n_timesteps = Hs.shape[0] - 1
    dA = empty("dA", Hs[1:].shape, Hs.dtype)  # dL/d(pre-activation) of each step
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], Hs.dtype, empty)
    carried = empty("carried", dh.shape, dh.dtype)  # dh's twin, swapped every step
    blocks, _ = _blocks_backwards(n_timesteps, dh.nbytes)
    for steps in blocks:
        # σ'(z) first, 0 at padding steps
        _derivative_factors(
            Hs[1:][steps], activation, None if pad is None else pad[steps], dA[steps]
        )
        for t in reversed(range(steps.start, steps.stop)):
            if per_step is not None:
                dh += per_step[t]
            da = dA[t]
            da *= dh
            if t == 0:
                break  # the initial state takes no gradient
            np.dot(da, R_T, out=carried)
            if pad is not None:
                # a padding step passes its state gradient straight to h_{t-1}
                np.copyto(carried, dh, where=pad[t][:, None])
            dh, carried = carried, dh
    _weight_gradients(X, Hs, dA, dA, g)
    return _input_gradient(dA, p["W"], need_dX, empty)


# ------------------------------------------------------------------------ LSTM
def lstm_forward(X, p, pad, activation, empty=fresh_array, initial=None):
    """LSTM layer, gates in PyTorch's order (input, forget, cell, output).

    With a_t = x_t W + h_{t-1} R + b split into four blocks of n_hidden:
    i = sigmoid(a_i), f = sigmoid(a_f), g = σ(a_g), o = sigmoid(a_o),
    c_t = f c_{t-1} + i g, h_t = o σ(c_t); σ is ``activation`` (tanh in
    PyTorch's ``nn.LSTM``).

    Returns
    -------
    Hs : ndarray of shape (n_timesteps + 1, n_samples, n_hidden)
    cache : tuple
        (gates, Cs, cell_out): the activated gates i, f, g, o, gate-major
        (4, n_timesteps, n_samples, n_hidden), the cell states
        (n_timesteps + 1, n_samples, n_hidden) and σ(c_t) (n_timesteps,
        n_samples, n_hidden).
    """
    H = p["R"].shape[0]
    dtype = p["R"].dtype
    activate = ACTIVATIONS[activation]
    n_timesteps, n_samples = X.shape[:2]
    R = _by_gate(p["R"], 4)
    gates = empty("gates", (4, n_timesteps, n_samples, H), dtype)
    _gate_projection(X, p["W"], p["b"], out=gates)  # activated in place below
    # sigmoid(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigmoid(2 a) - 1: with the
    # pre-activations scaled by -1 (by -2 for the candidate), ONE exp call per
    # step serves the four gates (in layers of fewer units, three calls of expit
    # and tanh cost less, see sklearn_rnn._activations)
    one_exp = activation == "tanh" and H >= EXP_FORM_MIN_UNITS
    if one_exp:
        scale = np.array([-1, -1, -2, -1], dtype=dtype).reshape(4, 1, 1)
        R = R * scale
        gates *= scale[:, None]
        # sigmoid for i, f, o and 2 sigmoid(2 a_g) for g, then g -= 1
        numerators = np.array([1, 1, 2, 1], dtype=dtype).reshape(4, 1, 1)
    Hs = empty("Hs", (n_timesteps + 1, n_samples, H), dtype)
    Cs = empty("Cs", (n_timesteps + 1, n_samples, H), dtype)
    cell_out = empty("cell_out", (n_timesteps, n_samples, H), dtype)
    if initial is None:
        Hs[0] = Cs[0] = 0
    else:
        Hs[0], Cs[0] = initial
    recurrent = empty("recurrent", (4, n_samples, H), dtype)
    input_times_candidate = empty("ig", (n_samples, H), dtype)
    with np.errstate(over="ignore"):  # exp overflows to inf: exact limits
        for t in range(n_timesteps):
            a = gates[:, t]
            if t or initial is not None:  # h_0 R = 0 from a zero state
                np.matmul(Hs[t], R, out=recurrent)
                a += recurrent
            i, f, g, o = a
            if one_exp:
                np.exp(a, out=a)
                a += 1
                np.divide(numerators, a, out=a)
                g -= 1
            else:
                inplace_logistic(a[:2])
                activate(g)
                inplace_logistic(o)
            c = Cs[t + 1]
            np.multiply(f, Cs[t], out=c)
            np.multiply(i, g, out=input_times_candidate)
            c += input_times_candidate
            activate(c, out=cell_out[t])
            np.multiply(o, cell_out[t], out=Hs[t + 1])
            if pad is not None:
                is_pad = pad[t][:, None]
                np.copyto(Hs[t + 1], Hs[t], where=is_pad)
                np.copyto(c, Cs[t], where=is_pad)
    return Hs, (gates, Cs, cell_out)


def _lstm_factors(gates, C_prev, cell_out, activation, pad, factors, cell_factors):
    """What the LSTM backward step multiplies by, for a block of k steps.

    With dc = dL/dc_t (all of it) and dh = dL/dh_t:
    dL/da_i = dc g σ_i', dL/da_f = dc c_{t-1} σ_f', dL/da_g = dc i σ'(a_g),
    dL/da_o = dh σ(c_t) σ_o', and dc gathers dh o σ'(c_t) + dc_{t+1} f_{t+1}.

    Parameters
    ----------
    gates : ndarray of shape (4, k, n_samples, n_hidden)
        Activated gates i, f, g, o.
    C_prev : ndarray of shape (k, n_samples, n_hidden)
        c_{t-1} of each step.
    cell_out : ndarray of shape (k, n_samples, n_hidden)
        σ(c_t) of each step.
    activation : str
    pad : ndarray of shape (k, n_samples) of bool, or None
    factors : ndarray of shape (4, >= k, n_samples, n_hidden)
        Its first k steps are overwritten by the four products after dc (i, f,
        g) or dh (o), 0 at padding steps.
    cell_factors : ndarray of shape (>= k, n_samples, n_hidden)
        Its first k steps are overwritten by o σ'(c_t).
    """
    k = gates.shape[1]
    factors, cell_factors = factors[:, :k], cell_factors[:k]
    i, f, cand, o = gates
    np.subtract(1, gates, out=factors)
    factors *= gates  # sigmoid' = s (1 - s), right for i, f and o
    DERIVATIVES[activation](cand, factors[2])
    factors[0] *= cand
    factors[1] *= C_prev
    factors[2] *= i
    factors[3] *= cell_out
    if pad is not None:
        factors[:, pad] = 0
    DERIVATIVES[activation](cell_out, cell_factors)
    cell_factors *= o


def lstm_backward(
    dHs, X, Hs, cache, p, pad, activation, g, need_dX, empty=fresh_array
):
    """BPTT through an LSTM layer; see the module comment for the interface."""
    gates, Cs, cell_out = cache
    R_T = p["R"].T
    H = R_T.shape[1]
    n_timesteps, n_samples = gates.shape[1:3]
    dtype = gates.dtype
    dA = empty("dA", (n_timesteps, n_samples, 4 * H), dtype)  # row-major
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], dtype, empty)
    dc = empty("dc", dh.shape, dtype)  # dL/dc_t sent back by step t + 1
    dc.fill(0)
    dc_total = empty("dc_total", dh.shape, dtype)
    carried = empty("carried", dh.shape, dtype)
    blocks, size = _blocks_backwards(n_timesteps, 4 * dh.nbytes)
    factors = empty("factors", (4, size) + dh.shape, dtype)
    cell_factors = empty("cell_factors", (size,) + dh.shape, dtype)
    for steps in blocks:
        _lstm_factors(
            gates[:, steps],
            Cs[steps],
            cell_out[steps],
            activation,
            None if pad is None else pad[steps],
            factors,
            cell_factors,
        )
        for t in reversed(range(steps.start, steps.stop)):
            if per_step is not None:
                dh += per_step[t]
            step = t - steps.start
            da = dA[t]
            np.multiply(dh, cell_factors[step], out=dc_total)
            dc_total += dc
            for k in range(3):  # i, f and g take dc times their factors
                np.multiply(factors[k, step], dc_total, out=da[:, k * H : (k + 1) * H])
            np.multiply(dh, factors[3, step], out=da[:, 3 * H :])
            if t == 0:
                break  # the initial state takes no gradient
            np.dot(da, R_T, out=carried)
            forget = gates[1, t]
            if pad is None:
                np.multiply(dc_total, forget, out=dc)
            else:
                is_pad = pad[t][:, None]
                np.multiply(dc_total, forget, out=dc_total)
                np.copyto(dc_total, dc, where=is_pad)  # padding carries c unchanged
                dc, dc_total = dc_total, dc
                np.copyto(carried, dh, where=is_pad)
            dh, carried = carried, dh
    _weight_gradients(X, Hs, dA, dA, g)
    return _input_gradient(dA, p["W"], need_dX, empty)


# ------------------------------------------------------------------------- GRU
def gru_forward(X, p, pad, activation, empty=fresh_array, initial=None):
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
        (gates, recurrent_new): the activated r, z, n, gate-major (3,
        n_timesteps, n_samples, n_hidden), and h_{t-1} R_n + bh (n_timesteps,
        n_samples, n_hidden).
    """
    bh = p["bh"]
    H = p["R"].shape[0]
    dtype = p["R"].dtype
    activate = ACTIVATIONS[activation]
    n_timesteps, n_samples = X.shape[:2]
    gates = empty("gates", (3, n_timesteps, n_samples, H), dtype)
    _gate_projection(X, p["W"], p["b"], out=gates)  # becomes r, z, n in place
    # r and z's pre-activations negated: sigmoid(a) = 1 / (1 + exp(-a)) in 3 calls
    # (see sklearn_rnn._activations); their recurrent products are subtracted
    R = _by_gate(p["R"], 3)
    gates[:2] *= -1
    Hs = empty("Hs", (n_timesteps + 1, n_samples, H), dtype)
    Hs[0] = 0 if initial is None else initial[0]
    recurrent_new = empty("recurrent_new", (n_timesteps, n_samples, H), dtype)
    recurrent = empty("recurrent", (3, n_samples, H), dtype)
    reset_times_new = empty("reset_times_new", (n_samples, H), dtype)
    with np.errstate(over="ignore"):  # exp overflows to inf: exact limits
        for t in range(n_timesteps):
            a = gates[:, t]
            rz = a[:2]
            reset, update, new = a
            un = recurrent_new[t]
            if t or initial is not None:
                np.matmul(Hs[t], R, out=recurrent)
                rz -= recurrent[:2]
                np.add(recurrent[2], bh, out=un)
            else:  # h_0 R = 0 from a zero state
                un[:] = bh
            logistic_of_negated(rz)
            np.multiply(reset, un, out=reset_times_new)
            new += reset_times_new
            activate(new)
            h = Hs[t + 1]
            np.subtract(Hs[t], new, out=h)
            h *= update
            h += new
            if pad is not None:
                np.copyto(h, Hs[t], where=pad[t][:, None])
    return Hs, (gates, recurrent_new)


def _gru_factors(gates, recurrent_new, H_prev, activation, pad, factors):
    """What the GRU backward step multiplies by, for a block of k steps.

    With h = n + z (h_{t-1} - n) and dh = dL/dh_t:
    dL/da_z = dh (h_{t-1} - n) σ_z', dL/da_n = dh (1 - z) σ'(a_n),
    dL/da_r = dL/da_n u_n σ_r' (u_n = h_{t-1} R_n + bh), dL/du_n = dL/da_n r.

    Parameters
    ----------
    gates : ndarray of shape (3, k, n_samples, n_hidden)
        Activated r, z, n.
    recurrent_new : ndarray of shape (k, n_samples, n_hidden)
        u_n of each step.
    H_prev : ndarray of shape (k, n_samples, n_hidden)
        h_{t-1} of each step.
    activation : str
    pad : ndarray of shape (k, n_samples) of bool, or None
    factors : ndarray of shape (4, >= k, n_samples, n_hidden)
        Its first k steps are overwritten by the products after dL/da_n (r)
        and after dh (z, n), 0 at padding steps, and (last) scratch.
    """
    k = gates.shape[1]
    factors = factors[:, :k]
    z, new = gates[1], gates[2]
    reset_factors, update_factors, new_factors, scratch = factors
    np.subtract(1, gates[:2], out=factors[:2])
    factors[:2] *= gates[:2]  # sigmoid' of r and z
    reset_factors *= recurrent_new
    np.subtract(H_prev, new, out=scratch)
    update_factors *= scratch
    DERIVATIVES[activation](new, new_factors)
    np.subtract(1, z, out=scratch)
    new_factors *= scratch
    if pad is not None:
        factors[:3, pad] = 0


def gru_backward(
    dHs, X, Hs, cache, p, pad, activation, g, need_dX, empty=fresh_array
):
    """BPTT through a GRU layer; see the module comment for the interface."""
    gates, recurrent_new = cache
    R_T = p["R"].T
    H = R_T.shape[1]
    dtype = gates.dtype
    n_timesteps, n_samples = gates.shape[1:3]
    row_major = (n_timesteps, n_samples, 3 * H)
    dZ = empty("dZ", row_major, dtype)  # gradient of the input projections x W + b
    dU = empty("dU", row_major, dtype)  # gradient of the recurrent products h R (+ bh)
    dh, per_step = _start_gradient(dHs, Hs.shape[1:], dtype, empty)
    carried = empty("carried", dh.shape, dtype)
    through_z = empty("through_z", dh.shape, dtype)
    blocks, size = _blocks_backwards(n_timesteps, 4 * dh.nbytes)
    factors = empty("factors", (4, size) + dh.shape, dtype)
    for steps in blocks:
        _gru_factors(
            gates[:, steps],
            recurrent_new[steps],
            Hs[steps],
            activation,
            None if pad is None else pad[steps],
            factors,
        )
        for t in reversed(range(steps.start, steps.stop)):
            if per_step is not None:
                dh += per_step[t]
            step = t - steps.start
            du, dn = dU[t], dZ[t, :, 2 * H :]
            np.multiply(dh, factors[1, step], out=du[:, H : 2 * H])  # z
            np.multiply(dh, factors[2, step], out=dn)  # n
            np.multiply(dn, factors[0, step], out=du[:, :H])  # r
            np.multiply(dn, gates[0, t], out=du[:, 2 * H :])  # u_n
            if t == 0:
                break  # the initial state takes no gradient
            np.dot(du, R_T, out=carried)
            # h_{t-1} reaches h_t through z too
            np.multiply(dh, gates[1, t], out=through_z)
            carried += through_z
            if pad is not None:
                np.copyto(carried, dh, where=pad[t][:, None])
            dh, carried = carried, dh
    # r and z enter x W + b and h R alike; only n's blocks differ (u_n is gated by r)
    dZ[:, :, : 2 * H] = dU[:, :, : 2 * H]
    _weight_gradients(X, Hs, dZ, dU, g)
    column_sums(dU[:, :, 2 * H :].reshape(-1, H), g["bh"])
    return _input_gradient(dZ, p["W"], need_dX, empty)


# name -> (forward, backward); the number of gate blocks is _params.N_GATES
CELLS = {
    "rnn": (elman_forward, elman_backward),
    "lstm": (lstm_forward, lstm_backward),
    "gru": (gru_forward, gru_backward),
}


def final_state(cell, Hs, cache):
    """The state after a layer's last step, as a forward pass's ``initial``.

    Parameters
    ----------
    cell : {'rnn', 'lstm', 'gru'}
    Hs, cache : as returned by the cell's forward pass

    Returns
    -------
    state : tuple of ndarray of shape (n_samples, n_hidden)
        (h_T,), or (h_T, c_T) for the LSTM; copies, independent of the
        forward pass's arrays.
    """
    if cell == "lstm":
        return Hs[-1].copy(), cache[1][-1].copy()
    return (Hs[-1].copy(),)
