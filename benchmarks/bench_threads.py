"""Fit time of one training epoch with 1 and with 2 BLAS threads.

Prints a table: for each problem size, the median time per epoch of
``RNNRegressor.fit`` (Adam, batch 64, 2048 sequences) with BLAS limited to one
thread and with two threads, measured interleaved (1 2 1 2 ...) in the same run,
and their ratio. Run: ``python benchmarks/bench_threads.py [--repeats N]``.
"""

import argparse
import time
import warnings

import numpy as np
from _machine import print_machine
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn_rnn import RNNRegressor

GRID = [  # (hidden, timesteps, features)
    (16, 20, 8),
    (64, 20, 8),
    (64, 100, 8),
    (256, 20, 64),
]


def epoch_time(X, y, hidden, n_threads, epochs=2):
    est = RNNRegressor((hidden,), cell="rnn", batch_size=64, max_iter=epochs, tol=0,
                       group_steps=1, random_state=0)
    with threadpool_limits(n_threads, user_api="blas"):
        start = time.perf_counter()
        est.fit(X, y)
    return (time.perf_counter() - start) / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=2048)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print_machine()
    print(f"n_samples={args.n_samples}, batch 64, Adam, float64, "
          f"median of {args.repeats} interleaved repeats, wall-clock\n")
    print(f"{'H':>5} {'T':>5} {'F':>4} | {'1 thread s/epoch':>17} "
          f"{'2 threads s/epoch':>18} | {'1/2 ratio':>9}")
    rng = np.random.RandomState(0)
    for hidden, n_timesteps, n_features in GRID:
        X = rng.normal(size=(args.n_samples, n_timesteps, n_features))
        y = rng.normal(size=args.n_samples)
        times = {1: [], 2: []}
        for _ in range(args.repeats):
            for n_threads in (1, 2):
                times[n_threads].append(epoch_time(X, y, hidden, n_threads))
        one, two = np.median(times[1]), np.median(times[2])
        print(f"{hidden:>5} {n_timesteps:>5} {n_features:>4} | {one:>17.4f} "
              f"{two:>18.4f} | {one / two:>9.2f}")


if __name__ == "__main__":
    main()
