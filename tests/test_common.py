"""scikit-learn's estimator checks on every estimator configuration that matters."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_rnn import RNNClassifier, RNNRegressor

SOLVERS = ["adam", "sgd", "lbfgs"]
# Small, fast instances; the checks fit each many times on tabular data (2D X,
# read as sequences of one step).
ESTIMATORS = [
    Estimator(
        hidden_layer_sizes=(8,), solver=solver, max_iter=100, learning_rate_init=0.01
    )
    for Estimator in (RNNRegressor, RNNClassifier)
    for solver in SOLVERS
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: {})
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
