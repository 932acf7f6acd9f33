"""Input validation: the one place that reads the shape of X."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

FLOAT_DTYPES = (np.float64, np.float32)


def check_sequences(estimator, X, *, reset, return_ndim=False):
    """Validate a batch of sequences and find its padding.

    2D input of shape (n_samples, n_features) is read as sequences of ONE
    timestep and goes through scikit-learn's ``validate_data`` (feature names,
    ``n_features_in_``, its messages). 3D input of shape (n_samples, n_timesteps,
    n_features) is checked here, and ``n_features_in_`` is ``X.shape[-1]``; the
    number of timesteps may differ between fit and predict.

    A timestep whose features are all NaN is padding. NaN in only some features
    of a step, ±inf anywhere, and a sequence that is all padding are errors.

    Parameters
    ----------
    estimator : estimator instance
        Receives ``n_features_in_`` (and ``feature_names_in_`` for 2D data
        frames) when ``reset`` is True, and is compared against them otherwise.
    X : array-like of shape (n_samples, n_timesteps, n_features) or \
            (n_samples, n_features)
        The sequences.
    reset : bool
        True in ``fit``, False in ``predict`` and friends.
    return_ndim : bool, default=False
        Also return the number of dimensions X was given with (2 or 3).

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        float64 or float32; the caller's array itself where no conversion was
        needed, so it must not be written to.
    pad : ndarray of shape (n_samples, n_timesteps) of bool, or None
        True at padding steps; None when there is no padding.
    ndim : int
        2 for tabular input (read as one step), 3 for sequences; only when
        ``return_ndim`` is True.

    Raises
    ------
    ValueError
        For sparse, complex, 1D or 4D+ input, zero samples, timesteps or
        features, a feature count other than the one seen in fit, and the NaN
        and inf patterns above; the message names the sample and timestep.
    """
    if sp.issparse(X):
        raise ValueError(
            f"Sparse input is not supported by {type(estimator).__name__}: pass a "
            "dense array of shape (n_samples, n_timesteps, n_features) or "
            "(n_samples, n_features)."
        )
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            X = np.asarray(X)
        except ValueError as exc:
            raise ValueError(
                "X could not be read as one array of shape (n_samples, "
                "n_timesteps, n_features). Sequences of different lengths must "
                "be NaN-padded to one length first, e.g. with "
                "sklearn_rnn.pad_sequences."
            ) from exc
        ndim = X.ndim

    if ndim == 3:
        if not (isinstance(X, np.ndarray) and X.dtype in FLOAT_DTYPES):
            # a float64/float32 ndarray needs no conversion: skipping
            # check_array saves most of the cost of predicting one sequence
            X = check_array(
                X,
                allow_nd=True,
                dtype=FLOAT_DTYPES,
                ensure_all_finite=False,
                input_name="X",
                estimator=estimator,
            )
        _check_3d_shape(estimator, X, reset=reset)
    elif ndim <= 2:
        # scikit-learn's own validation (and its messages, including the one for
        # 1D input) for tabular data: each row is a sequence of one step.
        X = validate_data(
            estimator, X, reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite=False
        )
        X = X[:, None, :]
    else:
        raise ValueError(
            "X must be 3D (n_samples, n_timesteps, n_features) or 2D (n_samples, "
            f"n_features); got an array with {ndim} dimensions of shape "
            f"{np.shape(X)}."
        )
    if return_ndim:
        return X, find_padding(X), ndim
    return X, find_padding(X)


def _check_3d_shape(estimator, X, *, reset):
    n_samples, n_timesteps, n_features = X.shape
    if n_samples == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )
    for size, what in [(n_timesteps, "timestep"), (n_features, "feature")]:
        if size == 0:
            raise ValueError(
                f"Found array with 0 {what}(s) (shape={X.shape}) while a minimum "
                "of 1 is required."
            )
    if reset:
        estimator.n_features_in_ = n_features
        # Feature names describe the columns of a 2D frame; 3D data has none.
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )


def find_padding(X, chunk_values=2**24):
    """Padding mask of a 3D batch, after checking its NaN and inf patterns.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    chunk_values : int, default=2**24
        The check runs on chunks of about this many values, so its temporaries
        stay bounded whatever the size of X.

    Returns
    -------
    pad : ndarray of shape (n_samples, n_timesteps) of bool, or None
        True where every feature of a step is NaN; None if nothing is padding.
    """
    n_samples, n_timesteps, n_features = X.shape
    step = max(1, chunk_values // (n_timesteps * n_features))
    pads = [
        _find_padding_chunk(X[start : start + step], start)
        for start in range(0, n_samples, step)
    ]
    if all(pad is None for pad in pads):
        return None
    return np.concatenate(
        [
            np.zeros(X[start : start + step].shape[:2], dtype=bool) if pad is None else pad
            for start, pad in zip(range(0, n_samples, step), pads)
        ]
    )


def _find_padding_chunk(X, offset):
    """:func:`find_padding` on the samples ``offset, offset + 1, ...``."""
    # fast path: a finite sum means no NaN and no inf (one pass, no temporary;
    # a sum that overflows only sends finite data down the detailed path)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(X, axis=None)):
            return None
    finite = np.isfinite(X)
    if finite.all():
        return None
    infinite = np.isinf(X)
    if infinite.any():
        sample, step, feature = np.argwhere(infinite)[0]
        raise ValueError(
            f"X contains inf or -inf (at sample {offset + sample}, timestep {step}, "
            f"feature {feature}). Only NaN is allowed, and only to mark a padding "
            "step whose features are all NaN."
        )
    is_nan = ~finite
    pad = is_nan.all(axis=2)
    partial = is_nan.any(axis=2) & ~pad
    if partial.any():
        sample, step = np.argwhere(partial)[0]
        n_nan = int(is_nan[sample, step].sum())
        raise ValueError(
            f"X contains NaN in {n_nan} of {X.shape[2]} features at sample "
            f"{offset + sample}, timestep {step}. NaN marks padding, so a padding "
            "step must have ALL features NaN; impute missing values before fitting."
        )
    empty = pad.all(axis=1)
    if empty.any():
        sample = offset + np.flatnonzero(empty)[0]
        raise ValueError(
            f"Sample {sample} of X is all padding: every timestep is NaN. Each "
            "sequence needs at least one valid (non-NaN) timestep."
        )
    return pad


def check_sample_weight(sample_weight, n_samples, dtype, n_timesteps=None):
    """Validate ``sample_weight``: finite, non-negative, not all zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or (n_samples, \
            n_timesteps), float or None
        A weight per sequence, or per step where ``n_timesteps`` is given.
    n_samples : int
    dtype : numpy dtype
    n_timesteps : int, default=None
        The number of steps of per-step outputs; None allows 1D weights only.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_timesteps), \
            or None
        None stands for unit weights.
    """
    if sample_weight is None:
        return None
    if np.isscalar(sample_weight):
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=dtype, input_name="sample_weight"
    )
    if n_timesteps is not None and sample_weight.ndim == 2:
        if sample_weight.shape != (n_samples, n_timesteps):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected "
                f"({n_samples}, {n_timesteps}): one weight per timestep of each "
                f"sequence, or ({n_samples},): one weight per sequence."
            )
    elif sample_weight.ndim != 1:
        raise ValueError(
            f"sample_weight must be 1D; got shape {sample_weight.shape}."
            + (
                ""
                if n_timesteps is None
                else f" With pooling=None it may also be 2D, one weight per "
                f"timestep: ({n_samples}, {n_timesteps})."
            )
        )
    elif sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == ({sample_weight.shape[0]},), expected "
            f"({n_samples},): one weight per sequence."
        )
    if (sample_weight < 0).any():
        raise ValueError("Negative values in data passed to sample_weight.")
    if not sample_weight.any():
        raise ValueError(
            "Sample weights must contain at least one non-zero number."
        )
    return sample_weight


def valid_steps(X, pad):
    """Where the steps of X are not padding, as a bool array of pad's shape.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, ...) or time-major \
            (n_timesteps, n_samples, ...)
    pad : ndarray of bool of shape ``X.shape[:2]``, or None (no padding)

    Returns
    -------
    valid : ndarray of bool of shape ``X.shape[:2]``
    """
    return np.ones(X.shape[:2], dtype=bool) if pad is None else ~pad
