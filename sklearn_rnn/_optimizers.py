"""Stochastic optimizers that update the flat parameter vector in place."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


class BaseOptimizer:
    """Base class of the stochastic optimizers.

    Parameters
    ----------
    learning_rate_init : float
        The initial step size.

    Attributes
    ----------
    learning_rate : float
        The current step size.
    """

    def __init__(self, learning_rate_init, lr_schedule="constant"):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule

    @property
    def step_size(self):
        """The step size that the 'adaptive' schedule divides."""
        return self.learning_rate

    @step_size.setter
    def step_size(self, value):
        self.learning_rate = value

    def update_params(self, theta, grad):
        """Take one step: ``theta += update(grad)``, in place.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            Parameters, updated in place.
        grad : ndarray of shape (n_params,)
            Gradient of the loss at ``theta``.
        """
        theta += self._get_update(grad)

    def iteration_ends(self, time_step):
        """Hook called at the end of each epoch; ``time_step`` counts samples seen."""

    def trigger_stopping(self, msg, verbose):
        """Decide whether to stop after the loss stopped improving.

        With the 'adaptive' schedule the step size is divided by 5 instead,
        until it falls below 1e-6 (the training loop also stops when a
        lowered step size brings no improvement, see ``fit_stochastic``).

        Returns
        -------
        is_stopping : bool
        """
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.step_size <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.step_size /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.step_size)
        return False


class SGDOptimizer(BaseOptimizer):
    """Stochastic gradient descent with momentum.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    learning_rate_init : float
        The initial step size.
    lr_schedule : {'constant', 'invscaling', 'adaptive'}
        'invscaling' sets the step to ``learning_rate_init / (t + 1) ** power_t``
        after each epoch, t counting samples seen; 'adaptive' divides it by 5
        each time the loss stops improving, until it falls below 1e-6.
    momentum : float
        Momentum in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    power_t : float
        Exponent of 'invscaling'.
    dtype : numpy dtype
        Dtype of the velocity.
    """

    def __init__(
        self, n_params, learning_rate_init, lr_schedule, momentum, nesterov, power_t,
        dtype=np.float64,
    ):
        super().__init__(learning_rate_init, lr_schedule)
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def _get_update(self, grad):
        # v <- momentum v - lr g; Nesterov looks ahead: update = momentum v - lr g
        self.velocity *= self.momentum
        self.velocity -= self.learning_rate * grad
        if self.nesterov:
            return self.momentum * self.velocity - self.learning_rate * grad
        return self.velocity


class AdamOptimizer(BaseOptimizer):
    """Adam (Kingma and Ba, 2014) with bias-corrected step size.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    learning_rate_init : float
        The step size.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float
        Added to the root of the second moment for numerical stability.
    dtype : numpy dtype
        Dtype of the moment vectors.
    lr_schedule : {'constant', 'adaptive'}, default='constant'
        'adaptive' divides the step size by 5 each time the loss stops
        improving, until it falls below 1e-6.

    Attributes
    ----------
    base_learning_rate : float
        The step size before Adam's bias correction (``learning_rate_init``
        divided by the 'adaptive' reductions so far).
    t : int
        Number of updates taken.
    m, v : ndarray of shape (n_params,)
        First and second moment estimates.
    """

    def __init__(
        self, n_params, learning_rate_init, beta_1, beta_2, epsilon, dtype=np.float64,
        lr_schedule="constant",
    ):
        super().__init__(learning_rate_init, lr_schedule)
        self.base_learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

    @property
    def step_size(self):
        return self.base_learning_rate

    @step_size.setter
    def step_size(self, value):
        self.base_learning_rate = value

    def _get_update(self, grad):
        self.t += 1
        # MLP's Adam arithmetic, operation for operation, in two scratch
        # vectors instead of seven temporaries
        update, scratch = np.empty_like(self.m), np.empty_like(self.m)
        self.m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=scratch)
        self.m += scratch
        self.v *= self.beta_2
        np.multiply(grad, 1 - self.beta_2, out=scratch)
        scratch *= grad
        self.v += scratch
        self.learning_rate = (
            self.base_learning_rate
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.multiply(self.m, -self.learning_rate, out=update)
        np.sqrt(self.v, out=scratch)
        scratch += self.epsilon
        update /= scratch
        return update
