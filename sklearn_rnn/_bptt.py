"""The network: a recurrent body, an output head, the loss and its gradient.

The body is the stack of recurrent layers; it turns the inputs into the top
layer's states at every step, (n_timesteps, n_samples, n_embedding). The head
reads them: a pooled head ('last', 'mean', 'max') makes one vector per
sequence and one output, (n_samples, n_outputs); the per-step head
(``pooling=None``) gives an output at every step, y_t = V h_t + c, of shape
(n_timesteps, n_samples, n_outputs). Only :func:`_head_forward` and
:func:`_head_backward` know which; the loss sees outputs with the output units
on the last axis, whatever comes before it.
"""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._cells import CELLS, FinalStateGradient, column_sums, final_state
from ._losses import LOSS_FUNCTIONS
from ._params import layer_param_names, make_param_index, n_params, penalty_mask, unpack
from ._resources import Workspace


@dataclass(frozen=True)
class Network:
    """Static description of a network: everything but the parameter values.

    Parameters
    ----------
    n_features : int
        Number of features per timestep.
    hidden_layer_sizes : tuple of int
        Hidden units of each recurrent layer (per direction).
    n_outputs : int
        Number of output units.
    activation : {'tanh', 'sigmoid', 'relu', 'identity'}
        Recurrent activation (the candidate and cell-output activation of the
        gated cells).
    pooling : {'last', 'mean', 'max'} or None
        How the last layer's states over the valid steps become one vector;
        None gives an output at every step.
    out_activation : {'identity', 'logistic', 'softmax'}
        Output activation; it selects the loss (see ``LOSS_FUNCTIONS``).
    cell : {'rnn', 'lstm', 'gru'}
        Recurrent cell of every layer.
    bidirectional : bool
        Whether each layer also runs backwards in time.
    """

    n_features: int
    hidden_layer_sizes: tuple
    n_outputs: int
    activation: str = "tanh"
    pooling: str = "last"
    out_activation: str = "identity"
    cell: str = "rnn"
    bidirectional: bool = False

    @cached_property
    def index(self):
        """Layout of the flat parameter vector (see :func:`make_param_index`)."""
        return make_param_index(
            self.n_features,
            self.hidden_layer_sizes,
            self.n_outputs,
            self.cell,
            self.bidirectional,
        )

    @property
    def n_params(self):
        """Number of trainable parameters."""
        return n_params(self.index)

    @property
    def n_directions(self):
        return 2 if self.bidirectional else 1

    @property
    def layer_input_sizes(self):
        """Number of inputs of each recurrent layer."""
        widths = [self.n_directions * size for size in self.hidden_layer_sizes]
        return [self.n_features] + widths[:-1]

    @property
    def n_embedding(self):
        """Width of the (pooled) state that the output layer reads."""
        return self.n_directions * self.hidden_layer_sizes[-1]

    @property
    def per_step(self):
        """Whether the network has an output at every step (``pooling=None``)."""
        return self.pooling is None


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


def dropout_masks(rng, net, n_samples, rate, dtype):
    """Variational dropout masks: one per sequence and layer input, held over time.

    Parameters
    ----------
    rng : numpy.random.RandomState
    net : Network
    n_samples : int
    rate : float
        Probability of dropping an input, in [0, 1).
    dtype : numpy dtype

    Returns
    -------
    masks : list of ndarray of shape (n_samples, n_inputs_l)
        0 for a dropped input, ``1 / (1 - rate)`` for a kept one (inverted
        dropout, so nothing changes at prediction time).
    """
    keep = 1.0 - rate
    return [
        (rng.uniform(size=(n_samples, n_inputs)) < keep).astype(dtype) / keep
        for n_inputs in net.layer_input_sizes
    ]


def _layer_params(params, net, layer, direction):
    names = layer_param_names(layer, direction, net.cell)
    return {key: params[name] for key, name in names.items()}


