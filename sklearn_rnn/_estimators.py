"""RNNRegressor and RNNClassifier: recurrent networks as scikit-learn estimators."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseRNN
from ._losses import OUT_ACTIVATIONS
from ._validation import FLOAT_DTYPES

_COMMON_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers,) or int, default=(64,)
        The ith element is the number of hidden units of the ith recurrent
        layer; the output sequence of each layer is the input sequence of the
        next. An int means one layer.

    activation : {'tanh', 'sigmoid', 'relu', 'identity'}, default='tanh'
        Activation σ of the recurrence h_t = σ(x_t W + h_{t-1} R + b).

        - 'tanh', the hyperbolic tan function, returns f(x) = tanh(x).
        - 'sigmoid', the logistic sigmoid function, returns
          f(x) = 1 / (1 + exp(-x)).
        - 'relu', the rectified linear unit function, returns f(x) = max(0, x).
        - 'identity', no-op activation, a linear recurrence, returns f(x) = x.

    pooling : {'last', 'mean', 'max'}, default='last'
        How the last recurrent layer's states become the one vector that the
        output layer reads, always over the valid (non-padding) timesteps only:

        - 'last', the state after the last valid timestep.
        - 'mean', the mean of the states over the valid timesteps.
        - 'max', the element-wise maximum of the states over the valid
          timesteps.

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        The solver for weight optimization.

        - 'adam' refers to the stochastic gradient-based optimizer proposed by
          Kingma and Ba.
        - 'sgd' refers to stochastic gradient descent (with momentum).
        - 'lbfgs' is ``scipy.optimize.minimize(method='L-BFGS-B')`` on the flat
          parameter vector, full batch, with the exact BPTT gradient. It often
          converges faster and better on small data sets.

    alpha : float, default=0.0001
        Strength of the L2 regularization term on the weight matrices (not the
        biases). The L2 term is divided by the sum of the sample weights of the
        batch when added to the loss, as MLP does.

    batch_size : int or 'auto', default='auto'
        Size of minibatches for the stochastic optimizers. If the solver is
        'lbfgs', the model uses the full batch. With 'auto',
        ``batch_size=min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for weight updates; only used when
        ``solver='sgd'``.

        - 'constant' is a constant learning rate given by
          'learning_rate_init'.
        - 'invscaling' gradually decreases the learning rate at each epoch
          using an inverse scaling exponent of 'power_t':
          ``effective_learning_rate = learning_rate_init / pow(t, power_t)``.
        - 'adaptive' keeps the learning rate constant to
          'learning_rate_init' as long as the training loss keeps decreasing.
          Each time two consecutive sets of ``n_iter_no_change`` epochs fail
          to decrease the training loss by at least tol, the current learning
          rate is divided by 5.

    learning_rate_init : float, default=0.001
        The initial learning rate used; only used when solver='sgd' or
        'adam'.

    power_t : float, default=0.5
        The exponent for inverse scaling learning rate; only used when
        ``solver='sgd'`` and ``learning_rate='invscaling'``.

    max_iter : int, default=200
        Maximum number of iterations. The solver iterates until convergence
        (determined by 'tol') or this number of iterations. For the stochastic
        solvers ('sgd', 'adam') this is the number of epochs (how many times
        each sequence is used), not the number of gradient steps; for 'lbfgs'
        it is the number of L-BFGS iterations.

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch; only used when solver='sgd'
        or 'adam'.

    random_state : int, RandomState instance or None, default=None
        Determines the weight initialization and the shuffling of the
        minibatches. Pass an int for reproducible results across multiple
        function calls. See :term:`Glossary <random_state>`. The initialization
        depends only on the random state and the layer shapes, never on the
        data.

    tol : float, default=1e-4
        Tolerance for the optimization. When the loss does not improve by at
        least ``tol`` for ``n_iter_no_change`` consecutive iterations,
        convergence is considered to be reached and training stops (unless
        ``learning_rate='adaptive'``). For 'lbfgs' it is the projected gradient
        tolerance ``gtol``.

    verbose : bool or int, default=False
        Whether to print progress messages to stdout, one line per iteration
        (``Iteration 3, loss = 0.41...``).

    warm_start : bool, default=False
        When set to True, reuse the solution of the previous call to fit as
        initialization (if the network has the same shape), otherwise erase
        the previous solution. See :term:`the Glossary <warm_start>`.

    momentum : float, default=0.9
        Momentum for gradient descent update. Should be between 0 and 1. Only
        used when solver='sgd'.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver='sgd' and
        momentum > 0.

    beta_1 : float, default=0.9
        Exponential decay rate for estimates of first moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    beta_2 : float, default=0.999
        Exponential decay rate for estimates of second moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    epsilon : float, default=1e-8
        Value for numerical stability in adam. Only used when solver='adam'.

    n_iter_no_change : int, default=10
        Maximum number of epochs to not meet ``tol`` improvement. Only
        effective when solver='sgd' or 'adam'.

    max_fun : int, default=15000
        Only used when solver='lbfgs'. Maximum number of loss function calls.
        The solver iterates until convergence (determined by 'tol'), number of
        iterations reaches max_iter, or this number of loss function calls.
        Note that the number of loss function calls will be greater than or
        equal to the number of iterations."""

