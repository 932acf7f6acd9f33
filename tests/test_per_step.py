"""Outputs at every timestep (``pooling=None``): shapes, padding, weights, score.

The engine's per-step gradients are checked by finite differences in
test_bptt.py; these tests hold the estimators' contract.
"""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from sklearn_rnn import RNNClassifier, RNNRegressor

CELLS = ["rnn", "lstm", "gru"]
N_SAMPLES, N_TIMESTEPS, N_FEATURES = 12, 9, 2


def random_sequences(seed, n_samples=N_SAMPLES, n_timesteps=N_TIMESTEPS):
    return np.random.RandomState(seed).normal(size=(n_samples, n_timesteps, N_FEATURES))


def pad(X, padding):
    """NaN-pad each sequence by 1 to 4 steps before, after or in its middle."""
    X = X.copy()
    for i in range(len(X)):
        n_pad = 1 + i % 4
        if padding == "pre":
            X[i, :n_pad] = np.nan
        elif padding == "post":
            X[i, X.shape[1] - n_pad :] = np.nan
        else:
            X[i, 3 : 3 + n_pad] = np.nan
    return X


def leaky_running_sum(X, decay=0.7):
    """y_t = decay * y_{t-1} + x_t[0]: one target per step, (n, T)."""
    y = np.zeros(X.shape[:2])
    for t in range(X.shape[1]):
        y[:, t] = X[:, t, 0] + (decay * y[:, t - 1] if t else 0)
    return y


def small(Estimator, **params):
    """A small per-step model, fitted in a few deterministic iterations."""
    defaults = dict(pooling=None, hidden_layer_sizes=5, solver="lbfgs", max_iter=5,
                    random_state=0)
    return Estimator(**{**defaults, **params})


# ------------------------------------------------------------------ shapes
def test_regressor_shapes_follow_x_without_its_feature_axis():
    X = random_sequences(0)
    y = leaky_running_sum(X)
    reg = small(RNNRegressor).fit(X, y)
    assert reg.n_outputs_ == 1
    assert reg.predict(X).shape == (N_SAMPLES, N_TIMESTEPS)
    # any number of timesteps at prediction
    assert reg.predict(random_sequences(1, 3, 20)).shape == (3, 20)
    assert reg.transform(X).shape == (N_SAMPLES, N_TIMESTEPS, 5)
    # several targets per step
    Y = np.stack([y, -y, 2 * y], axis=2)
    reg3 = small(RNNRegressor).fit(X, Y)
    assert reg3.n_outputs_ == 3
    assert reg3.predict(X).shape == (N_SAMPLES, N_TIMESTEPS, 3)
    # 2D X is sequences of one step: y drops the time axis, as for MLP
    X2, y2 = X[:, 0], y[:, 0]
    reg2 = small(RNNRegressor).fit(X2, y2)
    assert reg2.predict(X2).shape == (N_SAMPLES,)
    assert reg2.transform(X2).shape == (N_SAMPLES, 5)
    assert small(RNNRegressor).fit(X2, Y[:, 0]).predict(X2).shape == (N_SAMPLES, 3)


def test_classifier_shapes_and_the_padding_rule():
    X = pad(random_sequences(2), "post")
    valid = ~np.isnan(X).all(axis=2)
    labels = np.where(np.nan_to_num(X[:, :, 0]) > 0, 3, 7)
    labels[~valid] = -1  # a label seen only at padding steps is not a class
    clf = small(RNNClassifier).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, [3, 7])
    proba = clf.predict_proba(X)
    assert proba.shape == (N_SAMPLES, N_TIMESTEPS, 2)
    assert np.isnan(proba[~valid]).all() and np.isfinite(proba[valid]).all()
    np.testing.assert_allclose(proba[valid].sum(axis=1), 1)
    assert clf.decision_function(X).shape == (N_SAMPLES, N_TIMESTEPS)
    # predict: the labels at valid steps, NaN at padding steps (NaN is never
    # a class label: scikit-learn refuses NaN in y)
    y_pred = clf.predict(X)
    assert y_pred.shape == (N_SAMPLES, N_TIMESTEPS) and y_pred.dtype == np.float64
    assert np.isnan(y_pred[~valid]).all()
    assert set(np.unique(y_pred[valid])) <= {3.0, 7.0}
    np.testing.assert_array_equal(
        y_pred[valid], clf.classes_[proba[valid].argmax(axis=1)]
    )
    # string labels: an object array, NaN at padding
    names = np.array(["down", "up"])[(labels == 3).astype(int)]
    y_named = small(RNNClassifier).fit(X, names).predict(X)
    assert y_named.dtype == object and np.isnan(y_named[~valid].astype(float)).all()
    assert set(y_named[valid]) <= {"down", "up"}


