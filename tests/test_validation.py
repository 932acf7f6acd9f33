"""The input contract: every bad input raises a clear ValueError at fit and predict,
and a failed fit leaves nothing fitted behind."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_rnn import RNNClassifier, RNNRegressor

rng = np.random.RandomState(0)
X = rng.normal(size=(12, 5, 3))
Y_REG = rng.normal(size=12)
Y_CLF = np.array(["a", "b", "c"] * 4)
FAST = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)


def with_value(index, value):
    X_bad = X.copy()
    X_bad[index] = value
    return X_bad


# (X, message pattern) pairs that are wrong whatever the estimator
BAD_X = {
    "partial NaN step": (with_value((2, 3, 1), np.nan), r"NaN in 1 of 3 .*sample 2, timestep 3"),
    "inf": (with_value((4, 1, 0), np.inf), r"inf .*sample 4, timestep 1"),
    "-inf": (with_value((0, 0, 2), -np.inf), r"inf .*sample 0, timestep 0"),
    "all-padding sequence": (with_value((5,), np.nan), r"Sample 5 of X is all padding"),
    "1D": (X[:, 0, 0], r"Expected 2D array"),
    "4D": (X[..., None], r"got an array with 4 dimensions"),
    "zero timesteps": (X[:, :0], r"0 timestep\(s\)"),
    "zero features": (X[:, :, :0], r"0 feature\(s\)"),
    "complex": (X + 1j, r"Complex data not supported"),
    "ragged list": ([np.ones((2, 3)), np.ones((3, 3))], r"NaN-padded"),
}


@pytest.mark.parametrize("Estimator, y", [(RNNRegressor, Y_REG), (RNNClassifier, Y_CLF)])
@pytest.mark.parametrize("case", sorted(BAD_X))
def test_bad_X_raises_at_fit_and_leaves_nothing_fitted(Estimator, y, case):
    X_bad, match = BAD_X[case]
    est = Estimator(**FAST)
    n = len(X_bad) if case != "ragged list" else 2
    with pytest.raises(ValueError, match=match):
        est.fit(X_bad, y[:n])
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("Estimator, y", [(RNNRegressor, Y_REG), (RNNClassifier, Y_CLF)])
@pytest.mark.parametrize("case", sorted(BAD_X))
def test_bad_X_raises_at_predict(Estimator, y, case):
    X_bad, match = BAD_X[case]
    est = Estimator(**FAST).fit(X, y)
    methods = ["predict"] + (["predict_proba", "decision_function"] if y is Y_CLF else [])
    for method in methods:
        with pytest.raises(ValueError, match=match):
            getattr(est, method)(X_bad)


@pytest.mark.parametrize("Estimator, y", [(RNNRegressor, Y_REG), (RNNClassifier, Y_CLF)])
def test_sparse_input_raises(Estimator, y):
    X_sparse = sp.csr_matrix(X[:, 0])
    with pytest.raises(ValueError, match="Sparse input is not supported"):
        Estimator(**FAST).fit(X_sparse, y)
    est = Estimator(**FAST).fit(X[:, 0], y)
    with pytest.raises(ValueError, match="Sparse input is not supported"):
        est.predict(X_sparse)


@pytest.mark.parametrize("Estimator, y", [(RNNRegressor, Y_REG), (RNNClassifier, Y_CLF)])
def test_wrong_feature_count_at_predict_uses_sklearn_message(Estimator, y):
    est = Estimator(**FAST).fit(X, y)
    name = Estimator.__name__
    with pytest.raises(
        ValueError, match=f"X has 2 features, but {name} is expecting 3 features"
    ):
        est.predict(X[:, :, :2])
    with pytest.raises(
        ValueError, match=f"X has 4 features, but {name} is expecting 3 features"
    ):
        est.predict(np.ones((3, 4)))
    # another number of timesteps is fine
    assert est.predict(X[:, :2]).shape[0] == len(X)
    assert est.predict(np.concatenate([X, X], axis=1)).shape[0] == len(X)


BAD_TARGETS = {
    "NaN in y": (RNNRegressor, np.where(np.arange(12) == 3, np.nan, Y_REG), None, "NaN"),
    "inf in y": (RNNRegressor, np.where(np.arange(12) == 3, np.inf, Y_REG), None, "infinity"),
    "short y": (RNNRegressor, Y_REG[:-1], None, "inconsistent numbers of samples"),
    "3D y": (RNNRegressor, Y_REG.reshape(12, 1, 1), None, "y must be 1D"),
    "continuous labels": (RNNClassifier, Y_REG, None, "Unknown label type"),
    "one class": (RNNClassifier, np.zeros(12), None, "at least 2 classes"),
    "NaN label": (RNNClassifier, np.where(np.arange(12) == 3, np.nan, 1.0 * (np.arange(12) % 2)), None, "NaN"),
    "NaN weight": (RNNRegressor, Y_REG, np.where(np.arange(12) == 2, np.nan, 1.0), "NaN"),
    "inf weight": (RNNClassifier, Y_CLF, np.where(np.arange(12) == 2, np.inf, 1.0), "infinity"),
    "negative weight": (RNNRegressor, Y_REG, -np.ones(12), "Negative values"),
    "zero weights": (RNNRegressor, Y_REG, np.zeros(12), "at least one non-zero"),
    "short weights": (RNNClassifier, Y_CLF, np.ones(11), r"expected \(12,\)"),
    "one weighted class": (RNNClassifier, Y_CLF, (Y_CLF == "a") * 1.0, "at least 2 classes"),
}


@pytest.mark.parametrize("case", sorted(BAD_TARGETS))
def test_bad_y_or_sample_weight_raises_and_leaves_nothing_fitted(case):
    Estimator, y, sample_weight, match = BAD_TARGETS[case]
    est = Estimator(**FAST)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, sample_weight=sample_weight)
    assert vars(est) == vars(Estimator(**FAST))


def test_failed_refit_keeps_previous_model():
    est = RNNRegressor(**FAST).fit(X, Y_REG)
    before = est.predict(X)
    with pytest.raises(ValueError):
        est.fit(X[:, :, :2], Y_REG[:-1])
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(est.predict(X), before)


def test_bad_hidden_layer_sizes():
    for sizes in [(), (4, 0), (4, 2.5)]:
        with pytest.raises(ValueError, match="hidden_layer_sizes"):
            RNNRegressor(hidden_layer_sizes=sizes).fit(X, Y_REG)


def test_inputs_are_never_modified():
    X_padded = X.copy()
    X_padded[:, 3:] = np.nan
    X_padded[0, :2] = np.nan
    X_before = X_padded.copy()
    y = Y_REG.copy()
    w = np.ones(12)
    est = RNNRegressor(**FAST).fit(X_padded, y, sample_weight=w)
    est.predict(X_padded)
    np.testing.assert_array_equal(X_padded, X_before)
    np.testing.assert_array_equal(y, Y_REG)
    np.testing.assert_array_equal(w, np.ones(12))


def test_padding_check_in_chunks_names_the_right_sample():
    from sklearn_rnn._validation import find_padding

    X_big = np.zeros((50, 4, 2))
    X_big[37, 2] = np.nan
    X_big[41, 1, 0] = np.nan
    with pytest.raises(ValueError, match="sample 41, timestep 1"):
        find_padding(X_big, chunk_values=16)
    X_big[41, 1, 0] = 0.0
    pad = find_padding(X_big, chunk_values=16)
    np.testing.assert_array_equal(np.argwhere(pad), [[37, 2]])
    np.testing.assert_array_equal(pad, find_padding(X_big))
