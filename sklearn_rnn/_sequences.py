"""Sequence utilities: NaN padding, per-feature scaling over valid steps, windows."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)

from ._validation import FLOAT_DTYPES


def pad_sequences(
    sequences, *, maxlen=None, padding="post", truncating="pre", dtype=float
):
    """Stack sequences of different lengths into one NaN-padded 3D array.

    Parameters
    ----------
    sequences : list of array-like of shape (n_timesteps_i, n_features) or \
            (n_timesteps_i,)
        The sequences; 1D arrays are univariate series (one feature). Every
        sequence must have the same number of features and at least one step.
    maxlen : int, default=None
        Number of timesteps of the result; the longest sequence's length if
        None. Longer sequences are truncated.
    padding : {'post', 'pre'}, default='post'
        Whether the NaN steps go after ('post') or before ('pre') each
        sequence. The estimators give the same result for both.
    truncating : {'pre', 'post'}, default='pre'
        Whether sequences longer than ``maxlen`` lose their first steps
        ('pre', keeping the most recent ones) or their last steps ('post').
    dtype : floating dtype, default=float
        Dtype of the result; it must hold NaN.

    Returns
    -------
    X : ndarray of shape (n_samples, maxlen, n_features)
        The padded batch; a padding step has all features NaN.

    Raises
    ------
    ValueError
        For an empty list, a sequence with no step, more than 2 dimensions or
        another feature count than the first sequence, a bad ``maxlen``,
        ``padding`` or ``truncating``, or a non-floating ``dtype``.

    Examples
    --------
    >>> from sklearn_rnn import pad_sequences
    >>> pad_sequences([[1.0, 2.0, 3.0], [4.0]])[:, :, 0]
    array([[ 1.,  2.,  3.],
           [ 4., nan, nan]])
    >>> pad_sequences([[1.0, 2.0, 3.0], [4.0]], padding="pre", maxlen=2)[:, :, 0]
    array([[ 2.,  3.],
           [nan,  4.]])
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post'; got {padding!r}.")
    if truncating not in ("pre", "post"):
        raise ValueError(f"truncating must be 'pre' or 'post'; got {truncating!r}.")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(
            f"dtype must be a floating dtype, to hold the NaN padding; got {dtype!r}."
        )
    if maxlen is not None and (not isinstance(maxlen, Integral) or maxlen < 1):
        raise ValueError(f"maxlen must be a positive integer or None; got {maxlen!r}.")
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
        sequences = list(sequences)
    if len(sequences) == 0:
        raise ValueError("pad_sequences needs at least one sequence; got none.")

    arrays = []
    for i, sequence in enumerate(sequences):
        array = np.asarray(sequence, dtype=dtype)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(
                f"Sequence {i} has {array.ndim} dimensions; each sequence must be "
                "(n_timesteps, n_features) or (n_timesteps,)."
            )
        if array.shape[0] == 0:
            raise ValueError(f"Sequence {i} is empty: it has no timestep.")
        if array.shape[1] == 0:
            raise ValueError(f"Sequence {i} has no feature.")
        if arrays and array.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"Sequence {i} has {array.shape[1]} features, but sequence 0 has "
                f"{arrays[0].shape[1]}; every sequence needs the same features."
            )
        arrays.append(array)

    n_timesteps = maxlen or max(len(array) for array in arrays)
    X = np.full((len(arrays), n_timesteps, arrays[0].shape[1]), np.nan, dtype=dtype)
    for i, array in enumerate(arrays):
        kept = array[-n_timesteps:] if truncating == "pre" else array[:n_timesteps]
        if padding == "post":
            X[i, : len(kept)] = kept
        else:
            X[i, n_timesteps - len(kept) :] = kept
    return X


