"""Training controls: scipy methods, early stopping, partial_fit, class_weight,
clipping and progress output."""

import re

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._losses import LOSS_FUNCTIONS, null_raw
from sklearn_rnn._solvers import (
    CUBIC_ITERATION_MAX_PARAMS,
    SCIPY_METHODS,
    Batch,
    HeldOut,
    Monitor,
    TrainingHistory,
    check_scipy_method,
    clip_gradient,
    fit_stochastic,
    standard_error_of_mean_loss,
)

rng = np.random.RandomState(0)
X = rng.normal(size=(150, 8, 2))
Y_REG = X[:, :, 0].sum(axis=1) / np.sqrt(8)
Y_CLF = (Y_REG > 0).astype(int)
SMALL = dict(hidden_layer_sizes=(6,), random_state=0)


@pytest.mark.parametrize("method", SCIPY_METHODS)
def test_each_scipy_method_learns_and_keeps_its_result(method):
    # 40 iterations: enough for every method here (R^2 >= 0.99, accuracy 1),
    # and Newton-CG's 105 iterations of Hessian products would cost 10 s
    reg = RNNRegressor(**SMALL, solver=method, max_iter=40).fit(X, Y_REG)
    clf = RNNClassifier(**SMALL, solver=method, max_iter=40).fit(X, Y_CLF)
    assert reg.score(X, Y_REG) > 0.9
    assert clf.score(X, Y_CLF) > 0.9
    for est in (reg, clf):
        result = est.optimize_result_
        assert result.nit == est.n_iter_ == len(est.loss_curve_)
        np.testing.assert_allclose(result.x, est._theta)
        assert result.fun == pytest.approx(est.loss_, rel=1e-6)


def test_stochastic_solvers_have_no_optimize_result():
    est = RNNRegressor(**SMALL, max_iter=3).fit(X, Y_REG)
    assert est.optimize_result_ is None


@pytest.mark.parametrize("solver", ["Nelder-Mead", "Powell", "COBYLA", "newton"])
def test_gradient_free_and_unknown_methods_are_rejected(solver):
    est = RNNRegressor(solver=solver)
    with pytest.raises(ValueError, match="'solver' parameter .* must be a str among"):
        est.fit(X, Y_REG)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("method", ["BFGS", "SLSQP", "trust-constr"])
def test_dense_matrix_methods_are_refused_on_big_networks(method):
    est = RNNRegressor(hidden_layer_sizes=(128,), solver=method)
    with pytest.raises(ValueError, match=r"dense .* matrix .*GiB"):
        est.fit(X, Y_REG)
    with pytest.raises(Exception):
        check_is_fitted(est)


def test_cubic_iteration_methods_are_refused_above_their_parameter_limit():
    # 2 directions of 32 GRU units on 2 features: 6,849 parameters, a 0.35
    # GiB matrix (under the memory limit) but about 30 s per BFGS iteration
    for method in ("BFGS", "SLSQP"):
        est = RNNRegressor(hidden_layer_sizes=(32,), solver=method, max_iter=1)
        with pytest.raises(ValueError, match=r"O\(n_params\^3\).* 6849 param"):
            est.fit(X, Y_REG)
        with pytest.raises(Exception):
            check_is_fitted(est)
        check_scipy_method(method, CUBIC_ITERATION_MAX_PARAMS)  # at the limit
        with pytest.raises(ValueError, match="the limit is"):
            check_scipy_method(method, CUBIC_ITERATION_MAX_PARAMS + 1)
    # trust-constr's iterations are far cheaper (0.1 s at 4,000 parameters
    # where BFGS took 5.7 s): the memory limit alone applies
    check_scipy_method("trust-constr", 11_000)


def test_scipy_limits_become_convergence_warnings():
    with pytest.warns(ConvergenceWarning, match="max_fun=5"):
        est = RNNRegressor(**SMALL, solver="CG", max_fun=5).fit(X, Y_REG)
    assert not est.optimize_result_.success
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        est = RNNRegressor(**SMALL, solver="TNC", max_iter=3).fit(X, Y_REG)
    assert est.n_iter_ == 3


