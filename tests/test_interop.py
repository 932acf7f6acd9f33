"""The bridge to the rest of the ecosystem: SequenceReshaper (flat rows and
channels-first arrays into sequences), 2D-only tools holding an RNN pipeline
(Bagging, imbalanced-learn), a soft vote over seeds on NaN-padded sequences,
set_output on sequence pipelines, and mlflow."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn.ensemble import BaggingClassifier, VotingClassifier, VotingRegressor
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceReshaper,
    SequenceScaler,
    pad_sequences,
)

N_TIMESTEPS, N_FEATURES = 6, 3


def sequences(seed, n_samples=40):
    """NaN-padded sequences (pre, post and mid padding) and their labels."""
    data_rng = np.random.RandomState(seed)
    lengths = data_rng.randint(2, N_TIMESTEPS + 1, size=n_samples)
    X = pad_sequences(
        [data_rng.normal(size=(n, N_FEATURES)) for n in lengths], maxlen=N_TIMESTEPS
    )
    X[::3] = X[::3, ::-1]  # every third sequence padded before its steps
    X[1::5, 1] = np.nan  # and some with a gap in the middle
    y = (np.nanmean(X[:, :, 0], axis=1) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
@pytest.mark.parametrize("given", ["n_features", "n_timesteps"])
def test_flat_rows_round_trip_with_padding(layout, given):
    X, _ = sequences(0)
    stored = X.transpose(0, 2, 1) if layout == "channels_first" else X
    flat = stored.reshape(len(X), -1)
    size = {"n_features": N_FEATURES, "n_timesteps": N_TIMESTEPS}[given]
    reshaper = SequenceReshaper(**{given: size}, layout=layout).fit(flat)
    back = reshaper.transform(flat)
    np.testing.assert_array_equal(back, X)  # NaN padding where it was
    assert back.flags.c_contiguous
    np.testing.assert_array_equal(reshaper.inverse_transform(back), flat)
    assert (reshaper.n_timesteps_out_, reshaper.n_features_out_) == X.shape[1:]


def test_channels_first_3d_arrays_become_channels_last():
    X, _ = sequences(1)
    aeon_layout = np.ascontiguousarray(X.transpose(0, 2, 1))  # (n, channels, T)
    reshaper = SequenceReshaper(layout="channels_first")
    np.testing.assert_array_equal(reshaper.fit_transform(aeon_layout), X)
    np.testing.assert_array_equal(reshaper.inverse_transform(X), aeon_layout)
    # channels-last 3D input passes through
    np.testing.assert_array_equal(SequenceReshaper().fit_transform(X), X)


def test_2d_input_without_a_shape_passes_through():
    flat = np.random.RandomState(2).normal(size=(5, 4))
    reshaper = SequenceReshaper()
    np.testing.assert_array_equal(reshaper.fit_transform(flat), flat)
    np.testing.assert_array_equal(reshaper.inverse_transform(flat), flat)
    names = reshaper.get_feature_names_out()
    np.testing.assert_array_equal(names, ["x0", "x1", "x2", "x3"])


def test_reshaper_errors_say_what_is_wrong():
    flat = np.zeros((4, 10))
    with pytest.raises(ValueError, match="10 columns, which is not a multiple of "
                       "n_features=3"):
        SequenceReshaper(n_features=3).fit(flat)
    with pytest.raises(ValueError, match="needs n_features"):
        SequenceReshaper(layout="channels_first").fit(flat)
    with pytest.raises(ValueError, match="n_timesteps=4, but"):
        SequenceReshaper(n_features=2, n_timesteps=4).fit(flat)
    with pytest.raises(ValueError, match="n_features=5, but"):
        SequenceReshaper(n_features=5).fit(np.zeros((4, 3, 2)))
    reshaper = SequenceReshaper(n_features=2).fit(flat)
    with pytest.raises(ValueError, match="X has 12 features, but SequenceReshaper"):
        reshaper.transform(np.zeros((4, 12)))
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(10,\)"):
        reshaper.transform(np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match=r"sequences of shape \(n_samples, 5, 2\)"):
        reshaper.inverse_transform(np.zeros((4, 2, 5)))
    with pytest.raises(AttributeError, match="sequences have no column names"):
        reshaper.get_feature_names_out()


def test_an_rnn_pipeline_inside_bagging_on_flat_rows():
    X, y = sequences(3, n_samples=80)
    flat = X.reshape(len(X), -1)
    pipeline = make_pipeline(
        SequenceReshaper(n_features=N_FEATURES),
        SequenceScaler(),
        RNNClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50),
    )
    bagging = BaggingClassifier(pipeline, n_estimators=3, random_state=0)
    bagging.fit(flat, y)  # Bagging checks for 2D X: it would refuse X itself
    assert bagging.score(flat, y) > 0.8
    # each member read the rows as the sequences they are
    member = bagging.estimators_[0]
    np.testing.assert_array_equal(member[:1].transform(flat), X)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_soft_vote_over_seeds_reads_padded_sequences(task):
    # the user guide's advice against the luck of the seed: networks that
    # differ only in random_state, their predictions averaged; the voting
    # meta-estimators hand the 3D, NaN-padded X to the members as it is
    X, y = sequences(6, n_samples=60)
    Estimator, Vote = {
        "classification": (RNNClassifier, VotingClassifier),
        "regression": (RNNRegressor, VotingRegressor),
    }[task]
    members = [
        (f"seed{seed}", Estimator(hidden_layer_sizes=(8,), max_iter=20,
                                  random_state=seed))
        for seed in range(3)
    ]
    options = {"voting": "soft"} if task == "classification" else {}
    vote = make_pipeline(SequenceScaler(), Vote(members, **options)).fit(X, y)
    X_scaled = vote[0].transform(X)
    if task == "classification":
        predictions = [m.predict_proba(X_scaled) for m in vote[-1].estimators_]
        np.testing.assert_allclose(vote.predict_proba(X), np.mean(predictions, 0))
    else:
        predictions = [m.predict(X_scaled) for m in vote[-1].estimators_]
        np.testing.assert_allclose(vote.predict(X), np.mean(predictions, 0))
    # the seeds gave different networks, so there is something to average
    assert not np.allclose(predictions[0], predictions[1])
    assert np.isfinite(vote.score(X, y))


def test_an_rnn_pipeline_behind_an_imbalanced_learn_sampler():
    X, y = sequences(4, n_samples=80)
    y[:] = 0
    y[:12] = 1  # a minority class
    flat = X.reshape(len(X), -1)
    pipeline = make_imblearn_pipeline(
        RandomOverSampler(random_state=0),
        SequenceReshaper(n_features=N_FEATURES),
        RNNClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30,
                      random_state=0),
    )
    pipeline.fit(flat, y)
    assert pipeline.predict(flat).shape == y.shape
    # the sampler balanced what the RNN saw: a minority-class sequence was
    # repeated, and each repeat was read back as a sequence
    assert pipeline[-1].t_ > len(y)


def test_set_output_pandas_on_a_sequence_pipeline():
    X, y = sequences(5)
    pipeline = make_pipeline(
        SequenceScaler(), RNNClassifier(hidden_layer_sizes=(4,), solver="lbfgs",
                                        max_iter=5, random_state=0)
    ).set_output(transform="pandas")
    with pytest.warns(Warning, match="failed to converge"):
        pipeline.fit(X, y)
    # 3D sequences stay arrays (a data frame cannot hold them) ...
    scaled = pipeline[0].transform(X)
    assert isinstance(scaled, np.ndarray) and scaled.shape == X.shape
    assert pipeline.predict(X).shape == y.shape
    # ... 2D output becomes a DataFrame with the input's column names
    frame = pd.DataFrame(X[:, -1].copy(), columns=["a", "b", "c"]).fillna(0.0)
    scaler = SequenceScaler().set_output(transform="pandas").fit(frame)
    out = scaler.transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(out.to_numpy(), SequenceScaler().fit_transform(frame))
    default = scaler.set_output(transform="default").transform(frame)
    assert isinstance(default, np.ndarray)


def test_set_output_pandas_on_the_estimators_embeddings():
    X, y = sequences(6)
    model = RNNClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5,
                          random_state=0)
    with pytest.warns(Warning, match="failed to converge"):
        model.fit(X, y)
    model.set_output(transform="pandas")
    embedding = model.transform(X)  # pooled: one row per sequence, a DataFrame
    assert isinstance(embedding, pd.DataFrame)
    assert list(embedding.columns) == list(model.get_feature_names_out())
    np.testing.assert_array_equal(
        embedding.to_numpy(), model.set_output(transform="default").transform(X)
    )
    # per-step states (pooling=None) are 3D: they stay an array
    per_step = RNNClassifier(pooling=None, hidden_layer_sizes=(4,), solver="lbfgs",
                             max_iter=5, random_state=0)
    labels = (np.nan_to_num(X[:, :, 0]) > 0).astype(int)
    with pytest.warns(Warning, match="failed to converge"):
        per_step.fit(X, labels)
    states = per_step.set_output(transform="pandas").transform(X)
    # one direction of 4 units ('auto' with pooling=None)
    assert isinstance(states, np.ndarray) and states.shape == X.shape[:2] + (4,)


def test_mlflow_logs_and_loads_with_a_variable_length_signature(tmp_path,
                                                                monkeypatch):
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    from sklearn_rnn import TRUSTED_TYPES

    X, y = sequences(7)
    pipeline = make_pipeline(SequenceScaler(), RNNClassifier(
        hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=0))
    with pytest.warns(Warning, match="failed to converge"):
        pipeline.fit(X, y)
    # any number of sequences and of timesteps, 3 features
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float64), (-1, -1, N_FEATURES))]),
        outputs=Schema([TensorSpec(np.dtype(np.int64), (-1,))]),
    )
    # mlflow's default format is skops: it must trust our public types only
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((tmp_path / "runs").as_uri())
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            pipeline, name="model", signature=signature, pip_requirements=[],
            skops_trusted_types=TRUSTED_TYPES,
        )
    longer, _ = sequences(8)
    longer = np.concatenate([longer, longer[:, :3]], axis=1)  # 9 steps, not 6
    loaded = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict_proba(longer),
                                  pipeline.predict_proba(longer))
    served = mlflow.pyfunc.load_model(info.model_uri).predict(longer)
    np.testing.assert_array_equal(served, pipeline.predict(longer))
