"""The package's main job: classify handwritten digits read as sequences.

Run it with ``python -m sklearn_rnn``.
"""

# Authors: The sklearn_rnn developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from ._estimators import RNNClassifier


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


def main(n_splits=5, random_state=0):
    """Cross-validate an RNN pipeline on scikit-learn's digits and print the scores.

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
        # the defaults (a GRU of 64 units, Adam), with fewer epochs than the
        # default 500 so that the whole run takes seconds
        RNNClassifier(max_iter=20, random_state=random_state),
    )
    print(f"pipeline: {pipeline}")
    print(f"{n_splits}-fold stratified cross-validation:")
    start = time.perf_counter()
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
