"""Test-session set-up, loaded before any test or doctest module is imported."""

import os
import sys

# scikit-learn's array API checks need this before scipy is first imported.
if "scipy" in sys.modules:
    raise RuntimeError("scipy was imported before SCIPY_ARRAY_API could be set")
os.environ["SCIPY_ARRAY_API"] = "1"


def pytest_configure(config):
    # Small per-step matrix products run faster on one BLAS thread than on two
    # on 2-core machines, and the tests fit many small models: one thread.
    from threadpoolctl import threadpool_limits

    config._blas_limits = threadpool_limits(limits=1, user_api="blas")
