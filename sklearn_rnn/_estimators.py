"""RNNRegressor and RNNClassifier: recurrent networks as scikit-learn estimators."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._base import BaseRNN
from ._bptt import forecast, predict_raw
from ._losses import OUT_ACTIVATIONS, null_raw
from ._solvers import CUBIC_ITERATION_MAX_PARAMS, DENSE_MATRIX_MAX_BYTES
from ._validation import FLOAT_DTYPES

_COMMON_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers,) or int, \
            default=%(hidden_layer_sizes_default)s
        The ith element is the number of hidden units of the ith recurrent
        layer (of each direction when ``bidirectional``); the output sequence
        of each layer is the input sequence of the next. An int means one
        layer.%(hidden_choice)s

    activation : {'tanh', 'sigmoid', 'logistic', 'relu', 'identity'}, \
            default='tanh'
        Activation σ of the recurrence: of h_t = σ(x_t W + h_{t-1} R + b) for
        the Elman cell, of the candidate and cell output for the LSTM and of
        the new state for the GRU (their gates are always sigmoid; 'tanh'
        gives PyTorch's cells).

        - 'tanh', the hyperbolic tan function, returns f(x) = tanh(x).
        - 'sigmoid' or 'logistic' (MLP's name; the same function), the
          logistic sigmoid function, returns f(x) = 1 / (1 + exp(-x)).
        - 'relu', the rectified linear unit function, returns f(x) = max(0, x).
        - 'identity', no-op activation, a linear recurrence, returns f(x) = x.

    cell : {'rnn', 'lstm', 'gru'}, default='gru'
        The recurrent cell of every layer: 'rnn' is the Elman cell, 'lstm'
        the long short-term memory and 'gru' the gated recurrent unit, with
        the equations of PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``
        (see Notes). The gates keep information over long spans. 'gru' is the
        default: on the quality benchmark (``benchmarks/bench_quality.py``) it
        beat the Elman cell by 19-21 points of accuracy on OSULeaf, ACSF1 and
        PickupGestureWiimoteZ.

    bidirectional : bool or 'auto', default=%(bidirectional_default)s
        If True, each layer runs a second cell backwards in time, from each
        sequence's last valid step, and concatenates both directions' states
        (forward first); the next layer and the pooling read both, at about
        twice the cost per epoch. 'auto' is True with a pooled reading
        (``pooling`` 'last', 'max' or 'mean': one output per sequence, which
        may read all of it) and False with ``pooling=None``, whose outputs at
        every step then stay causal: the output at t reads the steps up to t
        only, as next-step prediction needs. Set True for outputs at every
        step that read the whole sequence (tagging). %(bidirectional_choice)s

    dropout : float, default=0.0
        Fraction of the inputs of each recurrent layer (the features for the
        first) that are dropped while training, with one mask per sequence
        held over all its timesteps (variational dropout, Gal and Ghahramani,
        2016), kept inputs scaled by 1 / (1 - dropout). Masks are drawn from
        ``random_state``; predictions never drop anything. Only for 'adam'
        and 'sgd', since the scipy methods need a deterministic objective.

    input_noise : 'auto' or float, default='auto'
        Standard deviation of Gaussian noise added to every input value (each
        feature of each valid timestep) of each training minibatch, new at
        every epoch; predictions never add any. A regulariser (training with
        input noise penalises the outputs' derivatives with respect to the
        inputs, Bishop, 1995) in the units of ``X``, so scale ``X`` first
        (``SequenceScaler``). 'auto' is %(input_noise_auto)s for 'adam' and
        'sgd' and 0 for the scipy methods, which need a deterministic
        objective for their line searches (a number above 0 is refused with
        them). The noise of a sequence is a function of its content, the
        epoch and ``random_state``, so a sequence repeated k times gets the
        same noise as itself with ``sample_weight=k``: integer weights stay
        equivalent to repetitions. %(input_noise_choice)s

    random_crop : 'auto' or float in (0, 1], default='auto'
        Fraction of each sequence's valid timesteps that training reads: at
        every pass over the training data each sequence is cut to a window of
        ``round(random_crop * length)`` consecutive valid steps (at least
        one; with ``group_steps``, grouped steps) at a random place, the rest
        read as padding (window slicing, Le Guennec et al., 2016: a data
        augmentation for small time-series data sets). Predictions read whole
        sequences. Since each pass reads new windows, an epoch (an iteration
        of ``max_iter`` and ``n_iter_no_change``, one point of
        ``loss_curve_``) of a small data set is several passes, about 10
        minibatches in all: ``ceil(10 * batch_size / n_samples)`` passes, one
        when the windows shorten no sequence; ``partial_fit`` makes one pass.
        1.0 reads whole sequences. 'auto' is 0.9 for 'adam' and 'sgd' with
        ``pooling`` 'max' or 'mean', which count a pattern wherever it stands
        in the sequence, and 1.0 otherwise (so ``RNNClassifier()`` trains on
        windows and ``RNNRegressor()`` on whole sequences): 'last' reads the
        end of the sequence (a forecast needs the latest steps),
        ``pooling=None`` has a target at every step (where a value below 1 is
        refused), and the scipy methods need a deterministic objective (a
        value below 1 is refused with them). The window of a sequence is a
        function of its content, the pass and ``random_state``, as the noise
        is, so integer sample weights stay equivalent to repetitions. On the
        quality benchmark 0.9 raised the classifier's ArrowHead accuracy from
        0.649 to 0.775 and ACSF1 from 0.768 to 0.794, and brought
        ``early_stopping=True`` within about 0.02 of the defaults on every
        classification set; on synthetic data whose short pattern stands
        anywhere, windows that cut it lowered the accuracy, so compare 1.0
        and 'auto' by cross-validation (see the user guide, "Defaults and
        model quality").

    pooling : {'last', 'mean', 'max'} or None, default=%(pooling_default)s
        How the last recurrent layer's states become the one vector that the
        output layer reads, always over the valid (non-padding) timesteps only:

        - 'last', the state after the last valid timestep.
        - 'mean', the mean of the states over the valid timesteps.
        - 'max', the element-wise maximum of the states over the valid
          timesteps.
        - None, no pooling: the output layer reads the state of every
          timestep, y_t = g(V h_t + c), so there is a target per step (see
          "Outputs at every timestep" in the user guide). For 3D X, y has the
          shape of X without its feature axis, (n_samples, n_timesteps), plus
          an axis of outputs where there are several; the predictions have
          the same layout, NaN at padding steps. For 2D X (sequences of one
          step) y is (n_samples,) or (n_samples, n_outputs), as for MLP.
          Unidirectional outputs are causal: the output at t depends on the
          steps up to t only. ``group_steps`` must then be 1 ('auto' is).

        %(pooling_choice)s

    solver : {'adam', 'sgd', 'lbfgs', 'L-BFGS-B', 'CG', 'BFGS', 'Newton-CG', \
            'TNC', 'SLSQP', 'trust-constr'}, default='adam'
        The solver for weight optimization.

        - 'adam' refers to the stochastic gradient-based optimizer proposed by
          Kingma and Ba.
        - 'sgd' refers to stochastic gradient descent (with momentum).
        - 'lbfgs' is an alias of 'L-BFGS-B'.
        - Any other value is the name of a gradient-based
          ``scipy.optimize.minimize`` method, run full batch on the flat
          parameter vector (in float64) with the exact BPTT gradient
          (``jac=True``); the raw result is kept as ``optimize_result_``.
          'L-BFGS-B' often converges faster and better on small data sets;
          'CG' needs the least memory; 'Newton-CG' approximates Hessian-vector
          products by finite differences of the gradient; 'BFGS', 'SLSQP' and
          'trust-constr' keep a dense n_params x n_params matrix and are
          refused when it would exceed %(dense_matrix_limit)s, and 'BFGS' and
          'SLSQP', whose every iteration costs O(n_params³) in scipy, above
          %(cubic_iteration_limit)s parameters (all the weights and biases;
          the networks of the default size have several thousand): they
          suit small networks only. Gradient-free methods ('Nelder-Mead',
          'Powell', 'COBYLA', ...) are not accepted.

    alpha : float, default=0.0001
        Strength of the L2 regularization term on the weight matrices (not the
        biases). The L2 term is divided by the sum of the sample weights of the
        batch when added to the loss, as MLP does.

    batch_size : int or 'auto', default='auto'
        Size of minibatches for the stochastic optimizers. If the solver is
        'lbfgs', the model uses the full batch. With 'auto',
        ``batch_size=min(32, n_samples)`` (MLP's 'auto' is 200, which gives
        the 40-300 sequences of a typical time-series data set one or two
        updates per epoch).

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='adaptive'
        Learning rate schedule for weight updates; used by 'sgd' and, for
        'constant' and 'adaptive', by 'adam' (whose own step-size correction
        then applies to the current rate). The default 'adaptive' lets a
        plateau lower the rate instead of ending training; on the quality
        benchmark it raised GunPoint from 0.93 to 0.96 and ACSF1 from 0.65 to
        0.70 against 'constant'.

        - 'constant' is a constant learning rate given by
          'learning_rate_init'.
        - 'invscaling' gradually decreases the learning rate at each epoch
          using an inverse scaling exponent of 'power_t':
          ``effective_learning_rate = learning_rate_init / pow(t, power_t)``.
        - 'adaptive' keeps the learning rate constant to
          'learning_rate_init' as long as the training loss keeps decreasing.
          Each time ``n_iter_no_change`` consecutive epochs fail to decrease
          the training loss by at least tol (with or without early stopping),
          the current learning rate is divided by 5. Training stops when the
          lowered rate does not help either (the next ``n_iter_no_change``
          epochs bring no decrease of tol) or when the rate falls below 1e-6.
          MLP only stops at 1e-6; on the long-memory task of the tests its
          five further reductions took 55 of 99 epochs for a loss change
          below tol.

    learning_rate_init : float, default=0.003
        The initial learning rate used; only used when solver='sgd' or
        'adam'. (MLP's default is 0.001; with the 'adaptive' schedule a
        higher start trained faster and better on the quality benchmark.)

    power_t : float, default=0.5
        The exponent for inverse scaling learning rate; only used when
        ``solver='sgd'`` and ``learning_rate='invscaling'``.

    max_iter : int, default=500
        Maximum number of iterations. The solver iterates until convergence
        (determined by 'tol') or this number of iterations. For the stochastic
        solvers ('sgd', 'adam') this is the number of epochs (how many times
        each sequence is used, or with ``random_crop`` how many times its
        passes are; see there), not the number of gradient steps; for
        'lbfgs' it is the number of L-BFGS iterations.

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch; only used when solver='sgd'
        or 'adam'.

    random_state : int, RandomState instance or None, default=None
        Determines the weight initialization and the shuffling of the
        minibatches. Pass an int for reproducible results across multiple
        function calls (see scikit-learn's glossary). The initialization
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
        the previous solution (see scikit-learn's glossary).

    momentum : float, default=0.9
        Momentum for gradient descent update. Should be between 0 and 1. Only
        used when solver='sgd'.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver='sgd' and
        momentum > 0.

    early_stopping : bool, default=False
        Whether to use early stopping to terminate training when the
        validation loss is not improving, for every solver. If set to True,
        ``validation_fraction`` of the training data is set aside (stratified
        for single-output classification when every class has at least two
        sequences and the held-out set can hold one of each) and training
        stops when the sample-weighted validation loss (cross-entropy or
        squared error, without the L2 term) has stayed above its lowest value
        by more than ``tol`` and more than one standard error (of the paired
        differences over the held-out sequences) for ``n_iter_no_change``
        iterations in which the training loss did improve (a plateau of the
        training loss is not overfitting). Nothing counts as overfitting
        before the validation loss has fallen below that of the best constant
        model (the class frequencies or the mean target, fitted to the
        training part) by more than ``tol`` and one standard error. The
        parameters kept are those of the latest iteration
        within ``tol`` or one standard error of the lowest validation loss
        (the "one standard error rule"). The learning-rate schedule and the
        convergence of the training loss work as without early stopping. The
        loss, not the score, is monitored (as Keras and skorch do): on a small
        validation set the accuracy moves in steps of 1 / n_validation and
        stops "improving" long before the model does; the standard error and
        the constant model keep the noise of a few held-out sequences from
        ending training early (see the user guide). For the scipy methods
        the validation set is scored from scipy's per-iteration callback.
        ``partial_fit`` trains without early stopping (older MLPs did too). With an
        int ``random_state`` the held-out indices are those of
        ``train_test_split(np.arange(n_samples),
        test_size=ceil(validation_fraction * n_samples),
        random_state=random_state, stratify=y)``.

    validation_fraction : float, default=0.1
        The proportion of training data to set aside as validation set for
        early stopping. Must be between 0 and 1. Only used if
        ``early_stopping`` is True.

    beta_1 : float, default=0.9
        Exponential decay rate for estimates of first moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    beta_2 : float, default=0.999
        Exponential decay rate for estimates of second moment vector in adam,
        should be in [0, 1). Only used when solver='adam'.

    epsilon : float, default=1e-8
        Value for numerical stability in adam. Only used when solver='adam'.

    n_iter_no_change : int or np.inf, default=10
        Maximum number of iterations to not meet ``tol`` improvement of the
        training loss, and with early stopping also of the validation loss
        (counting only the iterations in which the training loss improved).
        Used by 'sgd' and 'adam', and by the scipy methods when early
        stopping. ``np.inf`` never stops (nor lowers an 'adaptive' learning
        rate) for lack of improvement, as in MLP. For 'adam' and 'sgd'
        without early stopping, when such a stall of the training loss ends
        with a higher loss than the fit's best epoch (an exploding step can
        throw a fit out of its solution), the parameters return to those of
        the best epoch before a lowered rate goes on or training ends (unlike
        MLP, which keeps the last ones).

    max_fun : int, default=15000
        Only used by the scipy methods. Maximum number of loss function calls.
        The solver iterates until convergence (determined by 'tol'), number of
        iterations reaches max_iter, or this number of loss function calls.
        Note that the number of loss function calls will be greater than or
        equal to the number of iterations.

    clip_norm : float or None, default=5.0
        Only used by 'sgd' and 'adam': each minibatch gradient whose Euclidean
        norm (over all parameters) exceeds ``clip_norm`` is rescaled to that
        norm before the update; None disables clipping. Backpropagation
        through time multiplies the gradient by the recurrent Jacobian once per
        step, so it can grow geometrically with the sequence length and one
        large step can throw the weights far away (Pascanu et al., 2013). The
        default 5.0 is several times the norm that ordinary training reaches
        with the default initialization and mean loss, so it only acts on such
        explosions. The scipy methods get the exact gradient, never clipped,
        since their line searches need it.

    group_steps : int or 'auto', default='auto'
        Number of consecutive timesteps that the recurrence reads as one step
        of ``group_steps * n_features`` features (the steps' features, oldest
        first), so a long series becomes a short sequence of short patches.
        Each sequence's valid steps are grouped backwards from its last one;
        a first group that is not full is completed with zeros at its start.
        Padding is dropped first, so a padded sequence still predicts as the
        same sequence unpadded. 'auto' groups ``ceil(n_timesteps / 50)``
        steps, ``n_timesteps`` being the training sequences' (padded) length:
        sequences of up to 50 steps are read step by step, longer ones as
        about 50 grouped steps. Backpropagation through hundreds of steps
        both costs time in proportion and carries the gradient through as
        many recurrent Jacobians, where a few dozen grouped steps train fast
        and well (PatchTST and LSTM-FCN read series in patches too); on the
        quality benchmark 'auto' takes long series such as OSULeaf (427 steps)
        and ACSF1 (1,460 steps) far above the flat baselines. Set 1 to read
        every step. With ``pooling=None`` (an output per step) 'auto' is 1
        and no other value is accepted."""

