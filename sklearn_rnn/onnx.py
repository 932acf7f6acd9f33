"""ONNX export through skl2onnx (``pip install sklearn_rnn[onnx]``).

Importing this module registers a shape calculator and a converter with
skl2onnx for :class:`RNNClassifier`, :class:`RNNRegressor` and
:class:`SequenceScaler`, so that ``skl2onnx.to_onnx`` converts them, alone or
inside a :class:`~sklearn.pipeline.Pipeline`. :func:`to_onnx` does the same
with an input that takes any number of sequences and of timesteps::

    from sklearn_rnn.onnx import to_onnx
    onx = to_onnx(pipeline, X_train)   # X: (n_samples, n_timesteps, n_features)

The graph takes NaN-padded sequences as the estimators do (padding anywhere):
it moves each sequence's valid steps to its front and hands the lengths to
ONNX's RNN, GRU and LSTM operators (``sequence_lens``), which then run every
cell, stacked layers and both directions exactly as the estimators do.
Supported: every cell, ``activation`` in tanh, sigmoid/logistic and relu,
every pooling, ``pooling=None`` (outputs (n_samples, n_timesteps, ...), NaN
at padding; for the classifier numeric classes and ``options={"zipmap":
False}``), ``group_steps``, float32 and float64
inputs (onnxruntime's recurrent kernels exist in float32 only, so a float64
graph runs the recurrent layers in float32). The classifier's outputs are
those skl2onnx gives ``MLPClassifier``: the labels and the probabilities (a
list of dictionaries unless
``options={"zipmap": False}``); the regressor's is the predictions,
(n_samples, n_outputs).
"""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from onnx import TensorProto
from skl2onnx import to_onnx as _skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_proto_type,
)

from ._bptt import _layer_params
from ._estimators import RNNClassifier, RNNRegressor
from ._params import unpack
from ._sequences import SequenceScaler

__all__ = ["to_onnx"]