def test_multiclass_and_multilabel_per_step():
    X = random_sequences(3)
    three = np.digitize(X[:, :, 0], [-0.5, 0.5])  # classes 0, 1, 2
    clf = small(RNNClassifier).fit(X, three)
    assert clf.predict_proba(X).shape == (N_SAMPLES, N_TIMESTEPS, 3)
    indicators = np.stack([X[:, :, 0] > 0, X[:, :, 1] > 0], axis=2).astype(int)
    multi = small(RNNClassifier).fit(X, indicators)
    assert multi.predict(X).shape == (N_SAMPLES, N_TIMESTEPS, 2)
    assert multi.predict_proba(X).shape == (N_SAMPLES, N_TIMESTEPS, 2)
    # partial_fit: labels need classes on the first call, indicators do not
    with pytest.raises(ValueError, match="classes must be passed"):
        RNNClassifier(pooling=None).partial_fit(X, three)
    RNNClassifier(pooling=None, hidden_layer_sizes=4).partial_fit(X, indicators)
    inc = RNNClassifier(pooling=None, hidden_layer_sizes=4, random_state=0)
    inc.partial_fit(X, three, classes=[0, 1, 2]).partial_fit(X, three)
    assert inc.predict(X).shape == (N_SAMPLES, N_TIMESTEPS)


# ---------------------------------------------------------------- padding
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("padding", ["pre", "post", "mid"])
def test_padded_outputs_equal_the_unpadded_sequences(cell, bidirectional, padding):
    X = pad(random_sequences(4), padding)
    reg = small(RNNRegressor, cell=cell, bidirectional=bidirectional).fit(
        X, np.nan_to_num(leaky_running_sum(np.nan_to_num(X)))
    )
    valid = ~np.isnan(X).all(axis=2)
    batch, states = reg.predict(X), reg.transform(X)
    assert np.isnan(batch[~valid]).all() and np.isnan(states[~valid]).all()
    for i in range(N_SAMPLES):
        alone = X[i][valid[i]][None]
        np.testing.assert_allclose(batch[i][valid[i]], reg.predict(alone)[0],
                                   rtol=0, atol=1e-10)
        np.testing.assert_allclose(states[i][valid[i]], reg.transform(alone)[0],
                                   rtol=0, atol=1e-10)


@pytest.mark.parametrize("cell", CELLS)
def test_unidirectional_outputs_are_causal(cell):
    X = random_sequences(5)
    y = leaky_running_sum(X)
    reg = small(RNNRegressor, cell=cell, hidden_layer_sizes=(5, 4)).fit(X, y)
    full = reg.predict(X)
    for t in (1, 4, N_TIMESTEPS - 1):
        np.testing.assert_allclose(reg.predict(X[:, :t]), full[:, :t],
                                   rtol=0, atol=1e-12)
    # a bidirectional model reads the future too (tagging): not causal
    bi = small(RNNRegressor, cell=cell, bidirectional=True).fit(X, y)
    assert np.abs(bi.predict(X[:, :4]) - bi.predict(X)[:, :4]).max() > 1e-3


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_bidirectional_auto_is_two_directions_for_a_pooled_reading_only(Estimator):
    # mutations: 'auto' always True, or always False
    X = random_sequences(6)
    y = leaky_running_sum(X)
    if Estimator is RNNClassifier:
        y = (y > 0).astype(int)

    def n_directions(model):
        # a bidirectional layer's weights have a leading axis of 2
        return 2 if model.recurrent_coefs_[0].ndim == 3 else 1

    assert n_directions(small(Estimator).fit(X, y)) == 1  # pooling=None
    assert n_directions(small(Estimator, bidirectional=True).fit(X, y)) == 2
    for pooling in ("last", "max", "mean"):
        pooled = small(Estimator, pooling=pooling).fit(X, y[:, -1])
        assert n_directions(pooled) == 2
        pooled.set_params(bidirectional=False).fit(X, y[:, -1])
        assert n_directions(pooled) == 1
    if Estimator is RNNRegressor:  # a next-step model as typed can forecast
        next_step = RNNRegressor(pooling=None, hidden_layer_sizes=3, max_iter=2)
        with pytest.warns(ConvergenceWarning):
            next_step.fit(X[:, :-1], X[:, 1:])
        assert next_step.forecast(X, 2).shape == (N_SAMPLES, 2, N_FEATURES)


