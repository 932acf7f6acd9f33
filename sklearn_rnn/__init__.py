"""Recurrent neural networks (Elman RNN) as scikit-learn estimators."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._estimators import RNNClassifier, RNNRegressor

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]