# ---------------------------------------------------------------- early stopping
def noisy_problem(Estimator):
    """A weak signal in much noise and a big network: training learns the
    signal within a few epochs (the held-out loss falls below the constant
    model's), then the noise (the held-out loss rises well above its lowest)."""
    noise_rng = np.random.RandomState(1)
    X_small = noise_rng.normal(size=(160, 6, 3))
    signal = 2 * X_small[:, :, 0].mean(axis=1)
    if Estimator is RNNRegressor:
        return X_small, signal + noise_rng.normal(scale=1.0, size=160)
    flip = noise_rng.uniform(size=160) < 0.2
    return X_small, ((signal > 0) ^ flip).astype(int)


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize(
    "solver, params",
    [
        ("adam", dict(learning_rate_init=0.02)),
        ("sgd", dict(learning_rate_init=0.1)),
        ("lbfgs", {}),
        ("CG", {}),
    ],
)
def test_early_stopping_keeps_a_validated_iteration(Estimator, solver, params):
    X_small, y = noisy_problem(Estimator)
    max_iter = 400
    est = Estimator(
        hidden_layer_sizes=(32,), solver=solver, early_stopping=True,
        validation_fraction=0.25, n_iter_no_change=8, max_iter=max_iter,
        alpha=0.0, random_state=0, **params,
    ).fit(X_small, y)
    assert est.n_iter_ < max_iter
    assert (
        len(est.loss_curve_)
        == len(est.validation_scores_)
        == len(est.validation_loss_curve_)
        == est.n_iter_
    )
    curve = np.asarray(est.validation_loss_curve_)
    assert est.best_validation_loss_ == curve.min()
    # the parameters of an iteration at or after the lowest validation loss
    # were kept, before the last n_iter_no_change + 1 (which overfitted)
    _, val_idx = train_test_split(
        np.arange(len(y)), test_size=0.25, random_state=0,
        stratify=y if Estimator is RNNClassifier else None,
    )
    X_val, y_val = X_small[np.sort(val_idx)], y[np.sort(val_idx)]
    if Estimator is RNNRegressor:
        kept_loss = np.mean(0.5 * (est.predict(X_val) - y_val) ** 2)
    else:
        kept_loss = log_loss(y_val, est.predict_proba(X_val))
    kept = int(np.argmin(np.abs(curve - kept_loss)))
    assert curve[kept] == pytest.approx(kept_loss, rel=1e-9)
    assert np.argmin(curve) <= kept <= est.n_iter_ - 10
    assert est.score(X_val, y_val) == pytest.approx(
        est.best_validation_score_, abs=1e-12
    )
    assert est.best_validation_score_ == est.validation_scores_[kept]


def test_early_stopping_needs_a_sequence_to_train_on():
    est = RNNRegressor(**SMALL, early_stopping=True)
    with pytest.raises(ValueError, match="n_samples = 1 sequences, which leaves none"):
        est.fit(X[:1], Y_REG[:1])
    assert not hasattr(est, "n_features_in_")


def scripted_early_stopping(training_losses, held_out_losses, null_losses):
    """Run :class:`Monitor` on scripted losses, with n_iter_no_change=2.

    Iteration i has parameters [i] and the held-out sequences' losses
    ``held_out_losses[i]``; the constant model's are ``null_losses`` (unit
    weights). Returns the iteration whose parameters are kept and the one that
    stopped training (None if none did).
    """
    held_out = HeldOut(
        evaluate=lambda theta: (0.0, np.array(held_out_losses[int(theta[0])])),
        sequence_weights=np.ones(len(held_out_losses[0])),
        null_sequence_losses=np.array(null_losses),
    )
    monitor = Monitor(
        TrainingHistory(), np.array([-1.0]), tol=1e-4, n_iter_no_change=2,
        verbose=False, held_out=held_out,
    )
    for i, loss in enumerate(training_losses):
        _, overfitting = monitor.end_iteration(np.array([float(i)]), loss)
        if overfitting:
            return int(monitor.best_theta[0]), i
    return int(monitor.best_theta[0]), None


