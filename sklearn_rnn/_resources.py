"""Bounded memory and BLAS thread control for the fit and predict loops."""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

from ._params import N_GATES

# Activations kept at once by predict, transform and the full-batch loss: the
# data is cut into chunks of sequences whose forward pass fits this budget.
CHUNK_BUDGET_BYTES = 64 * 2**20

# Below this many multiply-adds, the per-step recurrent product (batch x hidden
# by hidden x gates*hidden) runs faster on ONE BLAS thread than on two on 2-core
# machines (benchmarks/bench_threads.py: 0.87-0.90 of the 2-thread time at
# hidden 16-64, batch 64; 1.56 at hidden 256), so fit and predict limit BLAS
# to one thread for such problems and leave the user's setting otherwise.
SMALL_PRODUCT_MACS = 2**20
# Products of fewer rows than this (e.g. predicting one sequence) run on one
# thread inside OpenBLAS anyway; not limiting saves the limit's own cost
# (predicting one sequence of 20 steps: 131 instead of 194 us at hidden 16).
FEW_ROWS = 8

_controller = None


def batches(n_samples, batch_size):
    """Consecutive slices of at most ``batch_size`` of ``range(n_samples)``.

    scikit-learn's ``gen_batches`` validates its parameters on every call,
    which costs more than predicting one short sequence.
    """
    return [
        slice(start, min(start + batch_size, n_samples))
        for start in range(0, n_samples, batch_size)
    ]


def bytes_per_sequence(net, n_timesteps, itemsize):
    """Approximate bytes of activations that one sequence needs in a forward pass.

    Per layer and direction: the gate pre-activations and the states and cell
    caches, about (2 * n_gates + 3) values per hidden unit and step, plus the
    layer input copy.
    """
    n_gates = N_GATES[net.cell]
    per_step = net.n_features
    for n_hidden in net.hidden_layer_sizes:
        per_step += net.n_directions * n_hidden * (2 * n_gates + 3)
    return itemsize * n_timesteps * per_step


def chunk_size(net, n_timesteps, itemsize, budget=None):
    """Number of sequences per chunk so that a forward pass fits the budget."""
    budget = CHUNK_BUDGET_BYTES if budget is None else budget
    return max(1, int(budget // bytes_per_sequence(net, n_timesteps, itemsize)))


def blas_threads_for(net, n_rows):
    """BLAS threads to use: 1 for small per-step products, None to leave as is
    (big products, or products so thin that BLAS runs them on one thread).

    Parameters
    ----------
    net : Network
    n_rows : int
        Rows of the per-step product (the batch size).
    """
    if n_rows < FEW_ROWS:
        return None
    n_gates = N_GATES[net.cell]
    biggest = max(n_rows * h * n_gates * h for h in net.hidden_layer_sizes)
    return 1 if biggest < SMALL_PRODUCT_MACS else None


@contextmanager
def limit_blas_threads(n_threads):
    """Limit the BLAS libraries to ``n_threads`` inside the block (None: no-op).

    The previous limits are restored on exit, whatever happens in the block.
    """
    global _controller
    if n_threads is None:
        yield
        return
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=n_threads, user_api="blas"):
        yield


def fresh_array(name, shape, dtype):
    """An uninitialised new array: the allocator of one-off passes.

    Parameters
    ----------
    name : str
        Ignored (see :class:`Workspace`).
    shape : tuple of int
    dtype : numpy dtype
    """
    return np.empty(shape, dtype)


class Workspace:
    """Arrays kept from one pass to the next, so repeated passes allocate nothing.

    Every minibatch of a fit runs the same forward and backward passes on
    arrays of the same shapes. Allocating them afresh each time costs a page
    fault per 4 KiB when the memory comes back from the operating system:
    about 5.6 us each on the reference machine, a quarter of an LSTM step at
    hidden 64 (``benchmarks/bench_torch.py``). A workspace hands out the same
    array for the same name while its shape and dtype do not change.

    The arrays of one name are overwritten by the next pass, so nothing that
    outlives a pass may be one of them; a workspace is not thread-safe.
    """

    def __init__(self):
        self._arrays = {}

    def allocator(self, *scope):
        """``empty(name, shape, dtype)`` handing out this workspace's arrays.

        Parameters
        ----------
        *scope : hashable
            Prefix of the names, e.g. the layer and direction, so that two
            layers never share an array.
        """

        def empty(name, shape, dtype):
            key = scope + (name,)
            array = self._arrays.get(key)
            if array is None or array.shape != shape or array.dtype != dtype:
                array = self._arrays[key] = np.empty(shape, dtype)
            return array

        return empty
