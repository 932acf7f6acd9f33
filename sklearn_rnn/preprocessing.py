"""Sequence preprocessing: NaN padding, scaling over valid steps, forecasting windows."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._sequences import SequenceScaler, make_windows, pad_sequences, sequence_lengths

__all__ = ["SequenceScaler", "make_windows", "pad_sequences", "sequence_lengths"]
