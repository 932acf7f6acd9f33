"""pad_sequences, sequence_lengths, SequenceScaler, make_windows, and the RNNs'
transform in pipelines."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceScaler,
    make_windows,
    pad_sequences,
    sequence_lengths,
)

rng = np.random.RandomState(0)
LENGTHS = [5, 1, 3, 7, 2]
SEQUENCES = [rng.normal(size=(length, 3)) for length in LENGTHS]


# ----------------------------------------------------------------- pad_sequences
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_pad_sequences_round_trip(padding):
    X = pad_sequences(SEQUENCES, padding=padding)
    assert X.shape == (5, 7, 3) and X.dtype == np.float64
    lengths = sequence_lengths(X)
    np.testing.assert_array_equal(lengths, LENGTHS)
    for x, sequence, length in zip(X, SEQUENCES, lengths):
        kept = x[:length] if padding == "post" else x[len(x) - length :]
        np.testing.assert_array_equal(kept, sequence)
        assert np.isnan(np.delete(x, np.s_[:length] if padding == "post" else np.s_[len(x) - length :], axis=0)).all()


def test_pad_sequences_truncation():
    seq = np.arange(6.0)
    pre = pad_sequences([seq, seq[:2]], maxlen=4, truncating="pre")[:, :, 0]
    np.testing.assert_array_equal(pre[0], [2, 3, 4, 5])  # keeps the last steps
    post = pad_sequences([seq], maxlen=4, truncating="post")[:, :, 0]
    np.testing.assert_array_equal(post[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(pre[1][:2], [0, 1])
    assert np.isnan(pre[1][2:]).all()
    longer = pad_sequences([seq[:2]], maxlen=5, padding="pre")[0, :, 0]
    assert np.isnan(longer[:3]).all() and (longer[3:] == [0, 1]).all()


def test_pad_sequences_univariate_and_dtype():
    X = pad_sequences([[1, 2, 3], np.array([4])], dtype=np.float32)
    assert X.shape == (2, 3, 1) and X.dtype == np.float32


@pytest.mark.parametrize(
    "sequences, kwargs, match",
    [
        ([], {}, "at least one sequence"),
        ([np.ones((2, 3)), np.ones((2, 2))], {}, "Sequence 1 has 2 features"),
        ([np.ones((2, 3)), np.ones((0, 3))], {}, "Sequence 1 is empty"),
        ([np.ones((2, 3, 1))], {}, "3 dimensions"),
        ([np.ones((2, 0))], {}, "no feature"),
        ([[1.0]], {"maxlen": 0}, "maxlen"),
        ([[1.0]], {"padding": "middle"}, "padding"),
        ([[1.0]], {"truncating": "middle"}, "truncating"),
        ([[1.0]], {"dtype": int}, "floating dtype"),
    ],
)
def test_pad_sequences_errors(sequences, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pad_sequences(sequences, **kwargs)


def test_padded_sequences_feed_the_estimators():
    y = np.array([s[:, 0].sum() for s in SEQUENCES])
    X = pad_sequences(SEQUENCES, padding="pre")
    est = RNNRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)
    est.fit(X, y)
    one_by_one = [est.predict(s[None])[0] for s in SEQUENCES]
    np.testing.assert_allclose(est.predict(X), one_by_one, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- SequenceScaler
def test_sequence_scaler_matches_standard_scaler_on_valid_steps():
    X = pad_sequences(SEQUENCES, padding="post") * [1.0, 10.0, 0.1] + [0, 5, -3]
    weights = rng.uniform(0.5, 2, size=len(SEQUENCES))
    valid = np.concatenate([x[:n] for x, n in zip(X, LENGTHS)])
    step_weights = np.repeat(weights, LENGTHS)
    for sample_weight, reference_weight in [(None, None), (weights, step_weights)]:
        scaler = SequenceScaler().fit(X, sample_weight=sample_weight)
        reference = StandardScaler().fit(valid, sample_weight=reference_weight)
        np.testing.assert_allclose(scaler.mean_, reference.mean_)
        np.testing.assert_allclose(scaler.scale_, reference.scale_)
    X_before = X.copy()
    Z = scaler.transform(X)
    np.testing.assert_array_equal(X, X_before)  # input untouched
    np.testing.assert_array_equal(np.isnan(Z), np.isnan(X))  # padding kept
    valid_Z = np.concatenate([z[:n] for z, n in zip(Z, LENGTHS)])
    np.testing.assert_allclose(valid_Z, reference.transform(valid))
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
    assert list(scaler.get_feature_names_out()) == ["x0", "x1", "x2"]


def test_sequence_scaler_options_and_feature_check():
    X = pad_sequences(SEQUENCES)
    no_mean = SequenceScaler(with_mean=False).fit(X)
    Z = no_mean.transform(X)
    np.testing.assert_allclose(Z, X / no_mean.scale_)  # scaled, not centred
    np.testing.assert_allclose(np.nanstd(Z, axis=(0, 1)), 1.0)
    assert SequenceScaler(with_mean=False, with_std=False).fit(X).mean_ is None
    no_std = SequenceScaler(with_std=False).fit(X)
    assert no_std.scale_ is None
    np.testing.assert_allclose(np.nanmean(no_std.transform(X), axis=(0, 1)), 0, atol=1e-12)
    with pytest.raises(ValueError, match="X has 2 features, but SequenceScaler"):
        no_std.transform(X[:, :, :2])


# ------------------------------------------------------------ transform + pipes
def test_transform_returns_the_pooled_embedding():
    X = pad_sequences(SEQUENCES)
    y = np.array([0, 1, 0, 1, 1])
    clf = RNNClassifier(hidden_layer_sizes=(6, 5), pooling="mean", solver="lbfgs", max_iter=10, random_state=0).fit(X, y)
    embedding = clf.transform(X)
    assert embedding.shape == (5, 10)  # both directions (the default) of 5 units
    logits = embedding @ clf.coefs_[-1] + clf.intercepts_[-1]
    np.testing.assert_allclose(logits.ravel(), clf.decision_function(X))
    assert list(clf.get_feature_names_out()) == [f"rnnclassifier{i}" for i in range(10)]


def test_rnn_feeds_logistic_regression_in_a_pipeline():
    X = rng.normal(size=(120, 8, 2))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    pipe = make_pipeline(
        RNNClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0),
        LogisticRegression(),
    ).fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert pipe[-1].n_features_in_ == 16  # both directions of 8 units


def digits_as_sequences():
    X, y = load_digits(return_X_y=True)
    return X.reshape(-1, 8, 8), y


def test_scaled_rnn_pipeline_on_digits_cross_validated():
    X, y = digits_as_sequences()
    pipe = make_pipeline(
        SequenceScaler(),
        RNNClassifier(max_iter=15, random_state=0),  # the defaults, fewer epochs
    )
    scores = cross_val_score(
        pipe, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0)
    )
    assert scores.mean() >= 0.95


# ---------------------------------------------------------------- make_windows
def test_make_windows_line_up_with_the_series():
    series = np.arange(20.0)
    X, y = make_windows(series, window=4)
    assert X.shape == (16, 4, 1) and y.shape == (16,)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(X[:, -1, 0] + 1, y)  # next value
    X, y = make_windows(series, window=4, horizon=3, stride=2)
    assert X.shape == (7, 4, 1) and y.shape == (7, 3)
    np.testing.assert_array_equal(y[-1], [16, 17, 18])  # last start: step 12
    np.testing.assert_array_equal(X[1, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[1], [6, 7, 8])


def test_make_windows_multivariate_targets():
    series = np.column_stack([np.arange(10.0), 100 + np.arange(10.0)])
    X, y = make_windows(series, window=3, horizon=2, target=1)
    assert X.shape == (6, 3, 2) and y.shape == (6, 2)
    np.testing.assert_array_equal(y[0], [103, 104])
    X, y = make_windows(series, window=3, horizon=2)
    np.testing.assert_array_equal(y[0], [3, 103, 4, 104])  # step-major
    X, y = make_windows(series, window=3, target=[0, 1])
    np.testing.assert_array_equal(y[0], [3, 103])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(window=0), "window"),
        (dict(window=3, horizon=0), "horizon"),
        (dict(window=3, stride=0), "stride"),
        (dict(window=9, horizon=2), "no window fits"),
    ],
)
def test_make_windows_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(np.arange(10.0), **kwargs)


def test_grid_search_over_cells_on_scaled_digits():
    X, y = digits_as_sequences()
    pipe = make_pipeline(
        SequenceScaler(),
        RNNClassifier(learning_rate_init=0.01, batch_size=200, max_iter=25,
                      random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {
            "rnnclassifier__cell": ["rnn", "gru"],
            "rnnclassifier__hidden_layer_sizes": [(16,), (32,)],
        },
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_score_ >= 0.95
    assert grid.best_estimator_[-1].cell in ("rnn", "gru")


# ------------------------------------------------------------------ group_steps
def test_group_timesteps_right_aligned_with_zeros_at_the_start():
    from sklearn_rnn._sequences import group_timesteps

    X = np.arange(1.0, 8.0).reshape(1, 7, 1)  # steps 1..7, groups of 3
    grouped, pad = group_timesteps(X, None, 3)
    np.testing.assert_array_equal(grouped[0], [[0, 0, 1], [2, 3, 4], [5, 6, 7]])
    assert pad is None
    # the same sequence padded anywhere gives the same groups; shorter
    # sequences get padding groups before their first group
    X_pad = np.full((2, 10, 1), np.nan)
    X_pad[0, [0, 2, 3, 5, 6, 8, 9], 0] = X[0, :, 0]
    X_pad[1, 4:6, 0] = [8.0, 9.0]
    grouped, pad = group_timesteps(X_pad, np.isnan(X_pad[:, :, 0]), 3)
    np.testing.assert_array_equal(grouped[0], [[0, 0, 1], [2, 3, 4], [5, 6, 7]])
    np.testing.assert_array_equal(pad, [[False] * 3, [True, True, False]])
    np.testing.assert_array_equal(grouped[1, 2], [0, 8, 9])


@pytest.mark.filterwarnings("ignore:L-BFGS-B failed to converge")
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_group_steps_reads_groups_as_steps(cell):
    data_rng = np.random.RandomState(1)
    X = data_rng.normal(size=(30, 12, 2))
    y = X[:, :, 0].sum(axis=1)
    params = dict(hidden_layer_sizes=(4,), cell=cell, solver="lbfgs", max_iter=20,
                  random_state=0)
    grouped = RNNRegressor(group_steps=4, **params).fit(X, y)
    assert grouped.group_steps_ == 4 and grouped.n_features_in_ == 2
    assert grouped.coefs_[0].shape[-2] == 8  # 4 steps x 2 features per step
    # equal to an ungrouped model fitted on the grouped sequences
    flat = RNNRegressor(group_steps=1, **params).fit(X.reshape(30, 3, 8), y)
    np.testing.assert_allclose(grouped.predict(X), flat.predict(X.reshape(30, 3, 8)),
                               rtol=1e-12)
    # padding anywhere, and another length at prediction, are fine
    padded = np.full((30, 17, 2), np.nan)
    padded[:, [0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 14, 15]] = X
    np.testing.assert_allclose(grouped.predict(padded), grouped.predict(X), rtol=1e-12)
    assert grouped.predict(X[:, :5]).shape == (30,)


@pytest.mark.parametrize("n_timesteps, expected", [(1, 1), (40, 1), (50, 1), (51, 2),
                                                   (150, 3), (1460, 30)])
def test_group_steps_auto_reads_about_fifty_steps(n_timesteps, expected):
    X = np.random.RandomState(0).normal(size=(6, n_timesteps, 1))
    est = RNNRegressor(hidden_layer_sizes=(2,), solver="lbfgs", max_iter=1)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, np.arange(6.0))
    assert est.group_steps_ == expected