_COMMON_ATTRIBUTES = """\
    loss_ : float
        The current loss computed with the loss function (on the whole
        training set, with the L2 term).

    best_loss_ : float
        The minimum loss reached by the solver throughout fitting.

    loss_curve_ : list of shape (`n_iter_`,)
        The loss at the end of each training iteration (for 'adam' and 'sgd'
        the sample-weighted mean of the minibatch losses of the epoch).

    t_ : int
        The number of training samples seen by the solver during fitting.
        Mathematically equals `n_iters * X.shape[0]`.

    coefs_ : list of shape (n_layers + 1,)
        The ith element is the input weight matrix of the ith recurrent layer,
        of shape (n_inputs_i, hidden_layer_sizes[i]) with ``n_inputs_0 =
        n_features_in_``; the last element is the output weight matrix, of
        shape (hidden_layer_sizes[-1], n_outputs_). All weights are views into
        one flat parameter buffer.

    recurrent_coefs_ : list of shape (n_layers,)
        The ith element is the recurrent weight matrix R of the ith layer, of
        shape (hidden_layer_sizes[i], hidden_layer_sizes[i]).

    intercepts_ : list of shape (n_layers + 1,)
        The ith element is the bias vector of the ith recurrent layer; the
        last element is the bias vector of the output layer.

    n_features_in_ : int
        Number of features per timestep seen during :term:`fit`
        (``X.shape[-1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` is a
        2D data frame whose feature names are all strings.

    n_iter_ : int
        The number of iterations the solver has run.

    n_outputs_ : int
        Number of output units."""

_COMMON_NOTES = """\
    Each recurrent layer reads its input sequence x_1..x_T and keeps a hidden
    state (Elman, 1990):

    .. math::

        h_t = \\sigma(x_t W + h_{t-1} R + b), \\qquad h_0 = 0,

    and the output layer reads the pooled state p of the last layer:

    .. math::

        \\hat y = g(p V + c),

    where :math:`x_t` holds the features of step t, :math:`W`, :math:`R`,
    :math:`b` are the input weights, recurrent weights and bias of the layer
    (``coefs_[i]``, ``recurrent_coefs_[i]``, ``intercepts_[i]``),
    :math:`\\sigma` is ``activation``, and :math:`V`, :math:`c`, :math:`g` are
    the output weights, bias and activation (``coefs_[-1]``,
    ``intercepts_[-1]``, ``out_activation_``). Gradients come from
    backpropagation through time (BPTT).

    Input is channels-last: ``X[i, t, :]`` is the feature vector of sequence i
    at step t. 2D input of shape (n_samples, n_features) is read as sequences
    of one step. A step whose features are ALL NaN is padding: the state passes
    through it unchanged and it adds nothing to the output, the loss or the
    gradient, wherever it stands (before, between or after the valid steps),
    so a padded sequence predicts exactly as the same sequence unpadded. NaN in
    only some features of a step, infinite values, and a sequence made only
    of padding raise a ValueError naming the sample and timestep.

    The loss is the sample-weighted mean of the per-sequence loss plus
    ``alpha / 2 * ||weights||² / sum(sample_weight)``, so integer sample
    weights are equivalent to repeated sequences for the full-batch solvers.
    The stochastic solvers draw minibatches, so the equivalence holds there
    when a batch holds the whole data set."""


def _fill_docstring(cls):
    cls.__doc__ = (
        cls.__doc__.replace("%(parameters)s", _COMMON_PARAMETERS)
        .replace("%(attributes)s", _COMMON_ATTRIBUTES)
        .replace("%(notes)s", _COMMON_NOTES)
    )
    return cls


@_fill_docstring
class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor.

    A stack of Elman recurrent layers reads each sequence; a linear output
    layer reads the pooled state of the last layer. Trained on the squared
    error by backpropagation through time with Adam, SGD or L-BFGS.

    Parameters
    ----------
%(parameters)s

    Attributes
    ----------
%(attributes)s

    out_activation_ : str
        Name of the output activation function, always 'identity'.

    See Also
    --------
    RNNClassifier : Recurrent neural network classifier.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor on
        tabular data.

    Notes
    -----
