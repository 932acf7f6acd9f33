"""Finite-difference gradient checks of the BPTT engine, and its padding contract."""

import itertools

import numpy as np
import pytest

from sklearn_rnn._activations import EXP_FORM_MIN_UNITS
from sklearn_rnn._bptt import (
    LossGrad,
    Network,
    dropout_masks,
    predict_raw,
    to_time_major,
)
from sklearn_rnn._params import init_params, unpack

ACTIVATIONS = ["tanh", "sigmoid", "relu", "identity"]
# squared error, binary and softmax cross-entropy, Poisson deviance (log link)
OUT_ACTIVATIONS = ["identity", "logistic", "softmax", "exp"]
POOLINGS = ["last", "mean", "max"]
PADDINGS = ["none", "pre", "post", "mid"]
LAYERS = [(4,), (4, 3)]

N_SAMPLES, N_TIMESTEPS, N_FEATURES, N_OUTPUTS = 4, 6, 3, 3


def make_batch(rng, padding, n_samples=N_SAMPLES, n_timesteps=N_TIMESTEPS):
    """Random sequences with the padding pattern ``padding`` (differing lengths)."""
    X = rng.normal(size=(n_samples, n_timesteps, N_FEATURES))
    for i in range(n_samples):
        n_pad = 1 + i % 3  # 1 to 3 padding steps, so the lengths differ
        if padding == "pre":
            X[i, :n_pad] = np.nan
        elif padding == "post":
            X[i, n_timesteps - n_pad :] = np.nan
        elif padding == "mid":
            X[i, 2 : 2 + n_pad] = np.nan
    return X


def make_targets(rng, out_activation, n_samples=N_SAMPLES):
    if out_activation == "identity":
        return rng.normal(size=(n_samples, N_OUTPUTS))
    if out_activation == "logistic":
        return (rng.uniform(size=(n_samples, N_OUTPUTS)) > 0.5).astype(float)
    if out_activation == "exp":
        return rng.poisson(1.5, size=(n_samples, N_OUTPUTS)).astype(float)
    return np.eye(N_OUTPUTS)[rng.randint(N_OUTPUTS, size=n_samples)]


def numerical_gradient(fun, theta, eps=1e-6):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (fun(theta + step) - fun(theta - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize(
    "activation, out_activation, pooling, padding, layers",
    list(itertools.product(ACTIVATIONS, OUT_ACTIVATIONS, POOLINGS, PADDINGS, LAYERS)),
)
def test_gradient_matches_finite_differences(
    activation, out_activation, pooling, padding, layers
):
    rng = np.random.RandomState(0)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2) if padding != "none" else None
    Y = make_targets(rng, out_activation)
    sample_weight = rng.uniform(0.5, 2, size=N_SAMPLES)
    net = Network(N_FEATURES, layers, N_OUTPUTS, activation, pooling, out_activation)
    # perturb the initialisation so that biases and every unit matter
    theta = init_params(rng, net.index, activation) + 0.3 * rng.normal(
        size=net.n_params
    )
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    loss_grad = LossGrad(net, alpha=0.1)

    loss, grad = loss_grad(theta, X_tm, pad_tm, Y, sample_weight)
    expected = numerical_gradient(
        lambda t: loss_grad(t, X_tm, pad_tm, Y, sample_weight, need_grad=False)[0],
        theta,
    )
    assert np.isfinite(loss)
    rel_error = np.linalg.norm(grad - expected) / np.linalg.norm(grad + expected)
    assert rel_error < 1e-6


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("padding", ["pre", "post", "mid"])
@pytest.mark.parametrize("layers", LAYERS)
def test_padded_batch_equals_unpadded_sequences(pooling, padding, layers):
    rng = np.random.RandomState(1)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2)
    net = Network(N_FEATURES, layers, N_OUTPUTS, "tanh", pooling, "identity")
    theta = init_params(rng, net.index, "tanh")
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    batch_out = predict_raw(net, theta, X_tm, pad_tm)
    for i in range(N_SAMPLES):
        valid = X[i][~pad[i]][None]
        single_tm, _ = to_time_major(valid, None, np.float64)
        single_out = predict_raw(net, theta, single_tm, None)
        np.testing.assert_allclose(batch_out[i], single_out[0], rtol=0, atol=1e-12)


