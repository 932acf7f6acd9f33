"""All trainable parameters in one flat buffer, with named views into it."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def make_param_index(n_features, hidden_layer_sizes, n_outputs):
    """Lay out every parameter of the network in one flat vector.

    The order is: for each recurrent layer ``l`` its input weights ``W_l`` of shape
    (n_inputs_l, hidden_l), its recurrent weights ``R_l`` of shape
    (hidden_l, hidden_l) and its bias ``b_l`` of shape (hidden_l,); then the output
    weights ``V`` of shape (hidden_last, n_outputs) and output bias ``c`` of shape
    (n_outputs,).

    Parameters
    ----------
    n_features : int
        Number of features per timestep.
    hidden_layer_sizes : tuple of int
        Number of hidden units of each recurrent layer.
    n_outputs : int
        Number of output units.

    Returns
    -------
    index : dict
        Maps each parameter name to ``(start, stop, shape)`` in the flat vector,
        in layout order.
    """
    shapes = []
    n_inputs = n_features
    for layer, n_hidden in enumerate(hidden_layer_sizes):
        shapes += [
            (f"W_{layer}", (n_inputs, n_hidden)),
            (f"R_{layer}", (n_hidden, n_hidden)),
            (f"b_{layer}", (n_hidden,)),
        ]
        n_inputs = n_hidden
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


def init_params(rng, index, activation, dtype=np.float64):
    """Initialise a flat parameter vector.

    Input and output weights are drawn from Glorot's uniform distribution (with
    the logistic factor 2 instead of 6 for sigmoid units, as MLP does), recurrent
    weights are a random orthogonal matrix (norm-preserving, so the state neither
    explodes nor vanishes at the start), biases are zero. Draws happen in layout
    order, so the result depends only on ``rng`` and the shapes, never on data.

    Parameters
    ----------
    rng : numpy.random.RandomState
    index : dict
        As returned by :func:`make_param_index`.
    activation : str
        The recurrent activation.
    dtype : numpy dtype, default=np.float64

    Returns
    -------
    theta : ndarray of shape (n_params,)
    """
    theta = np.zeros(n_params(index))
    views = unpack(theta, index)
    for name, view in views.items():
        if name[0] in "WV":
            fan_in, fan_out = view.shape
            factor = 2.0 if activation == "sigmoid" and name[0] == "W" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            view[...] = rng.uniform(-bound, bound, size=view.shape)
        elif name[0] == "R":
            q, r = np.linalg.qr(rng.standard_normal(view.shape))
            view[...] = q * np.sign(np.diag(r))
    return theta.astype(dtype, copy=False)