_COMMON_ATTRIBUTES = """\
    loss_ : float
        The current loss computed with the loss function, with the L2 term:
        for 'adam' and 'sgd' the loss of the last epoch (the last value of
        ``loss_curve_``, as in MLP) or, when a stall returned to the best
        epoch's parameters (see ``n_iter_no_change``), that epoch's loss; for the
        scipy methods the objective at the final parameters on the whole
        training set.

    best_loss_ : float or None
        The minimum loss reached by the solver throughout fitting. If
        ``early_stopping=True``, this attribute is set to None (as in MLP);
        refer to ``best_validation_loss_`` and ``best_validation_score_``
        instead.

    loss_curve_ : list of shape (`n_iter_`,)
        The loss at the end of each training iteration (for 'adam' and 'sgd'
        the sample-weighted mean of the minibatch losses of the epoch), over
        all ``warm_start`` and ``partial_fit`` calls.

    best_validation_loss_ : float or None
        The lowest validation loss. The fitted parameters are those of the
        latest iteration within ``tol`` or one standard error of it (see
        ``early_stopping``). Only available if ``early_stopping=True``,
        otherwise the attribute is set to ``None``.

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score at each iteration on a held-out validation set (accuracy
        for the classifier, R² for the regressor). Only available if
        ``early_stopping=True``, otherwise the attribute is set to ``None``.

    validation_loss_curve_ : list of shape (`n_iter_`,) or None
        The loss on the validation set at each iteration (sample-weighted mean,
        without the L2 term). Only available if ``early_stopping=True``,
        otherwise the attribute is set to ``None``.

    best_validation_score_ : float or None
        The validation score (i.e. accuracy or R²) of the fitted parameters.
        Only available if ``early_stopping=True``, otherwise the attribute is
        set to ``None``.

    optimize_result_ : scipy.optimize.OptimizeResult or None
        The result of ``scipy.optimize.minimize`` for the scipy methods (built
        by the estimator, with a message saying why, when training was ended
        by early stopping or a limit scipy has no option for); None for 'adam'
        and 'sgd'.

    t_ : int
        The number of training samples seen by the solver during fitting.
        Mathematically equals `n_iters * X.shape[0]`.

    coefs_ : list of shape (n_layers + 1,)
        The ith element is the input weight matrix W of the ith recurrent
        layer, of shape (n_inputs_i, n_gates * hidden_layer_sizes[i]), where
        n_gates is 1 for 'rnn', 4 for 'lstm' (blocks i, f, g, o) and 3 for
        'gru' (blocks r, z, n), ``n_inputs_0 = n_features_in_`` and
        ``n_inputs_i = n_directions * hidden_layer_sizes[i - 1]``; with two
        directions (``bidirectional``) each layer's element has a leading axis
        of 2 (forward, backward). The last element is the output weight matrix, of
        shape (n_directions * hidden_layer_sizes[-1], ``n_outputs_``). All weights
        are views into one flat parameter buffer.

    recurrent_coefs_ : list of shape (n_layers,)
        The ith element is the recurrent weight matrix R of the ith layer, of
        shape (hidden_layer_sizes[i], n_gates * hidden_layer_sizes[i]) (with
        a leading axis of 2 when bidirectional).

    intercepts_ : list of shape (n_layers + 1,)
        The ith element is the bias vector b of the ith recurrent layer, of
        shape (n_gates * hidden_layer_sizes[i],) (with a leading axis of 2
        when bidirectional); the last element is the bias vector of the output
        layer. Biases start at zero (the LSTM's forget gate and the GRU's
        update gate at 1), except that ``RNNRegressor.fit`` starts the output
        bias at the weighted mean of the training targets (its log with
        ``loss='poisson'``).

    recurrent_intercepts_ : list of shape (n_layers,) or None
        For ``cell='gru'``, the ith element is the bias bh of the new-state
        gate's recurrent product (PyTorch's b_hn), of shape
        (hidden_layer_sizes[i],); None for the other cells.

    n_features_in_ : int
        Number of features per timestep seen during ``fit``
        (``X.shape[-1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X` is a
        2D data frame whose feature names are all strings.

    n_iter_ : int
        The number of iterations the solver has run.

    group_steps_ : int
        The number of consecutive timesteps read as one step of the
        recurrence (``group_steps``, or what 'auto' chose from the training
        sequences' length).

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

    With ``cell='lstm'`` (PyTorch's ``nn.LSTM``), :math:`a_t = x_t W +
    h_{t-1} R + b` is split into four blocks and

    .. math::

        i = s(a_i), \\; f = s(a_f), \\; g = \\sigma(a_g), \\; o = s(a_o),
        \\qquad c_t = f \\odot c_{t-1} + i \\odot g, \\qquad
        h_t = o \\odot \\sigma(c_t),

    with :math:`s` the logistic sigmoid and :math:`c_0 = 0`; the forget-gate
    bias starts at 1. With ``cell='gru'`` (PyTorch's ``nn.GRU``, the reset
    gate applied after the recurrent product, as cuDNN does):

    .. math::

        r = s(x_t W_r + h_{t-1} R_r + b_r), \\quad
        z = s(x_t W_z + h_{t-1} R_z + b_z),

        n = \\sigma(x_t W_n + b_n + r \\odot (h_{t-1} R_n + b_h)), \\quad
        h_t = (1 - z) \\odot n + z \\odot h_{t-1}.

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


# Why the two estimators' defaults differ (the user guide, "Defaults and
# model quality", gives the figures); the defaults themselves are read from
# each class's signature and its _auto_input_noise
_READING_CHOICES = {
    "RNNRegressor": {
        "hidden_choice": "",
        "bidirectional_choice": """On the forecasting windows of
        the quality benchmark two directions of 64 units read at their ends
        ('last') lowered the RMSE from 0.573 to 0.307 on Airline and from
        0.506 to 0.460 on Lynx, and left solar within one std (0.117 against
        0.113); :meth:`forecast` reads the outputs at every step
        (``pooling=None``), with which 'auto' is one direction.""",
        "input_noise_choice": """On the forecasting windows of the
        quality benchmark (two directions), 0.1 lowered the Lynx RMSE from
        0.460 ± 0.052 to 0.425 ± 0.012, below Ridge's 0.430, and kept Airline
        (0.313 against 0.307) and solar (0.121 against 0.117) within about one
        std of 0.05; a next-step model fed its own forecasts gains from it
        too (see the user guide, "Defaults and model quality" and "Outputs at
        every timestep").""",
        "pooling_choice": """'last' is the regressor's default: a one-step-ahead
        forecast reads the most recent state most; on the quality benchmark
        'max' raised the solar RMSE from 0.113 to 0.137.""",
    },
    "RNNClassifier": {
        "hidden_choice": """ (32,) for the classifier: two directions of
        32 units give 64 features, as one direction of 64 units. On the
        quality benchmark 64 units in each direction scored higher on ACSF1
        (0.832 against 0.768) and lower on OSULeaf (0.728 against 0.751), but
        with the Elman cell on unscaled data they stopped before the heavily
        weighted class took over and failed scikit-learn's
        ``check_class_weight_classifiers``.""",
        "bidirectional_choice": """With 'max' pooling, two
        directions of 32 units beat one direction of 64 units read at its end
        by 1.5 to 6.4 points of accuracy on GunPoint, ArrowHead, OSULeaf and
        ACSF1 of the quality benchmark (``benchmarks/bench_quality.py``) and
        tied on PickupGestureWiimoteZ and digits.""",
        "input_noise_choice": """On the quality benchmark 0.05 scored
        as well as no noise or better on every classification set; 0.1
        narrowed the spread over seeds but lowered GunPoint and early
        stopping on ACSF1 (see the user guide, "Defaults and model
        quality").""",
        "pooling_choice": """'max' is the classifier's default: a pattern anywhere
        in a sequence can decide its class (the BiLSTM-max encoder of Conneau
        et al., 2017); with two directions of 64 units it beat 'last' by 5 to
        12 points on ArrowHead, OSULeaf and ACSF1 of the quality benchmark.""",
    },
}


