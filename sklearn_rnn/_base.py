"""The base class of the recurrent estimators: parameters, fit loop, tags."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._activations import ACTIVATIONS
from ._bptt import LossGrad, Network, predict_raw, to_time_major
from ._params import init_params, unpack
from ._solvers import (
    SCIPY_SOLVERS,
    STOCHASTIC_SOLVERS,
    Batch,
    TrainingHistory,
    fit_lbfgs,
    fit_stochastic,
    make_optimizer,
)
from ._validation import check_sample_weight, check_sequences

POOLINGS = ("last", "mean", "max")


class BaseRNN(BaseEstimator, metaclass=ABCMeta):
    """Base class for recurrent estimators. Use the derived classes.

    Derived classes set the output activation and encode targets in
    ``_validate_targets``; this class owns the parameters, the fit loop and the
    tags.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "pooling": [StrOptions(set(POOLINGS))],
        "solver": [StrOptions({*STOCHASTIC_SOLVERS, *SCIPY_SOLVERS})],
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
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes,
        activation,
        *,
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
        beta_1,
        beta_2,
        epsilon,
        n_iter_no_change,
        max_fun,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _validate_targets(self, y, reset):
        """Encode ``y`` as a float matrix of shape (n_samples, n_outputs).

        With ``reset`` it also sets ``n_outputs_``, ``out_activation_`` and,
        for classifiers, ``classes_``.
        """

    def _check_weighted_targets(self, Y, sample_weight):
        """Raise ValueError if the weighted targets cannot be learned from."""

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

    def _network(self):
        return Network(
            n_features=self.n_features_in_,
            hidden_layer_sizes=self._hidden_layer_sizes(),
            n_outputs=self.n_outputs_,
            activation=self.activation,
            pooling=self.pooling,
            out_activation=self.out_activation_,
        )

    def _validate_training_data(self, X, y, sample_weight):
        """Validate everything before anything is trained.

        On error the estimator is left exactly as it was before the call: a
        failed fit never leaves a half-fitted model behind.
        """
        state = self.__dict__.copy()
        try:
            self._hidden_layer_sizes()
            X, pad = check_sequences(self, X, reset=True)
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the "
                    "target y is None."
                )
            Y = self._validate_targets(y, reset=True)
            if Y.shape[0] != X.shape[0]:
                raise ValueError(
                    "Found input variables with inconsistent numbers of samples: "
                    f"X has {X.shape[0]} sequences, y has {Y.shape[0]}."
                )
            dtype = X.dtype
            sample_weight = check_sample_weight(sample_weight, X.shape[0], dtype)
            self._check_weighted_targets(Y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        X_tm, pad_tm = to_time_major(X, pad, dtype)
        return Batch(X_tm, pad_tm, Y.astype(dtype, copy=False), sample_weight)

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
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        previous_theta = getattr(self, "_theta", None)
        previous_network = getattr(self, "_net", None)
        data = self._validate_training_data(X, y, sample_weight)
        net = self._network()
        dtype = data.X.dtype
        rng = check_random_state(self.random_state)

        if (
            self.warm_start
            and previous_theta is not None
            and previous_network == net
        ):
            theta = previous_theta.astype(dtype, copy=True)
            history = self._history
        else:
            theta = init_params(rng, net.index, self.activation, dtype)
            history = TrainingHistory()

        loss_grad = LossGrad(net, self.alpha)
        if self.solver in STOCHASTIC_SOLVERS:
            batch_size = (
                min(200, data.n_samples)
                if self.batch_size == "auto"
                else min(self.batch_size, data.n_samples)
            )
            fit_stochastic(
                loss_grad,
                theta,
                data,
                make_optimizer(self, theta.size, dtype),
                history,
                batch_size=batch_size,
                max_iter=self.max_iter,
                shuffle=self.shuffle,
                rng=rng,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                verbose=self.verbose,
            )
        else:
            fit_lbfgs(
                loss_grad,
                theta,
                data,
                history,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                verbose=self.verbose,
            )

        self._theta = theta
        self._net = net
        self._history = history
        self._set_fitted_views()
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_curve_ = history.loss_curve
        self.best_loss_ = history.best_loss
        self.loss_ = data.loss_grad(loss_grad, theta)[0]
        return self

    # -------------------------------------------------------------- fitted
    def _set_fitted_views(self):
        """Expose the flat parameter vector as MLP-style lists of views."""
        params = unpack(self._theta, self._net.index)
        n_layers = len(self._net.hidden_layer_sizes)
        self.coefs_ = [params[f"W_{layer}"] for layer in range(n_layers)]
        self.coefs_.append(params["V"])
        self.recurrent_coefs_ = [params[f"R_{layer}"] for layer in range(n_layers)]
        self.intercepts_ = [params[f"b_{layer}"] for layer in range(n_layers)]
        self.intercepts_.append(params["c"])

    def __getstate__(self):
        state = super().__getstate__()
        # the views are rebuilt from the flat buffer on unpickling, so the copy
        # keeps one buffer shared by all of them
        for name in ("coefs_", "recurrent_coefs_", "intercepts_"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_theta" in state:
            self._set_fitted_views()

    # ------------------------------------------------------------ predicting
    def _forward(self, X):
        """Validated raw network output, (n_samples, n_outputs)."""
        check_is_fitted(self)
        X, pad = check_sequences(self, X, reset=False)
        dtype = self._theta.dtype
        X_tm, pad_tm = to_time_major(X, pad, dtype)
        return predict_raw(self._net, self._theta, X_tm, pad_tm)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        return tags