def _pool(outputs, pad, net):
    """Pool the top layer's outputs over the valid steps.

    Parameters
    ----------
    outputs : ndarray of shape (n_timesteps, n_samples, n_directions * n_hidden)
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    net : Network

    Returns
    -------
    pooled : ndarray of shape (n_samples, n_directions * n_hidden)
    pool_cache : object
        What :func:`_pool_backward` needs.
    """
    if net.pooling == "last":
        # Padding carries the state through, so a direction's final state is
        # its state at its last valid step wherever the padding stands: the
        # last output of the forward direction, the first of the backward one.
        if not net.bidirectional:
            return outputs[-1], None
        half = outputs.shape[2] // 2
        return np.concatenate([outputs[-1, :, :half], outputs[0, :, half:]], 1), None
    if net.pooling == "mean":
        if pad is None:
            weights = np.full(outputs.shape[:2], 1.0 / outputs.shape[0], outputs.dtype)
        else:
            valid = ~pad
            weights = (valid / valid.sum(axis=0)).astype(outputs.dtype)
        return np.einsum("tn,tnh->nh", weights, outputs), weights
    # max: padding steps are excluded by giving them -inf
    if pad is not None:
        outputs = np.where(pad[:, :, None], -np.inf, outputs)
    argmax = outputs.argmax(axis=0)[None]
    return np.take_along_axis(outputs, argmax, axis=0)[0], argmax


def _pool_backward(d_pooled, shape, dtype, net, pool_cache, empty):
    """Gradient with respect to the top layer's outputs, (T, n, D * hidden).

    'last' pooling never comes here: :func:`backward` hands each direction's
    final-state gradient straight to the cell.
    """
    d_outputs = empty("d_outputs", shape, dtype)
    if net.pooling == "mean":
        np.multiply(pool_cache[:, :, None], d_pooled, out=d_outputs)
    else:
        d_outputs.fill(0)
        np.put_along_axis(d_outputs, pool_cache, d_pooled[None], axis=0)
    return d_outputs


def _head_forward(net, params, top, pad):
    """The output layer over the body's top states.

    Parameters
    ----------
    net : Network
    params : dict of str to ndarray
    top : ndarray of shape (n_timesteps, n_samples, n_embedding)
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None

    Returns
    -------
    raw : ndarray of shape (n_samples, n_outputs), or (n_timesteps, n_samples, \
            n_outputs) for a per-step network
        Output before the output activation.
    features : ndarray of shape (n_samples, n_embedding), or ``top`` itself
        What the output layer read.
    pool_cache : object
        What :func:`_pool_backward` needs (None for 'last' and per-step).
    """
    if net.per_step:
        features, pool_cache = top, None
    else:
        features, pool_cache = _pool(top, pad, net)
    raw = features @ params["V"]
    raw += params["c"]
    return raw, features, pool_cache


def _head_backward(net, params, grads, cache, d_raw, empty):
    """Fill the output layer's gradient; return the gradient for the body.

    Returns
    -------
    d_top : ndarray of shape (n_samples, n_embedding) or (n_timesteps, \
            n_samples, n_embedding)
        The gradient of the final states for 'last' pooling (the only states
        it reads), of the states of every step otherwise.
    """
    features = cache["features"]
    n_outputs = d_raw.shape[-1]
    # the per-step head is the pooled one applied to T * n rows
    np.matmul(
        features.reshape(-1, features.shape[-1]).T,
        d_raw.reshape(-1, n_outputs),
        out=grads["V"],
    )
    column_sums(d_raw.reshape(-1, n_outputs), grads["c"])
    d_features = d_raw @ params["V"].T
    if net.per_step or net.pooling == "last":
        return d_features
    return _pool_backward(
        d_features, cache["top"].shape, d_raw.dtype, net, cache["pool"], empty
    )