%(notes)s

    The loss of one sequence is the half squared error summed over outputs,
    ``0.5 * sum_k (y_k - yhat_k) ** 2`` (for one output, MLPRegressor's loss).

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2),
    179-211.

    Kingma, D. P. and Ba, J. (2014). Adam: A method for stochastic
    optimization. arXiv:1412.6980.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 10, 2))  # 200 sequences, 10 steps, 2 features
    >>> y = X[:, :, 0].sum(axis=1)          # sum of the first feature
    >>> reg = RNNRegressor(hidden_layer_sizes=(16,), solver="lbfgs",
    ...                    max_iter=300, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="tanh",
        *,
        pooling="last",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            pooling=pooling,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
        )

    def _validate_targets(self, y, reset):
        y = check_array(
            y, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="y", allow_nd=True
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim not in (1, 2):
            raise ValueError(
                "y must be 1D (n_samples,) or 2D (n_samples, n_outputs); got shape "
                f"{y.shape}."
            )
        Y = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = "identity"
        return Y

    def predict(self, X):
        """Predict using the recurrent network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences; any number of timesteps, NaN-padded steps
            allowed.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        y_pred = self._forward(X)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@_fill_docstring
class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier.

    A stack of Elman recurrent layers reads each sequence; a logistic (binary,
    multilabel) or softmax (multiclass) output layer reads the pooled state of
    the last layer. Trained on the cross-entropy by backpropagation through
    time with Adam, SGD or L-BFGS.

    Parameters
    ----------
%(parameters)s

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.

%(attributes)s

    out_activation_ : str
        Name of the output activation function: 'logistic' for binary and
        multilabel targets, 'softmax' for multiclass targets.

    See Also
    --------
    RNNRegressor : Recurrent neural network regressor.
    sklearn.neural_network.MLPClassifier : Multi-layer perceptron classifier on
        tabular data.

    Notes
    -----
%(notes)s

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2),
    179-211.

    Kingma, D. P. and Ba, J. (2014). Adam: A method for stochastic
    optimization. arXiv:1412.6980.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 12, 1))
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(hidden_layer_sizes=(16,), solver="lbfgs",
    ...                     max_iter=300, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="tanh",
        *,
        pooling="last",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            pooling=pooling,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
        )

    def _validate_targets(self, y, reset):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if reset:
            binarizer = LabelBinarizer().fit(y)
            if binarizer.y_type_ != "multilabel-indicator" and len(
                binarizer.classes_
            ) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: "
                    f"{binarizer.classes_[0]!r}."
                )
            previous = getattr(self, "classes_", None)
            if (
                self.warm_start
                and previous is not None
                and not np.array_equal(previous, binarizer.classes_)
            ):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {previous}, `y` "
                    f"has {binarizer.classes_}."
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
            self.out_activation_ = (
                "softmax" if binarizer.y_type_ == "multiclass" else "logistic"
            )
        elif not set(np.unique(y)) <= set(self.classes_):
            unseen = sorted(set(np.unique(y)) - set(self.classes_))
            raise ValueError(
                f"y has classes {unseen} that are not in classes_ {self.classes_}."
            )
        Y = self._label_binarizer.transform(y).astype(np.float64)
        if reset:
            self.n_outputs_ = Y.shape[1]
        return Y

    def _check_weighted_targets(self, Y, sample_weight):
        if sample_weight is None or self._label_binarizer.y_type_ not in (
            "binary",
            "multiclass",
        ):
            return
        weighted = Y[sample_weight > 0]
        n_present = (
            np.count_nonzero(weighted.any(axis=0))
            if self.out_activation_ == "softmax"
            else int(weighted.any()) + int(not weighted.all())
        )
        if n_present < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with "
                "non-zero sample_weight, but only one class has any."
            )

    def decision_function(self, X):
        """Raw output of the network, before the output activation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The logits; 1D for binary targets, positive for ``classes_[1]``.
        """
        raw = self._forward(X)
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X):
        """Predict using the recurrent network classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (an indicator matrix for multilabel targets).
        """
        raw = self._forward(X)
        if self.out_activation_ == "softmax":
            return self.classes_[raw.argmax(axis=1)]
        return self._label_binarizer.inverse_transform((raw > 0).astype(int))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class (of each label for multilabel
            targets), in the order of ``classes_``.
        """
        raw = self._forward(X)
        if self._label_binarizer.y_type_ == "binary":
            # both columns from the logit, so neither loses precision to 1 - p
            return expit(np.hstack([-raw, raw]))
        return OUT_ACTIVATIONS[self.out_activation_](raw)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``, as scikit-learn defines it (-inf where a
            probability underflows to 0).
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
