"""ONNX export (sklearn_rnn.onnx): onnxruntime must predict as the estimators do."""

import numpy as np
import onnxruntime
import pytest
from skl2onnx import to_onnx as skl2onnx_to_onnx
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceScaler
from sklearn_rnn.onnx import to_onnx

CELLS = ["rnn", "lstm", "gru"]


def padded_sequences(seed, n_samples=24, n_timesteps=10, n_features=3):
    """Sequences NaN-padded before, after and inside, and some unpadded."""
    X = np.random.RandomState(seed).normal(size=(n_samples, n_timesteps, n_features))
    for i in range(n_samples):
        kind, n_pad = i % 4, 1 + i % 3
        if kind == 1:
            X[i, :n_pad] = np.nan
        elif kind == 2:
            X[i, n_timesteps - n_pad :] = np.nan
        elif kind == 3:
            X[i, 4 : 4 + n_pad] = np.nan
    return X


def run(onx, X):
    """onnxruntime's outputs for X (the graph's one input, "X" for ours)."""
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def fitted(Estimator, X, y, **params):
    defaults = dict(hidden_layer_sizes=(5, 4), max_iter=5, random_state=0)
    with pytest.warns(Warning, match="(Maximum iterations|failed to converge)"):
        return Estimator(**{**defaults, **params}).fit(X, y)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
# one layer read step by step, two layers reading groups of 3 steps
@pytest.mark.parametrize("layers, group_steps", [((5,), 1), ((5, 4), 3)])
def test_classifier_probabilities_and_labels_match(cell, bidirectional, pooling,
                                                   layers, group_steps):
    X = padded_sequences(0)
    y = np.digitize(np.nanmean(X[:, :, 0], axis=1), [-0.2, 0.2])  # 3 classes
    clf = fitted(RNNClassifier, X, y, cell=cell, bidirectional=bidirectional,
                 pooling=pooling, hidden_layer_sizes=layers,
                 group_steps=group_steps)
    X_new = padded_sequences(1, n_timesteps=13)  # another length
    for dtype, tolerance in [(np.float32, 1e-5), (np.float64, 1e-5)]:
        onx = to_onnx(clf, X.astype(dtype), options={"zipmap": False})
        labels, proba = run(onx, X_new.astype(dtype))
        assert proba.dtype == dtype
        np.testing.assert_allclose(proba, clf.predict_proba(X_new), atol=tolerance)
        np.testing.assert_array_equal(labels, clf.predict(X_new))


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_regressor_matches_with_every_activation_and_poisson(cell, activation):
    X = padded_sequences(2)
    y = np.stack([np.nansum(X[:, :, 0], axis=1), np.nanmax(X[:, :, 1], axis=1)], 1)
    reg = fitted(RNNRegressor, X, y, cell=cell, activation=activation)
    predictions, = run(to_onnx(reg, X.astype(np.float32)), X.astype(np.float32))
    assert predictions.shape == (len(X), 2)
    np.testing.assert_allclose(predictions, reg.predict(X), atol=1e-5)
    counts = np.random.RandomState(2).poisson(2.0, size=len(X))
    poisson = fitted(RNNRegressor, X, counts, cell=cell, loss="poisson")
    predictions, = run(to_onnx(poisson, X), X)
    np.testing.assert_allclose(predictions[:, 0], poisson.predict(X), rtol=1e-5)


def test_binary_multilabel_and_string_labels_match():
    X = padded_sequences(3)
    binary = (np.nanmean(X[:, :, 0], axis=1) > 0).astype(int)
    for y in [binary, np.where(binary, "up", "down"),
              np.stack([binary, 1 - binary, binary], axis=1)]:
        clf = fitted(RNNClassifier, X, y, cell="gru")
        labels, proba = run(to_onnx(clf, X, options={"zipmap": False}), X)
        np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)
        np.testing.assert_array_equal(labels, clf.predict(X))


