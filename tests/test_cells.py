"""LSTM and GRU cells, bidirectional layers and dropout through the estimators."""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import RNNClassifier, RNNRegressor, pad_sequences
from sklearn_rnn._activations import EXP_FORM_MIN_UNITS

rng = np.random.RandomState(0)
X = rng.normal(size=(90, 7, 2))
Y_REG = X[:, :, 0].sum(axis=1) / np.sqrt(7)
Y_CLF = (Y_REG > 0).astype(int)
CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_padding_anywhere_predicts_as_unpadded(cell, bidirectional, pooling):
    est = RNNClassifier(
        hidden_layer_sizes=(5, 4), cell=cell, bidirectional=bidirectional,
        pooling=pooling, solver="lbfgs", max_iter=15, random_state=0,
    ).fit(X, Y_CLF)
    lengths = rng.randint(1, 8, size=len(X))
    sequences = [x[:length] for x, length in zip(X, lengths)]
    expected = np.vstack([est.predict_proba(s[None]) for s in sequences])
    for padding in ("pre", "post"):
        padded = pad_sequences(sequences, padding=padding, maxlen=9)
        np.testing.assert_allclose(est.predict_proba(padded), expected, atol=1e-12)
    middle = np.full((len(X), 10, 2), np.nan)  # a gap of 3 steps in the middle
    for i, s in enumerate(sequences):
        cut = len(s) // 2
        middle[i, :cut] = s[:cut]
        middle[i, cut + 3 : len(s) + 3] = s[cut:]
    np.testing.assert_allclose(est.predict_proba(middle), expected, atol=1e-12)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_learn(cell):
    reg = RNNRegressor(
        hidden_layer_sizes=(8,), cell=cell, solver="lbfgs", max_iter=200,
        random_state=0,
    ).fit(X, Y_REG)
    assert reg.score(X, Y_REG) > 0.95


def test_parameter_shapes_and_views():
    est = RNNRegressor(
        hidden_layer_sizes=(5, 3), cell="gru", bidirectional=True, max_iter=2,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y_REG)
    assert [c.shape for c in est.coefs_] == [(2, 2, 15), (2, 10, 9), (6, 1)]
    assert [r.shape for r in est.recurrent_coefs_] == [(2, 5, 15), (2, 3, 9)]
    assert [b.shape for b in est.intercepts_] == [(2, 15), (2, 9), (1,)]
    assert [b.shape for b in est.recurrent_intercepts_] == [(2, 5), (2, 3)]
    assert est.transform(X).shape == (len(X), 6)
    for view in est.coefs_ + est.recurrent_coefs_ + est.intercepts_:
        assert np.shares_memory(view, est._theta)
    lstm = RNNRegressor(hidden_layer_sizes=(4,), cell="lstm", bidirectional=False,
                        max_iter=1)
    with pytest.warns(ConvergenceWarning):
        lstm.set_params(learning_rate_init=1e-300).fit(X, Y_REG)
    assert lstm.recurrent_intercepts_ is None
    np.testing.assert_allclose(lstm.intercepts_[0][4:8], 1.0)  # forget-gate bias
    np.testing.assert_allclose(lstm.intercepts_[0][:4], 0.0, atol=1e-250)


@pytest.mark.parametrize("cell", CELLS)
def test_dropout_is_training_only_and_reproducible(cell):
    params = dict(
        hidden_layer_sizes=(6,), cell=cell, dropout=0.3, max_iter=5,
        learning_rate_init=0.01,
    )
    with pytest.warns(ConvergenceWarning):
        a = RNNRegressor(**params, random_state=0).fit(X, Y_REG)
    with pytest.warns(ConvergenceWarning):
        b = RNNRegressor(**params, random_state=0).fit(X, Y_REG)
    with pytest.warns(ConvergenceWarning):
        no_dropout = RNNRegressor(**{**params, "dropout": 0.0}, random_state=0).fit(
            X, Y_REG
        )
    np.testing.assert_array_equal(a._theta, b._theta)  # masks from random_state
    assert not np.array_equal(a._theta, no_dropout._theta)  # dropout did act
    np.testing.assert_array_equal(a.predict(X), a.predict(X))  # deterministic
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X), a.predict(X))


@pytest.mark.parametrize("param", ["dropout", "input_noise"])
def test_random_perturbations_need_a_stochastic_solver(param):
    est = RNNRegressor(**{param: 0.2}, solver="lbfgs")
    with pytest.raises(ValueError, match=f"{param}=0.2 needs a stochastic solver"):
        est.fit(X, Y_REG)
    assert not hasattr(est, "n_features_in_")


def long_memory_task(n_samples, seed, n_timesteps=40):
    """The label is the sign at the first of 40 steps; the rest is noise."""
    task_rng = np.random.RandomState(seed)
    y = task_rng.randint(2, size=n_samples)
    X = np.zeros((n_samples, n_timesteps, 2))
    X[:, :, 0] = LONG_MEMORY_NOISE * task_rng.normal(size=(n_samples, n_timesteps))
    X[:, 0, 0] = 2 * y - 1
    X[:, 0, 1] = 1.0  # marks the step to remember
    return X, y


LONG_MEMORY_NOISE = 1.5


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize(
    "reading",
    [
        {},  # the defaults: two directions, max pooling
        # one direction read at its end: the state must carry the first step
        # over 39 noisy ones, and training must not stop on the plateau at
        # loss log(2) that comes before the cell learns to remember
        {"bidirectional": False, "pooling": "last"},
    ],
    ids=["defaults", "forward-last"],
)
def test_gated_cells_remember_the_first_of_40_steps_with_the_defaults(
    cell, seed, reading
):
    # 16 units and nothing else but the cell (and, second, the direction)
    X_train, y_train = long_memory_task(500, seed=0)
    X_test, y_test = long_memory_task(300, seed=1)
    clf = RNNClassifier(
        hidden_layer_sizes=(16,), cell=cell, random_state=seed, **reading
    )
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("cell", CELLS)
# EXP_FORM_MIN_UNITS units take the exp forms, and the LSTM's one-exp step
@pytest.mark.parametrize("n_hidden", [3, EXP_FORM_MIN_UNITS])
def test_saturated_gates_forward_and_backward_without_warnings(
    cell, activation, dtype, n_hidden
):
    # pre-activations of +-1e4 overflow exp inside the sigmoid and tanh: the
    # loops must give the exact limits silently and keep everything finite
    import warnings

    from sklearn_rnn._bptt import LossGrad, Network
    from sklearn_rnn._params import init_params

    net = Network(2, (n_hidden,), 1, activation=activation, cell=cell)
    theta = init_params(np.random.RandomState(0), net.index, activation, dtype, cell)
    X_tm = (1e4 * np.sign(rng.normal(size=(5, 4, 2)))).astype(dtype)
    Y = np.ones((4, 1), dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = LossGrad(net, 0.0)(theta, X_tm, None, Y)
    if activation in ("tanh", "sigmoid"):  # bounded: the loss stays moderate
        assert np.isfinite(loss) and np.isfinite(grad).all()
