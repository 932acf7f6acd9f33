"""Training loops over a loss-and-gradient callable on the flat parameter vector."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from ._optimizers import AdamOptimizer, SGDOptimizer

STOCHASTIC_SOLVERS = ("adam", "sgd")
SCIPY_SOLVERS = ("lbfgs",)


@dataclass
class TrainingHistory:
    """What a fit records, carried across ``warm_start`` fits.

    Attributes
    ----------
    loss_curve : list of float
        Training loss at the end of each iteration.
    best_loss : float
        Lowest training loss seen.
    n_iter : int
        Iterations (epochs, or optimizer iterations for scipy) of the last fit.
    t : int
        Training samples seen by the stochastic solvers (MLP's ``t_``).
    no_improvement_count : int
        Consecutive epochs without an improvement of ``tol``.
    """

    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    n_iter: int = 0
    t: int = 0
    no_improvement_count: int = 0


@dataclass
class Batch:
    """One batch of training data, time-major.

    Attributes
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_features)
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    """

    X: np.ndarray
    pad: object
    Y: np.ndarray
    sample_weight: object = None

    @property
    def n_samples(self):
        return self.Y.shape[0]

    @property
    def weight_sum(self):
        if self.sample_weight is None:
            return float(self.n_samples)
        return float(self.sample_weight.sum())

    def take(self, idx):
        """The sub-batch of the samples ``idx`` (a slice or an index array)."""
        pad = None if self.pad is None else self.pad[:, idx]
        if pad is not None and not pad.any():
            pad = None
        sample_weight = None if self.sample_weight is None else self.sample_weight[idx]
        return Batch(self.X[:, idx], pad, self.Y[idx], sample_weight)

    def loss_grad(self, loss_grad, theta):
        return loss_grad(theta, self.X, self.pad, self.Y, self.sample_weight)


def make_optimizer(estimator, n_params, dtype):
    """The stochastic optimizer named by ``estimator.solver``."""
    if estimator.solver == "sgd":
        return SGDOptimizer(
            n_params,
            estimator.learning_rate_init,
            estimator.learning_rate,
            estimator.momentum,
            estimator.nesterovs_momentum,
            estimator.power_t,
            dtype=dtype,
        )
    return AdamOptimizer(
        n_params,
        estimator.learning_rate_init,
        estimator.beta_1,
        estimator.beta_2,
        estimator.epsilon,
        dtype=dtype,
    )


def _warn_divergence(where):
    warnings.warn(
        f"Training diverged: the loss or its gradient became non-finite {where}. "
        "Training stopped and the parameters with the lowest loss seen were "
        "kept. Scale the inputs or lower the learning rate.",
        ConvergenceWarning,
    )


def fit_stochastic(
    loss_grad,
    theta,
    data,
    optimizer,
    history,
    *,
    batch_size,
    max_iter,
    shuffle,
    rng,
    tol,
    n_iter_no_change,
    verbose,
):
    """Minibatch training with a stochastic optimizer, updating ``theta`` in place.

    Each iteration is one epoch over ``data`` in minibatches (shuffled if asked).
    Training stops when the epoch loss has not improved by ``tol`` for
    ``n_iter_no_change`` consecutive epochs (the optimizer may instead lower its
    learning rate), after ``max_iter`` epochs (with a ConvergenceWarning), or when
    the loss or gradient becomes non-finite (the best parameters are restored,
    with a ConvergenceWarning).

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(theta, X, pad, Y, sample_weight) -> (loss, grad)``.
    theta : ndarray of shape (n_params,)
        Initial parameters, updated in place.
    data : Batch
        The whole training set.
    optimizer : BaseOptimizer
    history : TrainingHistory
        Updated in place.
    batch_size : int
    max_iter : int
    shuffle : bool
    rng : numpy.random.RandomState
        Shuffles the samples.
    tol : float
    n_iter_no_change : int
    verbose : bool or int
        Print the loss of each epoch.
    """
    n_samples = data.n_samples
    total_weight = data.weight_sum
    sample_idx = np.arange(n_samples)
    best_theta = theta.copy()
    history.n_iter = 0
    for _ in range(max_iter):
        if shuffle:
            rng.shuffle(sample_idx)
        epoch_loss = 0.0
        for batch_slice in gen_batches(n_samples, batch_size):
            batch = data.take(sample_idx[batch_slice] if shuffle else batch_slice)
            loss, grad = batch.loss_grad(loss_grad, theta)
            if not (np.isfinite(loss) and np.isfinite(grad).all()):
                theta[:] = best_theta
                _warn_divergence(f"in iteration {history.n_iter + 1}")
                return
            # the epoch loss is the weighted mean of the per-batch objectives
            epoch_loss += loss * batch.weight_sum / total_weight
            optimizer.update_params(theta, grad)

        history.n_iter += 1
        history.t += n_samples
        history.loss_curve.append(epoch_loss)
        if verbose:
            print("Iteration %d, loss = %.8f" % (history.n_iter, epoch_loss))

        if epoch_loss > history.best_loss - tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if epoch_loss < history.best_loss:
            history.best_loss = epoch_loss
            best_theta[:] = theta

        optimizer.iteration_ends(history.t)
        if history.no_improvement_count > n_iter_no_change:
            msg = (
                "Training loss did not improve more than tol=%f for %d "
                "consecutive epochs." % (tol, n_iter_no_change)
            )
            if optimizer.trigger_stopping(msg, verbose):
                return
            history.no_improvement_count = 0
    warnings.warn(
        "Stochastic Optimizer: Maximum iterations (%d) reached and the "
        "optimization hasn't converged yet." % max_iter,
        ConvergenceWarning,
    )


def fit_lbfgs(loss_grad, theta, data, history, *, max_iter, max_fun, tol, verbose):
    """Full-batch training with ``scipy.optimize.minimize(method='L-BFGS-B')``.

    scipy works on a float64 copy of the flat vector; the loss is evaluated in
    ``theta``'s dtype.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(theta, X, pad, Y, sample_weight) -> (loss, grad)``.
    theta : ndarray of shape (n_params,)
        Initial parameters, overwritten with the solution.
    data : Batch
    history : TrainingHistory
        Updated in place; the loss curve gets one entry per iteration.
    max_iter, max_fun : int
        scipy's ``maxiter`` and ``maxfun``.
    tol : float
        scipy's ``gtol``.
    verbose : bool or int

    Returns
    -------
    result : scipy.optimize.OptimizeResult
    """
    dtype = theta.dtype
    best = {"loss": np.inf, "x": theta.astype(np.float64)}

    def fun(x):
        loss, grad = data.loss_grad(loss_grad, x.astype(dtype, copy=False))
        if not (np.isfinite(loss) and np.isfinite(grad).all()):
            # an infinite value makes the line search step back
            return np.inf, np.zeros_like(x)
        if loss < best["loss"]:
            best["loss"], best["x"] = loss, x.copy()
        return loss, grad.astype(np.float64, copy=False)

    history.n_iter = 0

    def callback(intermediate_result):
        history.n_iter += 1
        history.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(
                "Iteration %d, loss = %.8f" % (history.n_iter, intermediate_result.fun)
            )

    result = scipy.optimize.minimize(
        fun,
        best["x"],
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
    if not np.isfinite(result.fun):
        _warn_divergence("during L-BFGS-B")
    theta[:] = best["x"] if not np.isfinite(result.fun) else result.x
    history.n_iter = int(result.nit)
    history.t += data.n_samples * history.n_iter
    history.best_loss = min(history.best_loss, best["loss"])
    if result.status != 0:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
            "Increase the number of iterations (max_iter) or of function "
            "evaluations (max_fun), or scale the data."
            % (result.nit, result.status, result.message),
            ConvergenceWarning,
        )
    return result