IMPROVING = [1.0 - 0.05 * i for i in range(8)]


def test_early_stopping_waits_until_the_held_out_loss_beats_the_constant_model():
    # mutation: rule 1 dropped (the held-out loss rising from the start,
    # above the constant model's 0.69, counted as overfitting): GunPoint
    # stopped at epoch 19 of 124 with its five held-out sequences
    rising = [[0.7 + 0.1 * i] * 4 for i in range(5)] + [[0.3] * 4] * 3
    assert scripted_early_stopping(IMPROVING, rising, [0.69] * 4) == (7, None)
    # the same rise below the constant model's loss is overfitting
    assert scripted_early_stopping(IMPROVING, rising, [2.0] * 4) == (0, 3)
    # mutation: no standard error in rule 1. A first loss below the constant
    # model's by less than one standard error (the differences [-0.4, 0.4,
    # -0.4, 0.2], mean -0.05, standard error 0.2) is not yet learning
    assert scripted_early_stopping(
        IMPROVING, rising, [1.1, 0.3, 1.1, 0.5]
    ) == (7, None)


def test_early_stopping_keeps_the_latest_iteration_within_one_standard_error():
    # mutations: no standard error (a rise of any size above tol counts); the
    # iteration of the lowest loss kept instead of the latest as good
    best = [0.2, 0.2, 0.2, 0.2]
    # mean 0.25: 0.05 above the best, within one standard error (0.119) of
    # the paired differences [-0.2, 0.2, -0.1, 0.3]
    spread = [0.0, 0.4, 0.1, 0.5]
    worse = [0.5, 0.5, 0.5, 0.5]
    losses = [best, spread, worse, worse, worse, worse]
    assert scripted_early_stopping(IMPROVING, losses, [1.0] * 4) == (1, 4)
    # the same 0.05 on every sequence is beyond its (zero) standard error
    shifted = [0.25, 0.25, 0.25, 0.25]
    losses = [best, shifted, worse, worse, worse, worse]
    assert scripted_early_stopping(IMPROVING, losses, [1.0] * 4) == (0, 3)


def test_early_stopping_does_not_count_a_plateau_of_the_training_loss():
    # mutation: the validation counter moving when the training loss did not
    # improve
    best, worse = [0.2, 0.2, 0.2], [0.5, 0.5, 0.5]
    losses = [best] + [worse] * 7
    plateau = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.7]
    assert scripted_early_stopping(plateau, losses, [1.0] * 3) == (0, 7)


def test_early_stopping_never_keeps_a_non_finite_validation_loss():
    # mutation: the comparison written so that NaN is "as good as the best"
    best, nan = [0.2, 0.2, 0.2], [0.2, np.nan, 0.2]
    losses = [best, nan, nan, nan, nan]
    assert scripted_early_stopping(IMPROVING, losses, [1.0] * 3) == (0, 3)


def test_standard_error_of_the_mean_loss_over_sequences():
    losses = np.array([0.1, 0.4, 0.3, 0.9])
    ones = np.ones(4)
    expected = losses.std(ddof=1) / 2
    assert standard_error_of_mean_loss(losses, ones) == pytest.approx(expected)
    # weighted: L and W scaled together (the same mean loss) give the same error
    weights = np.array([0.5, 2.0, 1.0, 3.0])
    assert standard_error_of_mean_loss(
        3 * weights * losses, 3 * weights
    ) == pytest.approx(standard_error_of_mean_loss(weights * losses, weights))
    # one sequence gives no estimate
    assert standard_error_of_mean_loss(losses[:1], ones[:1]) == np.inf