def test_padding_receives_no_gradient():
    """Changing what stands at a padding step changes neither loss nor gradient."""
    rng = np.random.RandomState(2)
    X = make_batch(rng, "mid")
    pad = np.isnan(X).all(axis=2)
    Y = make_targets(rng, "identity")
    net = Network(N_FEATURES, (4, 3), N_OUTPUTS, "tanh", "mean", "identity")
    theta = init_params(rng, net.index, "tanh")
    loss_grad = LossGrad(net, alpha=0.0)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    garbage = X_tm.copy()
    garbage[pad_tm] = 1e3
    loss_a, grad_a = loss_grad(theta, X_tm, pad_tm, Y)
    loss_b, grad_b = loss_grad(theta, garbage, pad_tm, Y)
    assert loss_a == loss_b
    np.testing.assert_array_equal(grad_a, grad_b)


def test_to_time_major_does_not_modify_input():
    rng = np.random.RandomState(3)
    X = make_batch(rng, "post", n_timesteps=1 + 3)
    X_before = X.copy()
    pad = np.isnan(X).all(axis=2)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    np.testing.assert_array_equal(X, X_before)  # NaN == NaN in this assertion
    assert X_tm.flags.c_contiguous and not np.isnan(X_tm).any()
    np.testing.assert_array_equal(pad_tm, pad.T)


# ------------------------------------------------------------- gated cells
CELLS = ["rnn", "lstm", "gru"]


def check_gradient(net, X, pad, Y, rng, masks=None, alpha=0.1, n_probes=20):
    """Compare the gradient with central differences along ``n_probes`` random
    directions and on ``n_probes`` random coordinates (a full coordinate sweep
    of these bigger networks would take minutes)."""
    theta = init_params(rng, net.index, net.activation, cell=net.cell)
    theta += 0.3 * rng.normal(size=net.n_params)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    sample_weight = rng.uniform(0.5, 2, size=len(Y))
    loss_grad = LossGrad(net, alpha=alpha)
    _, grad = loss_grad(theta, X_tm, pad_tm, Y, sample_weight, masks)

    def loss(t):
        return loss_grad(t, X_tm, pad_tm, Y, sample_weight, masks, need_grad=False)[0]

    directions = list(rng.normal(size=(n_probes, theta.size)))
    for i in rng.choice(theta.size, size=min(n_probes, theta.size), replace=False):
        directions.append(np.eye(1, theta.size, i)[0])
    eps = 1e-6
    expected = np.array(
        [(loss(theta + eps * d) - loss(theta - eps * d)) / (2 * eps)
         for d in directions]
    )
    analytic = np.array([grad @ d for d in directions])
    error = np.linalg.norm(analytic - expected) / np.linalg.norm(analytic + expected)
    assert error < 1e-6


@pytest.mark.parametrize(
    "cell, layers, bidirectional, padding, dropout",
    list(itertools.product(CELLS, LAYERS, [False, True], PADDINGS, [False, True])),
)
def test_cell_gradients(cell, layers, bidirectional, padding, dropout):
    rng = np.random.RandomState(4)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2) if padding != "none" else None
    Y = make_targets(rng, "softmax")
    net = Network(
        N_FEATURES, layers, N_OUTPUTS, "tanh", "last", "softmax", cell, bidirectional
    )
    masks = dropout_masks(rng, net, N_SAMPLES, 0.3, np.float64) if dropout else None
    if dropout:
        assert any((mask == 0).any() for mask in masks)
    check_gradient(net, X, pad, Y, rng, masks)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("out_activation", OUT_ACTIVATIONS)
