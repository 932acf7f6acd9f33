"""Reliability: property-based input contract, numerical safety, long sequences,
thread safety, parallel fits, persistence and dask.distributed."""

import pickle
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import distributed
import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import LabelBinarizer

from sklearn_rnn import (
    TRUSTED_TYPES,
    RNNClassifier,
    RNNRegressor,
    SequenceReshaper,
    SequenceScaler,
)

rng = np.random.RandomState(0)
X = rng.normal(size=(40, 6, 2))
Y_REG = X[:, :, 0].sum(axis=1)
Y_CLF = (Y_REG > 0).astype(int)

# The package's own types that skops.io must be told to trust (see the docs).


# ------------------------------------------------------- property-based inputs
@st.composite
def sequence_batches(draw):
    n_samples = draw(st.integers(1, 6))
    n_timesteps = draw(st.integers(1, 5))
    n_features = draw(st.integers(1, 3))
    magnitude = draw(st.sampled_from([1e-300, 1e-5, 1.0, 1e5, 1e150, 1e300]))
    seed = draw(st.integers(0, 2**31 - 1))
    values = np.random.RandomState(seed).normal(
        size=(n_samples, n_timesteps, n_features)
    ) * magnitude
    pattern = draw(
        st.sampled_from(
            ["none", "pad_step", "partial_nan", "all_nan_sequence", "inf", "-inf"]
        )
    )
    i, t, f = (draw(st.integers(0, s - 1)) for s in values.shape)
    if pattern == "pad_step":
        values[i, t] = np.nan
    elif pattern == "partial_nan":
        values[i, t, f] = np.nan
    elif pattern == "all_nan_sequence":
        values[i] = np.nan
    elif pattern in ("inf", "-inf"):
        values[i, t, f] = float(pattern)
    dtype = draw(
        st.sampled_from(["float16", "float32", "float64", "int64", "bool", "object"])
    )
    kind = draw(st.sampled_from(["array", "list", "2d", "dataframe"]))
    if dtype in ("int64", "bool"):
        values = np.nan_to_num(values, posinf=3, neginf=-3)
        values = values.clip(-1e9, 1e9).astype(dtype)
    else:
        with np.errstate(over="ignore"):
            values = values.astype(dtype)
    if kind == "list":
        return values.tolist()
    if kind in ("2d", "dataframe"):
        flat = values[:, 0, :]
        return pd.DataFrame(flat) if kind == "dataframe" else flat
    return values


def _copy(X):
    return X.copy() if hasattr(X, "copy") else pickle.loads(pickle.dumps(X))


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, list) or a.dtype == object:
        return pickle.dumps(a) == pickle.dumps(b)
    return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(X_any=sequence_batches(), Estimator=st.sampled_from([RNNRegressor, RNNClassifier]))
def test_any_input_fits_and_predicts_finite_or_raises_value_error(X_any, Estimator):
    n_samples = len(X_any)
    y = np.arange(n_samples) % 2 if Estimator is RNNClassifier else np.arange(
        n_samples, dtype=float
    )
    if Estimator is RNNClassifier and n_samples < 2:
        y = np.array([0])
    before = _copy(X_any)
    est = Estimator(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X_any, y)
        except ValueError as exc:
            assert str(exc)  # a message naming the problem
            assert not hasattr(est, "n_features_in_")
        else:
            try:
                out = est.predict(X_any)
            except ValueError as exc:
                assert "not finite" in str(exc) or "NaN" in str(exc) or "inf" in str(exc)
            else:
                assert np.isfinite(np.asarray(out, dtype=float)).all()
    assert _same(X_any, before)  # the caller's data is never modified


# ----------------------------------------------------------- numerical safety
@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_extreme_but_finite_inputs(scale, cell):
    est = RNNRegressor(hidden_layer_sizes=(4,), cell=cell, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            est.fit(X * scale, Y_REG)
        except ValueError as exc:
            assert "not finite" in str(exc)
            return
    assert np.isfinite(est._theta).all()
    try:
        pred = est.predict(X * scale)
    except ValueError as exc:
        assert "not finite" in str(exc)
    else:
        assert np.isfinite(pred).all()


def test_exploding_relu_recurrence_stays_finite():
    est = RNNRegressor(
        hidden_layer_sizes=(8,), activation="relu", solver="adam", clip_norm=None,
        learning_rate_init=1.0, max_iter=20, random_state=0,
    )
    long_X = np.abs(rng.normal(size=(30, 200, 2))) * 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(long_X, long_X.sum(axis=(1, 2)))
    assert np.isfinite(est._theta).all()
    try:
        assert np.isfinite(est.predict(long_X)).all()
    except ValueError as exc:
        assert "not finite" in str(exc)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequences_of_ten_thousand_steps(cell):
    long_X = rng.normal(size=(4, 10_000, 1))
    y = long_X[:, -5:, 0].sum(axis=1)
    est = RNNRegressor(hidden_layer_sizes=(4,), cell=cell, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(long_X, y)
    assert np.isfinite(est.predict(long_X)).all()
    assert len(est.loss_curve_) == 2 and np.isfinite(est.loss_curve_).all()


# ---------------------------------------------------------------- concurrency
def test_threads_predicting_on_one_model_get_the_serial_result():
    est = RNNClassifier(
        hidden_layer_sizes=(6,), cell="lstm", bidirectional=True, solver="lbfgs",
        max_iter=20, random_state=0,
    ).fit(X, Y_CLF)
    methods = ["predict", "predict_proba", "transform", "decision_function"]
    serial = {m: getattr(est, m)(X) for m in methods}
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        return {m: getattr(est, m)(X) for m in methods[k % 2 :]}

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for result in results:
        for method, value in result.items():
            np.testing.assert_array_equal(value, serial[method])


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_parallel_fits_equal_serial_fits(backend):
    estimators = [
        RNNRegressor(hidden_layer_sizes=(5,), cell=cell, max_iter=5, random_state=s)
        for cell, s in [("rnn", 0), ("lstm", 1), ("gru", 2), ("rnn", 3)]
    ]

    def fit(est):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return clone(est).fit(X, Y_REG)

    serial = [fit(est) for est in estimators]
    parallel = joblib.Parallel(n_jobs=2, backend=backend)(
        joblib.delayed(fit)(est) for est in estimators
    )
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a._theta, b._theta)


# ---------------------------------------------------------------- persistence
def fitted_models():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return [
            RNNClassifier(hidden_layer_sizes=(4,), cell="gru", max_iter=3, random_state=0).fit(X, Y_CLF),
            RNNRegressor(hidden_layer_sizes=(4, 3), cell="lstm", bidirectional=True, solver="lbfgs", max_iter=5).fit(X, Y_REG),
            RNNClassifier(hidden_layer_sizes=(4,), solver="sgd", early_stopping=True, max_iter=5, random_state=0).fit(X, Y_CLF),
        ]


def test_pickle_and_joblib_round_trips(tmp_path):
    for i, est in enumerate(fitted_models()):
        expected = est.predict(X)
        before = {key: type(value) for key, value in vars(est).items()}
        pickle.dumps(est)
        # pickling leaves the model itself as it was
        assert {key: type(value) for key, value in vars(est).items()} == before
        assert np.shares_memory(est.coefs_[0], est._theta)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), expected)
        path = tmp_path / f"model{i}.joblib"
        joblib.dump(est, path)
        np.testing.assert_array_equal(joblib.load(path).predict(X), expected)


