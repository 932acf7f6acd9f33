"""
==================================================
Variable-length sequences with NaN padding
==================================================

Real sequences rarely share one length. :func:`~sklearn_rnn.pad_sequences`
stacks them into one array, filling the missing steps with NaN; the
estimators treat an all-NaN step as padding, wherever it stands. Here the task
is to tell rising from falling random walks of 5 to 40 steps; we show the
padded batch and the accuracy as a function of the sequence length.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier, pad_sequences, sequence_lengths

rng = np.random.RandomState(0)
sequences, labels = [], []
for _ in range(600):
    length = rng.randint(5, 41)
    drift = rng.choice([-0.3, 0.3])
    sequences.append(np.cumsum(drift + rng.normal(size=length))[:, None])
    labels.append("rising" if drift > 0 else "falling")
X = pad_sequences(sequences, padding="post")  # (600, 40, 1), NaN after each end
y = np.array(labels)
print("padded batch:", X.shape, "- lengths from", sequence_lengths(X).min(), "to",
      sequence_lengths(X).max())

X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
clf = RNNClassifier(hidden_layer_sizes=(16,), cell="gru", learning_rate_init=0.01,
                    max_iter=40, random_state=0).fit(X_train / 5, y_train)
print(f"test accuracy: {clf.score(X_test / 5, y_test):.3f}")

# %%
# Longer walks carry more evidence about their drift, so accuracy grows with
# the length; the padding itself changes nothing.
lengths = sequence_lengths(X_test)
correct = clf.predict(X_test / 5) == y_test
bins = np.arange(5, 45, 5)
accuracy = [correct[(lengths >= lo) & (lengths < lo + 5)].mean() for lo in bins[:-1]]

fig, (ax_seq, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
for i in range(6):
    ax_seq.plot(X_test[i, :, 0], color="C0" if y_test[i] == "rising" else "C1")
ax_seq.set_xlabel("timestep (NaN after each sequence's end)")
ax_seq.set_title("some padded test sequences")
ax_acc.bar(bins[:-1] + 2.5, accuracy, width=4)
ax_acc.set_xlabel("sequence length")
ax_acc.set_ylabel("test accuracy")
ax_acc.set_ylim(0.5, 1)
fig.tight_layout()
plt.show()