def test_gated_cell_gradients_for_every_activation_pooling_and_loss(
    cell, activation, pooling, out_activation
):
    rng = np.random.RandomState(5)
    X = make_batch(rng, "mid")
    Y = make_targets(rng, out_activation)
    net = Network(
        N_FEATURES, (4, 3), N_OUTPUTS, activation, pooling, out_activation, cell, True
    )
    check_gradient(net, X, np.isnan(X).all(axis=2), Y, rng)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("padding", ["pre", "post", "mid"])
def test_cells_padded_batch_equals_unpadded_sequences(
    cell, bidirectional, pooling, padding
):
    rng = np.random.RandomState(6)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2)
    net = Network(
        N_FEATURES, (4, 3), N_OUTPUTS, "tanh", pooling, "identity", cell, bidirectional
    )
    theta = init_params(rng, net.index, "tanh", cell=cell) + 0.3 * rng.normal(
        size=net.n_params
    )
    batch_out = predict_raw(net, theta, *to_time_major(X, pad, np.float64))
    for i in range(N_SAMPLES):
        single = X[i][~pad[i]][None]
        single_out = predict_raw(net, theta, *to_time_major(single, None, np.float64))
        np.testing.assert_allclose(batch_out[i], single_out[0], rtol=0, atol=1e-12)


def test_dropout_masks_are_per_sequence_and_scaled():
    net = Network(N_FEATURES, (4, 3), 2, cell="gru", bidirectional=True)
    masks = dropout_masks(np.random.RandomState(0), net, 500, 0.25, np.float64)
    assert [m.shape for m in masks] == [(500, N_FEATURES), (500, 8)]
    for mask in masks:
        assert set(np.unique(mask)) == {0.0, 1 / 0.75}
        assert abs((mask == 0).mean() - 0.25) < 0.05


