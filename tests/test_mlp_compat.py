"""The habits of an MLPClassifier/MLPRegressor user, run with the same code on
MLP and on our estimators.

On 2D X (sequences of one step) an RNN with one layer is meant to behave as an
MLP with one hidden layer wherever the concept exists: parameter values,
fitted attributes, partial_fit, early stopping, warnings and exceptions. Each
test runs the same calls on both and compares the behaviour; where we
deliberately differ, the test says so and why.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sklearn_rnn import RNNClassifier, RNNRegressor

data_rng = np.random.RandomState(0)
X = data_rng.normal(size=(60, 4))
Y_BINARY = (X[:, 0] + X[:, 1] > 0).astype(int)
Y_MULTILABEL = (data_rng.uniform(size=(60, 5)) > 0.5).astype(int)
Y_REG = X[:, 0] - 0.5 * X[:, 2]
COUNTS = data_rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)

# Both kinds of estimator with the settings that matter for these tests.
SMALL = dict(hidden_layer_sizes=(8,), random_state=0)
CLASSIFIERS = [MLPClassifier, RNNClassifier]
REGRESSORS = [MLPRegressor, RNNRegressor]


def fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


@pytest.mark.parametrize("Estimator", CLASSIFIERS)
def test_logistic_activation_is_accepted(Estimator):
    est = Estimator(**SMALL, activation="logistic", max_iter=20)
    fit_quietly(est, X, Y_BINARY)
    assert est.predict(X).shape == Y_BINARY.shape
    assert est.get_params()["activation"] == "logistic"


def test_logistic_and_sigmoid_are_one_activation():
    a, b = (
        fit_quietly(RNNClassifier(**SMALL, activation=name, max_iter=20), X, Y_BINARY)
        for name in ("logistic", "sigmoid")
    )
    np.testing.assert_array_equal(a._theta, b._theta)


@pytest.mark.parametrize("Estimator", REGRESSORS)
def test_infinite_patience_trains_every_epoch(Estimator):
    est = Estimator(**SMALL, n_iter_no_change=np.inf, max_iter=30, tol=10.0)
    # a tol no epoch can meet: only n_iter_no_change=inf keeps training
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        est.fit(X, Y_REG)
    assert est.n_iter_ == 30
    finite = fit_quietly(clone(est).set_params(n_iter_no_change=2), X, Y_REG)
    assert finite.n_iter_ < 30


@pytest.mark.parametrize("Estimator", CLASSIFIERS)
def test_multilabel_partial_fit_with_classes(Estimator):
    est = Estimator(**SMALL).partial_fit(X, Y_MULTILABEL, classes=[0, 1, 2, 3, 4])
    est.partial_fit(X, Y_MULTILABEL)
    np.testing.assert_array_equal(est.classes_, np.arange(5))
    assert est.predict(X).shape == Y_MULTILABEL.shape
    assert est.predict_proba(X).shape == Y_MULTILABEL.shape
    assert est.t_ == 2 * len(X)


@pytest.mark.parametrize("Estimator", CLASSIFIERS)
def test_partial_fit_refuses_bad_classes_and_unseen_labels(Estimator):
    with pytest.raises(ValueError, match="classes must be passed"):
        Estimator(**SMALL).partial_fit(X, Y_BINARY)
    with pytest.raises(ValueError, match="classes"):  # 5 labels, 3 classes
        Estimator(**SMALL).partial_fit(X, Y_MULTILABEL, classes=[0, 1, 2])
    est = Estimator(**SMALL).partial_fit(X, Y_BINARY, classes=[0, 1])
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, Y_BINARY + 1)  # label 2 was never declared
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, Y_BINARY, classes=[0, 1, 2])


@pytest.mark.parametrize("Estimator", REGRESSORS)
def test_poisson_loss(Estimator):
    est = fit_quietly(Estimator(**SMALL, loss="poisson", max_iter=200), X, COUNTS)
    assert est.out_activation_ == "exp"
    assert (est.predict(X) > 0).all()
    mean_only = np.full_like(COUNTS, COUNTS.mean())
    assert mean_poisson_deviance(COUNTS, est.predict(X)) < mean_poisson_deviance(
        COUNTS, mean_only
    )


@pytest.mark.parametrize("Estimator", REGRESSORS)
def test_poisson_multioutput(Estimator):
    Y = np.column_stack([COUNTS, np.random.RandomState(1).poisson(2.0, size=len(X))])
    est = fit_quietly(Estimator(**SMALL, loss="poisson", max_iter=50), X, Y)
    assert est.predict(X).shape == Y.shape and (est.predict(X) > 0).all()
    assert np.isfinite(est.score(X, Y))


def test_poisson_loss_refuses_negative_targets():
    # MLP documents y >= 0 but does not check it; we say what is wrong
    with pytest.raises(ValueError, match="negative which is not allowed for Poisson"):
        RNNRegressor(loss="poisson").fit(X, Y_REG)
    assert RNNRegressor(loss="poisson").__sklearn_tags__().target_tags.positive_only


def test_poisson_sample_weight_equals_repetition():
    weights = np.arange(len(X)) % 3  # zeros included
    params = dict(**SMALL, loss="poisson", solver="lbfgs", max_iter=30)
    weighted = RNNRegressor(**params)
    fit_quietly(weighted, X, COUNTS, sample_weight=weights)
    repeated = RNNRegressor(**params)
    fit_quietly(repeated, np.repeat(X, weights, axis=0), np.repeat(COUNTS, weights))
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7)


@pytest.mark.parametrize("Estimator", CLASSIFIERS + REGRESSORS)
def test_alpha_shrinks_the_weights_not_the_biases(Estimator):
    # alpha is an L2 penalty on coefs_ alone: a strong one shrinks them, and
    # the output bias, free of it, still fits the targets' mean
    y = Y_BINARY if Estimator in CLASSIFIERS else Y_REG + 3.0
    squared_norms = []
    for alpha in (0.0, 10.0):
        est = fit_quietly(
            Estimator(**SMALL, solver="lbfgs", alpha=alpha, max_iter=300), X, y
        )
        squared_norms.append(sum((coef**2).sum() for coef in est.coefs_))
    assert squared_norms[1] < 0.5 * squared_norms[0]
    if Estimator in REGRESSORS:
        assert est.predict(X).mean() == pytest.approx(y.mean(), abs=0.05)


@pytest.mark.parametrize("Estimator", CLASSIFIERS)
def test_best_loss_is_none_with_early_stopping(Estimator):
    est = Estimator(**SMALL, early_stopping=True, max_iter=30)
    fit_quietly(est, X, Y_BINARY)
    assert est.best_loss_ is None
    # MLP keeps the best validation score; ours the score of the lowest
    # validation loss (see the user guide, "Early stopping")
    assert est.best_validation_score_ in est.validation_scores_
    plain = fit_quietly(Estimator(**SMALL, max_iter=30), X, Y_BINARY)
    assert plain.best_loss_ == min(plain.loss_curve_)


def test_partial_fit_validates_parameters_on_every_call():
    # Deliberate difference: scikit-learn's _fit_context validates only the
    # first partial_fit call, so MLP takes a negative step size silently
    # afterwards (gradient ascent); we check every call.
    mlp = MLPClassifier(**SMALL).partial_fit(X, Y_BINARY, classes=[0, 1])
    mlp.set_params(alpha=-1.0, learning_rate_init=-5)
    mlp.partial_fit(X, Y_BINARY)
    ours = RNNClassifier(**SMALL).partial_fit(X, Y_BINARY, classes=[0, 1])
    theta = ours._theta.copy()
    ours.set_params(alpha=-1.0, learning_rate_init=-5)
    with pytest.raises(ValueError, match="parameter of RNNClassifier must be"):
        ours.partial_fit(X, Y_BINARY)
    np.testing.assert_array_equal(ours._theta, theta)  # nothing changed
    reg = RNNRegressor(**SMALL).partial_fit(X, Y_REG).set_params(momentum=2.0)
    with pytest.raises(ValueError, match="momentum"):
        reg.partial_fit(X, Y_REG)


def interrupt_after(monkeypatch, Estimator, n_epochs):
    """Raise KeyboardInterrupt at the end of epoch ``n_epochs + 1``."""
    if Estimator in (MLPClassifier, MLPRegressor):
        import sklearn.neural_network._multilayer_perceptron as module

        target, name = module.BaseMultilayerPerceptron, "_update_no_improvement_count"
    else:
        import sklearn_rnn._solvers as module

        target, name = module.Monitor, "end_iteration"
    original = getattr(target, name)
    calls = []

    def interrupting(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > n_epochs:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(target, name, interrupting)


@pytest.mark.parametrize("Estimator", CLASSIFIERS + REGRESSORS)
def test_keyboard_interrupt_keeps_what_was_learned(Estimator, monkeypatch):
    y = Y_BINARY if Estimator in CLASSIFIERS else Y_REG
    interrupt_after(monkeypatch, Estimator, 3)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est = Estimator(**SMALL, max_iter=50).fit(X, y)
    assert np.isfinite(est.predict(X).astype(float)).all()
    assert np.isfinite(est.score(X, y))
    assert len(est.loss_curve_) in (3, 4)  # MLP records the epoch it ends in
    assert est.loss_curve_[-1] < est.loss_curve_[0]  # it kept what it learned


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_keyboard_interrupt_keeps_the_epochs_done(solver, monkeypatch):
    params = dict(**SMALL, solver=solver, learning_rate_init=0.01)
    interrupt_after(monkeypatch, RNNRegressor, 4)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        interrupted = RNNRegressor(**params, max_iter=50).fit(X, Y_REG)
    monkeypatch.undo()
    four = fit_quietly(RNNRegressor(**params, max_iter=4), X, Y_REG)
    five = fit_quietly(RNNRegressor(**params, max_iter=5), X, Y_REG)
    assert interrupted.n_iter_ == 4  # four epochs recorded in loss_curve_
    # the interrupt came after the fifth epoch's (iteration's) updates, before
    # its record: the parameters are those the fifth one reached
    if solver == "adam":
        np.testing.assert_array_equal(interrupted._theta, five._theta)
    else:
        assert interrupted.loss_ < four.loss_
    result = interrupted.optimize_result_
    assert result is None or (not result.success and "interrupted" in result.message)


def test_other_errors_during_training_leave_nothing_fitted(monkeypatch):
    import sklearn_rnn._solvers as solvers

    def failing(self, *args, **kwargs):
        raise MemoryError("out of memory in epoch 1")

    est = RNNRegressor(**SMALL, max_iter=5)
    monkeypatch.setattr(solvers.Monitor, "end_iteration", failing)
    with pytest.raises(MemoryError):
        est.fit(X, Y_REG)
    assert not hasattr(est, "n_iter_") and not hasattr(est, "_theta")


def test_diverging_training_warns_once_without_numpy_noise():
    # MLP raises ValueError on non-finite weights after training; we keep the
    # best finite parameters and say so (DESIGN: no fitted model returns NaN),
    # with our warning only: no RuntimeWarning from NumPy's overflow.
    y = 1e4 * Y_REG
    for solver in ("sgd", "adam", "lbfgs"):
        est = RNNRegressor(
            **SMALL, cell="rnn", activation="relu", solver=solver,
            learning_rate_init=1.0, clip_norm=None, max_iter=30,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y)
        kinds = {w.category for w in caught}
        assert RuntimeWarning not in kinds, [str(w.message) for w in caught]
        assert kinds <= {ConvergenceWarning}
        assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("Estimator", CLASSIFIERS)
def test_fitted_attributes_a_user_reads(Estimator):
    est = fit_quietly(Estimator(**SMALL, max_iter=15), X, Y_BINARY)
    assert est.n_iter_ == len(est.loss_curve_) == 15
    assert est.t_ == 15 * len(X)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.n_features_in_ == 4 and est.n_outputs_ == 1
    assert est.out_activation_ == "logistic"
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert isinstance(est.coefs_, list) and isinstance(est.intercepts_, list)
    # RNNClassifier's output layer reads both directions (its default)
    width = 16 if getattr(est, "bidirectional", False) else 8
    assert est.coefs_[-1].shape == (width, 1) and est.intercepts_[-1].shape == (1,)
    np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1.0)
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    est.partial_fit(X, Y_BINARY)
    assert est.t_ == 16 * len(X)
    # Deliberate difference: MLP's n_iter_ counts the epochs of the last call
    # only (1 after partial_fit); ours counts every epoch, as loss_curve_ does
    assert est.n_iter_ == (16 if Estimator is RNNClassifier else 1)


def test_every_mlp_parameter_exists_with_the_same_meaning():
    # each parameter an MLP user can type exists on ours (the values of
    # hidden_layer_sizes, activation and the defaults differ by design)
    for mlp, ours in [(MLPClassifier, RNNClassifier), (MLPRegressor, RNNRegressor)]:
        missing = set(mlp().get_params()) - set(ours().get_params())
        assert not missing, f"{ours.__name__} lacks {sorted(missing)}"
        for values in [
            dict(solver="sgd", learning_rate="invscaling", power_t=0.3,
                 momentum=0.5, nesterovs_momentum=False),
            dict(solver="adam", beta_1=0.8, beta_2=0.99, epsilon=1e-7,
                 early_stopping=True, validation_fraction=0.2),
            dict(solver="lbfgs", max_fun=500, tol=1e-5),
        ]:
            y = Y_REG if ours is RNNRegressor else Y_BINARY
            for Estimator in (mlp, ours):
                est = fit_quietly(Estimator(**SMALL, max_iter=10, **values), X, y)
                assert np.isfinite(est.score(X, y))