ONNX_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}
OPS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def to_onnx(model, X, target_opset=None, options=None):
    """Convert a fitted estimator or pipeline of this package to ONNX.

    Parameters
    ----------
    model : estimator or Pipeline
        Fitted; its steps may be this package's estimators and any step
        skl2onnx converts.
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Example input: only its dtype (float32 or float64) and number of
        features are used. The graph's input ``X`` takes any number of
        sequences and of timesteps.
    target_opset : int, default=None
        As for ``skl2onnx.to_onnx``.
    options : dict, default=None
        skl2onnx's converter options, e.g. ``{"zipmap": False}``.

    Returns
    -------
    onx : onnx.ModelProto
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"X must be 3D (n_samples, n_timesteps, n_features); got shape {X.shape}."
        )
    tensor_type = DoubleTensorType if X.dtype == np.float64 else FloatTensorType
    return _skl2onnx_to_onnx(
        model,
        initial_types=[("X", tensor_type([None, None, X.shape[2]]))],
        target_opset=target_opset,
        options=options,
    )


# ----------------------------------------------------------------- helpers
class _Graph:
    """Adds nodes and constants to skl2onnx's container with unique names."""

    def __init__(self, scope, container, proto_dtype):
        self.scope, self.container = scope, container
        self.proto_dtype = proto_dtype
        self.dtype = np.float64 if proto_dtype == TensorProto.DOUBLE else np.float32

    def const(self, values, name="const", proto=None):
        values = np.asarray(values)
        if proto is None:
            if values.dtype.kind == "f":
                values, proto = values.astype(self.dtype), self.proto_dtype
            elif values.dtype.kind == "b":
                proto = TensorProto.BOOL
            else:
                values, proto = values.astype(np.int64), TensorProto.INT64
        full = self.scope.get_unique_variable_name(name)
        self.container.add_initializer(
            full, proto, list(values.shape), values.ravel().tolist()
        )
        return full

    def node(self, op_type, inputs, n_outputs=1, name=None, output=None, **attrs):
        outputs = [
            self.scope.get_unique_variable_name(name or op_type.lower())
            for _ in range(n_outputs)
        ]
        if output is not None:
            outputs[0] = output
        domain = attrs.pop("op_domain", "")
        self.container.add_node(
            op_type,
            inputs,
            outputs,
            op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return outputs[0] if n_outputs == 1 else outputs


def _proto_dtype(operator):
    proto = guess_proto_type(operator.inputs[0].type)
    return TensorProto.DOUBLE if proto == TensorProto.DOUBLE else TensorProto.FLOAT


def _valid_steps_first(g, X, group_steps):
    """The sequences' valid steps moved to their front, grouped, time-major.

    Returns the time-major inputs (T', N, F'), the lengths (N,) in int32, the
    order of the steps (N, T) (int64: the original position of each new
    one) and where the original steps are valid (N, T) (1 or 0).
    """
    is_nan = g.node("IsNaN", [X])  # (N, T, F)
    valid = g.node("Cast", [g.node("Not", [is_nan])], to=g.proto_dtype)
    valid = g.node("ReduceMax", [valid, g.const([2])], keepdims=0)  # (N, T)
    X = g.node("Where", [is_nan, g.const(0.0), X])
    shape = g.node("Shape", [X])
    n_timesteps = g.node("Gather", [shape, g.const([1])], axis=0)  # [T]
    positions = g.node(
        "Cast",
        [g.node("Range", [g.const(0), g.node("Squeeze", [n_timesteps]), g.const(1)])],
        to=g.proto_dtype,
    )
    # sort key: a valid step's position, a padding step's position + T, so
    # that the valid steps come first, in their order
    key = g.node(
        "Add",
        [
            g.node("Mul", [g.node("Sub", [g.const(1.0), valid]),
                           g.node("Cast", [n_timesteps], to=g.proto_dtype)]),
            positions,
        ],
    )
    _, order = g.node(
        "TopK", [g.node("Neg", [key]), n_timesteps], n_outputs=2, axis=1, largest=1
    )
    lengths = g.node(
        "Cast", [g.node("ReduceSum", [valid, g.const([1])], keepdims=0)],
        to=TensorProto.INT64,
    )
    index = g.node("Expand", [g.node("Unsqueeze", [order, g.const([2])]), shape])
    X = g.node("GatherElements", [X, index], axis=1)  # valid steps first
    if group_steps > 1:
        X, lengths = _group(g, X, lengths, shape, n_timesteps, group_steps)
    X = g.node("Transpose", [X], perm=[1, 0, 2])
    return X, g.node("Cast", [lengths], to=TensorProto.INT32), order, valid


def _group(g, X, lengths, shape, n_timesteps, size):
    """Groups of ``size`` valid steps ending at each sequence's last one, the
    first group completed with zeros at its start (``group_timesteps``)."""
    k = g.const([size])
    n_groups = g.node("Div", [g.node("Add", [n_timesteps, g.const([size - 1])]), k])
    width = g.node("Mul", [n_groups, k])  # [G * size]
    group_counts = g.node(
        "Div", [g.node("Add", [lengths, g.const(size - 1)]), g.const(size)]
    )  # (N,)
    lead = g.node("Sub", [g.node("Mul", [group_counts, g.const(size)]), lengths])
    p = g.node("Range", [g.const(0), g.node("Squeeze", [width]), g.const(1)])
    source = g.node("Sub", [g.node("Unsqueeze", [p, g.const([0])]),
                            g.node("Unsqueeze", [lead, g.const([1])])])  # (N, P)
    inside = g.node(
        "And",
        [g.node("GreaterOrEqual", [source, g.const(0)]),
         g.node("Less", [source, g.node("Unsqueeze", [lengths, g.const([1])])])],
    )
    last = g.node("Sub", [n_timesteps, g.const([1])])
    clipped = g.node("Clip", [source, g.const(0), g.node("Squeeze", [last])])
    n_samples = g.node("Gather", [shape, g.const([0])], axis=0)
    n_features = g.node("Gather", [shape, g.const([2])], axis=0)
    index_shape = g.node("Concat", [n_samples, width, n_features], axis=0)
    index = g.node("Expand", [g.node("Unsqueeze", [clipped, g.const([2])]),
                              index_shape])
    gathered = g.node("GatherElements", [X, index], axis=1)
    gathered = g.node(
        "Where",
        [g.node("Unsqueeze", [inside, g.const([2])]), gathered, g.const(0.0)],
    )
    grouped_shape = g.node(
        "Concat", [n_samples, n_groups, g.node("Mul", [n_features, k])], axis=0
    )
    return g.node("Reshape", [gathered, grouped_shape]), group_counts


def _onnx_weights(net, params, layer, direction, dtype):
    """One direction's W, R and B in ONNX's layout and gate order."""
    p = _layer_params(params, net, layer, direction)
    H = net.hidden_layer_sizes[layer]
    W, R, b = p["W"], p["R"], p["b"]
    zeros = np.zeros(W.shape[1])
    if net.cell == "gru":
        # ours (reset, update, new); ONNX (update, reset, hidden)
        order = np.r_[H : 2 * H, 0:H, 2 * H : 3 * H]
        recurrent_bias = np.r_[np.zeros(2 * H), p["bh"]]
        W, R, b = W[:, order], R[:, order], b[order]
    elif net.cell == "lstm":
        # ours (input, forget, cell, output); ONNX (input, output, forget, cell)
        order = np.r_[0:H, 3 * H : 4 * H, H : 2 * H, 2 * H : 3 * H]
        W, R, b, recurrent_bias = W[:, order], R[:, order], b[order], zeros
    else:
        recurrent_bias = zeros
    return W.T.astype(dtype), R.T.astype(dtype), np.r_[b, recurrent_bias].astype(dtype)


def _network_output(scope, operator, container):
    """The raw output of a fitted RNN estimator: (N, n_outputs), or (N, T,
    n_outputs) NaN at padding for ``pooling=None``, in the input's dtype.

    Returns the graph helper of that dtype and the output's name.
    """
    model = operator.raw_operator
    net = model._net
    if net.pooling is None and isinstance(model, RNNClassifier):
        if model.classes_.dtype.kind not in "iuf":
            raise NotImplementedError(
                "ONNX export of a classifier with an output at every step "
                "(pooling=None) needs numeric classes: its labels are numbers, "
                f"NaN at padding steps; this model's classes are {model.classes_}."
            )
        if container.get_options(model, dict(zipmap=True))["zipmap"] is not False:
            raise ValueError(
                "A classifier with an output at every step (pooling=None) gives "
                "probabilities of shape (n_samples, n_timesteps, n_classes), "
                "which ZipMap cannot hold: convert it with "
                "options={'zipmap': False}."
            )
    if net.activation not in ONNX_ACTIVATIONS:
        raise NotImplementedError(
            f"ONNX export supports activation in {sorted(ONNX_ACTIVATIONS)} (and "
            f"'logistic'); this model has activation={model.activation!r}."
        )
    # onnxruntime's RNN, GRU and LSTM kernels exist for float32 only: a
    # float64 graph computes the network in float32 and casts back
    proto_dtype = _proto_dtype(operator)
    g = _Graph(scope, container, TensorProto.FLOAT)
    params = unpack(model._theta.astype(np.float64), net.index)
    X = operator.inputs[0].full_name
    if proto_dtype == TensorProto.DOUBLE:
        X = g.node("Cast", [X], to=TensorProto.FLOAT)
    inputs, lengths, order, valid_steps = _valid_steps_first(
        g, X, model.group_steps_
    )
    act = ONNX_ACTIVATIONS[net.activation]
    per_direction = {
        "rnn": [act], "gru": ["Sigmoid", act], "lstm": ["Sigmoid", act, act]
    }[net.cell]
    direction = "bidirectional" if net.bidirectional else "forward"
    for layer, n_hidden in enumerate(net.hidden_layer_sizes):
        weights = [
            _onnx_weights(net, params, layer, d, g.dtype)
            for d in range(net.n_directions)
        ]
        W, R, B = (g.const(np.stack(part), name=name)
                   for part, name in zip(zip(*weights), "WRB"))
        n_outputs = 3 if net.cell == "lstm" else 2
        outputs = g.node(
            OPS[net.cell],
            [inputs, W, R, B, lengths],
            n_outputs=n_outputs,
            direction=direction,
            hidden_size=n_hidden,
            activations=per_direction * net.n_directions,
            **({"linear_before_reset": 1} if net.cell == "gru" else {}),
        )
        states, final = outputs[0], outputs[1]  # (T, D, N, H), (D, N, H)
        inputs = g.node(
            "Reshape",
            [g.node("Transpose", [states], perm=[0, 2, 1, 3]), g.const([0, 0, -1])],
        )  # (T, N, D * H)
    # the head, as in _bptt: what the output layer reads, then the layer
    if net.pooling is None:
        features = _steps_in_place(g, inputs, order, valid_steps)
    else:
        features = _pool(g, net.pooling, inputs, final, lengths)
    raw = g.node("MatMul", [features, g.const(params["V"])])
    raw = g.node("Add", [raw, g.const(params["c"])])
    g = _Graph(scope, container, proto_dtype)
    if proto_dtype == TensorProto.DOUBLE:
        raw = g.node("Cast", [raw], to=TensorProto.DOUBLE)
    return g, raw


def _pool(g, pooling, top, final, lengths):
    """The pooled state of each sequence, (N, D * H).

    ``top`` (T, N, D * H) holds the last layer's states, valid steps first;
    ``final`` (D, N, H) its final states (ONNX's Y_h), which 'last' reads.
    """
    if pooling == "last":
        pooled = g.node(
            "Reshape",
            [g.node("Transpose", [final], perm=[1, 0, 2]), g.const([0, -1])],
        )
    else:
        n_steps = g.node("Gather", [g.node("Shape", [top]), g.const([0])], axis=0)
        steps = g.node("Range", [g.const(0), g.node("Squeeze", [n_steps]),
                                 g.const(1)])
        valid = g.node(
            "Less",
            [g.node("Unsqueeze", [steps, g.const([1])]),
             g.node("Unsqueeze", [g.node("Cast", [lengths], to=TensorProto.INT64),
                                  g.const([0])])],
        )  # (T, N)
        valid = g.node("Unsqueeze", [valid, g.const([2])])
        if pooling == "mean":
            summed = g.node(
                "ReduceSum",
                [g.node("Where", [valid, top, g.const(0.0)]), g.const([0])],
                keepdims=0,
            )
            count = g.node("Cast", [g.node("Unsqueeze", [lengths, g.const([1])])],
                           to=g.proto_dtype)
            pooled = g.node("Div", [summed, count])
        else:
            pooled = g.node(
                "ReduceMax",
                [g.node("Where", [valid, top, g.const(-np.inf)]), g.const([0])],
                keepdims=0,
            )
    return pooled


def _steps_in_place(g, top, order, valid_steps):
    """The state of every step, (N, T, D * H), back at the steps' original
    positions, NaN at padding steps (so the outputs there are NaN too)."""
    states = g.node("Transpose", [top], perm=[1, 0, 2])  # valid steps first
    # the inverse of the order: where each original step went
    n_timesteps = g.node("Gather", [g.node("Shape", [order]), g.const([1])], axis=0)
    _, back = g.node(
        "TopK", [g.node("Neg", [g.node("Cast", [order], to=g.proto_dtype)]),
                 n_timesteps],
        n_outputs=2, axis=1, largest=1,
    )
    index = g.node("Expand", [g.node("Unsqueeze", [back, g.const([2])]),
                              g.node("Shape", [states])])
    states = g.node("GatherElements", [states, index], axis=1)
    valid = g.node("Cast", [g.node("Unsqueeze", [valid_steps, g.const([2])])],
                   to=TensorProto.BOOL)
    return g.node("Where", [valid, states, g.const(np.nan)])


# --------------------------------------------------------------- regressor
def _regressor_shape(operator):
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    tensor_type = operator.inputs[0].type.__class__
    if model.pooling is None:  # an output at every step
        operator.outputs[0].type = tensor_type([n, None, model.n_outputs_])
    else:
        operator.outputs[0].type = tensor_type([n, model.n_outputs_])


def _convert_regressor(scope, operator, container):
    g, raw = _network_output(scope, operator, container)
    op = "Exp" if operator.raw_operator.out_activation_ == "exp" else "Identity"
    g.node(op, [raw], output=operator.outputs[0].full_name)


# -------------------------------------------------------------- classifier
def _classifier_shape(operator):
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    tensor_type = operator.inputs[0].type.__class__
    multilabel = model._label_binarizer.y_type_ == "multilabel-indicator"
    if model.pooling is None:  # per step, numeric labels with NaN at padding
        n_classes = len(model.classes_)
        operator.outputs[0].type = DoubleTensorType(
            [n, None, n_classes] if multilabel else [n, None]
        )
        operator.outputs[1].type = tensor_type([n, None, n_classes])
    elif multilabel:
        operator.outputs[0].type = Int64TensorType([n, len(model.classes_)])
    elif model.classes_.dtype.kind in "iub":
        operator.outputs[0].type = Int64TensorType([n])
    else:
        operator.outputs[0].type = StringTensorType([n])
    operator.outputs[1].type = tensor_type([n, len(model.classes_)])


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    g, raw = _network_output(scope, operator, container)
    if model.pooling is None:
        _convert_per_step_classifier(g, model, raw, operator)
        return
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    y_type = model._label_binarizer.y_type_
    _probabilities(g, y_type, raw, proba)
    if y_type == "multilabel-indicator":  # labels 0/1
        g.node("Cast", [g.node("Greater", [raw, g.const(0.0)])], output=label,
               to=TensorProto.INT64)
        return
    index = g.node("ArgMax", [proba], axis=-1, keepdims=0)
    classes = model.classes_
    if classes.dtype.kind in "iub":
        g.node("Gather", [g.const(classes.astype(np.int64)), index], output=label,
               axis=0)
    else:
        names = g.const(np.array([str(c).encode() for c in classes], dtype=object),
                        proto=TensorProto.STRING)
        g.node("Gather", [names, index], output=label, axis=0)


def _probabilities(g, y_type, raw, proba):
    """Write the probabilities of the raw outputs (classes on the last axis,
    pooled or per step) to the output ``proba``, as ``predict_proba``."""
    if y_type == "multiclass":
        g.node("Softmax", [raw], output=proba, axis=-1)
    elif y_type == "binary":
        positive = g.node("Sigmoid", [raw])
        g.node("Concat", [g.node("Sub", [g.const(1.0), positive]), positive],
               output=proba, axis=-1)
    else:  # multilabel: independent logistic outputs
        g.node("Sigmoid", [raw], output=proba)


def _convert_per_step_classifier(g, model, raw, operator):
    """Labels (float, NaN at padding) and probabilities at every step."""
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    y_type = model._label_binarizer.y_type_
    # raw is NaN at padding steps, and so is everything computed from it
    padding = g.node("IsNaN", [raw])
    nan = g.const(np.nan, proto=TensorProto.DOUBLE)
    _probabilities(g, y_type, raw, proba)
    if y_type == "multilabel-indicator":
        labels = g.node("Cast", [g.node("Greater", [raw, g.const(0.0)])],
                        to=TensorProto.DOUBLE)
        g.node("Where", [padding, nan, labels], output=label)
        return
    index = g.node("ArgMax", [proba], axis=-1, keepdims=0)
    labels = g.node("Gather", [g.const(model.classes_.astype(np.float64),
                                       proto=TensorProto.DOUBLE), index], axis=0)
    first = g.node("Gather", [padding, g.const(0)], axis=2)  # (N, T)
    g.node("Where", [first, nan, labels], output=label)


# ------------------------------------------------------------------ scaler
def _scaler_shape(operator):
    operator.outputs[0].type = operator.inputs[0].type.__class__(
        operator.inputs[0].type.shape
    )


def _convert_scaler(scope, operator, container):
    model = operator.raw_operator
    g = _Graph(scope, container, _proto_dtype(operator))
    X = operator.inputs[0].full_name
    if model.with_mean:
        X = g.node("Sub", [X, g.const(model.mean_)])
    if model.with_std:
        X = g.node("Div", [X, g.const(model.scale_)])
    g.node("Identity", [X], output=operator.outputs[0].full_name)


update_registered_converter(
    RNNRegressor, "SklearnRNNRegressor", _regressor_shape, _convert_regressor
)
update_registered_converter(
    RNNClassifier,
    "SklearnRNNClassifier",
    _classifier_shape,
    _convert_classifier,
    # both options are applied by skl2onnx's classifier parser (ZipMap with
    # the class labels, or with their indices for nocl=True)
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
update_registered_converter(
    SequenceScaler, "SklearnSequenceScaler", _scaler_shape, _convert_scaler
)