def test_skops_needs_only_the_public_classes():
    for est in fitted_models():
        data = sio.dumps(est)
        untrusted = sio.get_untrusted_types(data=data)
        assert untrusted == [f"sklearn_rnn._estimators.{type(est).__name__}"]
        loaded = sio.loads(data, trusted=TRUSTED_TYPES)
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        assert np.shares_memory(loaded.coefs_[0], loaded._theta)
        # training continues from a loaded model as from the original
        if hasattr(est, "partial_fit"):
            y = Y_CLF if isinstance(est, RNNClassifier) else Y_REG
            np.testing.assert_array_equal(
                clone_state(loaded).partial_fit(X, y)._theta,
                clone_state(est).partial_fit(X, y)._theta,
            )
    flat = X.reshape(len(X), -1)
    for transformer, data_in in [
        (SequenceScaler().fit(X), X),
        (SequenceReshaper(n_features=X.shape[2]).fit(flat), flat),
    ]:
        data = sio.dumps(transformer)
        assert set(sio.get_untrusted_types(data=data)) <= set(TRUSTED_TYPES)
        np.testing.assert_array_equal(
            sio.loads(data, trusted=TRUSTED_TYPES).transform(data_in),
            transformer.transform(data_in),
        )


def clone_state(est):
    return pickle.loads(pickle.dumps(est))


PLAIN = (np.ndarray, np.generic, int, float, str, bool, type(None))


def assert_plain(value, where):
    """Only plain values, scikit-learn's LabelBinarizer and NumPy's generator:
    no functions and none of this package's private types."""
    assert not callable(value) or isinstance(value, np.random.RandomState), where
    if isinstance(value, (list, tuple)):
        for k, item in enumerate(value):
            assert_plain(item, f"{where}[{k}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, LabelBinarizer):
        for key, item in vars(value).items():
            assert_plain(item, f"{where}.{key}")
    else:
        assert isinstance(value, PLAIN + (np.random.RandomState,)), (where, type(value))


def test_fitted_state_holds_no_functions():
    for est in fitted_models():
        for key, value in est.__getstate__().items():
            assert_plain(value, key)


# ------------------------------------------------------------- dask.distributed
def test_grid_search_and_cross_val_on_a_dask_cluster():
    from threadpoolctl import threadpool_info

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        # each worker process runs one BLAS thread (the nanny sets
        # OMP/OPENBLAS/MKL_NUM_THREADS=1), so two workers do not oversubscribe
        # the two cores
        blas = client.run(
            lambda: [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        )
        assert all(set(threads) == {1} for threads in blas.values())
        with joblib.parallel_config(backend="dask"):
            grid = GridSearchCV(
                RNNClassifier(solver="lbfgs", max_iter=30, random_state=0),
                {"hidden_layer_sizes": [(4,), (8,)], "cell": ["rnn", "gru"]},
                cv=3,
                n_jobs=-1,
            ).fit(X, Y_CLF)
            scores = cross_val_score(
                RNNRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=30),
                X, Y_REG, cv=3, n_jobs=-1,
            )
    assert len(grid.cv_results_["params"]) == 4 and grid.best_score_ > 0.7
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_partial_fit_out_of_core_from_a_memmap(tmp_path):
    path = tmp_path / "sequences.dat"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(400, 6, 2))
    big[:] = rng.normal(size=big.shape)
    big.flush()
    data = np.load(path, mmap_mode="r")
    target = data[:, :, 0].sum(axis=1)
    est = RNNRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    for epoch in range(8):
        for start in range(0, len(data), 100):
            chunk = slice(start, start + 100)
            est.partial_fit(data[chunk], target[chunk])
    assert est.score(data, target) > 0.8
    assert est.n_iter_ == 32
