"""Training loops over a loss-and-gradient callable on the flat parameter vector."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._optimizers import AdamOptimizer, SGDOptimizer
from ._resources import Workspace, batches
from ._validation import valid_steps

STOCHASTIC_SOLVERS = ("adam", "sgd")
# gradient-based scipy.optimize.minimize methods, spelled as scipy spells them
SCIPY_METHODS = ("L-BFGS-B", "CG", "BFGS", "Newton-CG", "TNC", "SLSQP", "trust-constr")
SOLVER_ALIASES = {"lbfgs": "L-BFGS-B"}
# methods that keep a dense (n_params, n_params) matrix
DENSE_MATRIX_METHODS = ("BFGS", "SLSQP", "trust-constr")
DENSE_MATRIX_MAX_BYTES = 2**30
# methods whose scipy iteration costs O(n_params³): BFGS updates its inverse
# Hessian with two dense matrix-matrix products, SLSQP solves a dense least-
# squares subproblem. On one core of a 2-core AMD EPYC (OpenBLAS) an iteration
# took 0.1 s at 1,000 parameters, 0.7 s at 2,000 and 5.7 s at 4,000.
CUBIC_ITERATION_METHODS = ("BFGS", "SLSQP")
CUBIC_ITERATION_MAX_PARAMS = 4096


@dataclass
class TrainingHistory:
    """What a fit records, carried across ``warm_start`` and ``partial_fit`` calls.

    Attributes
    ----------
    loss_curve : list of float
        Training loss at the end of each iteration.
    validation_scores : list of float
        Validation score at the end of each iteration (early stopping only).
    validation_loss_curve : list of float
        Validation loss at the end of each iteration (early stopping only).
    best_loss : float
        Lowest training loss seen.
    best_validation_score : float
        Validation score of the parameters early stopping keeps (early
        stopping only; see :meth:`Monitor.end_iteration`).
    best_validation_loss : float
        Lowest validation loss seen (early stopping only).
    loss : float or None
        Training loss of the parameters the last fit ended with: the last
        iteration's, or the one's they were rolled back to (see
        :meth:`Monitor.roll_back`).
    n_iter : int
        Iterations (epochs for adam and sgd) of the last fit.
    t : int
        Training samples seen by the solver.
    no_improvement_count : int
        Consecutive iterations without an improvement of the training loss by
        ``tol``.
    validation_no_improvement_count : int
        Iterations since the last one whose validation loss was as good as the
        lowest (within ``tol`` or one standard error) in which the training
        loss did improve (early stopping only).
    """

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    best_validation_score: float = -np.inf
    best_validation_loss: float = np.inf
    loss: float = None
    n_iter: int = 0
    t: int = 0
    no_improvement_count: int = 0
    validation_no_improvement_count: int = 0


@dataclass
class Batch:
    """Training data, time-major.

    Attributes
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_features)
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    max_chunk : int or None
        The loss and gradient of more sequences than this are summed over
        chunks of at most this many, so their activations fit the memory
        budget (see ``sklearn_rnn._resources``).
    """

    X: np.ndarray
    pad: object
    Y: np.ndarray
    sample_weight: object = None
    max_chunk: object = None

    @property
    def n_samples(self):
        return self.Y.shape[0]

    @property
    def weight_sum(self):
        if self.sample_weight is None:
            return float(self.n_samples)
        return float(self.sample_weight.sum())

    def take(self, idx, workspace=None):
        """The samples ``idx`` (a slice or an index array) as a new Batch.

        With a :class:`~sklearn_rnn._resources.Workspace`, the inputs of an
        index array are gathered into its array (valid until its next use)
        instead of a new one.
        """
        pad = None if self.pad is None else self.pad[:, idx]
        if pad is not None and not pad.any():
            pad = None
        sample_weight = None if self.sample_weight is None else self.sample_weight[idx]
        if workspace is None or isinstance(idx, slice):
            X = self.X[:, idx]
        else:
            shape = (self.X.shape[0], len(idx), self.X.shape[2])
            X = workspace.allocator("batch")("X", shape, self.X.dtype)
            # mode="clip" (the indices are valid): "raise" would buffer the copy
            np.take(self.X, idx, axis=1, out=X, mode="clip")
        return Batch(X, pad, self.Y[idx], sample_weight, self.max_chunk)

    def loss_grad(self, loss_grad, theta, masks=None, need_grad=True):
        """``loss_grad`` on this batch, summed over chunks when it is big.

        With ``need_grad=False`` only the loss is computed (no backward pass)
        and the gradient returned is None.
        """
        if masks is not None or self.max_chunk is None or (
            self.n_samples <= self.max_chunk
        ):
            return loss_grad(
                theta, self.X, self.pad, self.Y, self.sample_weight, masks,
                need_grad=need_grad,
            )
        total_weight = self.weight_sum
        loss, grad = loss_grad.penalty(theta, total_weight)
        grad = np.zeros_like(theta) + grad if need_grad else None
        for chunk in batches(self.n_samples, self.max_chunk):
            part = self.take(chunk)
            chunk_loss, chunk_grad = loss_grad(
                theta,
                part.X,
                part.pad,
                part.Y,
                part.sample_weight,
                total_weight=total_weight,
                penalty=False,
                need_grad=need_grad,
            )
            loss += chunk_loss
            if need_grad:
                grad += chunk_grad
        return loss, grad

    def loss(self, loss_grad, theta):
        """The objective alone on this batch, without a backward pass."""
        return self.loss_grad(loss_grad, theta, need_grad=False)[0]


@dataclass
class HeldOut:
    """The held-out set of early stopping, as :class:`Monitor` scores it.

    Attributes
    ----------
    evaluate : callable
        ``evaluate(theta) -> (score, sequence_losses)``: the estimator's score
        (accuracy or R²) and, for each held-out sequence, its weighted loss
        (the sample weight times the loss, summed over its targeted steps for
        an output per step), an ndarray of shape (n_sequences,).
    sequence_weights : ndarray of shape (n_sequences,)
        Each sequence's weight (summed over its targeted steps): the
        validation loss is ``sequence_losses.sum() / sequence_weights.sum()``.
    null_sequence_losses : ndarray of shape (n_sequences,)
        The held-out sequences' weighted losses under the best constant model
        fitted to the training part (class frequencies or the mean target;
        see ``null_raw``).
    """

    evaluate: object
    sequence_weights: np.ndarray
    null_sequence_losses: np.ndarray


def standard_error_of_mean_loss(sequence_losses, sequence_weights):
    """Standard error of the weighted mean loss over independent sequences.

    The mean is the ratio ``sum(L) / sum(W)`` of the sequences' weighted loss
    sums ``L`` and weights ``W``; its standard error is that of a ratio
    estimator, ``sqrt(n / (n - 1) * sum((L - mean * W) ** 2)) / sum(W)`` (for
    equal weights, the sample standard deviation over sqrt(n)). One sequence
    gives no estimate: infinity.

    Parameters
    ----------
    sequence_losses, sequence_weights : ndarray of shape (n_sequences,)

    Returns
    -------
    standard_error : float
    """
    n = len(sequence_losses)
    if n < 2:
        return np.inf
    total_weight = sequence_weights.sum()
    mean = sequence_losses.sum() / total_weight
    residuals = sequence_losses - mean * sequence_weights
    return float(np.sqrt(n / (n - 1) * (residuals @ residuals)) / total_weight)


class Monitor:
    """Per-iteration bookkeeping shared by every solver.

    Records the loss curve, prints the progress line, scores the validation set
    when early stopping, keeps a copy of the parameters to return (with early
    stopping those the rule below keeps, else those of the lowest training
    loss, used when training diverges) and counts the iterations without an
    improvement of ``tol``.

    With early stopping the monitored quantity is the validation loss, not the
    score: on a small validation set the accuracy moves in steps of
    1 / n_validation and stops "improving" long before the model does, where
    the loss keeps measuring progress (Keras and skorch monitor it too). The
    loss of a few held-out sequences is noisy in turn, so a rise counts as
    overfitting only when it exceeds its standard error (see
    :meth:`end_iteration`).

    Parameters
    ----------
    history : TrainingHistory
        Updated in place.
    theta : ndarray of shape (n_params,)
        The initial parameters.
    tol : float
    n_iter_no_change : int
    verbose : bool or int
    held_out : HeldOut or None
        The validation set; None when not early stopping.
    """

    def __init__(self, history, theta, *, tol, n_iter_no_change, verbose, held_out):
        self.history = history
        self.best_theta = theta.copy()
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose
        self.held_out = held_out
        # the lowest training loss of this fit, its iteration (1-based), and,
        # without early stopping, its parameters (best_theta)
        self.best_fit_loss = np.inf
        self.best_fit_iteration = 0
        # the held-out sequences' losses at the lowest validation loss
        self.best_sequence_losses = None
        # whether that loss has beaten the constant model's (rule 1)
        self.beats_constant_model = False

    def end_iteration(self, theta, loss):
        """Record one iteration.

        Two counters decide. The training loss's: iterations without an
        improvement of ``tol``; it drives the learning-rate schedule and, past
        ``n_iter_no_change``, the end of training, with or without early
        stopping. The validation loss's, with early stopping, under three
        rules:

        1. Until the lowest validation loss is below that of the best
           constant model (the class frequencies, the mean target) by more
           than ``tol`` and one standard error of the difference, the network
           has learned nothing that carries over to the held-out data, and no
           iteration counts as overfitting: a rising validation loss then is
           the noise of an early phase of training.
        2. An iteration is as good as the best one when its validation loss
           exceeds the lowest one by no more than ``tol`` or one standard
           error of the difference (paired over the held-out sequences); the
           parameters kept are those of the latest such iteration, the one
           standard error rule of Hastie, Tibshirani & Friedman, *The Elements
           of Statistical Learning*, 7.10, which picks the most complex model
           within one standard error of the best.
        3. The counter is the number of iterations since the last one as good
           as the best IN WHICH THE TRAINING LOSS IMPROVED, i.e. progress on
           the training data that did not carry over. Iterations on a plateau
           of the training loss do not count.

        On five held-out sequences, rules 1 and 2 keep early stopping from
        taking noise for overfitting (see the user guide, "Early stopping").

        Returns
        -------
        stalled : bool
            True when the training loss has not improved by ``tol`` for more
            than ``n_iter_no_change`` consecutive iterations.
        overfitting : bool
            True when the validation counter exceeds ``n_iter_no_change``
            (always False without early stopping).
        """
        history = self.history
        history.n_iter += 1
        history.loss_curve.append(float(loss))
        line = "Iteration %d, loss = %.8f" % (history.n_iter, loss)
        history.loss = float(loss)
        improved_by_tol = loss < history.best_loss - self.tol
        history.best_loss = min(history.best_loss, float(loss))
        if loss < self.best_fit_loss:
            self.best_fit_loss = float(loss)
            self.best_fit_iteration = history.n_iter
            if self.held_out is None:
                self.best_theta[:] = theta
        history.no_improvement_count = (
            0 if improved_by_tol else history.no_improvement_count + 1
        )
        overfitting = False
        if self.held_out is not None:
            overfitting = self._validate(theta, improved_by_tol)
            line += ", validation score = %.6f, validation loss = %.8f" % (
                history.validation_scores[-1],
                history.validation_loss_curve[-1],
            )
        if self.verbose:
            print(line)
        return history.no_improvement_count > self.n_iter_no_change, overfitting

    def roll_back(self, theta):
        """Return to the parameters of this fit's lowest training loss, if the
        last iteration's loss is higher (not with early stopping, which keeps
        validated parameters instead).

        Called when the training loss stalls: an LSTM that learns a long
        dependency can jump out of its solution in one epoch (an exploding
        gradient) and stall at chance, where the lowered learning rate
        would carry on. Rejecting the iterations that made the loss worse
        before going on with a lower rate is the "newbob" schedule of
        speech recognition (Kaldi's nnet1 ``train_scheduler.sh``).

        Returns
        -------
        rolled_back : bool
        """
        history = self.history
        if self.held_out is not None or not history.loss > self.best_fit_loss:
            return False
        theta[:] = self.best_theta
        history.loss = self.best_fit_loss
        if self.verbose:
            print(
                "Returning to the parameters of iteration %d (loss = %.8f)."
                % (self.best_fit_iteration, self.best_fit_loss)
            )
        return True

    def _validate(self, theta, improved_by_tol):
        """Score the held-out set; keep ``theta`` or count it (rules above)."""
        history, held_out = self.history, self.held_out
        score, sequence_losses = held_out.evaluate(theta)
        weights = held_out.sequence_weights
        val_loss = float(sequence_losses.sum() / weights.sum())
        history.validation_scores.append(float(score))
        history.validation_loss_curve.append(val_loss)
        if val_loss < history.best_validation_loss:
            history.best_validation_loss = val_loss
            self.best_sequence_losses = sequence_losses.copy()
            self.beats_constant_model = self.beats_constant_model or (
                self._exceeds(held_out.null_sequence_losses, sequence_losses)
            )
        if not self._exceeds(sequence_losses, self.best_sequence_losses):  # rule 2
            self.best_theta[:] = theta
            history.best_validation_score = float(score)
            history.validation_no_improvement_count = 0
        elif improved_by_tol and self.beats_constant_model:  # rules 3 and 1
            history.validation_no_improvement_count += 1
        return history.validation_no_improvement_count > self.n_iter_no_change

    def _exceeds(self, sequence_losses, reference_losses):
        """Whether a validation loss exceeds a reference by more than ``tol``
        and one standard error of the difference, paired over sequences (or
        is not finite)."""
        weights = self.held_out.sequence_weights
        difference = sequence_losses - reference_losses
        excess = difference.sum() / weights.sum()
        # written so that a NaN loss exceeds: its parameters are never kept
        return not excess <= max(
            self.tol, standard_error_of_mean_loss(difference, weights)
        )

    def stall_message(self, overfitting=False):
        if overfitting:
            return (
                "Validation loss stayed above its lowest value by more than "
                "tol=%f and its standard error for %d epochs in which the "
                "training loss improved." % (self.tol, self.n_iter_no_change)
            )
        return (
            "Training loss did not improve more than tol=%f for %d "
            "consecutive epochs." % (self.tol, self.n_iter_no_change)
        )


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
        lr_schedule="adaptive" if estimator.learning_rate == "adaptive" else "constant",
    )


def _is_finite(loss, grad):
    return np.isfinite(loss) and np.isfinite(grad).all()


def _raise_if_not_finite_at_start(loss, grad):
    if not _is_finite(loss, grad):
        raise ValueError(
            "The loss or its gradient is not finite at the initial parameters: "
            "the values of X (or y) are too large for the network. Scale the "
            "data, e.g. with SequenceScaler."
        )


def _warn_divergence(where, early_stopping):
    kept = (
        "the parameters early stopping had kept"
        if early_stopping
        else "the parameters with the lowest loss seen"
    )
    warnings.warn(
        f"Training diverged: the loss or its gradient became non-finite {where}. "
        f"Training stopped and {kept} were kept. "
        "Scale the inputs, lower the learning rate or set clip_norm.",
        ConvergenceWarning,
    )


# random windows: an epoch reads at least this many minibatches' worth of
# sequences (see crop_passes)
CROP_EPOCH_BATCHES = 10
LOWERED_RATE_DID_NOT_HELP = "The lowered learning rate did not help either. Stopping."


def _warn_interrupted():
    # MLP's message: Ctrl-C ends training and keeps what was learned so far
    warnings.warn("Training interrupted by user.")


def clip_gradient(grad, clip_norm):
    """Rescale ``grad`` in place so that its Euclidean norm is at most ``clip_norm``.

    Returns
    -------
    norm : float
        The norm before clipping.
    """
    norm = float(np.sqrt(grad @ grad))
    if clip_norm is not None and norm > clip_norm:
        grad *= clip_norm / norm
    return norm


def fit_stochastic(
    loss_grad,
    theta,
    data,
    optimizer,
    monitor,
    *,
    batch_size,
    max_iter,
    shuffle,
    rng,
    clip_norm,
    make_masks=None,
    input_noise=0.0,
    random_crop=1.0,
    incremental=False,
):
    """Minibatch training with a stochastic optimizer, updating ``theta`` in place.

    Each iteration is one epoch over ``data``: one pass, or with random
    windows :func:`crop_passes` passes, each reading new windows. Training
    stops when the monitored quantity stalls (the optimizer may lower its
    learning rate instead, once per stall, until a lowered rate brings no
    improvement either), after ``max_iter`` epochs (ConvergenceWarning), or
    when the loss or gradient becomes non-finite (the best parameters are
    restored, ConvergenceWarning).
    Without early stopping, a stall whose last epoch has a higher loss than
    the best one of the fit also returns to the best epoch's parameters,
    before the lowered rate goes on or training ends (:meth:`Monitor.roll_back`).
    With early stopping the parameters the monitor kept (see
    :meth:`Monitor.end_iteration`) are restored at the end.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(theta, X, pad, Y, sample_weight) -> (loss, grad)``.
    theta : ndarray of shape (n_params,)
        Initial parameters, updated in place.
    data : Batch
        The training set.
    optimizer : BaseOptimizer
    monitor : Monitor
    batch_size, max_iter : int
    shuffle : bool
    rng : numpy.random.RandomState
        Shuffles the samples and seeds the input noise.
    clip_norm : float or None
        Maximum Euclidean norm of each minibatch gradient.
    make_masks : callable or None
        ``make_masks(n_samples)`` draws the dropout masks of a minibatch; None
        without dropout.
    input_noise : float, default=0.0
        Standard deviation of the Gaussian noise added to the inputs of every
        valid timestep of each minibatch; 0 for none. The noise of a sequence
        is a function of its content, the epoch and a seed drawn from ``rng``
        (see :class:`KeyedNoise`).
    random_crop : float, default=1.0
        Fraction of each sequence's valid steps that a training pass reads, a
        window at a random place (:func:`random_windows`); 1.0 for the whole
        sequence. The window of a sequence is a function of its content, the
        pass and the seed of the input noise.
    incremental : bool, default=False
        One epoch only, without stopping rules or warnings (``partial_fit``).
    """
    early_stopping = monitor.held_out is not None
    n_samples = data.n_samples
    total_weight = data.weight_sum
    sample_idx = np.arange(n_samples)
    first_step = not incremental
    # the minibatches' inputs are gathered into one reused array: a new one
    # per minibatch costs its page faults (see sklearn_rnn._resources.Workspace)
    workspace = Workspace()
    if input_noise or random_crop < 1:
        # the random streams of the noise and of the windows' places
        streams = KeyedNoise(data.X, data.pad, rng.randint(2**63, dtype=np.uint64))
    passes = 1 if incremental else crop_passes(data, random_crop, batch_size)
    # True from an 'adaptive' reduction of the learning rate until an epoch
    # improves the loss by tol: a second stall in that state ends training
    lowered_without_gain = False
    try:
        for _ in range(1 if incremental else max_iter):
            epoch_loss = 0.0
            for pass_ in range(passes):
                if shuffle:
                    rng.shuffle(sample_idx)
                if input_noise or random_crop < 1:
                    # the first pass of an epoch keys as the epoch did alone
                    streams.start_epoch(monitor.history.n_iter * passes + pass_)
                for batch_slice in batches(n_samples, batch_size):
                    batch_idx = sample_idx[batch_slice] if shuffle else batch_slice
                    batch = data.take(batch_idx, workspace)
                    masks = (
                        None if make_masks is None else make_masks(batch.n_samples)
                    )
                    if input_noise:
                        batch = add_input_noise(
                            batch, input_noise, streams.draw(batch_idx, batch.pad)
                        )
                    if random_crop < 1:
                        batch = random_windows(
                            batch, random_crop, streams.uniform(batch_idx)
                        )
                    loss, grad = batch.loss_grad(loss_grad, theta, masks)
                    if first_step:
                        _raise_if_not_finite_at_start(loss, grad)
                        first_step = False
                    if not _is_finite(loss, grad):
                        theta[:] = monitor.best_theta
                        where = f"in iteration {monitor.history.n_iter + 1}"
                        _warn_divergence(where, early_stopping)
                        return
                    clip_gradient(grad, clip_norm)
                    # the epoch loss is the weighted mean of the minibatch
                    # objectives over its passes
                    epoch_loss += loss * batch.weight_sum / (total_weight * passes)
                    optimizer.update_params(theta, grad)

            monitor.history.t += n_samples * passes
            stalled, overfitting = monitor.end_iteration(theta, epoch_loss)
            optimizer.iteration_ends(monitor.history.t)
            if incremental:
                return
            if monitor.history.no_improvement_count == 0:  # improved by tol
                lowered_without_gain = False
            if overfitting:
                if monitor.verbose:
                    print(monitor.stall_message(overfitting=True) + " Stopping.")
                break
            if stalled:
                message = monitor.stall_message()
                if lowered_without_gain:
                    if monitor.verbose:
                        print(f"{message} {LOWERED_RATE_DID_NOT_HELP}")
                    stopping = True
                else:
                    stopping = optimizer.trigger_stopping(message, monitor.verbose)
                monitor.roll_back(theta)
                if stopping:
                    break
                lowered_without_gain = True
                monitor.history.no_improvement_count = 0
        else:
            warnings.warn(
                "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                "optimization hasn't converged yet." % max_iter,
                ConvergenceWarning,
            )
    except KeyboardInterrupt:
        _warn_interrupted()
    if early_stopping:
        theta[:] = monitor.best_theta


# SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): a stream of 64-bit words
# from a seed z is mix(z + k * GOLDEN), k = 1, 2, ...
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix64(z):
    """SplitMix64's output function on a copy of the uint64 array ``z``.

    Array arithmetic on unsigned integers wraps modulo 2**64 silently; the
    constants are Python ints, which keep the arrays uint64.
    """
    z = np.array(z, dtype=np.uint64)
    z ^= z >> 30
    z *= 0xBF58476D1CE4E5B9
    z ^= z >> 27
    z *= 0x94D049BB133111EB
    z ^= z >> 31
    return z


def _place_words(pad, n_timesteps, n_features):
    """The counter words of each sequence's valid values, padding skipped.

    Parameters
    ----------
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    n_timesteps, n_features : int

    Returns
    -------
    words : ndarray of shape (n_timesteps, n_samples or 1, n_features) of uint64
        ``(s * n_features + f + 1) * GOLDEN`` for feature ``f`` of the
        ``s``-th valid step (0-based): the SplitMix64 counter of that value,
        so padding inserted anywhere shifts nothing.
    """
    if pad is None:
        steps = np.arange(n_timesteps, dtype=np.uint64)[:, None]
    else:
        steps = (np.cumsum(~pad, axis=0) - 1).astype(np.uint64)
    features = np.arange(1, n_features + 1, dtype=np.uint64)
    return (steps[:, :, None] * np.uint64(n_features) + features) * _GOLDEN


def sequence_keys(X, pad, chunk=1024):
    """A 64-bit hash of each sequence's valid values.

    Parameters
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_features)
        Time-major inputs.
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
        True at padding steps, which do not count.
    chunk : int, default=1024
        Sequences hashed at once (bounds the temporary arrays).

    Returns
    -------
    keys : ndarray of shape (n_samples,) of uint64
        Equal for sequences with equal valid values in the same order,
        wherever their padding is and whatever it holds.
    """
    keys = np.empty(X.shape[1], dtype=np.uint64)
    for part in batches(X.shape[1], chunk):
        part_pad = None if pad is None else pad[:, part]
        bits = X[:, part].astype(np.float64).view(np.uint64)  # float32: exact
        # each value's bits hashed with its place among the valid values
        # (so reordering the values changes the key), summed modulo 2**64
        places = _mix64(_place_words(part_pad, X.shape[0], X.shape[2]))
        hashes = _mix64(bits ^ places)
        if part_pad is not None:
            hashes[part_pad] = 0
        keys[part] = _mix64(hashes.sum(axis=(0, 2)))
    return keys


class KeyedNoise:
    """Standard normal noise keyed to each training sequence's content.

    The noise of a sequence in an epoch is drawn from a counter-based
    generator (SplitMix64 words, Box-Muller on their two 32-bit halves) whose
    stream is keyed by :func:`sequence_keys` of the sequence, the epoch and
    ``seed``: new at every epoch, reproducible from the seed, and the same
    for two equal sequences of one epoch, wherever they sit in the data. So
    a sequence repeated k times gets the noise of the one sequence with
    ``sample_weight=k``, and integer sample weights stay equivalent to
    repetitions, as they are without noise. The noise of the s-th valid step
    depends on s, not on where padding puts it.

    Parameters
    ----------
    X : ndarray of shape (n_timesteps, n_samples, n_features)
        The training set, time-major.
    pad : ndarray of shape (n_timesteps, n_samples) of bool, or None
    seed : int
        In [0, 2**64).
    """

    def __init__(self, X, pad, seed):
        self.keys = sequence_keys(X, pad)
        self.seed = int(seed)
        # the counter words of sequences without padding, (T, 1, F)
        self.unpadded_places = _place_words(None, X.shape[0], X.shape[2])
        self.stream_seeds = None

    def start_epoch(self, epoch):
        """Key the streams of every sequence to ``epoch`` (0-based)."""
        # word epoch + 1 of the SplitMix64 stream of the seed (the sum in
        # Python ints: NumPy warns when uint64 scalars wrap)
        epoch_key = _mix64((self.seed + (epoch + 1) * int(_GOLDEN)) % 2**64)
        # the keys are hashes already: XOR with a hash keeps them uniform
        self.stream_seeds = self.keys ^ epoch_key

    def draw(self, idx, pad):
        """The noise of sequences ``idx`` in the current epoch.

        Parameters
        ----------
        idx : slice or ndarray of int
            The sequences, as indices into the training set.
        pad : ndarray of shape (n_timesteps, n_batch) of bool, or None
            Their padding steps.

        Returns
        -------
        noise : ndarray of shape (n_timesteps, n_batch, n_features), float64
        """
        stream_seeds = self.stream_seeds[idx][None, :, None]
        places = self.unpadded_places
        if pad is not None:
            places = _place_words(pad, pad.shape[0], places.shape[2])
        words = _mix64(stream_seeds + places)
        # Box-Muller: u1 in (0, 1] (1.0 at most, so the log is never
        # positive) from the high half, u2 in [0, 1) from the low half
        radius = np.sqrt(-2.0 * np.log(((words >> 32) + 1.0) * 2.0**-32))
        return radius * np.cos((words & 0xFFFFFFFF) * (2.0 * np.pi * 2.0**-32))

    def uniform(self, idx):
        """One uniform number in [0, 1) per sequence ``idx`` in the current epoch.

        Drawn from word 0 of each sequence's stream, which the noise of its
        values (words 1, 2, ...) never uses, so the two are independent.

        Returns
        -------
        u : ndarray of shape (n_batch,), float64
        """
        # the top 53 bits of the word: a double in [0, 1), exactly
        return (_mix64(self.stream_seeds[idx]) >> 11) * 2.0**-53


def add_input_noise(batch, scale, noise):
    """The minibatch with Gaussian noise of std ``scale`` on its valid inputs.

    Training on inputs with noise acts as a penalty on the derivatives of the
    outputs with respect to the inputs (Bishop, *Training with noise is
    equivalent to Tikhonov regularization*, 1995). Padding steps stay as
    they are. The batch's own inputs (possibly a view of the training set)
    are not modified.

    Parameters
    ----------
    batch : Batch
    scale : float
    noise : ndarray of the shape of ``batch.X``
        Standard normal noise (:meth:`KeyedNoise.draw`), overwritten.

    Returns
    -------
    noisy : Batch
    """
    X = batch.X
    noise = noise.astype(X.dtype, copy=False)
    noise *= scale
    if batch.pad is not None:
        noise[batch.pad] = 0
    noise += X
    return Batch(noise, batch.pad, batch.Y, batch.sample_weight, batch.max_chunk)


def _window_lengths(lengths, fraction):
    """Valid steps a window of ``fraction`` of each length keeps (at least 1)."""
    return np.maximum(1, np.rint(fraction * lengths)).astype(np.intp)


def crop_passes(data, fraction, batch_size):
    """Passes over the training set in one epoch of random windows.

    A pass of random windows is a new sample of the data, so an epoch of a
    small data set reads several: about ``CROP_EPOCH_BATCHES`` minibatches
    in all, ``ceil(CROP_EPOCH_BATCHES * batch_size / n_samples)`` passes.
    One pass when the windows shorten no sequence (every sequence too short
    for ``fraction`` to drop a step, or ``fraction=1``).

    Parameters
    ----------
    data : Batch
    fraction : float
        ``random_crop``, in (0, 1].
    batch_size : int

    Returns
    -------
    passes : int
    """
    if fraction >= 1:
        return 1
    lengths = valid_steps(data.X, data.pad).sum(axis=0)
    if not np.any(_window_lengths(lengths, fraction) < lengths):
        return 1
    return math.ceil(CROP_EPOCH_BATCHES * batch_size / data.n_samples)


def random_windows(batch, fraction, u):
    """The minibatch with each sequence cut to a window of its valid steps.

    Window slicing (Le Guennec, Malinowski & Tavenard, *Data augmentation
    for time series classification using convolutional neural networks*,
    2016): each sequence keeps ``rint(fraction * length)`` consecutive valid
    steps (at least one), starting at valid step ``floor(u * (length -
    window + 1))``; the steps outside become padding, which the recurrence
    passes through. Padding already in the batch stays padding wherever it
    stands. The batch's own inputs (possibly a view of the training set)
    are not modified.

    Parameters
    ----------
    batch : Batch
    fraction : float
        In (0, 1].
    u : ndarray of shape (n_batch,)
        Uniform numbers in [0, 1) that place each window
        (:meth:`KeyedNoise.uniform`).

    Returns
    -------
    cropped : Batch
    """
    valid = valid_steps(batch.X, batch.pad)
    lengths = valid.sum(axis=0)
    window = _window_lengths(lengths, fraction)
    start = np.floor(u * (lengths - window + 1)).astype(np.intp)
    rank = np.cumsum(valid, axis=0) - 1  # each step's place among the valid ones
    keep = valid & (rank >= start) & (rank < start + window)
    X = np.where(keep[:, :, None], batch.X, 0).astype(batch.X.dtype, copy=False)
    pad = None if keep.all() else ~keep
    return Batch(X, pad, batch.Y, batch.sample_weight, batch.max_chunk)


class _StopTraining(Exception):
    """Raised from inside scipy's loop to end it (early stopping, limits)."""

    def __init__(self, message, converged):
        super().__init__(message)
        self.converged = converged