def forward(net, params, X_tm, pad_tm, masks=None, workspace=None, initial=None):
    """Forward pass of the whole network.

    Parameters
    ----------
    net : Network
    params : dict of str to ndarray
        Named parameter views (see :func:`sklearn_rnn._params.unpack`).
    X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
        Time-major inputs, zero at padding steps.
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
    masks : list of ndarray of shape (n_samples, n_inputs_l), or None
        Dropout masks of each layer's inputs (training only).
    workspace : Workspace, default=None
        Where the activations are kept (see
        :class:`sklearn_rnn._resources.Workspace`); None allocates them afresh.
    initial : list of tuple of ndarray, default=None
        Each layer's state to start from (see :func:`final_states`), for a
        unidirectional network continuing its sequences; None starts from
        zero states.

    Returns
    -------
    raw : ndarray of shape (n_samples, n_outputs), or (n_timesteps, \
            n_samples, n_outputs) for a per-step network
        Output before the output activation.
    cache : dict
        What :func:`backward` needs; with a workspace, valid until its next use.
    """
    cell_forward = CELLS[net.cell][0]
    workspace = Workspace() if workspace is None else workspace
    pad_rev = None if pad_tm is None else pad_tm[::-1]
    inputs, layer_caches = X_tm, []
    for layer in range(len(net.hidden_layer_sizes)):
        empty = workspace.allocator(layer)
        if masks is not None:
            inputs = np.multiply(
                inputs, masks[layer], out=empty("dropped", inputs.shape, inputs.dtype)
            )
        directions = []
        for direction in range(net.n_directions):
            # the backward direction runs the same cell over reversed time, so
            # it starts at each sequence's last valid step
            if direction == 0:
                x, pad = inputs, pad_tm
            else:
                x = empty("reversed", inputs.shape, inputs.dtype)
                np.copyto(x, inputs[::-1])
                pad = pad_rev
            p = _layer_params(params, net, layer, direction)
            Hs, cell_cache = cell_forward(
                x,
                p,
                pad,
                net.activation,
                workspace.allocator(layer, direction),
                None if initial is None else initial[layer],
            )
            directions.append((x, Hs, cell_cache))
        layer_caches.append((inputs, directions))
        if net.bidirectional:
            forward_states, backward_states = directions[0][1], directions[1][1]
            n_hidden = forward_states.shape[2]
            shape = forward_states[1:].shape[:2] + (2 * n_hidden,)
            inputs = empty("outputs", shape, inputs.dtype)
            inputs[:, :, :n_hidden] = forward_states[1:]
            inputs[:, :, n_hidden:] = backward_states[1:][::-1]
        else:
            inputs = directions[0][1][1:]
    raw, features, pool_cache = _head_forward(net, params, inputs, pad_tm)
    cache = {
        "layers": layer_caches,
        "features": features,
        "pool": pool_cache,
        "top": inputs,
    }
    return raw, cache


def backward(net, params, grads, cache, pad_tm, d_raw, masks=None, workspace=None):
    """Backward pass: fill ``grads`` (named views of the flat gradient).

    Parameters
    ----------
    net : Network
    params, grads : dict of str to ndarray
        Named views of the parameters and of the gradient to overwrite.
    cache : dict
        As returned by :func:`forward`.
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
    d_raw : ndarray of the shape of :func:`forward`'s ``raw``
        Gradient of the loss with respect to the raw output.
    masks : list of ndarray or None
        The dropout masks given to :func:`forward`.
    workspace : Workspace, default=None
        The workspace given to :func:`forward`, or None.
    """
    cell_backward = CELLS[net.cell][1]
    workspace = Workspace() if workspace is None else workspace
    pad_rev = None if pad_tm is None else pad_tm[::-1]
    d_top = _head_backward(
        net, params, grads, cache, d_raw, workspace.allocator("top")
    )
    n_layers = len(net.hidden_layer_sizes)
    # with 'last' pooling only each direction's final state is read: no
    # per-step gradient, each direction's cell gets its final-state gradient
    d_final, d_outputs = (d_top, None) if d_top.ndim == 2 else (None, d_top)
    for layer in reversed(range(n_layers)):
        inputs, directions = cache["layers"][layer]
        n_hidden = net.hidden_layer_sizes[layer]
        need_dX = layer > 0
        d_inputs = None
        for direction, (x, Hs, cell_cache) in enumerate(directions):
            columns = slice(direction * n_hidden, (direction + 1) * n_hidden)
            if d_outputs is None:
                dHs = FinalStateGradient(d_final[:, columns])
            else:
                part = d_outputs[:, :, columns]
                dHs = part if direction == 0 else part[::-1]
            pad = pad_tm if direction == 0 else pad_rev
            dx = cell_backward(
                dHs,
                x,
                Hs,
                cell_cache,
                _layer_params(params, net, layer, direction),
                pad,
                net.activation,
                _layer_params(grads, net, layer, direction),
                need_dX,
                workspace.allocator(layer, direction),
            )
            if need_dX and direction == 0:
                d_inputs = dx
            elif need_dX:
                d_inputs += dx[::-1]  # dX of the reversed-time direction
        if need_dX:
            if masks is not None:
                d_inputs *= masks[layer]
            d_outputs = d_inputs


