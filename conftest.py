"""Test-session set-up, loaded before any test or doctest module is imported."""

import os
import sys
import zlib

import pytest

# scikit-learn's array API checks need this before scipy is first imported.
# (A runner that imports scipy itself, e.g. mutmut, sets it in the environment.)
if "scipy" in sys.modules and os.environ.get("SCIPY_ARRAY_API") != "1":
    raise RuntimeError("scipy was imported before SCIPY_ARRAY_API could be set")
os.environ["SCIPY_ARRAY_API"] = "1"


def pytest_configure(config):
    # Small per-step matrix products run faster on one BLAS thread than on two
    # on 2-core machines, and the tests fit many small models: one thread per
    # test process.
    from threadpoolctl import threadpool_limits

    config._blas_limits = threadpool_limits(limits=1, user_api="blas")


@pytest.fixture(autouse=True)
def _order_independent_module_rng(request):
    """Give each test its own ``rng``, seeded by the test's name.

    Test modules keep a module-level ``rng`` for their data; a test that draws
    from it inside its body would otherwise see data that depends on which
    tests ran before it (``-k``, pytest-xdist). Reseeding it per test makes
    every test's data a function of the test alone.
    """
    module = request.module
    if module is not None and hasattr(module, "rng"):
        import numpy as np

        module.rng = np.random.RandomState(zlib.crc32(request.node.nodeid.encode()))
    yield
