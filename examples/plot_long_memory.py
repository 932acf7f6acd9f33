"""
=====================================================
Elman, LSTM and GRU cells on a long-memory task
=====================================================

The label of each sequence is the sign of its first step; the 39 steps that
follow are noise, and a second feature marks the step to remember. The Elman
cell's state is overwritten by the noise, while the gates of the LSTM and GRU
learn to keep the first value. We train an :class:`~sklearn_rnn.RNNClassifier`
with each ``cell`` and plot the training loss and the test accuracy.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import RNNClassifier


def long_memory_task(n_samples, seed, n_timesteps=40, noise=1.5):
    rng = np.random.RandomState(seed)
    y = rng.randint(2, size=n_samples)
    X = np.zeros((n_samples, n_timesteps, 2))
    X[:, :, 0] = noise * rng.normal(size=(n_samples, n_timesteps))
    X[:, 0, 0] = 2 * y - 1  # the value to remember
    X[:, 0, 1] = 1.0  # the marker
    return X, y


X_train, y_train = long_memory_task(500, seed=0)
X_test, y_test = long_memory_task(300, seed=1)

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
for cell in ["rnn", "lstm", "gru"]:
    clf = RNNClassifier(
        hidden_layer_sizes=(16,),
        cell=cell,
        learning_rate_init=0.01,
        batch_size=32,
        max_iter=30,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    print(f"{cell}: test accuracy {accuracy:.3f}")
    ax_loss.plot(clf.loss_curve_, label=cell)
    ax_acc.bar(cell, accuracy)
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss")
ax_loss.legend()
ax_acc.set_ylim(0, 1)
ax_acc.axhline(0.5, color="k", lw=0.8, ls="--")
ax_acc.set_ylabel("test accuracy (0.5 = chance)")
fig.suptitle("Remembering the first of 40 steps")
fig.tight_layout()
plt.show()