def final_states(net, cache):
    """Each layer's state after the last step of a unidirectional forward pass.

    Padding carries the state through, so this is the state after each
    sequence's last valid step. The result can be :func:`forward`'s
    ``initial``, to continue the sequences.

    Returns
    -------
    states : list of tuple of ndarray of shape (n_samples, n_hidden_l)
        (h,) per layer, or (h, c) for the LSTM; copies.
    """
    return [
        final_state(net.cell, Hs, cell_cache)
        for _, ((_, Hs, cell_cache),) in cache["layers"]
    ]


def predict_raw(net, theta, X_tm, pad_tm, workspace=None):
    """Raw network output for time-major inputs: (n_samples, n_outputs), or
    (n_timesteps, n_samples, n_outputs) for a per-step network.

    The result is a new array, whatever the workspace.
    """
    raw, _ = forward(net, unpack(theta, net.index), X_tm, pad_tm, workspace=workspace)
    return raw


def forecast(net, theta, X_tm, pad_tm, n_steps, activate, workspace=None):
    """Continue each sequence ``n_steps`` steps by feeding its outputs back.

    The history runs once; each new value is the output at the last step,
    fed back as the next input from the carried states, one step at a time:
    O(n_timesteps + n_steps) steps in all.

    Parameters
    ----------
    net : Network
        A unidirectional per-step network with n_outputs == n_features.
    theta : ndarray of shape (n_params,)
    X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
    pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
    n_steps : int
    activate : callable
        The output activation (the prediction from the raw output).
    workspace : Workspace, default=None
        For the history's pass.

    Returns
    -------
    values : ndarray of shape (n_steps, n_samples, n_features)
    """
    params = unpack(theta, net.index)
    # the padded outputs carry the last valid state: raw[-1] is each
    # sequence's output after its last valid step, wherever its padding stands
    raw, cache = forward(net, params, X_tm, pad_tm, workspace=workspace)
    step_workspace = Workspace()  # the one-step passes reuse theirs
    values = np.empty((n_steps,) + raw.shape[1:], raw.dtype)
    for k in range(n_steps):
        values[k] = activate(raw[-1])
        if k + 1 < n_steps:
            raw, cache = forward(
                net,
                params,
                values[k][None],
                None,
                workspace=step_workspace,
                initial=final_states(net, cache),
            )
    return values


def embed(net, theta, X_tm, pad_tm, workspace=None):
    """What the output layer reads, for time-major inputs: the pooled top
    state, (n_samples, n_embedding), or the top states of every step,
    (n_timesteps, n_samples, n_embedding), for a per-step network.

    With a workspace, the result may be one of its arrays (copy it before the
    workspace's next use).
    """
    _, cache = forward(net, unpack(theta, net.index), X_tm, pad_tm, workspace=workspace)
    return cache["features"]