def _fill_docstring(cls):
    parameters = _COMMON_PARAMETERS
    signature = inspect.signature(cls.__init__).parameters
    for name in ("hidden_layer_sizes", "bidirectional", "pooling"):
        default = repr(signature[name].default)
        parameters = parameters.replace(f"%({name}_default)s", default)
    parameters = (
        parameters.replace("%(input_noise_auto)s", repr(cls._auto_input_noise))
        .replace("%(dense_matrix_limit)s", f"{DENSE_MATRIX_MAX_BYTES / 2**30:g} GiB")
        .replace("%(cubic_iteration_limit)s", f"{CUBIC_ITERATION_MAX_PARAMS:,}")
    )
    for key, text in _READING_CHOICES[cls.__name__].items():
        parameters = parameters.replace(f"%({key})s", text)
    cls.__doc__ = (
        cls.__doc__.replace("%(parameters)s", parameters)
        .replace("%(attributes)s", _COMMON_ATTRIBUTES)
        .replace("%(notes)s", _COMMON_NOTES)
    )
    return cls


@_fill_docstring
class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor.

    A stack of recurrent layers (Elman, LSTM or GRU cells, optionally
    bidirectional) reads each sequence; a linear output
    layer reads the pooled state of the last layer. Trained on the squared
    error (or the Poisson deviance) by backpropagation through time with
    Adam, SGD or L-BFGS.

    Parameters
    ----------