@pytest.mark.parametrize("out_activation", sorted(LOSS_FUNCTIONS))
def test_null_model_minimises_the_weighted_loss(out_activation):
    null_rng = np.random.RandomState(0)
    if out_activation == "softmax":
        Y = np.eye(4)[null_rng.choice(3, size=50)]  # the 4th class is absent
    elif out_activation == "logistic":
        Y = (null_rng.uniform(size=(50, 2)) < 0.3).astype(float)
    else:
        Y = null_rng.poisson(2.0, size=(50, 2)).astype(float)
    weights = null_rng.uniform(0.5, 2.0, size=50)
    raw = null_raw(out_activation, Y, weights)
    assert np.isfinite(raw).all()
    loss_function = LOSS_FUNCTIONS[out_activation]
    per_row, d_raw = loss_function(np.broadcast_to(raw, Y.shape), Y)
    np.testing.assert_allclose(
        np.average(d_raw, axis=0, weights=weights), 0, atol=1e-10
    )
    for step in (-0.1, 0.1):
        moved_raw = raw + step * (np.arange(raw.size) == 0)  # one output moved
        moved, _ = loss_function(np.broadcast_to(moved_raw, Y.shape), Y)
        assert np.average(moved, weights=weights) > np.average(
            per_row, weights=weights
        )


