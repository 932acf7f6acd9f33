"""Tests that each fail when one training mechanism is broken by a one-line change.

Each test names the mutation it was written against: sample weights dropped
inside minibatches, the early-stopping validation loss and score ignoring
sample weights, dropout applied at prediction time, early stopping keeping the
last iterate instead of a validated one, input noise left out of training,
added into the training data, or not keyed to the content of the sequences,
and random windows counted over padding, left out, not keyed to the content,
or passes of an epoch summed instead of averaged.
"""

import copy

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._solvers import (
    Batch,
    KeyedNoise,
    add_input_noise,
    crop_passes,
    random_windows,
    sequence_keys,
)


def data(seed=0, n_samples=120):
    data_rng = np.random.RandomState(seed)
    X = data_rng.normal(size=(n_samples, 6, 2))
    y_reg = X[:, :, 0].mean(axis=1) + 0.3 * data_rng.normal(size=n_samples)
    return X, y_reg, (y_reg > 0).astype(int), data_rng


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_zero_weight_targets_do_not_matter_inside_minibatches(Estimator, solver):
    # mutation: sample_weight dropped from the minibatches of adam/sgd
    X, y_reg, y_clf, data_rng = data()
    y = y_reg if Estimator is RNNRegressor else y_clf
    weight = data_rng.randint(0, 3, size=len(y)).astype(float)
    y_other = y.copy()
    zero = weight == 0
    y_other[zero] = (data_rng.normal(size=zero.sum()) * 5 if Estimator is RNNRegressor
                     else 1 - y[zero])
    params = dict(hidden_layer_sizes=(5,), solver=solver, batch_size=16,
                  max_iter=5, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        a = Estimator(**params).fit(X, y, sample_weight=weight)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        b = Estimator(**params).fit(X, y_other, sample_weight=weight)
    np.testing.assert_allclose(a._theta, b._theta, rtol=1e-12, atol=1e-14)
    # and the weights do act: the unweighted fit differs
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        c = Estimator(**params).fit(X, y)
    assert np.abs(a._theta - c._theta).max() > 1e-3


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_early_stopping_keeps_a_weighted_validated_iteration(Estimator, solver):
    # mutations: validation loss/score ignoring sample_weight; the last
    # iterate kept instead of a validated one
    X, y_reg, y_clf, data_rng = data(n_samples=100)
    weight = data_rng.uniform(0.1, 3.0, size=len(y_reg))
    # more noise, and no regularisation (alpha, input_noise, random_crop), so
    # that training overfits it; one direction for both estimators
    y_reg = y_reg + 0.5 * data_rng.normal(size=len(y_reg))
    y_clf = y_clf ^ (data_rng.uniform(size=len(y_clf)) < 0.15)
    y = y_reg if Estimator is RNNRegressor else y_clf
    est = Estimator(
        hidden_layer_sizes=(24,), solver=solver, early_stopping=True,
        validation_fraction=0.3, n_iter_no_change=5, max_iter=500, alpha=0.0,
        input_noise=0.0, random_crop=1.0, learning_rate="constant",
        learning_rate_init=0.2 if solver == "sgd" else 0.01, bidirectional=False,
        random_state=0,
    ).fit(X, y, sample_weight=weight)
    _, val = train_test_split(
        np.arange(len(y)), test_size=0.3, random_state=0,
        stratify=y if Estimator is RNNClassifier else None,
    )
    val = np.sort(val)
    if Estimator is RNNRegressor:
        pred = est.predict(X[val])
        loss = np.average(0.5 * (pred - y[val]) ** 2, weights=weight[val])
        score = r2_score(y[val], pred, sample_weight=weight[val])
    else:
        loss = log_loss(y[val], est.predict_proba(X[val]), sample_weight=weight[val])
        score = accuracy_score(y[val], est.predict(X[val]), sample_weight=weight[val])
    curve = np.asarray(est.validation_loss_curve_)
    kept = int(np.argmin(np.abs(curve - loss)))
    assert curve[kept] == pytest.approx(loss, rel=1e-9)
    assert est.best_validation_score_ == pytest.approx(score, rel=1e-9)
    assert est.best_validation_loss_ == curve.min()
    # the kept iterate is not the last one, so keeping the last would show
    assert np.argmin(curve) <= kept < est.n_iter_ - 1
    assert curve[-1] > curve[kept]


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_dropout_never_acts_at_prediction(Estimator, cell):
    # mutation: dropout masks applied in predict/transform
    X, y_reg, y_clf, _ = data()
    y = y_reg if Estimator is RNNRegressor else y_clf
    est = Estimator(hidden_layer_sizes=(6,), cell=cell, dropout=0.5, max_iter=3,
                    random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est.fit(X, y)
    plain = copy.deepcopy(est).set_params(dropout=0.0)
    method = "predict" if Estimator is RNNRegressor else "predict_proba"
    np.testing.assert_array_equal(getattr(est, method)(X), getattr(plain, method)(X))
    np.testing.assert_array_equal(est.transform(X), plain.transform(X))
    np.testing.assert_array_equal(getattr(est, method)(X), getattr(est, method)(X))


def test_input_noise_acts_in_training_from_random_state():
    # mutation: the noise left out of the minibatches
    X, y_reg, _, _ = data()
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        noisy = RNNRegressor(**params, input_noise=0.3).fit(X, y_reg)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        again = RNNRegressor(**params, input_noise=0.3).fit(X, y_reg)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        plain = RNNRegressor(**params).fit(X, y_reg)
    np.testing.assert_array_equal(noisy._theta, again._theta)
    assert np.abs(noisy._theta - plain._theta).max() > 1e-3
    np.testing.assert_array_equal(noisy.predict(X), noisy.predict(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_input_noise_spares_padding_and_the_training_data(dtype):
    # mutations: the noise added in place, into the training set that an
    # unshuffled minibatch is a view of; noise at padding steps
    noise_rng = np.random.RandomState(0)
    X = noise_rng.normal(size=(20, 400, 3)).astype(dtype)  # time-major
    pad = np.zeros((20, 400), dtype=bool)
    pad[:5, ::2] = True
    training_set = Batch(X, pad, np.zeros((400, 1), dtype))
    original = X.copy()
    minibatch = training_set.take(slice(0, 200))
    noise = KeyedNoise(X, pad, seed=1)
    noise.start_epoch(0)
    noisy = add_input_noise(minibatch, 0.5, noise.draw(slice(0, 200), minibatch.pad))
    np.testing.assert_array_equal(X, original)
    assert noisy.X.dtype == dtype
    change = noisy.X - minibatch.X
    assert (change[minibatch.pad] == 0).all()
    assert change[~minibatch.pad].std() == pytest.approx(0.5, rel=0.05)
    assert abs(change[~minibatch.pad].mean()) < 0.02


def test_input_noise_is_a_function_of_content_and_epoch():
    # mutations: the keys of sequences taken from their positions, not their
    # values; padding steps counted in the key or in the noise's counter; the
    # epoch left out of the key
    key_rng = np.random.RandomState(0)
    X = key_rng.normal(size=(7, 6, 2))  # time-major: 6 sequences of 7 steps
    pad = np.zeros((7, 6), dtype=bool)
    X[:, 3] = X[:, 0]  # sequence 3 repeats sequence 0
    pad[5:, [1, 4]] = True  # sequence 4: sequence 1 with other padding values
    X[:, 4] = X[:, 1]
    X[5:, 4] = 99.0
    X[:, 5] = X[:, 2]  # sequence 5: sequence 2 with one value changed
    X[6, 5, 1] += 1e-12
    keys = sequence_keys(X, pad)
    assert keys[3] == keys[0] and keys[4] == keys[1]
    assert len(set(keys[[0, 1, 2, 5]].tolist())) == 4
    # the same sequence without padding is another sequence of this training set
    assert sequence_keys(X[:, [1]], None)[0] != keys[1]

    def draw(X, pad, seed, epoch, idx=slice(None)):
        noise = KeyedNoise(X, pad, seed)
        noise.start_epoch(epoch)
        return noise.draw(idx, None if pad is None else pad[:, idx])

    epoch_0 = draw(X, pad, 7, 0)
    np.testing.assert_array_equal(epoch_0[:, 3], epoch_0[:, 0])
    np.testing.assert_array_equal(epoch_0[:, 4], epoch_0[:, 1])
    assert not np.allclose(epoch_0[:, 5], epoch_0[:, 2])
    # a sequence's noise depends on its own key only, wherever it sits
    alone = draw(X[:, [2, 0]], None, 7, 0)
    np.testing.assert_array_equal(alone[:, 0], epoch_0[:, 2])
    np.testing.assert_array_equal(draw(X, pad, 7, 0, np.array([2]))[:, 0],
                                  epoch_0[:, 2])
    assert np.abs(draw(X, pad, 7, 1) - epoch_0).min() > 0
    assert np.abs(draw(X, pad, 8, 0) - epoch_0).min() > 0
    # padding steps inserted anywhere change neither keys nor noise
    longer = np.concatenate([X[:2], np.full((3, 6, 2), 5.0), X[2:]])
    longer_pad = np.concatenate([pad[:2], np.ones((3, 6), dtype=bool), pad[2:]])
    np.testing.assert_array_equal(sequence_keys(longer, longer_pad), keys)
    np.testing.assert_array_equal(draw(longer, longer_pad, 7, 0)[~longer_pad],
                                  epoch_0[~pad])


def test_keyed_noise_is_standard_normal():
    # mutation: a Box-Muller half dropped or scaled (a wrong variance or
    # a skewed, dependent sample)
    keyed = KeyedNoise(np.random.RandomState(0).normal(size=(250, 400, 2)), None, 0)
    keyed.start_epoch(0)
    noise = keyed.draw(slice(None), None)
    assert abs(noise.mean()) < 0.01
    assert noise.std() == pytest.approx(1.0, abs=0.01)
    assert (noise**4).mean() == pytest.approx(3.0, abs=0.05)  # normal kurtosis
    assert abs(np.corrcoef(noise[:-1].ravel(), noise[1:].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]) < 0.01


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize(
    "Estimator, perturbation, off",
    [
        (RNNRegressor, {"input_noise": 0.5}, {"input_noise": 0.0}),
        (RNNClassifier, {"random_crop": 0.7}, {"random_crop": 1.0}),
    ],
    ids=["input_noise", "random_crop"],
)
def test_keyed_perturbations_keep_integer_weights_equal_to_repetitions(
    Estimator, perturbation, off, shuffle
):
    # mutations: the noise, or each window's place, drawn per row of the
    # batch (from the estimator's random state), so a repeated sequence gets
    # other noise or another window than its weighted twin
    X, y_reg, y_clf, data_rng = data(n_samples=30)
    y = y_reg if Estimator is RNNRegressor else y_clf
    weight = data_rng.randint(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), weight)
    params = dict(hidden_layer_sizes=(5,), batch_size=200, max_iter=3,
                  shuffle=shuffle, random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        weighted = Estimator(**params, **perturbation).fit(
            X, y, sample_weight=weight
        )
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        repetitions = Estimator(**params, **perturbation).fit(X[repeated],
                                                              y[repeated])
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        plain = Estimator(**params, **off).fit(X[repeated], y[repeated])
    np.testing.assert_allclose(weighted._theta, repetitions._theta, rtol=1e-6,
                               atol=1e-9)
    assert np.abs(plain._theta - repetitions._theta).max() > 1e-3


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_input_noise_auto_is_noise_for_adam_and_sgd_only(Estimator):
    # mutations: 'auto' resolved to no noise, to the other estimator's level
    # (0.1 for the regressor, 0.05 for the classifier), or to noise for the
    # scipy solvers, which then refuse to fit
    X, y_reg, y_clf, _ = data(n_samples=40)
    y = y_reg if Estimator is RNNRegressor else y_clf
    auto = 0.1 if Estimator is RNNRegressor else 0.05
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    fitted = {}
    for solver in ("adam", "sgd"):
        for noise in ("auto", auto, 0.0):
            with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
                est = Estimator(**params, solver=solver, input_noise=noise)
                fitted[solver, noise] = est.fit(X, y)._theta
        np.testing.assert_array_equal(fitted[solver, "auto"], fitted[solver, auto])
        assert np.abs(fitted[solver, "auto"] - fitted[solver, 0.0]).max() > 1e-4
    with pytest.warns(ConvergenceWarning):
        est = Estimator(**params, solver="lbfgs").fit(X, y)  # 'auto': no noise
    assert est.n_iter_ == 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_windows_keep_consecutive_valid_steps(dtype):
    # mutations: the window counted over all steps instead of the valid ones;
    # the window cut in place, into the training set; its length or start one
    # off; padding that was already there read as valid
    X = np.arange(1.0, 1 + 10 * 4 * 2).reshape(10, 4, 2).astype(dtype)  # (T, n, F)
    pad = np.zeros((10, 4), dtype=bool)
    pad[[0, 4, 5], 1] = True  # sequence 1: 7 valid steps, padding inside
    pad[7:, 2] = True  # sequence 2: 7 valid steps, padding at its end
    X[pad] = 0
    original = X.copy()
    batch = Batch(X, pad, np.zeros((4, 1), dtype))
    # windows of rint(0.5 * length) steps: 5, 4, 4, 5
    for u, first in [(0.0, 0), (0.999, None)]:
        cropped = random_windows(batch, 0.5, np.full(4, u))
        np.testing.assert_array_equal(X, original)
        assert cropped.X.dtype == dtype
        for i, length in enumerate([10, 7, 7, 10]):
            valid = np.flatnonzero(~pad[:, i])
            window = max(1, round(0.5 * length + 1e-9))
            kept = np.flatnonzero(~cropped.pad[:, i])
            start = first if first is not None else length - window
            np.testing.assert_array_equal(kept, valid[start:start + window])
            np.testing.assert_array_equal(cropped.X[kept, i], X[kept, i])
            assert (cropped.X[cropped.pad[:, i], i] == 0).all()
    # u places the window uniformly over the length - window + 1 starts
    cropped = random_windows(batch, 0.5, np.array([0.5, 0.5, 0.5, 0.5]))
    starts = [np.flatnonzero(~pad[:, i]).tolist().index(
        np.flatnonzero(~cropped.pad[:, i])[0]) for i in range(4)]
    assert starts == [3, 2, 2, 3]  # floor(0.5 * 6) and floor(0.5 * 4)
    # a one-step sequence keeps its step; a fraction of 1 keeps everything
    one = random_windows(Batch(X[:1], None, batch.Y), 0.5, np.full(4, 0.7))
    assert one.pad is None
    np.testing.assert_array_equal(one.X, X[:1])
    whole = random_windows(batch, 1.0, np.full(4, 0.3))
    np.testing.assert_array_equal(whole.pad, pad)


def test_random_windows_are_a_function_of_content_and_pass():
    # mutations: the window's place drawn from the row of the batch rather
    # than the sequence's key; the same place at every pass; the place drawn
    # from a word the noise also uses
    key_rng = np.random.RandomState(0)
    X = key_rng.normal(size=(30, 6, 2))
    X[:, 3] = X[:, 0]  # sequence 3 repeats sequence 0
    streams = KeyedNoise(X, None, seed=5)
    streams.start_epoch(0)
    u = streams.uniform(slice(None))
    assert u[3] == u[0] and len(set(u.tolist())) == 5
    assert ((u >= 0) & (u < 1)).all()
    np.testing.assert_array_equal(streams.uniform(np.array([2, 0])), u[[2, 0]])
    streams.start_epoch(1)
    assert np.abs(streams.uniform(slice(None)) - u).min() > 0
    # the place is no function of the noise drawn for the same stream
    draws = KeyedNoise(key_rng.normal(size=(3, 4000, 1)), None, seed=0)
    draws.start_epoch(0)
    places, noise = draws.uniform(slice(None)), draws.draw(slice(None), None)
    assert abs(places.mean() - 0.5) < 0.02
    for value in (noise[0, :, 0], noise[0, :, 0] ** 2):
        assert abs(np.corrcoef(places, value)[0, 1]) < 0.05


def test_random_crop_acts_in_training_and_an_epoch_reads_several_passes(
    monkeypatch,
):
    # mutations: the windows left out of the minibatches; one pass per epoch;
    # the passes' losses summed into the epoch loss instead of averaged
    X, _, y, _ = data(n_samples=40)  # 6 steps: windows of 5 at 0.9
    params = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                  input_noise=0.0)
    valid_steps = []  # of the sequences of each minibatch the loss reads
    loss_grad = Batch.loss_grad

    def recording_loss_grad(batch, *args, **kwargs):
        n_steps = batch.X.shape[0]
        valid_steps.append(
            np.full(batch.n_samples, n_steps) if batch.pad is None
            else n_steps - batch.pad.sum(axis=0)
        )
        return loss_grad(batch, *args, **kwargs)

    monkeypatch.setattr(Batch, "loss_grad", recording_loss_grad)
    fits = {}
    for crop in (0.9, 1.0):
        valid_steps.clear()
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            fits[crop] = RNNClassifier(**params, random_crop=crop).fit(X, y)
        assert set(np.concatenate(valid_steps).tolist()) == {5 if crop < 1 else 6}
    # batches of 32: ceil(10 * 32 / 40) = 8 passes of 40 sequences per epoch
    assert fits[0.9].t_ == 3 * 8 * 40 and fits[1.0].t_ == 3 * 40
    assert np.abs(fits[0.9]._theta - fits[1.0]._theta).max() > 1e-3
    # each point of the loss curve is a mean over the passes, near log(2)
    assert 0.3 < fits[0.9].loss_curve_[0] < 1.2
    # partial_fit reads one pass
    est = RNNClassifier(**params, random_crop=0.9).partial_fit(X, y, classes=[0, 1])
    assert est.t_ == 40
    # sequences too short to lose a step: one pass per epoch
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        short = RNNClassifier(**params, random_crop=0.9).fit(X[:, :4], y)
    assert short.t_ == 3 * 40  # rint(0.9 * 4) = 4
    data_4 = Batch(np.zeros((4, 40, 2)), None, np.zeros((40, 1)))
    assert crop_passes(data_4, 0.9, 32) == 1
    assert crop_passes(data_4, 0.8, 32) == 8  # rint(3.2) = 3


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_random_crop_auto_crops_pooled_readings_of_stochastic_solvers(Estimator):
    # mutations: 'auto' resolved to whole sequences with 'max' or 'mean', to
    # windows with 'last', or to windows for the scipy solvers (which then
    # refuse to fit)
    X, y_reg, y_clf, _ = data(n_samples=40)
    y = y_reg if Estimator is RNNRegressor else y_clf
    params = dict(hidden_layer_sizes=(5,), max_iter=2, random_state=0)

    def theta(**more):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            return Estimator(**params, **more).fit(X, y)._theta

    for solver, pooling in [("adam", "max"), ("sgd", "mean")]:
        auto = theta(solver=solver, pooling=pooling)
        np.testing.assert_array_equal(
            auto, theta(solver=solver, pooling=pooling, random_crop=0.9)
        )
        assert np.abs(
            auto - theta(solver=solver, pooling=pooling, random_crop=1.0)
        ).max() > 1e-4
    np.testing.assert_array_equal(
        theta(pooling="last"), theta(pooling="last", random_crop=1.0)
    )
    with pytest.warns(ConvergenceWarning):
        est = Estimator(**params, solver="lbfgs", pooling="max").fit(X, y)
    assert est.n_iter_ == 2


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_random_crop_refused_where_it_cannot_apply(Estimator):
    # mutation: windows of per-step targets or of a deterministic objective
    # accepted (or the refusal leaving a half-fitted estimator)
    X, y_reg, y_clf, _ = data(n_samples=20)
    y = y_reg if Estimator is RNNRegressor else y_clf
    est = Estimator(solver="lbfgs", random_crop=0.8)
    with pytest.raises(ValueError, match="random_crop=0.8 needs a stochastic"):
        est.fit(X, y)
    assert not hasattr(est, "n_features_in_")
    steps_y = np.repeat(y[:, None], X.shape[1], axis=1)
    est = Estimator(pooling=None, random_crop=0.8)
    with pytest.raises(ValueError, match="pooling=None has a target at every"):
        est.fit(X, steps_y)
    assert not hasattr(est, "n_features_in_")
    # 'auto' reads whole sequences there
    with pytest.warns(ConvergenceWarning):
        Estimator(pooling=None, max_iter=2).fit(X, steps_y)
