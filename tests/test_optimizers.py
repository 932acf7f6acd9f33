"""One exact update of each stochastic optimizer, and the learning-rate schedules."""

import numpy as np
import pytest

from sklearn_rnn._optimizers import AdamOptimizer, SGDOptimizer


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_update(nesterov):
    theta = np.array([1.0, -2.0, 3.0])
    grad = np.array([0.5, 0.1, -1.0])
    opt = SGDOptimizer(3, 0.1, "constant", 0.9, nesterov, 0.5)
    velocity = np.array([0.2, -0.1, 0.0])
    opt.velocity[:] = velocity
    expected_velocity = 0.9 * velocity - 0.1 * grad
    update = 0.9 * expected_velocity - 0.1 * grad if nesterov else expected_velocity
    expected = theta + update
    opt.update_params(theta, grad)
    np.testing.assert_allclose(opt.velocity, expected_velocity)
    np.testing.assert_allclose(theta, expected)


def test_adam_update():
    theta = np.array([1.0, -2.0, 3.0])
    grads = [np.array([0.5, 0.1, -1.0]), np.array([-0.2, 0.3, 0.4])]
    opt = AdamOptimizer(3, 0.01, 0.9, 0.999, 1e-8)
    m = v = np.zeros(3)
    expected = theta.copy()
    for t, grad in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        lr = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        expected = expected - lr * m / (np.sqrt(v) + 1e-8)
        opt.update_params(theta, grad)
    np.testing.assert_allclose(theta, expected, rtol=1e-14)
    assert opt.t == 2


def test_invscaling_and_adaptive_schedules():
    opt = SGDOptimizer(1, 0.1, "invscaling", 0.9, True, 0.5)
    opt.iteration_ends(99)
    assert opt.learning_rate == pytest.approx(0.1 / 100**0.5)

    opt = SGDOptimizer(1, 0.1, "adaptive", 0.9, True, 0.5)
    assert opt.trigger_stopping("no improvement.", verbose=False) is False
    assert opt.learning_rate == pytest.approx(0.02)
    opt.learning_rate = 1e-6
    assert opt.trigger_stopping("no improvement.", verbose=False) is True

    constant = SGDOptimizer(1, 0.1, "constant", 0.9, True, 0.5)
    assert constant.trigger_stopping("no improvement.", verbose=False) is True


def test_adaptive_adam_divides_its_step_size_by_five():
    opt = AdamOptimizer(2, 0.01, 0.9, 0.999, 1e-8, lr_schedule="adaptive")
    assert opt.trigger_stopping("no improvement.", verbose=False) is False
    assert opt.base_learning_rate == pytest.approx(0.002)
    theta, grad = np.zeros(2), np.array([1.0, -2.0])
    opt.update_params(theta, grad)
    # the first bias-corrected Adam step is -lr * sign(grad), at the new rate
    np.testing.assert_allclose(theta, [-0.002, 0.002], rtol=1e-6)
    opt.base_learning_rate = 1e-6
    assert opt.trigger_stopping("no improvement.", verbose=False) is True
    constant = AdamOptimizer(2, 0.01, 0.9, 0.999, 1e-8)
    assert constant.trigger_stopping("no improvement.", verbose=False) is True