def test_early_stopping_on_few_sequences_of_many_classes():
    # 10% of 30 sequences cannot hold one of each of 6 classes: a plain split
    y = np.repeat(np.arange(6), 5)
    est = RNNClassifier(**SMALL, early_stopping=True, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        est.fit(X[:30], y)
    assert len(est.validation_scores_) == 3
    # a single validation sequence is enough to monitor its loss
    with pytest.warns(ConvergenceWarning):
        est.set_params(validation_fraction=0.01).fit(X[:30], y)
    assert len(est.validation_loss_curve_) == 3


def test_without_early_stopping_validation_attributes_are_none():
    est = RNNRegressor(**SMALL, max_iter=2).fit(X, Y_REG)
    assert est.validation_scores_ is None
    assert est.validation_loss_curve_ is None
    assert est.best_validation_score_ is None


# ------------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_lowers_the_loss(solver):
    clf = RNNClassifier(**SMALL, solver=solver, learning_rate_init=0.05)
    for _ in range(15):
        clf.partial_fit(X, Y_CLF, classes=[0, 1])
    assert clf.n_iter_ == len(clf.loss_curve_) == 15
    assert clf.loss_curve_[-1] < 0.8 * clf.loss_curve_[0]
    assert clf.t_ == 15 * len(X)
    reg = RNNRegressor(**SMALL, solver=solver, learning_rate_init=0.01)
    for start in range(0, 150, 30):  # chunk by chunk, as out of core
        reg.partial_fit(X[start : start + 30], Y_REG[start : start + 30])
    first = reg.score(X, Y_REG)
    for _ in range(10):
        reg.partial_fit(X, Y_REG)
    assert reg.score(X, Y_REG) > first


def test_partial_fit_equals_one_epoch_of_fit(monkeypatch):
    # but for fit's start at the mean of the targets, which partial_fit does
    # not take from one batch (next test)
    monkeypatch.setattr(RNNRegressor, "_output_baseline", lambda self, Y, w: None)
    params = dict(**SMALL, shuffle=False, learning_rate_init=0.01)
    once = RNNRegressor(**params).partial_fit(X, Y_REG)
    with pytest.warns(ConvergenceWarning):
        fit = RNNRegressor(**params, max_iter=1).fit(X, Y_REG)
    np.testing.assert_array_equal(once._theta, fit._theta)


def test_regressor_fit_starts_at_the_weighted_mean_of_the_targets():
    # the output bias starts at the best constant model (through the log link
    # for 'poisson'); partial_fit, whose first batch need not represent the
    # stream, and the classifier start it at 0
    frozen = dict(**SMALL, max_iter=1, learning_rate_init=1e-12)
    weights = np.linspace(0.5, 2.0, len(X))
    targets = np.column_stack([Y_REG + 1000.0, 2.0 * Y_REG])
    counts = np.round(np.exp(Y_REG))
    with pytest.warns(ConvergenceWarning):
        reg = RNNRegressor(**frozen).fit(X, targets, sample_weight=weights)
        poisson = RNNRegressor(**frozen, loss="poisson").fit(X, counts)
        clf = RNNClassifier(**frozen).fit(X, Y_REG > 1.0)  # about 16% positive
    np.testing.assert_allclose(reg.intercepts_[-1], weights @ targets / weights.sum())
    np.testing.assert_allclose(np.exp(poisson.intercepts_[-1]), [counts.mean()])
    np.testing.assert_allclose(clf.intercepts_[-1], 0.0, atol=1e-9)
    streamed = RNNRegressor(**SMALL, learning_rate_init=1e-12).partial_fit(X, targets)
    np.testing.assert_allclose(streamed.intercepts_[-1], 0.0, atol=1e-9)


def test_regressor_learns_targets_far_from_zero():
    # y = 1000 + 10 s: from a zero output bias, Adam's steps of about the
    # learning rate never walked it to 1000 (R^2 about -8000 after 500
    # epochs for each seed); from the mean, R^2 0.990-0.995 in 168-188 epochs
    y_far = 1000.0 + 10.0 * Y_REG
    for seed in range(5):
        reg = RNNRegressor(hidden_layer_sizes=(8,), random_state=seed).fit(X, y_far)
        assert reg.score(X, y_far) > 0.98


def test_partial_fit_errors():
    clf = RNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, Y_CLF)
    clf.partial_fit(X, Y_CLF, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 3 features, but RNNClassifier is"):
        clf.partial_fit(np.ones((4, 5, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=re.escape("y has classes [2]")):
        clf.partial_fit(X[:3], [0, 1, 2])
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        clf.partial_fit(X, Y_CLF, classes=[0, 1, 2])
    n_iter = clf.n_iter_
    clf.partial_fit(X[Y_CLF == 1], Y_CLF[Y_CLF == 1])  # one class per call is fine
    assert clf.n_iter_ == n_iter + 1
    # as MLP: partial_fit does not early-stop, and holds nothing out
    est = RNNRegressor(**SMALL, early_stopping=True).partial_fit(X, Y_REG)
    assert est.validation_scores_ is None and est.t_ == len(X)


@pytest.mark.parametrize("pooling", ["last", None])
def test_partial_fit_on_ragged_sequences_raises_our_errors(pooling):
    # unpadded sequences of different lengths: our messages, not NumPy's
    ragged = [np.zeros((3, 2)), np.zeros((4, 2))]
    clf = RNNClassifier(**SMALL, pooling=pooling)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(ragged, [0, 1])
    with pytest.raises(ValueError, match="must be NaN-padded to one length"):
        clf.partial_fit(ragged, [0, 1], classes=[0, 1])
    assert not hasattr(clf, "n_features_in_")


@pytest.mark.parametrize("solver", ["lbfgs", "CG", "L-BFGS-B"])
def test_partial_fit_unavailable_for_scipy_methods(solver):
    for Estimator in (RNNRegressor, RNNClassifier):
        est = Estimator(solver=solver)
        assert not hasattr(est, "partial_fit")
        with pytest.raises(AttributeError, match="partial_fit"):
            est.partial_fit(X, Y_CLF)


# ------------------------------------------------------------------ class_weight
def test_balanced_class_weight_raises_minority_recall():
    imbalance_rng = np.random.RandomState(2)
    X_imb = imbalance_rng.normal(size=(300, 6, 2))
    score = X_imb[:, :, 0].mean(axis=1) + 0.5 * imbalance_rng.normal(size=300)
    y_imb = (score > 0.7).astype(int)  # about 10% positives
    assert 0.05 < y_imb.mean() < 0.2
    gains = []
    for seed in range(5):  # never lower, and clearly higher over seeds 0-4
        params = dict(hidden_layer_sizes=(6,), random_state=seed, cell="rnn",
                      solver="lbfgs", max_iter=200, alpha=1.0)
        plain = RNNClassifier(**params).fit(X_imb, y_imb)
        balanced = RNNClassifier(**params, class_weight="balanced").fit(X_imb, y_imb)
        gains.append(recall_score(y_imb, balanced.predict(X_imb))
                     - recall_score(y_imb, plain.predict(X_imb)))
    assert min(gains) >= 0
    assert np.median(gains) > 0.1


def test_class_weight_dict_equals_sample_weight():
    labels = np.array(["a", "b", "c"])[np.digitize(Y_REG, [-0.5, 0.5])]
    class_weight = {"a": 3.0, "b": 0.5}
    sample_weight = np.array([class_weight.get(label, 1.0) for label in labels])
    params = dict(**SMALL, solver="lbfgs", max_iter=30)
    by_class = RNNClassifier(**params, class_weight=class_weight).fit(X, labels)
    by_sample = RNNClassifier(**params).fit(X, labels, sample_weight=sample_weight)
    np.testing.assert_array_equal(by_class._theta, by_sample._theta)
    both = RNNClassifier(**params, class_weight=class_weight).fit(
        X, labels, sample_weight=np.full(len(X), 2.0)
    )
    twice = RNNClassifier(**params).fit(X, labels, sample_weight=2 * sample_weight)
    np.testing.assert_allclose(both._theta, twice._theta)


def test_class_weight_with_unknown_label_raises():
    est = RNNClassifier(**SMALL, class_weight={0: 1.0, 7: 2.0})
    with pytest.raises(ValueError, match="not among the classes"):
        est.fit(X, Y_CLF)


# ------------------------------------------------------------- warm start, clip
# adam, sgd and lbfgs: test_estimators.py, test_warm_start_continues_from_previous_fit
@pytest.mark.parametrize("solver", ["CG"])
def test_warm_start_second_fit_starts_from_first(solver):
    est = RNNRegressor(**SMALL, solver=solver, max_iter=20, warm_start=True)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y_REG)
    first = est._theta.copy()
    est.set_params(max_iter=1)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y_REG)
    assert est.loss_curve_[-2] >= est.loss_curve_[-1]  # curve continues
    assert np.linalg.norm(est._theta - first) < 0.5 * np.linalg.norm(first)
    # a cold restart's one iteration is far behind the warm one's
    with pytest.warns(ConvergenceWarning):
        cold = RNNRegressor(**SMALL, solver=solver, max_iter=1).fit(X, Y_REG)
    assert est.loss_curve_[-1] < 0.5 * cold.loss_curve_[-1]


def test_clip_gradient():
    grad = np.array([3.0, 4.0])
    assert clip_gradient(grad, 1.0) == 5.0
    np.testing.assert_allclose(grad, [0.6, 0.8])
    grad = np.array([0.3, 0.4])
    clip_gradient(grad, 1.0)
    np.testing.assert_array_equal(grad, [0.3, 0.4])
    clip_gradient(grad, None)
    np.testing.assert_array_equal(grad, [0.3, 0.4])


def test_clip_norm_bounds_each_sgd_step():
    est = RNNRegressor(
        **SMALL, solver="sgd", momentum=0, learning_rate_init=1.0, clip_norm=0.01,
        max_iter=1, shuffle=False, batch_size=len(X),
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X * 50, Y_REG * 100)
    init = RNNRegressor(**SMALL, max_iter=1, learning_rate_init=1e-300)
    with pytest.warns(ConvergenceWarning):
        init.fit(X * 50, Y_REG * 100)  # the same start (bias at the mean)
    # one full-batch step of size at most lr * clip_norm
    assert np.linalg.norm(est._theta - init._theta) <= 0.01 + 1e-12


# ---------------------------------------------------------------------- verbose
@pytest.mark.parametrize("solver", ["adam", "sgd", *SCIPY_METHODS])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_prints_one_line_per_iteration(solver, early_stopping, capsys):
    est = RNNRegressor(
        **SMALL, solver=solver, max_iter=4, verbose=1, tol=0,
        early_stopping=early_stopping, n_iter_no_change=100,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y_REG)
    lines = [
        line for line in capsys.readouterr().out.splitlines()
        if line.startswith("Iteration")
    ]
    assert len(lines) == est.n_iter_ > 0
    pattern = r"Iteration 1, loss = \d+\.\d{8}"
    if early_stopping:
        pattern += r", validation score = -?\d+\.\d+, validation loss = \d+\.\d+"
    assert re.fullmatch(pattern, lines[0])


def test_a_lowered_rate_that_brings_nothing_ends_training(capsys):
    # 'adaptive': a stall lowers the rate; an improvement afterwards re-arms
    # it; a second stall with no improvement since the last lowering stops
    data_rng = np.random.RandomState(0)
    X_noisy = data_rng.normal(size=(120, 8, 2))
    y = np.sin(X_noisy[:, :, 0].sum(axis=1)) + 0.3 * data_rng.normal(size=120)
    # one direction without input noise, the scenario these seeds give
    est = RNNRegressor(hidden_layer_sizes=(8,), input_noise=0.0,
                       bidirectional=False, random_state=3, verbose=True)
    est.fit(X_noisy, y)
    lines = capsys.readouterr().out.splitlines()
    if lines[-1].startswith("Returning to the parameters of iteration"):
        lines.pop()  # a roll-back to the best epoch (see below)
    assert lines[-1].endswith("did not help either. Stopping.")
    epochs = [i for i, line in enumerate(lines) if line.startswith("Iteration")]
    lowered = [
        sum(e < i for e in epochs)  # the epoch after which the rate was lowered
        for i, line in enumerate(lines)
        if "Setting learning rate" in line
    ]
    assert len(lowered) >= 2  # a lowering helped, the last one did not
    curve = est.loss_curve_
    assert est.n_iter_ == len(curve) < est.max_iter
    # each lowering but the last was followed by an improvement of tol ...
    for start, end in zip(lowered[:-1], lowered[1:]):
        assert min(curve[start:end]) < min(curve[:start]) - est.tol
    # ... the last by none
    assert min(curve[lowered[-1] :]) >= min(curve[: lowered[-1]]) - est.tol


class CollapsingOptimizer:
    """Halves theta for 8 updates, then jumps to 3 (an exploding step), and
    jumps there again right after its one lowering of the learning rate."""

    def __init__(self):
        self.updates = 0
        self.collapse_at = {9}

    def update_params(self, theta, grad):
        self.updates += 1
        if self.updates <= 8:
            theta *= 0.5
        elif self.updates in self.collapse_at:
            theta[:] = 3.0

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, message, verbose):
        if len(self.collapse_at) > 1:
            return True
        self.collapse_at.add(self.updates + 1)
        return False


