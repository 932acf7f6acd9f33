"""Model quality of the defaults on real sequence data, against flat baselines.

Classification: aeon's bundled GunPoint, ArrowHead, OSULeaf, ACSF1 and
PickupGestureWiimoteZ (their published train/test splits; Pickup has
sequences of different lengths, NaN-padded) and scikit-learn's digits read as
8 steps (rows) of 8 features (pixels), split 50/50 stratified. Regression:
one-step-ahead forecasting windows (``make_windows``) on aeon's bundled Airline,
Lynx and solar series, the last 25% of windows as the test set, the series
standardised with the mean and std of its training part (RMSE in those units).

Columns: ``make_pipeline(SequenceScaler(), RNN*(random_state=seed))`` with every
default, the same with ``early_stopping=True``, and baselines on the flattened
(scaled) sequences measured in the same run: LogisticRegression or Ridge,
MLPClassifier/MLPRegressor, 1-NN Euclidean, for regression the training mean
and the last value (naive forecast), and MiniRocket (aeon; not a flat
baseline, a state-of-the-art reference). Each cell is the mean ± std over the
seeds of test accuracy (higher is better) or RMSE (lower is better); the fit
time is the median over seeds. Every fit runs with one BLAS thread; tasks run
in ``--jobs`` processes.

Run: ``pip install ".[benchmark]" && python benchmarks/bench_quality.py``
(``--datasets``, ``--seeds``, ``--models`` select a subset; ``--long`` only
times a default fit on 3,600 sequences of 500 steps; ``--params
'{"cell": "lstm"}'`` adds keyword arguments to both RNN columns, to compare a
candidate default with the current one; ``--models rnn_vote`` adds the
defaults' soft vote over ``--vote-size`` seeds, a ``VotingClassifier`` or
``VotingRegressor`` of networks that differ only in ``random_state``; it is
not in the default run, as it takes that many times the fit time).
"""

import argparse
import json
import time
import warnings

import numpy as np
from _machine import print_machine
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceScaler,
    make_windows,
    pad_sequences,
)

CLASSIFICATION = ["GunPoint", "ArrowHead", "OSULeaf", "ACSF1", "PickupGestureWiimoteZ", "digits"]
REGRESSION = {"Airline": 12, "Lynx": 10, "solar": 24}  # name -> window length


def _aeon_classification(name):
    from aeon.datasets import load_classification

    X_train, y_train = load_classification(name, split="train")
    X_test, y_test = load_classification(name, split="test")
    if isinstance(X_train, list):  # unequal lengths: (1, T_i) arrays
        maxlen = max(x.shape[1] for x in X_train + X_test)
        X_train, X_test = (
            pad_sequences([x.T for x in X], maxlen=maxlen) for X in (X_train, X_test)
        )
    else:  # aeon is channels-first: (n, channels, T) -> (n, T, channels)
        X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
    return X_train, y_train, X_test, y_test


def _digits():
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    return X_train, y_train, X_test, y_test