@pytest.mark.parametrize("cell", CELLS)
def test_backward_in_blocks_of_steps_equals_all_steps_at_once(cell, monkeypatch):
    # the backward loops compute their factors for blocks of steps that fit
    # _cells.BLOCK_BYTES; the gradient must not depend on the block size, and
    # blocks of one or two steps must pass the finite-difference check too
    from sklearn_rnn import _cells

    rng = np.random.RandomState(7)
    X = make_batch(rng, "mid", n_timesteps=9)
    pad = np.isnan(X).all(axis=2)
    Y = make_targets(rng, "softmax")
    net = Network(N_FEATURES, (4, 3), N_OUTPUTS, "tanh", "mean", "softmax", cell, True)
    theta = init_params(rng, net.index, "tanh", cell=cell)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    loss, grad = LossGrad(net, alpha=0.1)(theta, X_tm, pad_tm, Y)
    step_bytes = N_SAMPLES * 4 * 4 * 8  # one step of the biggest LSTM array
    for block_bytes in (1, 2 * step_bytes):
        monkeypatch.setattr(_cells, "BLOCK_BYTES", block_bytes)
        blocks, _ = _cells._blocks_backwards(9, step_bytes)
        assert len(blocks) > 1
        blocked_loss, blocked_grad = LossGrad(net, alpha=0.1)(theta, X_tm, pad_tm, Y)
        assert blocked_loss == loss
        np.testing.assert_allclose(blocked_grad, grad, rtol=1e-12, atol=1e-15)
    check_gradient(net, X, pad, Y, rng)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(
    "dtype, activation",
    [(np.float64, activation) for activation in ACTIVATIONS] + [(np.float32, "tanh")],
)
def test_gradients_of_batches_big_enough_for_the_exp_forms(cell, dtype, activation):
    # 32 units reach _activations.EXP_FORM_MIN_UNITS: the exp-based tanh and
    # sigmoid are used, and the LSTM's one-exp step, which computes the
    # candidate as a tanh and so must serve activation='tanh' alone
    n_samples, n_hidden = 8, 32
    assert n_hidden >= EXP_FORM_MIN_UNITS
    rng = np.random.RandomState(8)
    X = make_batch(rng, "post", n_samples=n_samples, n_timesteps=5)
    pad = np.isnan(X).all(axis=2)
    Y = make_targets(rng, "identity", n_samples=n_samples)
    net = Network(N_FEATURES, (n_hidden,), N_OUTPUTS, cell=cell, activation=activation)
    if dtype == np.float64:
        check_gradient(net, X, pad, Y, rng)
        return
    # float32 end to end: the gradient equals float64's to float32 precision
    theta = init_params(rng, net.index, "tanh", cell=cell)
    grads = []
    for precision in (np.float64, np.float32):
        X_tm, pad_tm = to_time_major(X, pad, precision)
        loss, grad = LossGrad(net, alpha=0.1)(
            theta.astype(precision), X_tm, pad_tm, Y.astype(precision)
        )
        assert grad.dtype == precision
        grads.append(grad)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_passes_keep_every_work_array_in_float32(cell):
    # float32 halves a fit's memory only if the forward and backward passes'
    # work arrays (states, gates, their gradients) are float32 too
    rng = np.random.RandomState(9)
    X = make_batch(rng, "mid", n_samples=6, n_timesteps=5)
    pad = np.isnan(X).all(axis=2)
    Y = make_targets(rng, "identity", n_samples=6).astype(np.float32)
    X_tm, pad_tm = to_time_major(X, pad, np.float32)
    # both sides of EXP_FORM_MIN_UNITS; a second layer needs the input
    # gradient; each pooling has its own arrays, and so has dropout
    for n_hidden, pooling in [(EXP_FORM_MIN_UNITS - 1, "last"),
                              (EXP_FORM_MIN_UNITS, "mean"),
                              (EXP_FORM_MIN_UNITS, "max")]:
        net = Network(N_FEATURES, (n_hidden, 4), N_OUTPUTS, pooling=pooling,
                      cell=cell, bidirectional=True)
        theta = init_params(rng, net.index, "tanh", cell=cell).astype(np.float32)
        masks = dropout_masks(rng, net, len(Y), 0.3, np.float32)
        assert {mask.dtype for mask in masks} == {np.dtype(np.float32)}
        loss_grad = LossGrad(net, alpha=0.1)
        _, grad = loss_grad(theta, X_tm, pad_tm, Y, masks=masks)
        assert grad.dtype == np.float32
        work_arrays = loss_grad.workspace._arrays
        assert len(work_arrays) > 10
        assert {key: a.dtype for key, a in work_arrays.items()
                if a.dtype != np.float32} == {}


# 'last' pooling is covered for every cell, padding, direction and dropout by
# test_cell_gradients; mean and max pooling get the full coordinate sweep here
GATED_GRID = list(
    itertools.product(["mean", "max"], PADDINGS, [False, True], [False, True])
)


@pytest.mark.parametrize(
    "case, pooling, padding, bidirectional, dropout",
    [(k, *combination) for k, combination in enumerate(GATED_GRID)],
)
def test_gated_cell_gradients_on_every_coordinate(
    case, pooling, padding, bidirectional, dropout
):
    # mean and max pooling x padding x direction x dropout, with the gated
    # cell, the activation, the loss and the number of layers cycling over the
    # cases, checked on EVERY coordinate of the gradient
    # chosen so that each of them meets both values of every other factor
    cell = ("lstm", "gru")[bidirectional ^ dropout]
    activation = ACTIVATIONS[PADDINGS.index(padding)]
    out_activation = OUT_ACTIVATIONS[case % len(OUT_ACTIVATIONS)]
    layers = LAYERS[(pooling == "max") ^ bidirectional]
    rng = np.random.RandomState(100 + case)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2) if padding != "none" else None
    Y = make_targets(rng, out_activation)
    net = Network(N_FEATURES, layers, N_OUTPUTS, activation, pooling, out_activation,
                  cell, bidirectional)
    masks = dropout_masks(rng, net, N_SAMPLES, 0.3, np.float64) if dropout else None
    theta = init_params(rng, net.index, activation, cell=cell)
    theta += 0.3 * rng.normal(size=net.n_params)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    sample_weight = rng.uniform(0.5, 2, size=N_SAMPLES)
    loss_grad = LossGrad(net, alpha=0.1)
    _, grad = loss_grad(theta, X_tm, pad_tm, Y, sample_weight, masks)
    expected = numerical_gradient(
        lambda t: loss_grad(
            t, X_tm, pad_tm, Y, sample_weight, masks, need_grad=False
        )[0],
        theta,
    )
    rel_error = np.linalg.norm(grad - expected) / np.linalg.norm(grad + expected)
    assert rel_error < 1e-6


