"""Activation and loss tables: values, derivatives, and the canonical pairs."""

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import mean_poisson_deviance

from sklearn_rnn._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    EXP_FORM_MIN_UNITS,
    logistic_of_negated,
)
from sklearn_rnn._losses import LOSS_FUNCTIONS, OUT_ACTIVATIONS

REFERENCE = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": expit,
    "relu": lambda z: np.maximum(z, 0),
}


@pytest.mark.parametrize("n_units", [10, 2 * EXP_FORM_MIN_UNITS])  # both code paths
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_in_place_and_derivative(name, dtype, n_units):
    rng = np.random.RandomState(0)
    z = np.concatenate(
        [rng.normal(size=(3, n_units)), rng.normal(scale=1e-4, size=(3, n_units))]
    )
    z[np.abs(z) < 1e-7] = 0.5  # keep away from relu's kink
    z = z.astype(dtype)
    expected = REFERENCE[name](z.astype(np.float64))
    # a few units of the dtype's epsilon, absolute (the exp-based float64 tanh
    # loses relative accuracy near 0, see sklearn_rnn/_activations.py)
    tolerance = dict(rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    h = z.copy()
    ACTIVATIONS[name](h)
    np.testing.assert_allclose(h, expected, **tolerance)
    out = np.full_like(z, np.nan)
    ACTIVATIONS[name](z.copy(), out=out)
    np.testing.assert_array_equal(out, h)
    big = {np.float32: 1e30, np.float64: 1e300}[dtype]
    extreme = np.resize(np.array([-big, -800, -20, 0, 20, 800, big], dtype), n_units)
    with np.errstate(over="ignore"):
        expected_extreme = REFERENCE[name](extreme)
    result = extreme.copy()
    with warnings.catch_warnings(), np.errstate(over="ignore"):
        # exp may overflow to inf (the loops silence that, see _activations.py),
        # nothing else may warn (no inf - inf, no 0 * inf)
        warnings.simplefilter("error")
        ACTIVATIONS[name](result)
    np.testing.assert_allclose(result, expected_extreme, rtol=1e-6)

    z64 = z.astype(np.float64)
    slope = (REFERENCE[name](z64 + 1e-7) - REFERENCE[name](z64 - 1e-7)) / 2e-7
    derivative = np.full_like(z, np.nan)
    DERIVATIVES[name](h, derivative)  # written in terms of the output h
    np.testing.assert_allclose(
        derivative, slope, rtol=1e-6 if dtype == np.float64 else 1e-5, atol=1e-7
    )


@pytest.mark.parametrize("size", [10, 2 * EXP_FORM_MIN_UNITS])
def test_logistic_of_negated(size):
    a = np.linspace(-800, 800, size)
    result = -a
    with np.errstate(over="ignore"):
        logistic_of_negated(result)
        np.testing.assert_allclose(result, expit(a), rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("out_activation", sorted(LOSS_FUNCTIONS))
def test_loss_gradient_is_output_minus_target(out_activation):
    rng = np.random.RandomState(1)
    raw = rng.normal(size=(6, 3))
    if out_activation == "identity":
        Y = rng.normal(size=(6, 3))
    elif out_activation == "logistic":
        Y = (rng.uniform(size=(6, 3)) > 0.5).astype(float)
    elif out_activation == "exp":  # Poisson counts, zeros included
        Y = rng.poisson(1.5, size=(6, 3)).astype(float)
        assert (Y == 0).any()
    else:
        Y = np.eye(3)[rng.randint(3, size=6)]
    per_sample, d_raw = LOSS_FUNCTIONS[out_activation](raw, Y)
    np.testing.assert_allclose(d_raw, OUT_ACTIVATIONS[out_activation](raw) - Y)
    for i, j in [(0, 0), (3, 2), (5, 1)]:
        step = np.zeros_like(raw)
        step[i, j] = 1e-6
        plus = LOSS_FUNCTIONS[out_activation](raw + step, Y)[0].sum()
        minus = LOSS_FUNCTIONS[out_activation](raw - step, Y)[0].sum()
        assert (plus - minus) / 2e-6 == pytest.approx(d_raw[i, j], rel=1e-6)


def test_losses_match_their_definitions():
    rng = np.random.RandomState(2)
    raw = rng.normal(size=(8, 3))
    labels = rng.randint(3, size=8)
    Y = np.eye(3)[labels]
    per_sample, _ = LOSS_FUNCTIONS["softmax"](raw, Y)
    assert per_sample.mean() == pytest.approx(
        sk_log_loss(labels, softmax(raw, axis=1), labels=[0, 1, 2])
    )
    per_sample, _ = LOSS_FUNCTIONS["logistic"](raw, Y)
    p = expit(raw)
    expected = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).sum(axis=1)
    np.testing.assert_allclose(per_sample, expected)
    per_sample, _ = LOSS_FUNCTIONS["identity"](raw, Y)
    np.testing.assert_allclose(per_sample, 0.5 * ((raw - Y) ** 2).sum(axis=1))
    counts = rng.poisson(2.0, size=(50, 1)).astype(float)
    raw = rng.normal(size=(50, 1))
    per_sample, _ = LOSS_FUNCTIONS["exp"](raw, counts)
    # scikit-learn's Poisson deviance is twice ours (MLPRegressor's half deviance)
    assert per_sample.mean() == pytest.approx(
        0.5 * mean_poisson_deviance(counts[:, 0], np.exp(raw[:, 0])), rel=1e-12
    )
    assert LOSS_FUNCTIONS["exp"](np.log(counts + 1.0), counts + 1.0)[0] == (
        pytest.approx(np.zeros(50), abs=1e-12)
    )


def test_cross_entropy_is_finite_for_extreme_logits():
    raw = np.array([[800.0, -800.0, 0.0]])
    Y = np.array([[0.0, 1.0, 0.0]])
    for name in ("logistic", "softmax"):
        per_sample, d_raw = LOSS_FUNCTIONS[name](raw, Y)
        assert np.isfinite(per_sample).all() and np.isfinite(d_raw).all()
        assert per_sample[0] > 1000  # the exact loss, not a clipped one


def test_a_row_loses_nothing_to_an_extreme_row_in_its_batch():
    # every loss is row by row: softmax shifts each row by ITS maximum (a shift
    # by the batch's maximum would underflow the moderate row's exp to 0 and
    # give it an infinite loss)
    raw = np.array([[800.0, -800.0, 0.0], [0.0, 1.0, -1.0]])
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    for name in ("identity", "logistic", "softmax"):
        per_sample, d_raw = LOSS_FUNCTIONS[name](raw, Y)
        for i in range(len(raw)):
            alone, d_alone = LOSS_FUNCTIONS[name](raw[i : i + 1], Y[i : i + 1])
            np.testing.assert_allclose(per_sample[i], alone[0], rtol=1e-15)
            np.testing.assert_allclose(d_raw[i], d_alone[0], rtol=1e-15)
