"""Peak memory of predict as the number of sequences grows.

``predict`` validates X, then converts and runs it in chunks whose activations fit
a fixed budget (``sklearn_rnn._resources.CHUNK_BUDGET_BYTES``), so the memory it
needs on top of X itself and of its output stays flat from a thousand to
200,000 sequences of 100 steps. The table prints the input size, the peak memory
numpy allocated during ``predict`` (tracemalloc) beyond the input, and that peak
per sequence. Run ``python benchmarks/bench_memory.py`` (a minute or two, about
2 GB of RAM for the largest X).
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from _machine import print_machine
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import RNNRegressor
from sklearn_rnn._resources import CHUNK_BUDGET_BYTES


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000,200000")
    parser.add_argument("--timesteps", type=int, default=100)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--cell", default="lstm")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.RandomState(0)
    T, F = args.timesteps, args.features
    X_train = rng.normal(size=(256, T, F))
    model = RNNRegressor(
        hidden_layer_sizes=(32,), cell=args.cell, max_iter=1, group_steps=1,
        random_state=0
    ).fit(X_train, X_train[:, -1, 0])
    print_machine()
    print(f"{args.cell} H=32, T={T}, F={F}, float64; chunk budget "
          f"{CHUNK_BUDGET_BYTES / 2**20:.0f} MiB\n")
    print(f"{'n_samples':>10} | {'X MiB':>8} | {'peak beyond X MiB':>17} | "
          f"{'bytes/sequence':>14} | {'seconds':>7}")
    for n_samples in map(int, args.sizes.split(",")):
        X = rng.normal(size=(n_samples, T, F))
        X[::7, -10:] = np.nan  # some padding
        tracemalloc.start()
        start = time.perf_counter()
        model.predict(X)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{n_samples:>10} | {X.nbytes / 2**20:>8.1f} | {peak / 2**20:>17.1f} | "
              f"{peak / n_samples:>14.0f} | {seconds:>7.2f}", flush=True)
        del X


if __name__ == "__main__":
    main()