%(parameters)s

    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss function, as in MLPRegressor: 'squared_error' is the half
        squared error with a linear output; 'poisson' is the half Poisson
        deviance with a log link (the output is exp of the linear output
        layer, so predictions are positive) and requires ``y >= 0``.

    Attributes
    ----------
%(attributes)s

    out_activation_ : str
        Name of the output activation function: 'identity', or 'exp' for
        ``loss='poisson'``.

    See Also
    --------
    RNNClassifier : Recurrent neural network classifier.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor on
        tabular data.

    Notes
    -----
%(notes)s

    The loss of one sequence is the half squared error summed over outputs,
    ``0.5 * sum_k (y_k - yhat_k) ** 2`` (for one output, MLPRegressor's loss),
    or with ``loss='poisson'`` the half Poisson deviance summed over outputs,
    ``sum_k y_k log(y_k / yhat_k) - y_k + yhat_k`` with ``yhat = exp(z)``.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2),
    179-211.

    Kingma, D. P. and Ba, J. (2014). Adam: A method for stochastic
    optimization. arXiv:1412.6980.

    Pascanu, R., Mikolov, T. and Bengio, Y. (2013). On the difficulty of
    training recurrent neural networks. ICML.

    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory. Neural
    Computation, 9(8), 1735-1780.

    Cho, K. et al. (2014). Learning phrase representations using RNN
    encoder-decoder for statistical machine translation. EMNLP.

    Gal, Y. and Ghahramani, Z. (2016). A theoretically grounded application
    of dropout in recurrent neural networks. NeurIPS.

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

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    # input_noise='auto' with 'adam' and 'sgd', chosen on the quality benchmark
    # (the figures are in the docstring's input_noise entry)
    _auto_input_noise = 0.1

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="tanh",
        *,
        cell="gru",
        bidirectional="auto",
        dropout=0.0,
        input_noise="auto",
        random_crop="auto",
        pooling="last",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="adaptive",
        learning_rate_init=0.003,
        power_t=0.5,
        max_iter=500,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        clip_norm=5.0,
        group_steps="auto",
        loss="squared_error",
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            cell=cell,
            bidirectional=bidirectional,
            dropout=dropout,
            input_noise=input_noise,
            random_crop=random_crop,
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            clip_norm=clip_norm,
            group_steps=group_steps,
        )
        self.loss = loss

    def _validate_targets(self, y, reset, classes=None):
        y = check_array(
            y, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="y", allow_nd=True
        )
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                f"regression (loss='poisson'); the smallest is {float(y.min())!r}."
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
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return Y

    def _output_baseline(self, Y, sample_weight):
        # The best constant model (the weighted mean target, through the log
        # link for 'poisson'), as gradient boosting starts from it: targets
        # far from 0 (prices, counts in the thousands) then need no long walk
        # of the output bias at the learning rate's pace. Per-step targets
        # without a target have weight 0 and do not count.
        weights = None if sample_weight is None else sample_weight.reshape(-1)
        Y = Y.reshape(-1, Y.shape[-1]).astype(np.float64, copy=False)
        return null_raw(self.out_activation_, Y, weights)

    def _score_raw(self, raw, Y, sample_weight):
        y_pred = OUT_ACTIVATIONS[self.out_activation_](raw)
        return r2_score(Y, y_pred, sample_weight=sample_weight)

    def _missing_targets(self, y_steps, valid):
        # a NaN target at a valid step means "no target here"
        if y_steps.dtype.kind != "f":
            return super()._missing_targets(y_steps, valid)
        missing = np.isnan(y_steps)
        if missing.ndim == 3:
            partial = valid & missing.any(axis=2) & ~missing.all(axis=2)
            if partial.any():
                sample, step = np.argwhere(partial)[0]
                raise ValueError(
                    f"y is NaN in some but not all outputs at timestep {step} of "
                    f"sequence {sample}: a timestep's targets are either all "
                    "given or all NaN (no target at that step)."
                )
            missing = missing.all(axis=2)
        return missing

    def _predict_from_raw(self, raw):
        y_pred = OUT_ACTIVATIONS[self.out_activation_](raw)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R² of the prediction.

        As :meth:`sklearn.base.RegressorMixin.score` (R² averaged uniformly
        over the outputs); with ``pooling=None`` and 3D X, over the valid
        timesteps that have a target (not NaN).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Test sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), or with \
                ``pooling=None`` and 3D X (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_outputs)
            True values for X.
        sample_weight : array-like of shape (n_samples,), or (n_samples, \
                n_timesteps) with ``pooling=None``, default=None
            Sample (or step) weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` against ``y``.
        """
        if self.pooling is not None:
            return super().score(X, y, sample_weight)
        return self._score_steps(X, y, sample_weight, r2_score)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch of the stochastic solver over (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets; with ``pooling=None`` and 3D X, one per step:
            (n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss; with
            ``pooling=None`` it may be (n_samples, n_timesteps).

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._validate_params_again()
        return self._fit(X, y, sample_weight, incremental=True)

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
            The predicted values; with ``pooling=None`` and 3D X, one per
            step, (n_samples, n_timesteps[, n_outputs]), NaN at padding steps.
        """
        return self._map_rows(X, predict_raw, self._predict_from_raw)

    def forecast(self, X, n_steps):
        """Continue each sequence by feeding the predictions back as inputs.

        For a model with an output at every step (``pooling=None``) trained
        on next-step targets (the target at step t is the input at step
        t + 1, so ``n_outputs_ == n_features_in_``): the prediction after each
        sequence's last valid step becomes its next input, and so on for
        ``n_steps`` steps (recursive multi-step forecasting). The recurrent
        state is carried from step to step, so the cost is one pass over
        ``n_timesteps + n_steps`` steps, not one pass per new value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The histories, in the scale the model was trained on; NaN-padded
            steps anywhere are skipped, so a padded history forecasts as the
            same history unpadded.
        n_steps : int
            How many steps to forecast, >= 1.

        Returns
        -------
        forecasts : ndarray of shape (n_samples, n_steps, n_features)
            The values after each sequence's last valid step.

        Raises
        ------
        ValueError
            For a pooled or bidirectional model (it has no causal output per
            step), when ``n_outputs_ != n_features_in_`` (the outputs cannot be
            fed back as inputs), or for an ``n_steps`` that is not a positive
            integer.
        """
        check_is_fitted(self)
        if isinstance(n_steps, bool) or not isinstance(n_steps, Integral) or (
            n_steps < 1
        ):
            raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
        if self.pooling is not None:
            raise ValueError(
                f"forecast needs an output at every step (pooling=None); this "
                f"model has pooling={self.pooling!r}, one output per sequence."
            )
        if self._net.bidirectional:
            raise ValueError(
                "forecast needs causal outputs; a bidirectional model's output "
                "at a step reads the steps after it, which do not exist yet."
            )
        if self.n_outputs_ != self.n_features_in_:
            raise ValueError(
                f"forecast feeds each prediction back as the next input, so the "
                f"model needs as many outputs as input features; it has "
                f"n_outputs_={self.n_outputs_} and n_features_in_="
                f"{self.n_features_in_}. Train it on next-step targets."
            )
        activate = OUT_ACTIVATIONS[self.out_activation_]
        values, _ = self._predict_chunked(
            X,
            lambda net, theta, X_tm, pad_tm, workspace: forecast(
                net, theta, X_tm, pad_tm, n_steps, activate, workspace
            ),
            outputs_per_step_of_x=False,
        )
        return values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # the Poisson deviance is defined for y >= 0 only
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


def _ndim_or_none(X):
    """``np.ndim(X)``, or None for a ragged list (its error comes later, ours)."""
    try:
        return np.ndim(X)
    except ValueError:
        return None


@_fill_docstring
class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier.

    A stack of recurrent layers (Elman, LSTM or GRU cells, optionally
    bidirectional) reads each sequence; a logistic (binary,
    multilabel) or softmax (multiclass) output layer reads the pooled state of
    the last layer. Trained on the cross-entropy by backpropagation through
    time with Adam, SGD or L-BFGS.

    Parameters
    ----------
%(parameters)s

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights associated with classes in the form ``{class_label: weight}``.
        If not given, all classes have weight one. The 'balanced' mode uses
        the values of y to automatically adjust weights inversely proportional
        to class frequencies in the input data as ``n_samples / (n_classes *
        np.bincount(y))``, counting each sequence with its ``sample_weight``
        (so integer weights still act like repeated sequences). Multiplied with
        ``sample_weight`` when both are given. For multilabel targets each
        label is a binary problem, the weights of the labels multiply, and a
        dict must be a list of dicts, one per label.

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

    Pascanu, R., Mikolov, T. and Bengio, Y. (2013). On the difficulty of
    training recurrent neural networks. ICML.

    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory. Neural
    Computation, 9(8), 1735-1780.

    Cho, K. et al. (2014). Learning phrase representations using RNN
    encoder-decoder for statistical machine translation. EMNLP.

    Gal, Y. and Ghahramani, Z. (2016). A theoretically grounded application
    of dropout in recurrent neural networks. NeurIPS.

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

    # input_noise='auto' with 'adam' and 'sgd', chosen on the quality benchmark
    # (the figures are in the docstring's input_noise entry)
    _auto_input_noise = 0.05

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="tanh",
        *,
        cell="gru",
        bidirectional="auto",
        dropout=0.0,
        input_noise="auto",
        random_crop="auto",
        pooling="max",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="adaptive",
        learning_rate_init=0.003,
        power_t=0.5,
        max_iter=500,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        clip_norm=5.0,
        group_steps="auto",
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            cell=cell,
            bidirectional=bidirectional,
            dropout=dropout,
            input_noise=input_noise,
            random_crop=random_crop,
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            clip_norm=clip_norm,
            group_steps=group_steps,
        )
        self.class_weight = class_weight

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def _validate_targets(self, y, reset, classes=None):
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if classes is not None and hasattr(self, "classes_") and not reset:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on the first call to "
                    f"partial_fit, was: {self.classes_!r}."
                )
        if reset:
            multilabel = type_of_target(y) == "multilabel-indicator"
            if classes is not None and not multilabel:
                binarizer = LabelBinarizer().fit(np.unique(classes))
            else:
                # an indicator matrix names its labels 0 .. n_labels - 1 (as
                # MLP, the binarizer learns them from y; classes must agree)
                binarizer = LabelBinarizer().fit(y)
                if classes is not None and not np.array_equal(
                    np.unique(classes), binarizer.classes_
                ):
                    raise ValueError(
                        f"`y` has classes not in `classes`: y is a multilabel "
                        f"indicator matrix of {len(binarizer.classes_)} labels, "
                        f"{binarizer.classes_.tolist()}, but classes is "
                        f"{np.unique(classes).tolist()}."
                    )
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
        if self._label_binarizer.y_type_ != "multilabel-indicator":
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y has classes {unseen.tolist()} that are not in classes_ "
                    f"{self.classes_.tolist()}."
                )
        Y = self._label_binarizer.transform(y).astype(np.float64)
        if reset:
            self.n_outputs_ = Y.shape[1]
        return Y

    def _class_indices(self, Y):
        """Index into ``classes_`` of each sample (binary or multiclass Y)."""
        if self.out_activation_ == "softmax":
            return Y.argmax(axis=1)
        return Y[:, 0].astype(int)

    def _training_sample_weight(self, Y, sample_weight, incremental):
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        if self.class_weight is not None:
            weights = self._class_weight_per_sample(Y, sample_weight).astype(Y.dtype)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        if sample_weight is None or multilabel or incremental:
            return sample_weight
        present = np.unique(self._class_indices(Y)[sample_weight > 0])
        if present.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with "
                "non-zero sample_weight, but only one class has any."
            )
        return sample_weight

    def _class_weight_per_sample(self, Y, sample_weight):
        """The class weight of each sample, shape (n_samples,).

        'balanced' counts the classes with ``sample_weight``, so integer weights
        still act like repeated sequences: the weight of class c is
        ``sum(w) / (n_classes * sum(w[y == c]))``. For multilabel targets each
        label column is a binary problem and the weights of the columns multiply.
        """
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            columns = [Y[:, j].astype(int) for j in range(Y.shape[1])]
            classes_per_column = [np.array([0, 1])] * Y.shape[1]
            class_weights = self.class_weight
            if isinstance(class_weights, dict):
                raise ValueError(
                    "For multilabel targets, class_weight must be 'balanced' or a "
                    "list of dicts, one per label."
                )
            if class_weights == "balanced":
                class_weights = ["balanced"] * Y.shape[1]
        else:
            columns = [self._class_indices(Y)]
            classes_per_column = [self.classes_]
            class_weights = [self.class_weight]
        if len(class_weights) != len(columns):
            raise ValueError(
                f"class_weight has {len(class_weights)} entries for "
                f"{len(columns)} outputs."
            )
        weights = np.ones(Y.shape[0])
        for index, classes, class_weight in zip(
            columns, classes_per_column, class_weights
        ):
            if class_weight == "balanced":
                totals = np.bincount(index, weights=sample_weight, minlength=len(classes))
                per_class = np.divide(
                    totals.sum(),
                    len(classes) * totals,
                    out=np.zeros(len(classes)),
                    where=totals > 0,
                )
            else:
                unknown = set(class_weight) - set(classes.tolist())
                if unknown:
                    raise ValueError(
                        f"class_weight has labels {sorted(map(str, unknown))} that "
                        f"are not among the classes {classes.tolist()}."
                    )
                per_class = np.array([class_weight.get(c, 1.0) for c in classes])
            weights *= per_class[index]
        return weights

    def _stratify_labels(self, Y):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return None  # as MLP: no stratification for multilabel targets
        return self._class_indices(Y)

    def score(self, X, y, sample_weight=None):
        """Return the mean accuracy on the given test data and labels.

        As :meth:`sklearn.base.ClassifierMixin.score` (for multilabel
        targets, the subset accuracy); with ``pooling=None`` and 3D X, over
        the valid timesteps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Test sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), or with \
                ``pooling=None`` and 3D X (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_outputs)
            True labels for X.
        sample_weight : array-like of shape (n_samples,), or (n_samples, \
                n_timesteps) with ``pooling=None``, default=None
            Sample (or step) weights.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` against ``y``.
        """
        if self.pooling is not None:
            return super().score(X, y, sample_weight)
        return self._score_steps(X, y, sample_weight, accuracy_score)

    def _score_raw(self, raw, Y, sample_weight):
        if self.out_activation_ == "softmax":
            correct = raw.argmax(axis=1) == Y.argmax(axis=1)
        else:  # binary, or multilabel where every label must match
            correct = ((raw > 0) == (Y > 0.5)).all(axis=1)
        return float(np.average(correct, weights=sample_weight))

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch of the stochastic solver over (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            The input sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            The target classes (an indicator matrix for multilabel targets);
            with ``pooling=None`` and 3D X, one per step: (n_samples,
            n_timesteps), or (n_samples, n_timesteps, n_classes) indicators.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss; with
            ``pooling=None`` it may be (n_samples, n_timesteps).
        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit; can be obtained via
            ``np.unique(y_all)``, where ``y_all`` is the target vector of the
            entire dataset. Required in the first call (except for multilabel
            targets), optional but checked in later calls.

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._validate_params_again()
        if not hasattr(self, "_theta") and classes is None:
            if self.pooling is None and _ndim_or_none(X) == 3:
                # per-step labels (n, T) or indicators (n, T, n_labels)
                multilabel = np.ndim(y) == 3
            else:
                multilabel = type_of_target(y) == "multilabel-indicator"
            if not multilabel:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

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
            With ``pooling=None`` and 3D X, one per step (a time axis after
            the first), NaN at padding steps.
        """
        return self._map_rows(
            X, predict_raw, lambda raw: raw.ravel() if raw.shape[1] == 1 else raw
        )

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
            With ``pooling=None`` and 3D X, one per step, (n_samples,
            n_timesteps[, n_classes]), NaN at padding steps: a float array
            for numeric classes, an object array otherwise (NaN is never a
            class).
        """
        return self._map_rows(X, predict_raw, self._predict_from_raw)

    def _predict_from_raw(self, raw):
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
            targets), in the order of ``classes_``; strictly between 0 and 1
            (clipped to the dtype's smallest positive normal number and to the
            largest number below 1). With ``pooling=None`` and 3D X,
            (n_samples, n_timesteps, n_classes), NaN at padding steps.
        """
        return self._map_rows(X, predict_raw, self._proba_from_raw)

    def _proba_from_raw(self, raw):
        if self._label_binarizer.y_type_ == "binary":
            # both columns from the logit, so neither loses precision to 1 - p
            proba = expit(np.hstack([-raw, raw]))
        else:
            proba = OUT_ACTIVATIONS[self.out_activation_](raw)
        # strictly inside (0, 1): a saturated logit (beyond about +-745 in
        # float64) would give exactly 0 or 1, which no probability estimate
        # should claim; the loss is computed from the logits, not from these
        finfo = np.finfo(proba.dtype)
        return np.clip(proba, finfo.tiny, 1 - finfo.epsneg, out=proba)

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
            ``log(predict_proba(X))``, as scikit-learn defines it; finite,
            since the probabilities are strictly between 0 and 1.
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