def scipy_options(method, max_iter, max_fun, tol):
    """Map ``max_iter``, ``max_fun`` and ``tol`` onto the method's own options.

    Limits a method has no option for (max_fun for all but L-BFGS-B and TNC,
    max_iter for TNC) are enforced by :func:`fit_scipy` itself.
    """
    return {
        "L-BFGS-B": {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        "CG": {"maxiter": max_iter, "gtol": tol},
        "BFGS": {"maxiter": max_iter, "gtol": tol},
        "Newton-CG": {"maxiter": max_iter, "xtol": tol},
        "TNC": {"maxfun": max_fun, "gtol": tol},
        "SLSQP": {"maxiter": max_iter, "ftol": tol},
        "trust-constr": {"maxiter": max_iter, "gtol": tol, "xtol": tol},
    }[method]


def check_scipy_method(method, n_params):
    """Refuse a dense-matrix method too big or too slow for the network.

    A dense (n_params, n_params) matrix above ``DENSE_MATRIX_MAX_BYTES`` is
    refused for every dense-matrix method, and more than
    ``CUBIC_ITERATION_MAX_PARAMS`` parameters for the methods whose every
    iteration costs O(n_params³) in scipy (about 6 s at the limit, 8 times
    that for twice the parameters).
    """
    alternatives = (
        "Use 'L-BFGS-B', 'CG', 'TNC', 'Newton-CG', 'adam' or 'sgd', or a "
        "smaller network."
    )
    n_bytes = 8 * n_params**2
    if method in DENSE_MATRIX_METHODS and n_bytes > DENSE_MATRIX_MAX_BYTES:
        raise ValueError(
            f"solver={method!r} keeps a dense {n_params} x {n_params} matrix "
            f"({n_bytes / 2**30:.1f} GiB for this network's {n_params} "
            f"parameters; the limit is {DENSE_MATRIX_MAX_BYTES / 2**30:.0f} GiB). "
            + alternatives
        )
    if method in CUBIC_ITERATION_METHODS and n_params > CUBIC_ITERATION_MAX_PARAMS:
        raise ValueError(
            f"solver={method!r} costs O(n_params^3) per iteration in scipy "
            f"(dense {n_params} x {n_params} matrix products; about 6 s per "
            f"iteration at {CUBIC_ITERATION_MAX_PARAMS} parameters, 8 times as "
            f"long at twice as many), and this network has {n_params} "
            f"parameters; the limit is {CUBIC_ITERATION_MAX_PARAMS}. "
            + alternatives
        )


def _central_difference_hessp(fun):
    """Hessian-vector products by central differences of the exact gradient.

    ``H p ~ |p| (g(x + h u) - g(x - h u)) / (2 h)`` with ``u = p / |p|`` and
    ``h = eps ** (1/3) * (1 + |x|)``: the truncation error is O(h²) and the
    rounding error O(eps / h), both near eps ** (2/3) relative, where scipy's
    default forward difference leaves an error near sqrt(eps).
    """
    step_base = np.finfo(np.float64).eps ** (1 / 3)

    def hessp(x, p):
        p_norm = np.linalg.norm(p)
        if p_norm == 0:
            return np.zeros_like(x)
        direction = p / p_norm
        step = step_base * (1 + np.linalg.norm(x))
        g_plus = fun(x + step * direction)[1]
        g_minus = fun(x - step * direction)[1]
        return (g_plus - g_minus) * (p_norm / (2 * step))

    return hessp


def fit_scipy(
    loss_grad, theta, data, monitor, *, method, max_iter, max_fun, tol
):
    """Full-batch training with ``scipy.optimize.minimize(method=method, jac=True)``.

    scipy works on a float64 copy of the flat vector; the loss is evaluated in
    ``theta``'s dtype. Each scipy iteration is one monitor iteration; early
    stopping ends the run from scipy's callback.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(theta, X, pad, Y, sample_weight) -> (loss, grad)``.
    theta : ndarray of shape (n_params,)
        Initial parameters, overwritten with the solution.
    data : Batch
    monitor : Monitor
    method : str
        One of :data:`SCIPY_METHODS`.
    max_iter, max_fun : int
        Maximum iterations and loss evaluations.
    tol : float
        Mapped by :func:`scipy_options`.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        scipy's result, or one built here when training was ended from the
        callback (its message says why).
    """
    dtype = theta.dtype
    early_stopping = monitor.held_out is not None
    state = {"n_evals": 0, "last_x": theta.astype(np.float64)}
    recent = deque(maxlen=8)  # (x, loss) of recent evaluations, for TNC's callback
    enforce_max_fun = "maxfun" not in scipy_options(method, 1, 1, 0)

    def fun(x):
        state["n_evals"] += 1
        if enforce_max_fun and state["n_evals"] > max_fun:
            raise _StopTraining(
                f"Maximum number of function evaluations (max_fun={max_fun}) "
                "reached.",
                converged=False,
            )
        loss, grad = data.loss_grad(loss_grad, x.astype(dtype, copy=False))
        if state["n_evals"] == 1:
            _raise_if_not_finite_at_start(loss, grad)
        if not _is_finite(loss, grad):
            return np.inf, np.zeros_like(x)  # makes the line search step back
        recent.append((x.copy(), loss))
        return loss, grad.astype(np.float64, copy=False)

    def on_iteration(x, loss):
        state["last_x"] = x.copy()
        _, overfitting = monitor.end_iteration(x, loss)
        if overfitting:
            raise _StopTraining(monitor.stall_message(overfitting=True), converged=True)
        if method == "TNC" and monitor.history.n_iter >= max_iter:
            raise _StopTraining(
                f"Maximum number of iterations (max_iter={max_iter}) reached.",
                converged=False,
            )

    if method == "TNC":  # TNC's callback receives only the iterate

        def callback(xk):
            for x, loss in reversed(recent):
                if np.array_equal(x, xk):
                    break
            else:
                loss = data.loss(loss_grad, xk.astype(dtype))
            on_iteration(xk, loss)

    else:

        def callback(intermediate_result):
            on_iteration(intermediate_result.x, intermediate_result.fun)

    extra = {}
    if method == "Newton-CG":
        extra["hessp"] = _central_difference_hessp(fun)

    monitor.history.n_iter = 0
    try:
        with warnings.catch_warnings():
            # scipy warns when the line search meets our infinite loss
            warnings.simplefilter("ignore", RuntimeWarning)
            result = scipy.optimize.minimize(
                fun,
                state["last_x"],
                method=method,
                jac=True,
                callback=callback,
                options=scipy_options(method, max_iter, max_fun, tol),
                **extra,
            )
    except (_StopTraining, KeyboardInterrupt) as stop:
        converged = getattr(stop, "converged", False)
        if isinstance(stop, KeyboardInterrupt):
            _warn_interrupted()
            stop = "Training interrupted by user."
        # the last completed iterate (the best one when that ends training)
        x = monitor.best_theta if converged else state["last_x"]
        result = scipy.optimize.OptimizeResult(
            x=np.asarray(x, dtype=np.float64),
            fun=data.loss(loss_grad, x.astype(dtype)),
            success=converged,
            status=0 if converged else 1,
            message=str(stop),
            nit=monitor.history.n_iter,
            nfev=state["n_evals"],
        )
    monitor.history.t += data.n_samples * monitor.history.n_iter

    if early_stopping:
        theta[:] = monitor.best_theta
    elif not np.isfinite(result.fun) or not np.isfinite(result.x).all():
        theta[:] = monitor.best_theta
        _warn_divergence(f"during {method}", early_stopping)
        return result
    else:
        theta[:] = result.x
    if not result.success:
        warnings.warn(
            "%s failed to converge after %d iteration(s) (status=%s): %s. "
            "Increase the number of iterations (max_iter) or of function "
            "evaluations (max_fun), or scale the data."
            % (
                method,
                monitor.history.n_iter,
                result.status,
                str(result.message).rstrip("."),
            ),
            ConvergenceWarning,
        )
    return result
