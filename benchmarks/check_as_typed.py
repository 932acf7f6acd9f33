"""scikit-learn's ``check_estimator`` on every configuration as a user types it.

The test suite checks the bare defaults as typed and every solver x cell at a
small size (8 units, 50 iterations, 75 for sgd), which fits its time budget;
this script runs the whole matrix at the default size (64 units, the default
iterations): every accepted solver name x cell, ``early_stopping=True``,
``dropout=0.2`` and ``input_noise=0.1``, for both estimators. It prints one row
per configuration: the checks run, the ones that failed (the sample-weight
equivalence check is impossible in principle with a random validation split or
random dropout masks, and is marked so), and the time.
One BLAS thread per check run, ``--jobs`` processes.

Run: ``python benchmarks/check_as_typed.py [--jobs 2] [--only SUBSTRING]``
(about an hour on 2 cores for all but 'BFGS' and 'SLSQP'). Those two cost
O(n_params³) per iteration and refuse networks above 4,096 parameters, which
fails every check that fits for most of their rows; the rows they accept
(the Elman cell's smaller networks) take about a second per iteration and
many hours in all; run them apart with ``--only "solver='BFGS'"``.
"""

import argparse
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

import time  # noqa: E402
import warnings  # noqa: E402

from joblib import Parallel, delayed  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

SOLVERS = ("adam", "sgd", "lbfgs", "CG", "BFGS", "Newton-CG", "TNC", "SLSQP",
           "trust-constr")
IMPOSSIBLE = "check_sample_weight_equivalence_on_dense_data"


def configurations():
    for name in ("RNNRegressor", "RNNClassifier"):
        yield f"{name}()"
        for solver in SOLVERS:
            for cell in ("rnn", "lstm", "gru"):
                if (solver, cell) != ("adam", "gru"):  # the defaults, above
                    yield f"{name}(solver={solver!r}, cell={cell!r})"
        yield f"{name}(early_stopping=True)"
        yield f"{name}(dropout=0.2)"
        yield f"{name}(input_noise=0.1)"


def run(configuration):
    from sklearn.utils.estimator_checks import check_estimator

    from sklearn_rnn import RNNClassifier, RNNRegressor  # noqa: F401

    estimator = eval(configuration)
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        results = check_estimator(estimator, on_fail=None)
        elapsed = time.perf_counter() - start
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    return configuration, len(results), failed, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    todo = [c for c in configurations() if args.only in c]
    print(f"{len(todo)} configurations, {args.jobs} processes, 1 BLAS thread each")
    print("| configuration | checks | failed | time |")
    print("|---|---|---|---|")
    for configuration, n_checks, failed, elapsed in Parallel(
        n_jobs=args.jobs, return_as="generator"
    )(delayed(run)(c) for c in todo):
        random_parts = "early_stopping" in configuration or "dropout" in configuration
        shown = [
            f"{name} (impossible in principle)"
            if name == IMPOSSIBLE and random_parts else name
            for name in failed
        ]
        print(f"| {configuration} | {n_checks} | {', '.join(shown) or 'none'} | "
              f"{elapsed:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