class LossGrad:
    """The training objective and its BPTT gradient on the flat parameter vector.

    ``loss = sum_i w_i l_i / sum_i w_i + alpha / 2 * ||weights||² / sum_i w_i``,
    with ``l_i`` the per-sample loss of :data:`LOSS_FUNCTIONS` and the L2 term
    scaled as MLP scales it, so integer sample weights act like repeated rows.
    A per-step network sums over its steps too: ``i`` runs over (sequence,
    step) pairs, with a weight per step (0 where a step has no target).

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
        # the activations of one call, reused by the next (same shapes: no
        # allocation and no page faults from one minibatch to the next)
        self.workspace = Workspace()

    def __call__(
        self,
        theta,
        X_tm,
        pad_tm,
        Y,
        sample_weight=None,
        masks=None,
        total_weight=None,
        penalty=True,
        need_grad=True,
    ):
        """Loss and gradient.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
        X_tm : ndarray of shape (n_timesteps, n_samples, n_features)
        pad_tm : ndarray of shape (n_timesteps, n_samples) of bool, or None
        Y : ndarray of shape (n_samples, n_outputs), or (n_samples, \
                n_timesteps, n_outputs) for a per-step network
            Encoded targets (any finite value where the weight is 0).
        sample_weight : ndarray of shape (n_samples,) or (n_samples, \
                n_timesteps), or None
            Weight of each sequence, or of each step for a per-step network
            (required there: 0 at padding and at steps without a target).
        masks : list of ndarray or None
            Dropout masks (see :func:`dropout_masks`).
        total_weight : float, default=None
            Divide by this weight instead of the batch's own weight sum: the
            loss of a chunk of a bigger batch, so that chunk losses add up.
        penalty : bool, default=True
            Whether to add the L2 term (added once, not per chunk).
        need_grad : bool, default=True
            False skips the backward pass (the loss alone, e.g. ``loss_``).

        Returns
        -------
        loss : float
        grad : ndarray of shape (n_params,), same dtype as ``theta``, or None
            None when ``need_grad`` is False.
        """
        params = unpack(theta, self.index)
        raw, cache = forward(self.net, params, X_tm, pad_tm, masks, self.workspace)
        if self.net.per_step:
            # time-major views, as raw: (T, n, n_outputs) and (T, n)
            Y, sample_weight = Y.transpose(1, 0, 2), sample_weight.T
        per_sample, d_raw = LOSS_FUNCTIONS[self.net.out_activation](raw, Y)
        if self.net.per_step:
            sw_sum = sample_weight.sum() if total_weight is None else total_weight
            # padding and untargeted steps weigh 0 (their loss is finite: Y is
            # finite there and the padded state is the last valid one)
            loss = np.vdot(per_sample, sample_weight) / sw_sum
            d_raw *= (sample_weight / sw_sum)[:, :, None]
        elif sample_weight is None:
            sw_sum = Y.shape[0] if total_weight is None else total_weight
            loss = per_sample.sum() / sw_sum
            d_raw /= sw_sum
        else:
            sw_sum = sample_weight.sum() if total_weight is None else total_weight
            loss = per_sample @ sample_weight / sw_sum
            d_raw *= (sample_weight / sw_sum)[:, None]

        if penalty:
            penalty_loss, penalty_grad = self.penalty(theta, sw_sum)
            loss += penalty_loss
        if not need_grad:
            return float(loss), None
        grad = np.empty_like(theta)
        backward(
            self.net,
            params,
            unpack(grad, self.index),
            cache,
            pad_tm,
            d_raw,
            masks,
            self.workspace,
        )
        if penalty:
            grad += penalty_grad
        return float(loss), grad

    def penalty(self, theta, weight_sum):
        """The L2 term ``alpha / 2 * ||weights||² / weight_sum`` and its gradient."""
        if not self.alpha:
            return 0.0, 0.0
        penalized = theta * self._mask(theta.dtype)
        loss = 0.5 * self.alpha * (penalized @ penalized) / weight_sum
        return float(loss), (self.alpha / weight_sum) * penalized

    def _mask(self, dtype):
        if dtype not in self._penalty_mask:
            self._penalty_mask[dtype] = penalty_mask(self.index, dtype)
        return self._penalty_mask[dtype]
