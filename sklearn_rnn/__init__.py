"""Recurrent neural networks as scikit-learn estimators."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._base import TRUSTED_TYPES
from ._estimators import RNNClassifier, RNNRegressor
from ._sequences import (
    SequenceReshaper,
    SequenceScaler,
    make_windows,
    pad_sequences,
    sequence_lengths,
)

__version__ = "0.1.0"

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "SequenceReshaper",
    "SequenceScaler",
    "TRUSTED_TYPES",
    "make_windows",
    "pad_sequences",
    "sequence_lengths",
    "__version__",
]