def sequence_lengths(X):
    """Number of valid (non-padding) timesteps of each sequence.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or \
            (n_samples, n_features)
        NaN-padded sequences; 2D input is sequences of one step.

    Returns
    -------
    lengths : ndarray of shape (n_samples,) of int
        The count of steps that are not all NaN.

    Examples
    --------
    >>> from sklearn_rnn import pad_sequences, sequence_lengths
    >>> sequence_lengths(pad_sequences([[1.0, 2.0, 3.0], [4.0]]))
    array([3, 1])
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise ValueError(
            "X must be 3D (n_samples, n_timesteps, n_features) or 2D; got "
            f"{X.ndim} dimensions."
        )
    return (~np.isnan(X).all(axis=2)).sum(axis=1)


# 'auto' grouping: about this many grouped steps per training sequence
AUTO_GROUPED_STEPS = 50


def resolve_group_steps(group_steps, n_timesteps):
    """The number of timesteps per group: ``group_steps``, or 'auto''s choice.

    'auto' groups ``ceil(n_timesteps / AUTO_GROUPED_STEPS)`` steps, so that
    sequences of up to 50 steps are read step by step and longer ones as
    about 50 steps of grouped features.
    """
    if group_steps == "auto":
        return max(1, -(-n_timesteps // AUTO_GROUPED_STEPS))
    return int(group_steps)


def group_timesteps(X, pad, size):
    """Read every ``size`` consecutive valid timesteps as one step.

    Each sequence's valid steps are taken in order (padding wherever it stands
    is dropped, as the recurrence skips it) and cut into groups of ``size``
    steps that end at the sequence's last valid step; a group's features are
    its steps' features, oldest first. When a sequence's length is not a
    multiple of ``size`` its first group is completed with zeros at its
    start. Groups before a sequence's first group are padding. A padded
    sequence therefore gives the same groups as the same sequence unpadded.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Validated sequences, NaN at padding steps; never modified.
    pad : ndarray of shape (n_samples, n_timesteps) of bool, or None
        True at padding steps.
    size : int
        Timesteps per group; 1 returns the inputs unchanged.

    Returns
    -------
    grouped : ndarray of shape (n_samples, n_groups, size * n_features)
        ``n_groups = ceil(longest valid length / size)``; zero (not NaN) at
        grouped padding steps.
    grouped_pad : ndarray of shape (n_samples, n_groups) of bool, or None
        True at grouped padding steps; None when there are none.
    """
    if size == 1:
        return X, pad
    n_samples, n_timesteps, n_features = X.shape
    if pad is None:
        n_groups = -(-n_timesteps // size)
        lead = n_groups * size - n_timesteps
        grouped = np.zeros((n_samples, n_groups * size, n_features), X.dtype)
        grouped[:, lead:] = X
        return grouped.reshape(n_samples, n_groups, size * n_features), None
    valid = ~pad
    lengths = valid.sum(axis=1)
    n_groups = -(-int(lengths.max()) // size)
    width = n_groups * size
    # valid step j of sequence i goes to position width - length_i + j
    position = (width - lengths)[:, None] + np.cumsum(valid, axis=1) - 1
    rows, steps = np.nonzero(valid)
    flat = np.zeros((n_samples, width, n_features), X.dtype)
    flat[rows, position[rows, steps]] = X[rows, steps]
    grouped = flat.reshape(n_samples, n_groups, size * n_features)
    first_group = (width - lengths) // size  # index of each sequence's first group
    grouped_pad = np.arange(n_groups)[None, :] < first_group[:, None]
    return grouped, (grouped_pad if grouped_pad.any() else None)


class _SequenceOutputMixin:
    """``set_output`` for transformers whose output may be 3D sequences.

    pandas and polars hold 2D tables: a 2D output becomes the configured
    container as in scikit-learn, a 3D output (sequences) stays a NumPy array,
    so that ``Pipeline.set_output(transform="pandas")`` works on a sequence
    pipeline. Subclasses call :meth:`_wrap_output` at the end of ``transform``.
    """

    def set_output(self, *, transform=None):
        """Set the output container of ``transform`` and ``fit_transform``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Container of 2D outputs: "default" is the NumPy array, "pandas" a
            DataFrame, "polars" a polars DataFrame; None leaves the
            configuration unchanged. 3D outputs (sequences) are always NumPy
            arrays: a data frame cannot hold them.

        Returns
        -------
        self : estimator instance
        """
        if transform is None:
            return self
        if not hasattr(self, "_sklearn_output_config"):
            self._sklearn_output_config = {}
        self._sklearn_output_config["transform"] = transform
        return self

    def _wrap_output(self, result, original_input):
        container = _get_output_config("transform", self)["dense"]
        if container == "default" or result.ndim != 2:
            return result
        return ADAPTERS_MANAGER.adapters[container].create_container(
            result, original_input, columns=self.get_feature_names_out
        )


def _check_sequences_or_rows(estimator, X, reset):
    """X as a float array: 3D sequences (NaN allowed) or validated 2D rows.

    A 3D array goes through ``check_array`` (``validate_data`` refuses 3D),
    and on ``reset`` sets ``n_features_in_`` from its last axis and forgets
    any feature names; 2D rows go through ``validate_data``, which records or
    checks both.
    """
    if getattr(X, "ndim", None) is None:
        X = np.asarray(X)
    if X.ndim != 3:
        return validate_data(
            estimator, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan"
        )
    X = check_array(
        X, allow_nd=True, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan",
        estimator=estimator,
    )
    if reset:
        estimator.n_features_in_ = X.shape[2]
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    return X


class SequenceScaler(
    _SequenceOutputMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,
):
    """Standardize each feature of NaN-padded sequences over their valid steps.

    The mean and standard deviation of each feature are those of all the
    timesteps of all the sequences stacked together, NaN values (so padding
    steps) left out, as :class:`~sklearn.preprocessing.StandardScaler` computes
    them on the stacked steps. ``transform`` returns a new array with padding
    still NaN, so ``make_pipeline(SequenceScaler(), RNNClassifier())`` works.
    On 2D input it behaves as ``StandardScaler``.

    Parameters
    ----------
    with_mean : bool, default=True
        If True, center each feature before scaling.
    with_std : bool, default=True
        If True, scale each feature to unit variance.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        The mean of each feature over the valid steps (computed even when
        ``with_mean`` is False, as StandardScaler does); None when both
        ``with_mean`` and ``with_std`` are False.
    var_ : ndarray of shape (n_features,) or None
        The variance of each feature over the valid steps; None if
        ``with_std`` is False.
    scale_ : ndarray of shape (n_features,) or None
        The scaling of each feature (the standard deviation, 1 where it is 0);
        None if ``with_std`` is False.
    n_samples_seen_ : int or ndarray of shape (n_features,)
        Number of non-NaN timesteps seen for each feature (an int if it is the
        same for all), as in StandardScaler.
    n_features_in_ : int
        Number of features per timestep (``X.shape[-1]``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, for 2D data frames whose
        feature names are all strings.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same on tabular data.

    Examples
    --------
    >>> from sklearn_rnn import SequenceScaler, pad_sequences
    >>> X = pad_sequences([[1.0, 2.0, 3.0], [5.0]])
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([2.75]), array([1.47901995]))
    >>> scaler.transform(X)[:, :, 0].round(3)
    array([[-1.183, -0.507,  0.169],
           [ 1.521,    nan,    nan]])
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _validate(self, X, reset):
        """X as a 3D float array (2D input is one step per sample).

        Returns
        -------
        X : ndarray of shape (n_samples, n_timesteps, n_features)
        is_3d : bool
            Whether the input was 3D (else outputs go back to 2D).
        """
        X = _check_sequences_or_rows(self, X, reset)
        if X.ndim == 2:
            return X[:, None, :], False
        if not reset and X.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[2]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return X, True

    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            NaN-padded sequences.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence; every step of a sequence has its weight.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        self._validate_params()
        X, _ = self._validate(X, reset=True)
        n_samples, n_timesteps, n_features = X.shape
        if sample_weight is not None:
            sample_weight = np.repeat(
                check_array(sample_weight, ensure_2d=False, input_name="sample_weight"),
                n_timesteps,
            )
            if sample_weight.shape[0] != n_samples * n_timesteps:
                raise ValueError(
                    f"sample_weight has {sample_weight.shape[0] // n_timesteps} "
                    f"entries, expected one per sequence ({n_samples})."
                )
        scaler = StandardScaler(with_mean=self.with_mean, with_std=self.with_std)
        scaler.fit(X.reshape(-1, n_features), sample_weight=sample_weight)
        self.mean_ = scaler.mean_
        self.var_ = scaler.var_
        self.scale_ = scaler.scale_
        self.n_samples_seen_ = scaler.n_samples_seen_
        return self

    def transform(self, X):
        """Standardize ``X``; padding stays NaN and ``X`` is not modified.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            NaN-padded sequences.

        Returns
        -------
        X_scaled : ndarray of the same shape as X
            A new array; for 2D input, the container chosen by
            :meth:`set_output` (3D sequences always stay an array).
        """
        check_is_fitted(self)
        X_input = X
        X, is_3d = self._validate(X, reset=False)
        X_scaled = X - self.mean_ if self.with_mean else X.copy()
        if self.with_std:
            X_scaled /= self.scale_
        return self._wrap_output(X_scaled if is_3d else X_scaled[:, 0, :], X_input)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Standardized sequences.

        Returns
        -------
        X_original : ndarray of the same shape as X
            A new array.
        """
        check_is_fitted(self)
        X, is_3d = self._validate(X, reset=False)
        X_original = X * self.scale_ if self.with_std else X.copy()
        if self.with_mean:
            X_original += self.mean_
        return X_original if is_3d else X_original[:, 0, :]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


class SequenceReshaper(_SequenceOutputMixin, TransformerMixin, BaseEstimator,
                       auto_wrap_output_keys=None):
    """Turn flat rows or channels-first arrays into channels-last sequences.

    Tools that take only 2D X (``BaggingClassifier``, imbalanced-learn's
    samplers, ``permutation_importance``, sktime's and aeon's wrappers of
    scikit-learn estimators) can hold a recurrent pipeline when X is flattened
    to (n_samples, n_timesteps * n_features) and the pipeline's first step
    turns rows back into sequences: ``make_pipeline(SequenceReshaper(
    n_features=F), RNNClassifier())``. With ``layout='channels_first'`` it
    also reads aeon's and sktime's (n_samples, n_channels, n_timesteps)
    arrays, and their flattened rows, which our estimators would otherwise
    read as n_channels steps of n_timesteps features. NaN padding is kept.

    Parameters
    ----------
    n_features : int, default=None
        Features per timestep of a flat row; one of ``n_features`` and
        ``n_timesteps`` is enough for 2D input. With neither, 2D input passes
        through unchanged (our estimators read it as sequences of one step).
    n_timesteps : int, default=None
        Timesteps per flat row.
    layout : {'channels_last', 'channels_first'}, default='channels_last'
        How the input holds its values. 'channels_last': a flat row is
        ``[x_1, x_2, ..., x_T]`` with each ``x_t`` of n_features values (our
        own flattening, ``X.reshape(n, -1)``), and 3D input is already
        (n, T, F). 'channels_first': a flat row is ``[channel_1, ...,
        channel_F]`` with each channel a series of T values, and 3D input is
        (n, F, T), as aeon, sktime and PyTorch's Conv1d hold series.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of 2D input, or the size of the last axis of 3D
        input, seen in ``fit``.
    input_shape_ : tuple of int
        The shape of one sample seen in ``fit`` (what ``inverse_transform``
        returns to).
    n_timesteps_out_, n_features_out_ : int
        The shape of one output sequence.

    See Also
    --------
    SequenceScaler : Standardize the features of sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceReshaper
    >>> flat = np.arange(12.0).reshape(2, 6)  # 2 rows of 3 steps x 2 features
    >>> SequenceReshaper(n_features=2).fit_transform(flat)[0]
    array([[0., 1.],
           [2., 3.],
           [4., 5.]])
    >>> aeon_like = np.arange(12.0).reshape(2, 2, 3)  # (n, channels, T)
    >>> SequenceReshaper(layout="channels_first").fit_transform(aeon_like)[0]
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "n_timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "layout": [StrOptions({"channels_last", "channels_first"})],
    }

    def __init__(self, *, n_features=None, n_timesteps=None, layout="channels_last"):
        self.n_features = n_features
        self.n_timesteps = n_timesteps
        self.layout = layout

    def _output_shape(self, sample_shape):
        """(n_timesteps, n_features) of one output sequence, or None (2D passes)."""
        if len(sample_shape) == 2:
            first, second = sample_shape
            n_timesteps, n_features = (
                (second, first) if self.layout == "channels_first" else sample_shape
            )
            self._check_declared(n_timesteps, n_features, sample_shape)
            return n_timesteps, n_features
        (n_columns,) = sample_shape
        if self.n_features is None and self.n_timesteps is None:
            if self.layout == "channels_first":
                raise ValueError(
                    "layout='channels_first' on 2D X needs n_features (the number "
                    "of channels) or n_timesteps to cut each row."
                )
            return None
        size = self.n_features if self.n_features is not None else self.n_timesteps
        if n_columns % size:
            name = "n_features" if self.n_features is not None else "n_timesteps"
            raise ValueError(
                f"X has {n_columns} columns, which is not a multiple of "
                f"{name}={size}: the rows cannot be cut into sequences."
            )
        if self.n_features is not None:
            n_timesteps, n_features = n_columns // self.n_features, self.n_features
        else:
            n_timesteps, n_features = self.n_timesteps, n_columns // self.n_timesteps
        self._check_declared(n_timesteps, n_features, sample_shape)
        return n_timesteps, n_features

    def _check_declared(self, n_timesteps, n_features, sample_shape):
        for name, declared, actual in [
            ("n_features", self.n_features, n_features),
            ("n_timesteps", self.n_timesteps, n_timesteps),
        ]:
            if declared is not None and declared != actual:
                raise ValueError(
                    f"{name}={declared}, but X's samples of shape {sample_shape} "
                    f"hold {actual} with layout={self.layout!r}."
                )

    def _validate(self, X, reset):
        return _check_sequences_or_rows(self, X, reset)

    def fit(self, X, y=None):
        """Check the parameters against the shape of X's samples.

        The transformer is stateless: ``transform`` works unfitted too;
        ``fit`` checks early that X can be cut as asked and records its
        samples' shape for ``inverse_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns) or \
                (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features, n_timesteps)
            Flat rows, or sequences in ``layout``.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X = self._validate(X, reset=True)
        self.input_shape_ = X.shape[1:]
        out = self._output_shape(self.input_shape_)
        self.n_timesteps_out_, self.n_features_out_ = (
            (1, X.shape[1]) if out is None else out
        )
        return self

    def transform(self, X):
        """Reshape X into sequences (n_samples, n_timesteps, n_features).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns) or \
                (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features, n_timesteps)
            Flat rows, or sequences in ``layout``; after ``fit``, samples
            of the shape seen there.

        Returns
        -------
        sequences : ndarray of shape (n_samples, `n_timesteps_out_`, \
                `n_features_out_`), or X unchanged for 2D input with neither
                ``n_features`` nor ``n_timesteps``
        """
        # stateless: fit only checks the parameters early and records the
        # input shape for inverse_transform
        self._validate_params()
        X_input = X
        X = self._validate(X, reset=False)
        if hasattr(self, "input_shape_") and X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X's samples have shape {X.shape[1:]}, but {type(self).__name__} "
                f"was fitted on samples of shape {self.input_shape_}."
            )
        out = self._output_shape(X.shape[1:])
        if out is None:
            return self._wrap_output(X, X_input)
        n_timesteps, n_features = out
        if self.layout == "channels_first":
            X = X.reshape(len(X), n_features, n_timesteps).transpose(0, 2, 1)
        return np.ascontiguousarray(X.reshape(len(X), n_timesteps, n_features))

    def inverse_transform(self, X):
        """Turn sequences back into the layout seen in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_timesteps_out_`, `n_features_out_`)

        Returns
        -------
        X_original : ndarray of shape (n_samples,) + `input_shape_`
        """
        check_is_fitted(self)
        X = np.asarray(X)
        if X.ndim == 2 and len(self.input_shape_) == 1:
            return X.copy()  # 2D passed through transform unchanged
        expected = (self.n_timesteps_out_, self.n_features_out_)
        if X.ndim != 3 or X.shape[1:] != expected:
            raise ValueError(
                f"inverse_transform expects sequences of shape (n_samples, "
                f"{expected[0]}, {expected[1]}); got X of shape {X.shape}."
            )
        if self.layout == "channels_first":
            X = X.transpose(0, 2, 1)
        return np.ascontiguousarray(X).reshape((len(X),) + tuple(self.input_shape_))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns (2D output only: the input's own).

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        if len(self.input_shape_) != 1 or self._output_shape(self.input_shape_):
            raise AttributeError(
                "get_feature_names_out is only defined when 2D X passes through "
                "unchanged; sequences have no column names."
            )
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        return tags


def make_windows(series, window, horizon=1, *, target=None, stride=1):
    """Cut one long series into (window, future values) pairs for forecasting.

    Window ``i`` covers steps ``s = i * stride`` to ``s + window - 1`` of the
    series; its target is the series' ``target`` columns at steps
    ``s + window`` to ``s + window + horizon - 1``, the ``horizon`` steps that
    follow it.

    Parameters
    ----------
    series : array-like of shape (n_steps,) or (n_steps, n_features)
        The series, oldest step first; 1D is univariate.
    window : int
        Number of past steps in each input sequence.
    horizon : int, default=1
        Number of future steps to predict.
    target : int, list of int or None, default=None
        Columns of ``series`` to predict; all columns if None.
    stride : int, default=1
        Steps between the starts of consecutive windows.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The input sequences.
    y : ndarray of shape (n_windows,), (n_windows, n_targets), \
            (n_windows, horizon) or (n_windows, horizon * n_targets)
        The future values: 1D for one step of one target; otherwise one
        column per (step, target), step-major (all targets of step 1 first).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.]])
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    series = check_array(
        series, ensure_2d=False, dtype=FLOAT_DTYPES, input_name="series"
    )
    univariate = series.ndim == 1
    if univariate:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError("series must be 1D (n_steps,) or 2D (n_steps, n_features).")
    for name, value in [("window", window), ("horizon", horizon), ("stride", stride)]:
        if not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    n_steps = series.shape[0]
    n_windows = (n_steps - window - horizon) // stride + 1
    if n_windows < 1:
        raise ValueError(
            f"The series has {n_steps} steps, fewer than window + horizon = "
            f"{window + horizon}: no window fits."
        )
    columns = np.arange(series.shape[1]) if target is None else np.atleast_1d(target)
    starts = np.arange(n_windows) * stride
    X = series[starts[:, None] + np.arange(window)]
    future = series[starts[:, None] + window + np.arange(horizon)][:, :, columns]
    y = future.reshape(n_windows, horizon * len(columns))
    return X, (y[:, 0] if y.shape[1] == 1 else y)
