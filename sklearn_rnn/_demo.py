"""The package's main job: classify handwritten digits read as sequences.

Run it with ``python -m sklearn_rnn`` (``--help`` lists the options).
"""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from ._estimators import RNNClassifier

# the classifier's own default (units in each direction of its one layer)
DEFAULT_UNITS = RNNClassifier().hidden_layer_sizes[0]


def images_as_sequences(X):
    """Read each 8x8 digit image as a sequence of 8 rows of 8 pixels in [0, 1].

    Parameters
    ----------
    X : ndarray of shape (n_samples, 64)

    Returns
    -------
    sequences : ndarray of shape (n_samples, 8, 8)
    """
    return np.asarray(X, dtype=float).reshape(-1, 8, 8) / 16.0


def main(n_splits=5, random_state=0, cell="gru", max_iter=20,
         hidden_units=DEFAULT_UNITS):
    """Cross-validate an RNN pipeline on scikit-learn's digits and print the scores.

    Parameters
    ----------
    n_splits : int, default=5
        Number of cross-validation folds.
    random_state : int, default=0
        Seeds the folds and the networks.
    cell : {'gru', 'lstm', 'rnn'}, default='gru'
        The recurrent cell.
    max_iter : int, default=20
        Epochs per fit (the estimator's default is 500; 20 keep the run short).
    hidden_units : int, default=32
        Units of each direction of the one recurrent layer.

    Returns
    -------
    scores : ndarray of shape (n_splits,)
        Test accuracy of each fold.
    """
    X, y = load_digits(return_X_y=True)
    print(
        f"digits: {X.shape[0]} images of 8x8 pixels, read as sequences of "
        "8 timesteps (rows) x 8 features (pixels); 10 classes"
    )
    pipeline = make_pipeline(
        FunctionTransformer(images_as_sequences),
        # by default the estimator's defaults (a GRU of 32 units in each
        # direction, max pooling, Adam), with fewer epochs than the default
        # 500 so that the whole run takes seconds
        RNNClassifier(
            **({} if cell == "gru" else {"cell": cell}),
            **({} if hidden_units == DEFAULT_UNITS
               else {"hidden_layer_sizes": (hidden_units,)}),
            max_iter=max_iter,
            random_state=random_state,
        ),
    )
    print(f"pipeline: {pipeline}")
    print(f"{n_splits}-fold stratified cross-validation:")
    start = time.perf_counter()
    with warnings.catch_warnings():
        # the epochs are cut on purpose (max_iter): the estimator's warning
        # that training stopped before converging would only repeat that
        warnings.filterwarnings(
            "ignore", message="Stochastic Optimizer: Maximum iterations"
        )
        result = cross_validate(
            pipeline,
            X,
            y,
            cv=StratifiedKFold(n_splits, shuffle=True, random_state=random_state),
            return_estimator=True,
            return_train_score=True,
            verbose=3,
        )
    elapsed = time.perf_counter() - start
    for fold, (estimator, train, test) in enumerate(
        zip(result["estimator"], result["train_score"], result["test_score"]), 1
    ):
        rnn = estimator[-1]
        print(
            f"  fold {fold}: {rnn.n_iter_:3d} epochs, final loss "
            f"{rnn.loss_:.4f}, train accuracy {train:.4f}, test accuracy {test:.4f}"
        )
    scores = result["test_score"]
    print(
        f"mean test accuracy {scores.mean():.4f} +/- {scores.std():.4f} "
        f"({elapsed:.1f} s in all)"
    )
    return scores


def command_line(argv=None):
    """``python -m sklearn_rnn [options]``: parse the options and run :func:`main`."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_rnn",
        description=(
            "Cross-validate make_pipeline(<rows as timesteps>, RNNClassifier(...)) "
            "on scikit-learn's handwritten digits, read as sequences of 8 rows "
            "(timesteps) of 8 pixels (features), and print each fold's epochs, "
            "loss and accuracy."
        ),
    )
    parser.add_argument(
        "--cell", choices=["gru", "lstm", "rnn"], default="gru",
        help="the recurrent cell (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden-units", type=int, default=DEFAULT_UNITS,
        help="units of each direction of the recurrent layer (default: %(default)s)",
    )
    parser.add_argument(
        "--max-iter", type=int, default=20,
        help="epochs per fit (default: %(default)s; the estimator's own is 500)",
    )
    parser.add_argument(
        "--folds", type=int, default=5,
        help="cross-validation folds (default: %(default)s)",
    )
    parser.add_argument(
        "--random-state", type=int, default=0,
        help="seed of the folds and the networks (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    for name in ("hidden_units", "max_iter"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    return main(
        n_splits=args.folds,
        random_state=args.random_state,
        cell=args.cell,
        max_iter=args.max_iter,
        hidden_units=args.hidden_units,
    )