# ---------------------------------------------------- per-step outputs (None)
# every cell x direction x padding; the number of layers alternates with the
# padding, so that each cell and direction meets one and two layers
PER_STEP_GRID = [
    (cell, LAYERS[PADDINGS.index(padding) % 2], bidirectional, padding)
    for cell, bidirectional, padding in itertools.product(
        CELLS, [False, True], PADDINGS
    )
]


def make_step_targets(rng, out_activation, pad):
    """A target at every step, (n, T, n_outputs), and a weight at every step:
    0 at padding and at a quarter of the valid steps (steps without a target,
    where the target holds garbage that must not matter)."""
    n_samples, n_timesteps = pad.shape
    rows = make_targets(rng, out_activation, n_samples * n_timesteps)
    Y = rows.reshape(n_samples, n_timesteps, N_OUTPUTS)
    step_weight = rng.uniform(0.5, 2, size=pad.shape)
    step_weight[pad | (rng.uniform(size=pad.shape) < 0.25)] = 0
    Y[step_weight == 0] = 7.0
    return Y, step_weight


@pytest.mark.parametrize(
    "case, cell, layers, bidirectional, padding",
    [(k, *combination) for k, combination in enumerate(PER_STEP_GRID)],
)
def test_per_step_gradients_on_every_coordinate(
    case, cell, layers, bidirectional, padding
):
    # an output at every step: every cell, 1-2 layers, both directions and
    # every padding pattern, with per-step weights and untargeted steps; the
    # loss, the activation and dropout cycle over the cases
    out_activation = OUT_ACTIVATIONS[case % len(OUT_ACTIVATIONS)]
    activation = ACTIVATIONS[(case // 4) % len(ACTIVATIONS)]
    dropout = case % 3 == 0
    rng = np.random.RandomState(200 + case)
    X = make_batch(rng, padding)
    pad = np.isnan(X).all(axis=2)
    Y, step_weight = make_step_targets(rng, out_activation, pad)
    net = Network(N_FEATURES, layers, N_OUTPUTS, activation, None, out_activation,
                  cell, bidirectional)
    masks = dropout_masks(rng, net, N_SAMPLES, 0.3, np.float64) if dropout else None
    theta = init_params(rng, net.index, activation, cell=cell)
    theta += 0.3 * rng.normal(size=net.n_params)
    X_tm, pad_tm = to_time_major(X, pad if padding != "none" else None, np.float64)
    loss_grad = LossGrad(net, alpha=0.1)
    loss, grad = loss_grad(theta, X_tm, pad_tm, Y, step_weight, masks)
    expected = numerical_gradient(
        lambda t: loss_grad(t, X_tm, pad_tm, Y, step_weight, masks, need_grad=False)[0],
        theta,
    )
    assert np.isfinite(loss)
    rel_error = np.linalg.norm(grad - expected) / np.linalg.norm(grad + expected)
    assert rel_error < 1e-6


def test_per_step_loss_is_the_weighted_mean_over_targeted_steps():
    # the weighted mean of the steps' half squared errors, padding and
    # untargeted steps (weight 0) left out
    rng = np.random.RandomState(9)
    X = make_batch(rng, "mid")
    pad = np.isnan(X).all(axis=2)
    Y, step_weight = make_step_targets(rng, "identity", pad)
    net = Network(N_FEATURES, (4,), N_OUTPUTS, pooling=None, cell="gru")
    theta = init_params(rng, net.index, "tanh", cell="gru")
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    loss, _ = LossGrad(net, alpha=0.0)(theta, X_tm, pad_tm, Y, step_weight)
    raw = predict_raw(net, theta, X_tm, pad_tm).transpose(1, 0, 2)
    per_step = 0.5 * ((raw - Y) ** 2).sum(axis=2)
    assert raw.shape == (N_SAMPLES, N_TIMESTEPS, N_OUTPUTS)
    np.testing.assert_allclose(
        loss, (per_step * step_weight).sum() / step_weight.sum(), rtol=1e-12
    )


@pytest.mark.parametrize("pooling", ["last", None])
@pytest.mark.parametrize("cell", CELLS)
def test_l2_penalty_is_half_alpha_times_the_squared_weights_over_the_weight_sum(
    cell, pooling
):
    # MLP's alpha: 0.5 * alpha * ||weights||² / n_samples, here over every
    # weight matrix (input W, recurrent R, output V, both directions, every
    # layer) and no bias, divided by the weight sum that divides the data term
    rng = np.random.RandomState(4)
    X = make_batch(rng, "mid")
    pad = np.isnan(X).all(axis=2)
    net = Network(N_FEATURES, (4, 3), N_OUTPUTS, pooling=pooling, cell=cell,
                  bidirectional=True)
    theta = init_params(rng, net.index, "tanh", cell=cell)
    theta += 0.3 * rng.normal(size=net.n_params)  # no bias left at 0
    if pooling is None:
        Y, weight = make_step_targets(rng, "identity", pad)
    else:
        Y = make_targets(rng, "identity")
        weight = rng.uniform(0.5, 2, size=N_SAMPLES)
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    with_l2, _ = LossGrad(net, alpha=0.7)(theta, X_tm, pad_tm, Y, weight)
    without, _ = LossGrad(net, alpha=0.0)(theta, X_tm, pad_tm, Y, weight)
    params = unpack(theta, net.index)
    weights = [name for name in params if name.split("_")[0] in ("W", "R", "V")]
    assert len(weights) == 2 * 2 * 2 + 1  # W and R x 2 directions x 2 layers, V
    squared = sum((params[name] ** 2).sum() for name in weights)
    assert with_l2 - without == pytest.approx(
        0.5 * 0.7 * squared / weight.sum(), rel=1e-10
    )
    # (the gradient of the whole loss, penalty included, is checked against
    # finite differences with alpha > 0 by the tests above)


@pytest.mark.parametrize("cell", CELLS)
def test_no_sample_weight_is_a_weight_of_one_for_every_sequence(cell):
    # the unweighted loss is the mean over the sequences, penalty included,
    # as the weighted one is with every weight 1 (fits without sample_weight
    # take this path)
    rng = np.random.RandomState(6)
    X = make_batch(rng, "pre")
    pad = np.isnan(X).all(axis=2)
    net = Network(N_FEATURES, (4,), N_OUTPUTS, cell=cell)
    theta = init_params(rng, net.index, "tanh", cell=cell)
    Y = make_targets(rng, "identity")
    X_tm, pad_tm = to_time_major(X, pad, np.float64)
    loss_grad = LossGrad(net, alpha=0.3)
    unweighted = loss_grad(theta, X_tm, pad_tm, Y)
    ones = loss_grad(theta, X_tm, pad_tm, Y, np.ones(N_SAMPLES))
    assert unweighted[0] == pytest.approx(ones[0], rel=1e-12)
    np.testing.assert_allclose(unweighted[1], ones[1], rtol=1e-12, atol=1e-15)