def test_a_pipeline_with_the_scaler_and_zipmap_as_for_mlp():
    X = padded_sequences(4)
    y = (np.nanmean(X[:, :, 0], axis=1) > 0).astype(int)
    pipeline = make_pipeline(SequenceScaler(), RNNClassifier(
        hidden_layer_sizes=4, max_iter=5, random_state=0))
    with pytest.warns(Warning, match="Maximum iterations"):
        pipeline.fit(X, y)
    onx = to_onnx(pipeline, X.astype(np.float32))
    # one input "X" of any number of sequences and timesteps
    (graph_input,) = onx.graph.input
    assert graph_input.name == "X"
    dims = graph_input.type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [0, 0, X.shape[2]]
    labels, proba = run(onx, X.astype(np.float32))
    np.testing.assert_array_equal(labels, pipeline.predict(X))
    # the default ZipMap output: a dictionary per sequence, as skl2onnx gives
    # MLPClassifier's probabilities
    assert [sorted(row) for row in proba] == [[0, 1]] * len(X)
    np.testing.assert_allclose([[row[0], row[1]] for row in proba],
                               pipeline.predict_proba(X), atol=1e-5)
    flat = X[:, -1].copy()
    flat[np.isnan(flat)] = 0
    mlp = MLPClassifier(hidden_layer_sizes=4, max_iter=5, random_state=0)
    with pytest.warns(Warning, match="Maximum iterations"):
        mlp.fit(flat, y)
    mlp_labels, mlp_proba = run(skl2onnx_to_onnx(mlp, flat.astype(np.float32)),
                                flat.astype(np.float32))
    assert type(mlp_proba) is type(proba) and type(mlp_proba[0]) is type(proba[0])
    assert mlp_labels.dtype == labels.dtype


def test_the_scaler_alone_keeps_padding():
    X = padded_sequences(5)
    scaler = SequenceScaler().fit(X)
    scaled, = run(to_onnx(scaler, X), X)
    np.testing.assert_allclose(scaled, scaler.transform(X), rtol=1e-12)


def test_what_cannot_be_exported_is_refused_clearly():
    X = padded_sequences(6)
    y = np.nansum(X[:, :, 0], axis=1)
    identity = fitted(RNNRegressor, X, y, activation="identity")
    with pytest.raises(NotImplementedError, match="activation='identity'"):
        to_onnx(identity, X)
    labels = (np.nan_to_num(X[:, :, 0]) > 0).astype(int)
    per_step = fitted(RNNClassifier, X, labels, pooling=None)
    with pytest.raises(ValueError, match="options={'zipmap': False}"):
        to_onnx(per_step, X)
    named = fitted(RNNClassifier, X, np.where(labels, "up", "down"), pooling=None)
    with pytest.raises(NotImplementedError, match="needs numeric classes"):
        to_onnx(named, X, options={"zipmap": False})
    with pytest.raises(ValueError, match="X must be 3D"):
        to_onnx(identity, X[:, 0])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_outputs_at_every_step_come_back_in_place(cell, bidirectional):
    # pooling=None: an output per step, at each step's original position, NaN
    # at padding steps wherever they stand
    X = padded_sequences(7)
    reg = fitted(RNNRegressor, X, np.nan_to_num(X[:, :, :2]), pooling=None,
                 cell=cell, bidirectional=bidirectional)
    X_new = padded_sequences(8, n_timesteps=13)
    for dtype in (np.float32, np.float64):
        outputs, = run(to_onnx(reg, X.astype(dtype)), X_new.astype(dtype))
        expected = reg.predict(X_new)
        assert outputs.shape == expected.shape == (len(X_new), 13, 2)
        np.testing.assert_array_equal(np.isnan(outputs), np.isnan(expected))
        np.testing.assert_allclose(outputs, expected, atol=1e-5)


def test_labels_and_probabilities_at_every_step():
    X = padded_sequences(9)
    X_new = padded_sequences(10, n_timesteps=13)
    first = np.nan_to_num(X[:, :, 0])
    for y in [(first > 0).astype(int), np.digitize(first, [-0.5, 0.5]) * 10,
              np.stack([first > 0, np.nan_to_num(X[:, :, 1]) > 0], axis=2)]:
        clf = fitted(RNNClassifier, X, y.astype(int), pooling=None, cell="lstm",
                     bidirectional=True)
        labels, proba = run(to_onnx(clf, X, options={"zipmap": False}), X_new)
        expected = clf.predict_proba(X_new)
        assert proba.shape == expected.shape
        np.testing.assert_array_equal(np.isnan(proba), np.isnan(expected))
        np.testing.assert_allclose(proba, expected, atol=1e-5)
        # labels as predict gives them: numbers, NaN at padding steps
        np.testing.assert_array_equal(labels, clf.predict(X_new))
