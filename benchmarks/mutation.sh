#!/usr/bin/env bash
# Mutation testing of engine modules with mutmut, not run by CI.
#
#   pip install ".[test,parity,dev]" && benchmarks/mutation.sh
#
# setup.cfg's [mutmut] section names the modules to mutate and the tests that
# must kill each mutant. mutmut copies them to mutants/ and prints, at the end,
# the mutants that survived (each one a change of the code that no test noticed).
set -euo pipefail
cd "$(dirname "$0")/.."
# mutmut imports scipy before conftest.py could set this (see conftest.py)
export SCIPY_ARRAY_API=1
mutmut run --max-children "${MUTMUT_CHILDREN:-2}"
mutmut results