def test_a_stall_rolls_back_to_the_best_epoch(capsys):
    # mutations: no roll-back when the rate is lowered (training would go on
    # from the collapsed parameters), or none when training ends
    data = Batch(np.zeros((1, 2, 1)), None, np.zeros((2, 1)))

    def loss_grad(theta, X, pad, Y, sample_weight, masks=None, need_grad=True):
        return float(theta[0] ** 2), 2 * theta

    theta = np.array([1.0])
    history = TrainingHistory()
    monitor = Monitor(history, theta, tol=1e-4, n_iter_no_change=2,
                      verbose=True, held_out=None)
    optimizer = CollapsingOptimizer()
    fit_stochastic(loss_grad, theta, data, optimizer, monitor, batch_size=1,
                   max_iter=100, shuffle=False, rng=np.random.RandomState(0),
                   clip_norm=None)
    out = capsys.readouterr().out
    # the 4th epoch ends at theta = 0.5 ** 8; its two minibatches' losses are
    # those of 0.5 ** 6 and 0.5 ** 7
    best_loss = (0.5**12 + 0.5**14) / 2
    assert out.count("Returning to the parameters of iteration 4") == 2
    assert theta[0] == 0.5**8
    assert history.loss == pytest.approx(best_loss)
    collapsed = (0.5**16 + 9) / 2  # from the 4th epoch's end to 3
    expected = [(1 + 0.5**2) / 2, (0.5**4 + 0.5**6) / 2, (0.5**8 + 0.5**10) / 2,
                best_loss, collapsed, 9, 9,
                collapsed, 9, 9]  # the rate lowered, from the 4th epoch's end
    np.testing.assert_allclose(history.loss_curve, expected)