def _forecasting(name, window):
    import aeon.datasets as datasets

    loader = {"Airline": "load_airline", "Lynx": "load_lynx", "solar": "load_solar"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # aeon deprecates load_lynx
        series = np.asarray(getattr(datasets, loader[name])(), dtype=float).ravel()
    X, y = make_windows(series, window)
    n_train = int(round(0.75 * len(X)))
    train_part = series[: n_train + window]
    mean, std = train_part.mean(), train_part.std()
    X, y = (X - mean) / std, (y - mean) / std
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def load(name):
    if name == "digits":
        return _digits()
    if name in REGRESSION:
        return _forecasting(name, REGRESSION[name])
    return _aeon_classification(name)


def _flatten(X):
    # scaled sequences, padding (NaN) read as the mean (0), one row per sequence
    return np.nan_to_num(X.reshape(len(X), -1))


def _to_aeon(X):
    # channels-first, padding as 0, zero steps appended up to MiniRocket's 9
    X = np.nan_to_num(X).transpose(0, 2, 1)
    return np.pad(X, [(0, 0), (0, 0), (0, max(0, 9 - X.shape[2]))])


class _LastValue(DummyRegressor):
    """Naive forecast: the last valid value of the (single-feature) window."""

    def fit(self, X, y):
        self.n_features_in_ = X.shape[-1]
        return self

    def predict(self, X):
        return X[:, -1, 0]


def make_model(model, task, seed, params, vote_size=5):
    classification = task == "classification"
    flat = FunctionTransformer(_flatten)
    if model in ("rnn", "rnn_es"):
        Estimator = RNNClassifier if classification else RNNRegressor
        rnn = Estimator(
            random_state=seed, early_stopping=model == "rnn_es", **params
        )
        return make_pipeline(SequenceScaler(), rnn)
    if model == "rnn_vote":
        # the defaults' predictions averaged over vote_size seeds (a soft vote);
        # the vote of seed s has the seeds vote_size * s to vote_size * (s + 1) - 1,
        # so the votes of different seeds share no network
        Estimator = RNNClassifier if classification else RNNRegressor
        members = [
            (str(s), Estimator(random_state=s, **params))
            for s in range(vote_size * seed, vote_size * (seed + 1))
        ]
        if classification:
            vote = VotingClassifier(members, voting="soft")
        else:
            vote = VotingRegressor(members)
        return make_pipeline(SequenceScaler(), vote)
    if model == "linear":
        linear = LogisticRegression(max_iter=2000) if classification else Ridge()
        return make_pipeline(SequenceScaler(), flat, linear)
    if model == "mlp":
        Estimator = MLPClassifier if classification else MLPRegressor
        return make_pipeline(
            SequenceScaler(), flat, Estimator(max_iter=1000, random_state=seed)
        )
    if model == "1nn":
        Estimator = KNeighborsClassifier if classification else KNeighborsRegressor
        return make_pipeline(SequenceScaler(), flat, Estimator(n_neighbors=1))
    if model == "mean":
        return DummyRegressor()
    if model == "last":
        return _LastValue()
    if model == "minirocket":
        from aeon.classification.convolution_based import MiniRocketClassifier
        from aeon.regression.convolution_based import MiniRocketRegressor

        Estimator = MiniRocketClassifier if classification else MiniRocketRegressor
        to_aeon = FunctionTransformer(_to_aeon)
        return make_pipeline(SequenceScaler(), to_aeon, Estimator(random_state=seed))
    raise ValueError(f"unknown model {model!r}")


def run_one(name, model, seed, params, vote_size):
    task = "regression" if name in REGRESSION else "classification"
    X_train, y_train, X_test, y_test = load(name)
    estimator = make_model(model, task, seed, params, vote_size)
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        y_pred = estimator.predict(X_test)
    if task == "classification":
        score = accuracy_score(y_test, y_pred)
    else:
        score = root_mean_squared_error(y_test, y_pred)
    n_iter = getattr(estimator[-1], "n_iter_", None) if model.startswith("rnn") else None
    return name, model, seed, score, fit_time, n_iter


def long_series_fit(seed=0, n_train=3600, n_test=1200, n_timesteps=500):
    """Fit time of the defaults on 3,600 univariate sequences of 500 steps.

    The class is whether a bump of 40 steps, placed at random in a random
    walk, goes up or down; 1,200 more sequences measure the accuracy.
    """
    n_samples = n_train + n_test
    task_rng = np.random.RandomState(seed)
    X = np.cumsum(task_rng.normal(size=(n_samples, n_timesteps)), axis=1) * 0.1
    y = task_rng.randint(2, size=n_samples)
    starts = task_rng.randint(0, n_timesteps - 40, size=n_samples)
    bump = np.sin(np.linspace(0, np.pi, 40)) * 2
    for i, start in enumerate(starts):
        X[i, start : start + 40] += bump if y[i] else -bump
    X = X[:, :, None]
    model = make_pipeline(SequenceScaler(), RNNClassifier(random_state=seed))
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X[:n_train], y[:n_train])
        fit_time = time.perf_counter() - start
    return fit_time, model[-1].n_iter_, model[-1].group_steps_, model.score(X[n_train:], y[n_train:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=CLASSIFICATION + list(REGRESSION))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--models", nargs="+",
        default=["rnn", "rnn_es", "linear", "mlp", "1nn", "mean", "last", "minirocket"],
    )
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument(
        "--vote-size", type=int, default=5,
        help="networks (seeds) per soft vote of the rnn_vote model",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--long", action="store_true",
        help="only time a default fit on 3,600 sequences of 500 steps",
    )
    args = parser.parse_args()
    if args.long:
        fit_time, n_iter, group_steps, accuracy = long_series_fit()
        print(
            f"3,600 sequences x 500 steps x 1 feature, 1 BLAS thread: default fit "
            f"{fit_time:.0f} s, {n_iter} epochs, group_steps_={group_steps}, "
            f"held-out accuracy {accuracy:.3f}"
        )
        return

    try:
        import aeon

        aeon_version = aeon.__version__
    except ImportError:
        aeon_version = "not installed"
    print_machine(aeon=aeon_version)
    print(
        f"1 BLAS thread per fit, {args.jobs} processes; seeds 0-{args.seeds - 1}; "
        f"extra RNN parameters: {args.params or 'none'}"
        + (f"; {args.vote_size} networks per vote" if "rnn_vote" in args.models else "")
    )
    tasks = []
    for name in args.datasets:
        regression = name in REGRESSION
        for model in args.models:
            if model in ("mean", "last") and not regression:
                continue
            if model == "minirocket":
                try:
                    import aeon  # noqa: F401
                except ImportError:
                    continue
            deterministic = model in ("linear", "1nn", "mean", "last")
            seeds = [0] if deterministic else range(args.seeds)
            tasks += [(name, model, seed) for seed in seeds]
    results = Parallel(n_jobs=args.jobs, verbose=0)(
        delayed(run_one)(name, model, seed, args.params, args.vote_size)
        for name, model, seed in tasks
    )

    table = {}
    for name, model, seed, score, fit_time, n_iter in results:
        table.setdefault((name, model), []).append((score, fit_time, n_iter))
    models = [m for m in args.models if any(k[1] == m for k in table)]
    print()
    print("| data set (metric) | " + " | ".join(models) + " |")
    print("|---" * (len(models) + 1) + "|")
    for name in args.datasets:
        metric = "RMSE" if name in REGRESSION else "accuracy"
        cells = []
        for model in models:
            runs = table.get((name, model))
            if runs is None:
                cells.append("")
                continue
            scores = np.array([r[0] for r in runs])
            times = np.median([r[1] for r in runs])
            cell = f"{scores.mean():.3f} ± {scores.std():.3f} ({times:.1f} s"
            iters = [r[2] for r in runs if r[2] is not None]
            cell += f", {int(np.median(iters))} it)" if iters else ")"
            cells.append(cell)
        print(f"| {name} ({metric}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