# ---------------------------------------------------------- targets, weights
def test_a_zero_step_weight_equals_a_nan_target():
    X = pad(random_sequences(6), "mid")
    y = leaky_running_sum(np.nan_to_num(X))
    untargeted = np.random.RandomState(6).uniform(size=y.shape) < 0.3
    y_nan = np.where(untargeted, np.nan, y)
    y_garbage = np.where(untargeted, 1e3, y)
    weights = np.where(untargeted, 0.0, 1.0)
    a = small(RNNRegressor, max_iter=30).fit(X, y_nan)
    b = small(RNNRegressor, max_iter=30).fit(X, y_garbage, sample_weight=weights)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    # and the target at a padding step is ignored whatever it is
    y_pad = y_nan.copy()
    y_pad[np.isnan(X).all(axis=2)] = -1e6
    c = small(RNNRegressor, max_iter=30).fit(X, y_pad)
    np.testing.assert_array_equal(a.predict(X), c.predict(X))
    # the score counts the targeted steps only
    valid = ~np.isnan(X).all(axis=2) & ~untargeted
    assert a.score(X, y_nan) == pytest.approx(
        r2_score(y[valid], a.predict(X)[valid]), rel=1e-12
    )


def test_integer_step_weights_act_as_repeated_sequences():
    X = pad(random_sequences(7), "pre")
    y = leaky_running_sum(np.nan_to_num(X))
    repeats = np.arange(N_SAMPLES) % 3  # 0, 1 or 2 copies of each sequence
    # (20 L-BFGS iterations: far more let rounding differences grow chaotically)
    params = dict(max_iter=20, tol=1e-12)
    weighted = small(RNNRegressor, **params).fit(
        X, y, sample_weight=np.repeat(repeats[:, None], N_TIMESTEPS, axis=1)
    )
    repeated = small(RNNRegressor, **params).fit(
        np.repeat(X, repeats, axis=0), np.repeat(y, repeats, axis=0)
    )
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X),
                               rtol=0, atol=1e-10)
    # a weight per sequence is a weight per step, constant along the sequence
    per_sequence = small(RNNRegressor, max_iter=20).fit(X, y, sample_weight=repeats)
    per_step = small(RNNRegressor, max_iter=20).fit(
        X, y, sample_weight=np.repeat(repeats[:, None], N_TIMESTEPS, axis=1)
    )
    np.testing.assert_array_equal(per_sequence.predict(X), per_step.predict(X))


