"""All trainable parameters in one flat buffer, with named views into it."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
DIRECTION_SUFFIXES = ("", "_rev")


def layer_param_names(layer, direction, cell):
    """Names of one direction of one layer's parameters.

    Returns
    -------
    names : dict
        Maps the cell's keys ("W", "R", "b" and, for the GRU, "bh") to the
        names in the flat index, e.g. {"W": "W_0", ...} or {"W": "W_0_rev", ...}.
    """
    suffix = f"_{layer}{DIRECTION_SUFFIXES[direction]}"
    keys = ("W", "R", "b", "bh") if cell == "gru" else ("W", "R", "b")
    return {key: key + suffix for key in keys}


def make_param_index(
    n_features, hidden_layer_sizes, n_outputs, cell="rnn", bidirectional=False
):
    """Lay out every parameter of the network in one flat vector.

    For each recurrent layer ``l``, in this order: the input weights ``W_l`` of
    shape (n_inputs_l, n_gates * hidden_l), the recurrent weights ``R_l`` of
    shape (hidden_l, n_gates * hidden_l), the bias ``b_l`` of shape
    (n_gates * hidden_l,) and, for the GRU, the recurrent bias ``bh_l`` of shape
    (hidden_l,). A bidirectional layer has each of them twice, the backward
    direction (suffix ``_rev``) right after the forward one, so the pair is one
    contiguous block. Then the output weights ``V`` of shape (n_directions *
    hidden_last, n_outputs) and the output bias ``c`` of shape (n_outputs,).
    ``n_inputs_0 = n_features`` and ``n_inputs_l = n_directions * hidden_{l-1}``.

    Parameters
    ----------
    n_features : int
        Number of features per timestep.
    hidden_layer_sizes : tuple of int
        Number of hidden units of each recurrent layer.
    n_outputs : int
        Number of output units.
    cell : {'rnn', 'lstm', 'gru'}, default='rnn'
    bidirectional : bool, default=False

    Returns
    -------
    index : dict
        Maps each parameter name to ``(start, stop, shape)`` in the flat vector,
        in layout order.
    """
    n_gates = N_GATES[cell]
    n_directions = 2 if bidirectional else 1
    shapes = []
    n_inputs = n_features
    for layer, n_hidden in enumerate(hidden_layer_sizes):
        block = {
            "W": (n_inputs, n_gates * n_hidden),
            "R": (n_hidden, n_gates * n_hidden),
            "b": (n_gates * n_hidden,),
            "bh": (n_hidden,),
        }
        names = [layer_param_names(layer, d, cell) for d in range(n_directions)]
        for key in names[0]:
            shapes += [(direction[key], block[key]) for direction in names]
        n_inputs = n_directions * n_hidden
    shapes += [("V", (n_inputs, n_outputs)), ("c", (n_outputs,))]

    index, start = {}, 0
    for name, shape in shapes:
        stop = start + int(np.prod(shape))
        index[name] = (start, stop, shape)
        start = stop
    return index


def n_params(index):
    """Length of the flat parameter vector described by ``index``."""
    return next(reversed(index.values()))[1]


def is_penalized(name):
    """Whether the L2 penalty applies: weight matrices yes, biases no (as in MLP)."""
    return name[0] in "WRV"


def penalty_mask(index, dtype=np.float64):
    """1 on the entries of the flat vector that the L2 penalty applies to, else 0.

    Returns
    -------
    mask : ndarray of shape (n_params,)
    """
    mask = np.zeros(n_params(index), dtype=dtype)
    for name, (start, stop, _) in index.items():
        if is_penalized(name):
            mask[start:stop] = 1
    return mask


def unpack(theta, index):
    """Named views into the flat vector ``theta`` (no copies).

    Parameters
    ----------
    theta : ndarray of shape (n_params,)
    index : dict
        As returned by :func:`make_param_index`.

    Returns
    -------
    params : dict of str to ndarray
        Writing into a view writes into ``theta``.
    """
    return {
        name: theta[start:stop].reshape(shape)
        for name, (start, stop, shape) in index.items()
    }


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_params(rng, index, activation, dtype=np.float64, cell="rnn"):
    """Initialise a flat parameter vector.

    Input and output weights are drawn from Glorot's uniform distribution (each
    gate block with fan-out n_hidden, and the logistic factor 2 instead of 6
    for sigmoid Elman units, as MLP does); each gate block of the recurrent
    weights is a random orthogonal matrix (norm-preserving, so the state neither
    explodes nor vanishes at the start); biases are zero, except the LSTM
    forget gate's, which is 1 so that the cell remembers by default
    (Jozefowicz et al., 2015). Draws happen in layout order, so the result
    depends only on ``rng`` and the shapes, never on data.

    Parameters
    ----------
    rng : numpy.random.RandomState
    index : dict
        As returned by :func:`make_param_index`.
    activation : str
        The recurrent activation.
    dtype : numpy dtype, default=np.float64
    cell : {'rnn', 'lstm', 'gru'}, default='rnn'

    Returns
    -------
    theta : ndarray of shape (n_params,)
    """
    n_gates = N_GATES[cell]
    theta = np.zeros(n_params(index))
    for name, view in unpack(theta, index).items():
        if name == "V":
            fan_in, fan_out = view.shape
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            view[...] = rng.uniform(-bound, bound, size=view.shape)
        elif name[0] == "W":
            fan_in, fan_out = view.shape[0], view.shape[1] // n_gates
            factor = 2.0 if activation == "sigmoid" and cell == "rnn" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            view[...] = rng.uniform(-bound, bound, size=view.shape)
        elif name[0] == "R":
            n_hidden = view.shape[0]
            for gate in range(n_gates):
                view[:, gate * n_hidden : (gate + 1) * n_hidden] = _orthogonal(
                    rng, n_hidden
                )
        elif name[0] == "b" and cell == "lstm" and not name.startswith("bh"):
            n_hidden = view.shape[0] // 4
            view[n_hidden : 2 * n_hidden] = 1.0  # forget gate
        elif name[0] == "b" and cell == "gru" and not name.startswith("bh"):
            n_hidden = view.shape[0] // 3
            view[n_hidden : 2 * n_hidden] = 1.0  # update gate: keep the state
    return theta.astype(dtype, copy=False)
