"""What ``RNNRegressor.forecast`` costs against one pass over T + n steps.

Prints a table: for histories of T steps and forecasts of n steps, the median
wall-clock time of ``forecast(X, n)``, of one ``predict`` over sequences of
T + n steps (the cost of a single pass, the reference), and of the naive
recursion that re-runs the whole growing history for every new value
(n passes of T to T + n steps). Their ratios to the single pass show that
carrying the state costs about one pass (plus a per-step overhead for the
n one-step passes), where the naive recursion grows with n × T.
Run: ``python benchmarks/bench_forecast.py [--repeats N]``.
"""

import argparse
import time
import warnings

import numpy as np
from _machine import print_machine
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sklearn_rnn import RNNRegressor

GRID = [  # (history T, forecast n)
    (100, 10),
    (100, 100),
    (500, 50),
    (500, 500),
]
N_SERIES, HIDDEN = 64, 32


def median_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def naive_forecast(model, X, n_steps):
    history = X
    for _ in range(n_steps):
        nxt = model.predict(history)[:, -1].reshape(len(X), 1, -1)
        history = np.concatenate([history, nxt], axis=1)
    return history[:, X.shape[1]:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print_machine()
    print(f"{N_SERIES} series, one feature, GRU of {HIDDEN} units, float64, "
          f"1 BLAS thread, median of {args.repeats} repeats, wall-clock\n")
    print(f"{'T':>5} {'n':>5} | {'one pass T+n (s)':>16} {'forecast (s)':>13} "
          f"{'naive (s)':>10} | {'forecast/pass':>13} {'naive/pass':>10}")
    rng = np.random.RandomState(0)
    with threadpool_limits(1, user_api="blas"):
        for n_timesteps, n_steps in GRID:
            X = rng.normal(size=(N_SERIES, n_timesteps, 1))
            model = RNNRegressor(pooling=None, hidden_layer_sizes=HIDDEN, max_iter=1,
                                 random_state=0).fit(X[:, :-1], X[:, 1:, 0])
            longer = rng.normal(size=(N_SERIES, n_timesteps + n_steps, 1))
            one_pass = median_time(lambda: model.predict(longer), args.repeats)
            forecast = median_time(lambda: model.forecast(X, n_steps), args.repeats)
            naive = median_time(
                lambda: naive_forecast(model, X, n_steps), max(1, args.repeats // 2)
            )
            np.testing.assert_allclose(
                naive_forecast(model, X, 3), model.forecast(X, 3), rtol=1e-10
            )
            print(f"{n_timesteps:>5} {n_steps:>5} | {one_pass:>16.4f} "
                  f"{forecast:>13.4f} {naive:>10.3f} | {forecast / one_pass:>13.2f} "
                  f"{naive / one_pass:>10.1f}")


if __name__ == "__main__":
    main()
