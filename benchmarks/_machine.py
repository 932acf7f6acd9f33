"""The machine and library lines every benchmark prints above its table.

Figures are only comparable with their context: the CPU, the core count, the
versions, and the BLAS library with its default thread count (each benchmark
then says how many threads it used).
"""

import os
import platform

import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_info

import sklearn_rnn


def print_machine(**extra_versions):
    """Print the machine, the versions and each BLAS library, one per line.

    Parameters
    ----------
    **extra_versions : str
        Further ``name=version`` pairs to list (e.g. ``torch=...``).
    """
    cpu = " ".join(filter(None, [platform.machine(), platform.processor()]))
    print(f"machine: {cpu}, {os.cpu_count()} cores")
    versions = {
        "python": platform.python_version(), "numpy": np.__version__,
        "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
        "sklearn_rnn": sklearn_rnn.__version__, **extra_versions,
    }
    print("versions: " + ", ".join(f"{name} {v}" for name, v in versions.items()))
    for info in threadpool_info():
        if info["user_api"] == "blas":
            print(f"BLAS: {info['internal_api']} {info['version']} "
                  f"({info.get('architecture')}), {info['num_threads']} threads "
                  f"by default, {os.path.basename(info['filepath'])}")
