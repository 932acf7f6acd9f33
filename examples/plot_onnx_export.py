"""
===========================================
Exporting a pipeline to ONNX and serving it
===========================================

ONNX lets a fitted model run without Python: onnxruntime serves it from C++,
C#, Java, JavaScript (the browser) or mobile apps. Importing
``sklearn_rnn.onnx`` registers our estimators and :class:`~sklearn_rnn.SequenceScaler`
with skl2onnx (``pip install sklearn_rnn[onnx]``), and its
:func:`~sklearn_rnn.onnx.to_onnx` converts a fitted pipeline with an input
that takes any number of sequences and of timesteps, NaN padding anywhere.

We fit a scaler and a GRU classifier on variable-length sequences, export
the pipeline, check that onnxruntime gives the same probabilities, and time
one sequence through both.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequenceScaler, pad_sequences
from sklearn_rnn.onnx import to_onnx

rng = np.random.RandomState(0)
lengths = rng.randint(20, 61, size=400)
frequencies = rng.choice([0.05, 0.1], size=400)  # the class: slow or fast
sequences = [
    np.c_[np.sin(2 * np.pi * f * np.arange(n) + rng.uniform(0, 6)),
          0.3 * rng.normal(size=n)]
    for f, n in zip(frequencies, lengths)
]
X = pad_sequences(sequences).astype(np.float32)  # NaN after each end
y = (frequencies == 0.1).astype(int)
pipeline = make_pipeline(SequenceScaler(), RNNClassifier(random_state=0))
pipeline.fit(X[:300], y[:300])
print(f"held-out accuracy: {pipeline.score(X[300:], y[300:]):.3f}")

# %%
# The one-liner, then serving with onnxruntime. The model file holds the
# whole pipeline; ``zipmap=False`` gives the probabilities as an array.
onx = to_onnx(pipeline, X, options={"zipmap": False})
session = onnxruntime.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba = session.run(None, {"X": X[300:]})
difference = np.abs(proba - pipeline.predict_proba(X[300:])).max()
print(f"largest difference of the probabilities: {difference:.1e}")
print(f"same labels: {np.array_equal(labels, pipeline.predict(X[300:]))}")

# %%
# One sequence at a time, as a service would see them (median of 200 calls).
one = X[300:301]


def median_time(function, repeats=200):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1e6 * np.median(times)


ours = median_time(lambda: pipeline.predict_proba(one))
served = median_time(lambda: session.run(None, {"X": one}))
print(f"one sequence: pipeline.predict_proba {ours:.0f} us, "
      f"onnxruntime {served:.0f} us")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(["pipeline.predict_proba", "onnxruntime"], [ours, served])
ax.set_xlabel("microseconds per sequence (median)")
ax.set_title("Predicting one sequence")
fig.tight_layout()
plt.show()
