"""float32 end to end, chunked prediction and loss, and BLAS thread control."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

import sklearn_rnn._resources as resources
from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._bptt import LossGrad, Network, to_time_major
from sklearn_rnn._params import init_params
from sklearn_rnn._solvers import Batch

rng = np.random.RandomState(0)
X = rng.normal(size=(60, 9, 3))
X[::4, 6:] = np.nan  # some post-padding
X[1::5, :2] = np.nan  # some pre-padding
Y_REG = np.nan_to_num(X[:, :, 0]).sum(axis=1)
Y_CLF = (Y_REG > 0).astype(int)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float32_gradient_matches_float64(cell):
    net = Network(3, (5, 4), 2, cell=cell, bidirectional=True, out_activation="softmax")
    theta = init_params(rng, net.index, "tanh", cell=cell) + 0.1 * rng.normal(
        size=net.n_params
    )
    Y = np.eye(2)[Y_CLF]
    pad = np.isnan(X).all(axis=2)
    loss_grad = LossGrad(net, alpha=0.01)
    loss64, grad64 = loss_grad(theta, *to_time_major(X, pad, np.float64), Y)
    X32, pad32 = to_time_major(X, pad, np.float32)
    loss32, grad32 = loss_grad(theta.astype(np.float32), X32, pad32, Y.astype(np.float32))
    assert grad32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    assert np.linalg.norm(grad32 - grad64) / np.linalg.norm(grad64) < 1e-5


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
def test_float32_input_gives_float32_outputs(Estimator):
    y = Y_REG if Estimator is RNNRegressor else Y_CLF
    est = Estimator(hidden_layer_sizes=(6,), cell="gru", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X.astype(np.float32), y)
    assert est._theta.dtype == np.float32
    assert all(c.dtype == np.float32 for c in est.coefs_)
    assert est.transform(X).dtype == np.float32
    method = "predict" if Estimator is RNNRegressor else "predict_proba"
    assert getattr(est, method)(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("hidden_layer_sizes", [(6, 5), (32,)])  # both activation forms
def test_chunked_prediction_equals_unchunked(
    cell, hidden_layer_sizes, bidirectional, monkeypatch
):
    est = RNNClassifier(
        hidden_layer_sizes=hidden_layer_sizes, cell=cell, solver="lbfgs",
        bidirectional=bidirectional, max_iter=10, random_state=0,
    ).fit(X, Y_CLF)
    whole = est.predict_proba(X), est.transform(X), est.decision_function(X)
    per_sequence = resources.bytes_per_sequence(est._net, X.shape[1], 8)
    monkeypatch.setattr(resources, "CHUNK_BUDGET_BYTES", 7 * per_sequence)
    assert resources.chunk_size(est._net, X.shape[1], 8) == 7
    chunked = est.predict_proba(X), est.transform(X), est.decision_function(X)
    for a, b in zip(whole, chunked):
        if hidden_layer_sizes == (6, 5) and not bidirectional:
            np.testing.assert_array_equal(a, b)
        else:
            # OpenBLAS may round the last bit of a row differently for another
            # number of rows (its edge kernels; seen at 32 units before the
            # exp-based activations too, and for two directions of (6, 5)):
            # equal to a few units in the last place of the largest value (a
            # logit near 0 is the difference of terms near the largest)
            eps = np.finfo(float).eps
            atol = 4 * eps * np.abs(a).max()
            np.testing.assert_allclose(a, b, rtol=4 * eps, atol=atol)


@pytest.mark.parametrize("per_step, weighted", [(False, True), (False, False),
                                               (True, True)])
def test_chunked_loss_and_gradient_equal_the_whole_batch(per_step, weighted):
    # each chunk is divided by the whole batch's weight (or sequence count), so
    # that the chunks add up: pooled with and without weights, and per step
    # (where weights are required: 0 at padding)
    net = Network(3, (5,), 1, cell="lstm", pooling=None if per_step else "last")
    theta = init_params(rng, net.index, "tanh", cell="lstm")
    pad = np.isnan(X).all(axis=2)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    if per_step:
        Y = np.nan_to_num(X[:, :, :1])
        weights = np.where(pad, 0, rng.uniform(0.5, 2, size=pad.shape))
    else:
        Y = Y_REG[:, None]
        weights = rng.uniform(0.5, 2, size=len(X)) if weighted else None
    loss_grad = LossGrad(net, alpha=0.1)
    whole = Batch(X_tm, pad_tm, Y, weights).loss_grad(loss_grad, theta)
    chunked = Batch(X_tm, pad_tm, Y, weights, max_chunk=7).loss_grad(loss_grad, theta)
    assert chunked[0] == pytest.approx(whole[0], rel=1e-12)
    np.testing.assert_allclose(chunked[1], whole[1], rtol=1e-10, atol=1e-14)
    # the loss alone (no backward pass), whole and chunked, is the same value
    for max_chunk in (None, 7):
        batch = Batch(X_tm, pad_tm, Y, weights, max_chunk=max_chunk)
        assert batch.loss(loss_grad, theta) == pytest.approx(whole[0], rel=1e-12)


def blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_blas_thread_setting_is_restored_after_fit_and_predict():
    # the test session runs on one BLAS thread (conftest.py): set two here so
    # that a limit that leaked out of fit or predict would show
    with threadpool_limits(2, user_api="blas"):
        check_fit_and_predict_restore_threads()


def check_fit_and_predict_restore_threads():
    before = blas_threads()
    assert set(before) == {2}
    seen = []
    original = resources.limit_blas_threads

    def recording(n_threads):
        seen.append(n_threads)
        return original(n_threads)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sklearn_rnn._base.limit_blas_threads", recording)
        est = RNNRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, Y_REG)
        est.predict(X)
    assert seen and all(n == 1 for n in seen)  # small products: one thread
    assert blas_threads() == before


def test_limit_blas_threads_restores_on_error():
    with threadpool_limits(2, user_api="blas"):
        check_limit_restores_on_error()


def check_limit_restores_on_error():
    before = blas_threads()
    assert set(before) == {2}
    with pytest.raises(RuntimeError):
        with resources.limit_blas_threads(1):
            assert set(blas_threads()) == {1}
            raise RuntimeError("boom")
    assert blas_threads() == before
    with resources.limit_blas_threads(None):
        assert blas_threads() == before


def test_thread_decision_follows_product_size():
    small = Network(3, (16,), 1, cell="rnn")
    big = Network(3, (256,), 1, cell="lstm")
    assert resources.blas_threads_for(small, 64) == 1
    assert resources.blas_threads_for(big, 64) is None
    assert resources.blas_threads_for(small, 1) is None  # one sequence
