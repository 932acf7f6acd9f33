"""Sequence preprocessing: NaN padding, scaling over valid steps, forecasting windows."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._sequences import (
    SequenceReshaper,
    SequenceScaler,
    make_windows,
    pad_sequences,
    sequence_lengths,
)

__all__ = [
    "SequenceReshaper",
    "SequenceScaler",
    "make_windows",
    "pad_sequences",
    "sequence_lengths",
]
