"""What the README promises about the package itself: its dependencies, its
command line (``python -m sklearn_rnn``), docstrings that document every
parameter, and a claims table (doc/claims.rst) that names real tests."""

import importlib.metadata
import pathlib
import re
import subprocess
import sys
import warnings

import pytest

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceReshaper, SequenceScaler
from sklearn_rnn._demo import command_line


def test_runtime_dependencies_are_numpy_scipy_and_scikit_learn_only():
    requirements = importlib.metadata.requires("sklearn_rnn")
    runtime = {
        re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        for requirement in requirements
        if "extra ==" not in requirement
    }
    assert runtime == {"numpy", "scipy", "scikit-learn"}
    extras = " ".join(r for r in requirements if "extra ==" in r)
    assert "torch==2.13.0" in extras  # pinned: an unpinned torch pulls CUDA


def test_command_line_help_describes_the_demo_and_runs_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_rnn", "--help"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m sklearn_rnn")
    for option in ("--cell", "--hidden-units", "--max-iter", "--folds"):
        assert option in result.stdout
    assert "fold 1" not in result.stdout  # the demo did not run


def test_command_line_refuses_bad_options(capsys):
    for argv in (["--cell", "transformer"], ["--folds", "1"], ["--max-iter", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            command_line(argv)
        assert exit_info.value.code == 2
    errors = capsys.readouterr().err
    assert "invalid choice: 'transformer'" in errors
    assert "--folds must be at least 2" in errors
    assert "--max-iter must be at least 1" in errors


def test_command_line_options_reach_the_demo(capsys):
    scores = command_line(["--cell", "lstm", "--max-iter", "3", "--folds", "2",
                           "--hidden-units", "16"])
    out = capsys.readouterr().out
    assert "cell='lstm'" in out and "hidden_layer_sizes=(16,)" in out
    assert out.count("epochs, final loss") == 2
    assert len(scores) == 2 and scores.min() > 0.3  # 10 classes: chance is 0.1


def test_the_demo_prints_its_results_without_warnings(capsys):
    from sklearn_rnn._demo import main

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its few epochs are on purpose
        scores = main(n_splits=2, max_iter=2, hidden_units=8)
    assert scores.shape == (2,)
    assert "mean test accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    "Estimator", [RNNClassifier, RNNRegressor, SequenceScaler, SequenceReshaper]
)
def test_docstrings_document_every_parameter(Estimator):
    # the estimators share their parameter text through a template: a class
    # that lost its decorator would show "%(parameters)s" instead
    doc = Estimator.__doc__
    assert "%(" not in doc
    section = doc.split("Parameters\n    ----------\n", 1)[1].split("\n    ---")[0]
    documented = set(re.findall(r"^    (\w+) :", section, flags=re.MULTILINE))
    assert documented == set(Estimator().get_params())


def test_the_claims_table_names_tests_and_benchmarks_that_exist():
    # doc/claims.rst maps each README claim to what backs it; a renamed test
    # must not leave a claim pointing at nothing
    root = pathlib.Path(__file__).parents[1]
    table = (root / "doc" / "claims.rst").read_text()
    tests = set(re.findall(r"``(test_\w+\.py)::(\w+)", table))
    assert len(tests) > 50
    for file_name, function in tests:
        source = (root / "tests" / file_name).read_text()
        assert re.search(rf"^def {function}\(", source, flags=re.MULTILINE), (
            f"doc/claims.rst names {file_name}::{function}, which does not exist"
        )
    for script in set(re.findall(r"``benchmarks/(\w+\.py)", table)):
        assert (root / "benchmarks" / script).is_file(), script
