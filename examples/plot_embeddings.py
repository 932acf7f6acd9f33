"""
======================================
Sequence embeddings from ``transform``
======================================

``transform`` returns what the output layer of a fitted network reads: the
pooled state of the last recurrent layer. Projected to 2D with PCA, the
embeddings of three kinds of series (sine, square wave, noise) fall into
separate groups, and a :class:`~sklearn.pipeline.Pipeline` can hand them to any
scikit-learn estimator.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier

rng = np.random.RandomState(0)
t = np.arange(30)
kinds = ["sine", "square", "noise"]
X, y = [], []
for _ in range(150):
    kind = rng.choice(kinds)
    phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(6, 12)
    wave = np.sin(2 * np.pi * t / period + phase)
    series = {"sine": wave, "square": np.sign(wave), "noise": rng.normal(size=30)}[kind]
    X.append(series + 0.2 * rng.normal(size=30))
    y.append(kind)
X, y = np.array(X)[:, :, None], np.array(y)

clf = RNNClassifier(hidden_layer_sizes=(16,), cell="lstm", pooling="mean",
                    learning_rate_init=0.01, max_iter=60, random_state=0).fit(X, y)
embedding = clf.transform(X)  # (150, 32): two directions (the default) of 16 units
print("embedding:", embedding.shape, clf.get_feature_names_out()[:3], "...")

# the same network feeding a logistic regression
pipe = make_pipeline(clf, LogisticRegression()).fit(X, y)
print(f"RNN embedding + logistic regression, training accuracy {pipe.score(X, y):.3f}")

# %%
projected = PCA(n_components=2).fit_transform(embedding)
fig, ax = plt.subplots(figsize=(5, 4))
for kind in kinds:
    ax.scatter(*projected[y == kind].T, label=kind, s=12)
ax.set_xlabel("first principal component")
ax.set_ylabel("second principal component")
ax.legend()
ax.set_title("LSTM embeddings of 150 series")
fig.tight_layout()
plt.show()
