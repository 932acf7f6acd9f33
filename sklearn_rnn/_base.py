"""The base class of the recurrent estimators: parameters, fit loop, tags."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import dataclasses
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from scipy.optimize import OptimizeResult
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._activations import ACTIVATIONS
from ._bptt import (
    LossGrad,
    Network,
    dropout_masks,
    embed,
    predict_raw,
    to_time_major,
)
from ._cells import CELLS
from ._losses import LOSS_FUNCTIONS, null_raw
from ._optimizers import AdamOptimizer, SGDOptimizer
from ._params import init_params, layer_param_names, unpack
from ._resources import (
    Workspace,
    batches,
    blas_threads_for,
    chunk_size,
    limit_blas_threads,
)
from ._sequences import _SequenceOutputMixin, group_timesteps, resolve_group_steps
from ._solvers import (
    SCIPY_METHODS,
    SOLVER_ALIASES,
    STOCHASTIC_SOLVERS,
    Batch,
    HeldOut,
    Monitor,
    TrainingHistory,
    check_scipy_method,
    fit_scipy,
    fit_stochastic,
    make_optimizer,
)
from ._validation import check_sample_weight, check_sequences, valid_steps

POOLINGS = ("last", "mean", "max")  # or None: an output at every step
OPTIMIZER_CLASSES = {"adam": AdamOptimizer, "sgd": SGDOptimizer}
OPTIMIZER_NAMES = {cls: name for name, cls in OPTIMIZER_CLASSES.items()}
# What skops.io must trust to load a fitted model of this package: the public
# classes only (the engine's helpers are stored as plain dicts).
TRUSTED_TYPES = [
    "sklearn_rnn._estimators.RNNClassifier",
    "sklearn_rnn._estimators.RNNRegressor",
    "sklearn_rnn._sequences.SequenceReshaper",
    "sklearn_rnn._sequences.SequenceScaler",
]
# batch_size='auto': Keras' default batch, where MLP's 200 gives the 40-300
# sequences of typical time-series data sets one or two updates per epoch
AUTO_BATCH_SIZE = 32
# random_crop='auto' with adam and sgd and a pooled reading ('max', 'mean'):
# window slicing's 90% (Le Guennec et al., 2016), which the quality benchmark
# confirmed (see the user guide, "Defaults and model quality")
AUTO_RANDOM_CROP = 0.9


def _weights_of_steps(sample_weight, targeted, dtype):
    """Validated weights of the targeted steps, (n_targeted,), or None.

    ``sample_weight`` is None, a weight per sequence (n_samples,) or per step
    (n_samples, n_timesteps); ``targeted`` (n_samples, n_timesteps) selects
    the steps.
    """
    n_samples, n_timesteps = targeted.shape
    sample_weight = check_sample_weight(
        sample_weight, n_samples, dtype, n_timesteps=n_timesteps
    )
    if sample_weight is None:
        return None
    if sample_weight.ndim == 1:
        sample_weight = sample_weight[:, None]
    return np.broadcast_to(sample_weight, targeted.shape)[targeted]


class BaseRNN(
    _SequenceOutputMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    metaclass=ABCMeta,
    auto_wrap_output_keys=None,
):
    """Base class for recurrent estimators. Use the derived classes.

    Derived classes encode targets (``_validate_targets``) and score raw outputs
    (``_score_raw``); this class owns the parameters, the fit loop and the tags.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "cell": [StrOptions(set(CELLS))],
        "bidirectional": ["boolean", StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "input_noise": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="left"),
        ],
        "random_crop": [
            StrOptions({"auto"}),
            Interval(Real, 0, 1, closed="right"),
        ],
        # 'logistic' is MLP's name for 'sigmoid'
        "activation": [StrOptions({*ACTIVATIONS, "logistic"})],
        "pooling": [StrOptions(set(POOLINGS)), None],
        "solver": [
            StrOptions({*STOCHASTIC_SOLVERS, *SOLVER_ALIASES, *SCIPY_METHODS})
        ],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "group_steps": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes,
        activation,
        *,
        cell,
        bidirectional,
        dropout,
        input_noise,
        random_crop,
        pooling,
        solver,
        alpha,
        batch_size,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
        shuffle,
        random_state,
        tol,
        verbose,
        warm_start,
        momentum,
        nesterovs_momentum,
        early_stopping,
        validation_fraction,
        beta_1,
        beta_2,
        epsilon,
        n_iter_no_change,
        max_fun,
        clip_norm,
        group_steps,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.cell = cell
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.input_noise = input_noise
        self.random_crop = random_crop
        self.pooling = pooling
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.clip_norm = clip_norm
        self.group_steps = group_steps

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _validate_targets(self, y, reset, classes=None):
        """Encode ``y`` as a float matrix of shape (n_samples, n_outputs).

        With ``reset`` it also sets ``n_outputs_``, ``out_activation_`` and,
        for classifiers, ``classes_``.
        """

    @abstractmethod
    def _score_raw(self, raw, Y, sample_weight):
        """The estimator's ``score`` from raw outputs and encoded targets."""

    def _training_sample_weight(self, Y, sample_weight, incremental):
        """Final per-sample training weights (classifiers fold in class_weight)."""
        return sample_weight

    def _stratify_labels(self, Y):
        """Labels to stratify the validation split by, or None."""
        return None

    def _output_baseline(self, Y, sample_weight):
        """The output bias at which ``fit`` starts, or None to keep zeros.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs) or (n_samples, \
                n_timesteps, n_outputs)
            Encoded training targets; per-step targets are 0 where a step has
            none (and weight 0).
        sample_weight : ndarray of shape Y.shape[:-1], or None

        Returns
        -------
        baseline : ndarray of shape (n_outputs,), or None
        """
        return None

    def _missing_targets(self, y_steps, valid):
        """Where a per-step target is missing, (n_samples, n_timesteps) of bool.

        Only regressors have missing targets (NaN); see RNNRegressor.
        """
        return np.zeros(valid.shape, dtype=bool)

    @abstractmethod
    def _predict_from_raw(self, raw):
        """``predict``'s result from raw outputs of shape (n_rows, n_outputs)."""

    # ------------------------------------------------------- per-step targets
    def _step_targets(self, y, valid):
        """Read ``y`` as one target per timestep (``pooling=None``, 3D X).

        Parameters
        ----------
        y : array-like of shape (n_samples, n_timesteps) or (n_samples, \
                n_timesteps, n_outputs)
            Any value at padding steps (ignored).
        valid : ndarray of shape (n_samples, n_timesteps) of bool
            False at the padding steps of X.

        Returns
        -------
        y_steps : ndarray of shape (n_samples, n_timesteps[, n_outputs])
        targeted : ndarray of shape (n_samples, n_timesteps) of bool
            The valid steps that have a target.
        """
        y_steps = np.asarray(y)
        n_samples, n_timesteps = valid.shape
        if y_steps.ndim not in (2, 3) or y_steps.shape[:2] != valid.shape:
            raise ValueError(
                "With pooling=None, y needs a target at every timestep of X: shape "
                f"(n_samples, n_timesteps) = ({n_samples}, {n_timesteps}), or "
                f"({n_samples}, {n_timesteps}, n_outputs); got shape "
                f"{y_steps.shape}."
            )
        targeted = valid & ~self._missing_targets(y_steps, valid)
        if not targeted.any():
            raise ValueError(
                "y has no target at any valid timestep of X: every valid step's "
                "target is missing."
            )
        return y_steps, targeted

    def _encode_step_targets(self, y, sample_weight, valid, first_call, classes,
                             incremental, dtype):
        """Encoded per-step targets and step weights for 3D X (``pooling=None``).

        The targeted steps are encoded as rows by ``_validate_targets`` (so
        classes, multilabel and checks are those of one output per sequence)
        and put back in place; padding and untargeted steps get weight 0.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_timesteps, n_outputs)
            0 where a step has no target.
        step_weight : ndarray of shape (n_samples, n_timesteps)
        """
        y_steps, targeted = self._step_targets(y, valid)
        Y_rows = self._validate_targets(
            y_steps[targeted], reset=first_call, classes=classes
        )
        sample_weight = _weights_of_steps(sample_weight, targeted, dtype)
        weight_rows = self._training_sample_weight(Y_rows, sample_weight, incremental)
        step_weight = np.zeros(valid.shape, dtype)
        step_weight[targeted] = 1 if weight_rows is None else weight_rows
        if not step_weight.any():
            raise ValueError(
                "Sample weights must contain at least one non-zero number at a "
                "timestep that has a target."
            )
        Y = np.zeros(valid.shape + (Y_rows.shape[1],), dtype)
        Y[targeted] = Y_rows
        return Y, step_weight

    # --------------------------------------------------------------- fitting
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if np.ndim(sizes) == 0 else tuple(sizes)
        if len(sizes) == 0 or any(
            not isinstance(size, Integral) or size < 1 for size in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty "
                f"sequence of positive integers; got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(size) for size in sizes)

    @property
    def _activation(self):
        """The activation's engine name: MLP's 'logistic' is 'sigmoid'."""
        return "sigmoid" if self.activation == "logistic" else self.activation

    @property
    def _scipy_method(self):
        """scipy's name of the solver, or None for the stochastic solvers."""
        if self.solver in STOCHASTIC_SOLVERS:
            return None
        return SOLVER_ALIASES.get(self.solver, self.solver)

    def _input_noise(self):
        """``input_noise`` with 'auto' resolved: the estimator's
        ``_auto_input_noise`` for 'adam' and 'sgd', none for the scipy
        solvers."""
        if self.input_noise != "auto":
            return self.input_noise
        return 0.0 if self._scipy_method is not None else self._auto_input_noise

    def _bidirectional(self):
        """``bidirectional`` with 'auto' resolved.

        Two directions for a pooled reading (one output per sequence, which
        may read the whole sequence); one for outputs at every step
        (``pooling=None``), which then stay causal: the output at t reads the
        steps up to t, as next-step prediction and ``forecast`` need.
        """
        if self.bidirectional == "auto":
            return self.pooling is not None
        return bool(self.bidirectional)

    def _random_crop(self):
        """``random_crop`` with 'auto' resolved.

        Windows for the stochastic solvers with a pooled reading ('max' or
        'mean'), which counts a pattern wherever it stands; the whole
        sequence with 'last' (whose output reads the end) or per-step outputs.
        """
        if self.random_crop != "auto":
            return self.random_crop
        pooled = self.pooling in ("max", "mean")
        if self._scipy_method is None and pooled:
            return AUTO_RANDOM_CROP
        return 1.0

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver!r} is not stochastic."
            )
        return True

    def _validate_params_again(self):
        """Validate the parameters on every ``partial_fit`` call.

        scikit-learn's ``_fit_context`` validates them only on the first call
        (MLP then accepts e.g. ``set_params(learning_rate_init=-5)`` silently);
        a negative step size would climb the loss, so we check every call.
        """
        if hasattr(self, "_theta"):
            self._validate_params()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Training sequences, channels last. A timestep whose features are
            all NaN is padding; 2D input is read as sequences of one timestep.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; with ``pooling=None`` and 3D X, one per step: (n_samples,
            n_timesteps) or (n_samples, n_timesteps, n_outputs).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss; with
            ``pooling=None`` it may be (n_samples, n_timesteps), a weight per
            step.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        # Any error, during validation or training, leaves the estimator exactly
        # as it was: a failed fit never leaves a half-fitted model behind.
        state = self.__dict__.copy()
        try:
            self._fit_unprotected(X, y, sample_weight, incremental, classes)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        return self

    def _fit_unprotected(self, X, y, sample_weight, incremental, classes):
        fitted = hasattr(self, "_theta")
        first_call = not (fitted and incremental)
        # partial_fit trains on all it is given, without early stopping (older
        # MLPs did too; scikit-learn 1.9 raises, which fails the stock checks)
        early_stopping = self.early_stopping and not incremental
        previous_net = getattr(self, "_net", None)
        hidden_layer_sizes = self._hidden_layer_sizes()

        X, pad, ndim = check_sequences(self, X, reset=first_call, return_ndim=True)
        per_step = self.pooling is None
        if per_step and self._random_crop() < 1:
            raise ValueError(
                f"random_crop={self.random_crop} trains on a random window of "
                "each sequence; pooling=None has a target at every step and "
                "trains on whole sequences: set random_crop=1.0 (which 'auto' "
                "is with pooling=None)."
            )
        if not first_call:
            group_steps = self.group_steps_
        elif per_step:
            if self.group_steps not in ("auto", 1):
                raise ValueError(
                    f"group_steps={self.group_steps} reads {self.group_steps} "
                    "timesteps as one, with one output for all of them; "
                    "pooling=None gives an output at every timestep and needs "
                    "group_steps=1 (which 'auto' is with pooling=None)."
                )
            group_steps = 1
        else:
            group_steps = resolve_group_steps(self.group_steps, X.shape[1])
        X, pad = group_timesteps(X, pad, group_steps)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        dtype = X.dtype
        if per_step and ndim == 3:
            Y, sample_weight = self._encode_step_targets(
                y, sample_weight, valid_steps(X, pad), first_call, classes,
                incremental, dtype,
            )
        else:
            Y = self._validate_targets(y, reset=first_call, classes=classes)
            if Y.shape[0] != X.shape[0]:
                raise ValueError(
                    "Found input variables with inconsistent numbers of samples: "
                    f"X has {X.shape[0]} sequences, y has {Y.shape[0]}."
                )
            sample_weight = check_sample_weight(sample_weight, X.shape[0], dtype)
            sample_weight = self._training_sample_weight(Y, sample_weight, incremental)
            if per_step:  # tabular X: sequences of one step, one target each
                Y = Y[:, None, :]
                sample_weight = (
                    np.ones((X.shape[0], 1), dtype)
                    if sample_weight is None
                    else sample_weight[:, None]
                )

        net = Network(
            n_features=group_steps * self.n_features_in_,
            hidden_layer_sizes=hidden_layer_sizes,
            n_outputs=self.n_outputs_,
            activation=self._activation,
            pooling=self.pooling,
            out_activation=self.out_activation_,
            cell=self.cell,
            bidirectional=self._bidirectional(),
        )
        method = self._scipy_method
        if method is not None:
            check_scipy_method(method, net.n_params)
            # random perturbations of the objective, and whether each is on
            noise, crop = self._input_noise(), self._random_crop()
            perturbations = {
                "dropout": (self.dropout, self.dropout > 0),
                "input_noise": (noise, noise > 0),
                "random_crop": (crop, crop < 1),
            }
            for name, (value, active) in perturbations.items():
                if active:
                    raise ValueError(
                        f"{name}={value} needs a stochastic solver ('adam' or "
                        f"'sgd'): solver={self.solver!r} needs a deterministic "
                        "objective for its line searches."
                    )

        if not first_call:
            rng = self._random_state
        else:
            rng = check_random_state(self.random_state)
        continuing = incremental or self.warm_start
        fresh = not (fitted and continuing and previous_net == net)
        if not fresh:
            theta = self._theta.astype(dtype, copy=True)
            history = copy.deepcopy(self._history)
        else:
            theta = init_params(rng, net.index, net.activation, dtype, self.cell)
            history = TrainingHistory()

        X_tm, pad_tm = to_time_major(X, pad, dtype)
        max_chunk = chunk_size(net, X_tm.shape[0], X_tm.itemsize)
        data = Batch(
            X_tm, pad_tm, Y.astype(dtype, copy=False), sample_weight, max_chunk
        )
        loss_grad = LossGrad(net, self.alpha)
        held_out = None
        if early_stopping:
            data, validation = self._validation_split(data, rng)
            held_out = self._make_held_out(net, validation, data)
            history.validation_scores = []
            history.validation_loss_curve = []
            history.best_validation_score = -np.inf
            history.best_validation_loss = np.inf
        if fresh and not incremental:
            baseline = self._output_baseline(data.Y, data.sample_weight)
            if baseline is not None:
                unpack(theta, net.index)["c"][...] = baseline
        history.no_improvement_count = 0
        history.validation_no_improvement_count = 0
        if not incremental:
            history.n_iter = 0
        monitor = Monitor(
            history,
            theta,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            held_out=held_out,
        )

        full_batch = min(data.n_samples, max_chunk)  # rows of a full-batch pass
        if method is None:
            batch_size = (
                min(AUTO_BATCH_SIZE, data.n_samples)
                if self.batch_size == "auto"
                else min(self.batch_size, data.n_samples)
            )
        else:
            batch_size = full_batch
        # A diverging run overflows inside the engine; the solvers detect the
        # non-finite loss or gradient and say so with one ConvergenceWarning,
        # so NumPy's own RuntimeWarnings would only repeat it.
        with limit_blas_threads(blas_threads_for(net, batch_size)), np.errstate(
            over="ignore", invalid="ignore", divide="ignore"
        ):
            optimize_result = self._train(
                net, theta, data, loss_grad, monitor, rng, batch_size, incremental
            )

        self._theta = theta
        self._net = net
        self.group_steps_ = group_steps
        self._history = history
        self._random_state = rng
        self._set_fitted_views()
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = history.loss_curve
        # as MLP: with early stopping the validation loss decides, and
        # best_validation_loss_ / best_validation_score_ report it
        self.best_loss_ = None if early_stopping else history.best_loss
        if method is None and history.loss_curve:
            # as MLP: the last epoch's loss (no extra pass over the data), or
            # the loss of the epoch the fit rolled back to
            self.loss_ = history.loss
        else:
            with limit_blas_threads(blas_threads_for(net, full_batch)):
                self.loss_ = float(data.loss(loss_grad, theta))
        if early_stopping:
            self.validation_scores_ = history.validation_scores
            self.validation_loss_curve_ = history.validation_loss_curve
            self.best_validation_score_ = history.best_validation_score
            self.best_validation_loss_ = history.best_validation_loss
        else:
            self.validation_scores_ = None
            self.validation_loss_curve_ = None
            self.best_validation_score_ = None
            self.best_validation_loss_ = None
        self.optimize_result_ = optimize_result

    def _train(
        self, net, theta, data, loss_grad, monitor, rng, batch_size, incremental
    ):
        """Run the solver, updating ``theta`` in place.

        Returns
        -------
        optimize_result : scipy.optimize.OptimizeResult or None
        """
        method = self._scipy_method
        if method is not None:
            return fit_scipy(
                loss_grad,
                theta,
                data,
                monitor,
                method=method,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
            )
        if incremental and hasattr(self, "_optimizer"):
            optimizer = copy.deepcopy(self._optimizer)
        else:
            optimizer = make_optimizer(self, theta.size, theta.dtype)
        fit_stochastic(
            loss_grad,
            theta,
            data,
            optimizer,
            monitor,
            batch_size=batch_size,
            max_iter=self.max_iter,
            shuffle=self.shuffle,
            rng=rng,
            clip_norm=self.clip_norm,
            make_masks=(
                (lambda n: dropout_masks(rng, net, n, self.dropout, theta.dtype))
                if self.dropout
                else None
            ),
            input_noise=self._input_noise(),
            random_crop=self._random_crop(),
            incremental=incremental,
        )
        self._optimizer = optimizer
        return None

    def _validation_split(self, data, rng):
        """Hold out ``validation_fraction`` of the data (stratified for classifiers).

        Returns
        -------
        train, validation : Batch
        """
        # An int random_state seeds the split on its own, so the split is
        # train_test_split(..., random_state=random_state) and users can
        # reproduce it; otherwise it draws from the estimator's generator.
        n_samples = data.n_samples
        n_validation = int(np.ceil(self.validation_fraction * n_samples))
        if n_validation >= n_samples:
            raise ValueError(
                f"early_stopping=True holds out {n_validation} of the "
                f"n_samples = {n_samples} sequences, which leaves none to train "
                "on. Pass more sequences or set early_stopping=False."
            )
        split_random_state = (
            self.random_state if isinstance(self.random_state, Integral) else rng
        )
        # per-step targets: a plain split of the sequences
        stratify = None if data.Y.ndim == 3 else self._stratify_labels(data.Y)
        if stratify is not None:
            _, counts = np.unique(stratify, return_counts=True)
            if n_validation < counts.size or counts.min() < 2:
                stratify = None  # too few sequences to stratify: a plain split
        train_idx, val_idx = train_test_split(
            np.arange(n_samples),
            test_size=n_validation,
            random_state=split_random_state,
            stratify=stratify,
        )
        train, validation = data.take(np.sort(train_idx)), data.take(np.sort(val_idx))
        for part, name in [(train, "training"), (validation, "validation")]:
            if part.weight_sum == 0:
                raise ValueError(
                    f"early_stopping=True split the sequences, and every weight of "
                    f"the {name} part is 0 (sample_weight, or with pooling=None no "
                    "target at any of its steps): nothing to "
                    f"{'train on' if name == 'training' else 'validate on'}. Give "
                    "more sequences a weight or set early_stopping=False."
                )
        return train, validation

    def _make_held_out(self, net, validation, training):
        """The validation set as early stopping's :class:`HeldOut` scores it.

        The score is the estimator's ``score`` (accuracy or R²); the losses are
        each held-out sequence's sample-weighted data loss, without the L2
        term (summed over its targeted steps for an output per step), and
        the same under the best constant model fitted to ``training``.
        """
        loss_function = LOSS_FUNCTIONS[net.out_activation]
        n_sequences = validation.n_samples

        def rows(Y, weights):
            """Targets and weights of the targeted rows (sequences or steps)."""
            if weights is None:
                weights = np.ones(len(Y), Y.dtype)
            if net.per_step:  # (n_sequences, n_timesteps, ...) -> targeted steps
                targeted = weights > 0
                return Y[targeted], weights[targeted], targeted
            return Y, weights, None

        Y, weights, targeted = rows(validation.Y, validation.sample_weight)
        # which sequence each row belongs to, to sum the rows' losses by sequence
        owner = (
            np.nonzero(targeted)[0] if net.per_step else np.arange(n_sequences)
        )
        sequence_weights = np.bincount(owner, weights, minlength=n_sequences)
        Y_train, weights_train, _ = rows(training.Y, training.sample_weight)
        null = null_raw(net.out_activation, Y_train, weights_train)
        null_losses, _ = loss_function(np.broadcast_to(null, Y.shape), Y)
        null_sequence_losses = np.bincount(
            owner, weights * null_losses, minlength=n_sequences
        )

        def evaluate(theta):
            raw = predict_raw(net, theta, validation.X, validation.pad)
            if net.per_step:  # time-major outputs -> the targeted steps as rows
                raw = raw.transpose(1, 0, 2)[targeted]
            row_losses, _ = loss_function(raw, Y)
            sequence_losses = np.bincount(
                owner, weights * row_losses, minlength=n_sequences
            )
            with warnings.catch_warnings():
                # R² of one held-out sequence is undefined (NaN); the loss,
                # which early stopping monitors, is not
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                score = self._score_raw(raw, Y, weights)
            return score, sequence_losses

        return HeldOut(evaluate, sequence_weights, null_sequence_losses)

    # -------------------------------------------------------------- fitted
    def _set_fitted_views(self):
        """Expose the flat parameter vector as MLP-style lists of views.

        For a bidirectional layer the two directions are adjacent in the flat
        vector, so one view of shape (2, ...) covers both (forward first).
        """
        net, theta = self._net, self._theta
        index = net.index

        def layer_view(layer, key):
            names = [
                layer_param_names(layer, d, net.cell)[key]
                for d in range(net.n_directions)
            ]
            start, stop = index[names[0]][0], index[names[-1]][1]
            shape = index[names[0]][2]
            view = theta[start:stop]
            return view.reshape((2,) + shape if net.bidirectional else shape)

        layers = range(len(net.hidden_layer_sizes))
        params = unpack(theta, index)
        self.coefs_ = [layer_view(layer, "W") for layer in layers] + [params["V"]]
        self.recurrent_coefs_ = [layer_view(layer, "R") for layer in layers]
        self.intercepts_ = [layer_view(layer, "b") for layer in layers]
        self.intercepts_.append(params["c"])
        self.recurrent_intercepts_ = (
            [layer_view(layer, "bh") for layer in layers] if net.cell == "gru" else None
        )

    def __getstate__(self):
        # a copy: BaseEstimator returns the live __dict__ itself, which the
        # edits below must not touch (pickling once removed coefs_ from the
        # pickled model)
        state = dict(super().__getstate__())
        # scipy's result is stored as a plain dict, without hess_inv (a scipy
        # operator or a dense n_params x n_params matrix), so a persisted model
        # holds only arrays, numbers, strings, plain containers and this
        # package's own types (what skops.io needs to trust)
        result = state.get("optimize_result_")
        if result is not None:
            state["optimize_result_"] = {
                key: value for key, value in result.items() if key != "hess_inv"
            }
        # the views are rebuilt from the flat buffer on unpickling, so the copy
        # keeps one buffer shared by all of them
        for name in (
            "coefs_",
            "recurrent_coefs_",
            "intercepts_",
            "recurrent_intercepts_",
        ):
            state.pop(name, None)
        # the engine's helper objects travel as plain dicts, so that skops.io
        # needs to trust only the public estimator classes (TRUSTED_TYPES)
        if "_net" in state:
            state["_net"] = dataclasses.asdict(state["_net"])
        if "_history" in state:
            state["_history"] = dataclasses.asdict(state["_history"])
        if "_optimizer" in state:
            optimizer = state["_optimizer"]
            state["_optimizer"] = {
                "solver": OPTIMIZER_NAMES[type(optimizer)],
                **vars(optimizer),
            }
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("_net"), dict):
            state["_net"] = Network(**state["_net"])
        if isinstance(state.get("_history"), dict):
            state["_history"] = TrainingHistory(**state["_history"])
        if isinstance(state.get("_optimizer"), dict):
            attributes = dict(state["_optimizer"])
            optimizer_class = OPTIMIZER_CLASSES[attributes.pop("solver")]
            optimizer = optimizer_class.__new__(optimizer_class)
            vars(optimizer).update(attributes)
            state["_optimizer"] = optimizer
        super().__setstate__(state)
        if isinstance(state.get("optimize_result_"), dict):
            self.optimize_result_ = OptimizeResult(state["optimize_result_"])
        if "_theta" in state:
            self._set_fitted_views()

    # ------------------------------------------------------------ predicting
    def _predict_chunked(self, X, function, outputs_per_step_of_x=True):
        """Apply ``function(net, theta, X_tm, pad_tm)`` chunk by chunk.

        Validates X, then converts and runs at most ``chunk_size`` sequences at
        a time, so the activations held never exceed the memory budget of
        ``sklearn_rnn._resources`` whatever the number of sequences.
        ``outputs_per_step_of_x=False`` returns a per-step network's
        sample-major outputs as they are (e.g. forecasts, which are not steps
        of X).

        Returns
        -------
        out : ndarray of shape (n_samples, width), or (n_samples, n_timesteps, \
                width) for per-step outputs of 3D X
            ``function``'s result, sample-major.
        valid : ndarray of shape (n_samples, n_timesteps) of bool, or None
            For per-step outputs of 3D X, False at padding steps (where ``out``
            holds values to ignore); None otherwise.

        Raises
        ------
        ValueError
            If the network's output for X is not finite (X far too large).
        """
        if not hasattr(self, "_theta"):  # check_is_fitted alone costs ~50 us
            check_is_fitted(self)
        X, pad, ndim = check_sequences(self, X, reset=False, return_ndim=True)
        X, pad = group_timesteps(X, pad, self.group_steps_)
        net, theta = self._net, self._theta
        n_samples = X.shape[0]
        step = chunk_size(net, X.shape[1], theta.itemsize)
        out = None
        workspace = Workspace()  # the chunks reuse the same activation arrays
        with limit_blas_threads(blas_threads_for(net, min(n_samples, step))):
            for chunk in batches(n_samples, step):
                X_tm, pad_tm = to_time_major(
                    X[chunk], None if pad is None else pad[chunk], theta.dtype
                )
                result = function(net, theta, X_tm, pad_tm, workspace)
                if net.per_step:
                    result = result.transpose(1, 0, 2)  # sample-major
                if out is None:
                    out = np.empty((n_samples,) + result.shape[1:], result.dtype)
                out[chunk] = result
        finite = np.isfinite(out).reshape(n_samples, -1).all(axis=1)
        if not finite.all():
            sample = int(np.flatnonzero(~finite)[0])
            raise ValueError(
                f"The network's output for sample {sample} of X is not finite: "
                "its values are too large for the fitted weights. Scale X the "
                "way the training data was scaled."
            )
        if not (net.per_step and outputs_per_step_of_x):
            return out, None
        if ndim == 2:  # sequences of one step: one output each
            return out[:, 0], None
        return out, valid_steps(X, pad)

    def _map_rows(self, X, function, rows_function):
        """``rows_function`` of ``function``'s outputs for X, one row per output.

        Pooled models (and per-step models on 2D X) map the (n_samples, width)
        outputs directly. Per-step models on 3D X map the valid steps' rows and
        put them back in shape (n_samples, n_timesteps, ...), NaN at padding
        steps: a float array, or an object array where the rows are not
        numbers (string class labels). NaN is never a class label
        (scikit-learn refuses NaN in y), so a padding step cannot be mistaken
        for a prediction.
        """
        out, valid = self._predict_chunked(X, function)
        if valid is None:
            return rows_function(out)
        rows = rows_function(out[valid])
        kind = rows.dtype.kind
        dtype = rows.dtype if kind == "f" else np.float64 if kind in "iu" else object
        result = np.full(valid.shape + rows.shape[1:], np.nan, dtype=dtype)
        result[valid] = rows
        return result

    def _score_steps(self, X, y, sample_weight, metric):
        """``metric`` of the predictions at the valid, targeted steps.

        For per-step models; on 2D X (one step, one target per sequence) it is
        the metric of ``predict(X)``, as for pooled models.
        """
        out, valid = self._predict_chunked(X, predict_raw)
        if valid is None:
            return metric(y, self._predict_from_raw(out), sample_weight=sample_weight)
        y_steps, targeted = self._step_targets(y, valid)
        sample_weight = _weights_of_steps(sample_weight, targeted, np.float64)
        y_pred = self._predict_from_raw(out[targeted])
        return metric(y_steps[targeted], y_pred, sample_weight=sample_weight)

    def transform(self, X):
        """Embed each sequence: the last recurrent layer's pooled state.

        This is the vector the output layer reads (the state at the last valid
        step, or the mean or maximum over the valid steps, as ``pooling``
        says), so a fitted network can feed any scikit-learn estimator, e.g.
        ``make_pipeline(RNNClassifier(), LogisticRegression())``. With
        ``pooling=None`` it is the state of every step for 3D X, shape
        (n_samples, n_timesteps, n_embedding), NaN at padding steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_embedding) or \
                (n_samples, n_timesteps, n_embedding)
            The sequence (or step) embeddings; ``n_embedding`` is
            ``hidden_layer_sizes[-1]``, or twice that when ``bidirectional``
            (both directions, forward first).
        """
        # set_output: a 2D embedding becomes the configured container, the
        # per-step states (3D) stay an array
        return self._wrap_output(self._map_rows(X, embed, lambda rows: rows), X)

    @property
    def _n_features_out(self):
        """Width of :meth:`transform`'s output (for ``get_feature_names_out``)."""
        return self._net.n_embedding

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        # transform() returns the sequence embedding, in the dtype of the model
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