def test_score_is_over_the_valid_steps_and_works_in_model_selection():
    X = pad(random_sequences(8, n_samples=30), "post")
    valid = ~np.isnan(X).all(axis=2)
    labels = (np.nan_to_num(X[:, :, 0]) > 0).astype(int)
    clf = small(RNNClassifier, max_iter=40).fit(X, labels)
    weights = np.random.RandomState(8).uniform(size=labels.shape)
    assert clf.score(X, labels, sample_weight=weights) == pytest.approx(
        accuracy_score(labels[valid], clf.predict(X)[valid],
                       sample_weight=weights[valid]),
        rel=1e-12,
    )
    # the estimator's own score drives cross-validation and grid search
    y = leaky_running_sum(np.nan_to_num(X))
    scores = cross_val_score(small(RNNRegressor, max_iter=40), X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.isfinite(scores).all()
    search = GridSearchCV(
        small(RNNClassifier, max_iter=20), {"hidden_layer_sizes": [3, 6]}, cv=3
    ).fit(X, labels)
    assert 0 <= search.best_score_ <= 1


def test_early_stopping_and_minibatches_with_step_targets():
    X = random_sequences(9, n_samples=40)
    y = leaky_running_sum(X)
    reg = RNNRegressor(pooling=None, hidden_layer_sizes=8, early_stopping=True,
                       batch_size=8, max_iter=30, random_state=0).fit(X, y)
    assert len(reg.validation_scores_) == reg.n_iter_
    assert np.isfinite(reg.best_validation_loss_)


# ------------------------------------------------------------------ errors
def test_bad_per_step_input_raises_clear_errors():
    X = random_sequences(10)
    y = leaky_running_sum(X)
    reg = RNNRegressor(pooling=None, hidden_layer_sizes=3, max_iter=2)
    with pytest.raises(ValueError, match=r"a target at every timestep .*\(12, 9\)"):
        reg.fit(X, y[:, 0])
    with pytest.raises(ValueError, match="a target at every timestep"):
        reg.fit(X, y[:, :5])
    Y = np.stack([y, y], axis=2)
    Y[2, 4, 0] = np.nan
    with pytest.raises(ValueError, match="timestep 4 of sequence 2"):
        reg.fit(X, Y)
    with pytest.raises(ValueError, match="no target at any valid timestep"):
        reg.fit(X, np.full_like(y, np.nan))
    with pytest.raises(ValueError, match=r"expected \(12, 9\)"):
        reg.fit(X, y, sample_weight=np.ones((12, 4)))
    with pytest.raises(ValueError, match="at least one non-zero number at a"):
        reg.fit(X, np.where(y > 0, np.nan, y), sample_weight=(y > 0).astype(float))
    with pytest.raises(ValueError, match="needs group_steps=1"):
        RNNRegressor(pooling=None, group_steps=3).fit(X, y)
    # with pooling, a per-step weight is refused as before
    with pytest.raises(ValueError, match="sample_weight must be 1D"):
        RNNRegressor(max_iter=2).fit(X, y[:, -1], sample_weight=np.ones((12, 9)))
    # a failed fit leaves nothing behind
    assert not hasattr(reg, "coefs_")


# ---------------------------------------------------------- learnable tasks
@pytest.mark.parametrize("seed", range(5))
def test_learns_a_leaky_running_sum(seed):
    X = random_sequences(100 + seed, n_samples=240, n_timesteps=20)
    y = leaky_running_sum(X)
    reg = RNNRegressor(pooling=None, hidden_layer_sizes=16, random_state=seed)
    reg.fit(X[:160], y[:160])
    assert reg.score(X[160:], y[160:]) >= 0.95


@pytest.mark.parametrize("seed", range(5))
def test_labels_a_delayed_copy(seed, delay=3):
    # the label at step t is the sign of the first feature at step t - delay;
    # the first steps have no label (weight 0)
    X = random_sequences(200 + seed, n_samples=240, n_timesteps=20)
    labels = np.zeros(X.shape[:2], dtype=int)
    labels[:, delay:] = X[:, :-delay, 0] > 0
    weights = np.ones(labels.shape)
    weights[:, :delay] = 0
    clf = RNNClassifier(pooling=None, hidden_layer_sizes=16, random_state=seed)
    clf.fit(X[:160], labels[:160], sample_weight=weights[:160])
    assert clf.score(X[160:], labels[160:], sample_weight=weights[160:]) >= 0.95


# ---------------------------------------------------------------- forecast
def next_step_model(cell, X, **params):
    """A per-step model trained on next-step targets (a few iterations)."""
    y = np.concatenate([X[:, 1:], X[:, -1:]], axis=1)
    return small(RNNRegressor, cell=cell, hidden_layer_sizes=(6, 5), **params).fit(
        np.nan_to_num(X), np.nan_to_num(y)
    )


@pytest.mark.parametrize("cell", CELLS)
def test_forecast_feeds_each_prediction_back(cell):
    X = random_sequences(11)
    reg = next_step_model(cell, X)
    forecasts = reg.forecast(X, 5)
    assert forecasts.shape == (N_SAMPLES, 5, N_FEATURES)
    # the same values as re-running the whole, growing history for every step
    history = X
    for k in range(5):
        np.testing.assert_allclose(
            forecasts[:, k], reg.predict(history)[:, -1], rtol=0, atol=1e-12
        )
        history = np.concatenate([history, forecasts[:, k : k + 1]], axis=1)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("padding", ["pre", "post", "mid"])
def test_forecast_from_a_padded_history_equals_the_unpadded_one(cell, padding):
    X = pad(random_sequences(12), padding)
    reg = next_step_model(cell, X)
    forecasts = reg.forecast(X, 4)
    for i in range(N_SAMPLES):
        alone = X[i][~np.isnan(X[i]).all(axis=1)][None]
        np.testing.assert_allclose(forecasts[i], reg.forecast(alone, 4)[0],
                                   rtol=0, atol=1e-10)


def test_forecast_refuses_what_cannot_feed_back():
    X = random_sequences(13)
    with pytest.raises(ValueError, match="pooling=None"):
        RNNRegressor(hidden_layer_sizes=3, max_iter=2).fit(X, X[:, -1]).forecast(X, 2)
    with pytest.raises(ValueError, match="bidirectional"):
        next_step_model("gru", X, bidirectional=True).forecast(X, 2)
    one_output = small(RNNRegressor).fit(X, X[:, :, 0])
    with pytest.raises(ValueError, match="n_outputs_=1 and n_features_in_=2"):
        one_output.forecast(X, 2)
    reg = next_step_model("rnn", X)
    for n_steps in (0, 2.5, True):
        with pytest.raises(ValueError, match="n_steps must be a positive integer"):
            reg.forecast(X, n_steps)


def sine_waves(rng, n_series, n_timesteps):
    """Sines of random frequency (5 to 20 steps a period) and phase, (n, T, 1)."""
    frequency = rng.uniform(0.05, 0.2, size=(n_series, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    return np.sin(2 * np.pi * frequency * np.arange(n_timesteps) + phase)[:, :, None]


@pytest.mark.parametrize("seed", range(5))
def test_recursive_forecast_of_sine_waves(seed, n_history=60, horizon=30):
    rng = np.random.RandomState(seed)
    waves = sine_waves(rng, 300, n_history + horizon)
    train, test = waves[:200, :n_history], waves[200:]
    # next-step targets; the inputs carry a little noise (input_noise), so
    # that the model learns to correct small errors instead of amplifying its
    # own (without it the 30-step forecast loses most of its lead over the
    # naive one)
    reg = RNNRegressor(pooling=None, hidden_layer_sizes=16, learning_rate_init=0.01,
                       input_noise=0.1, random_state=seed)
    reg.fit(train[:, :-1], train[:, 1:, 0])
    history, future = test[:, :n_history], test[:, n_history:, 0]
    forecast = reg.forecast(history, horizon)[:, :, 0]
    rmse = np.sqrt(np.mean((forecast - future) ** 2))
    naive = np.sqrt(np.mean((history[:, -1] - future) ** 2))  # the last value
    assert naive >= 4 * rmse


def test_early_stopping_refuses_a_split_without_weight():
    # one weighted sequence of ten, half held out: one part has no weight at
    # all (the held-out loss would be 0 / 0)
    X = random_sequences(14, n_samples=10)
    weights = np.zeros((10, N_TIMESTEPS))
    weights[0] = 1
    reg = RNNRegressor(pooling=None, hidden_layer_sizes=3, early_stopping=True,
                       validation_fraction=0.5, random_state=0)
    with pytest.raises(ValueError, match="every weight of the .* part is 0"):
        reg.fit(X, leaky_running_sum(X), sample_weight=weights)
    assert not hasattr(reg, "coefs_")


@pytest.mark.parametrize("cell", CELLS)
def test_a_float32_model_predicts_and_forecasts_in_float32(cell):
    X = random_sequences(15).astype(np.float32)
    reg = next_step_model(cell, X)
    assert reg.predict(X).dtype == np.float32
    assert reg.transform(X).dtype == np.float32
    forecasts = reg.forecast(X, 3)
    assert forecasts.dtype == np.float32
    np.testing.assert_allclose(forecasts[:, 0], reg.predict(X)[:, -1], rtol=1e-6)
