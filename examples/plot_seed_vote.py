"""
=========================================
Averaging networks of several seeds
=========================================

On a small training set, networks that differ only in ``random_state`` land
in different solutions and disagree on many new sequences: the test accuracy
of one network is partly the luck of its seed. A soft vote averages their
predicted probabilities; scikit-learn's ``VotingClassifier`` hands the 3D
sequences to its members as they are. Here five default classifiers learn
scikit-learn's digits, read as 8 rows of 8 pixels, from 150 training images.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequenceScaler

X, y = load_digits(return_X_y=True)
X = X.reshape(-1, 8, 8)  # (n_samples, n_timesteps, n_features): rows as steps
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=150, stratify=y, random_state=0
)

seeds = range(5)
vote = make_pipeline(
    SequenceScaler(),
    VotingClassifier(
        [(f"seed{seed}", RNNClassifier(random_state=seed)) for seed in seeds],
        voting="soft",
    ),
).fit(X_train, y_train)

# %%
# Each member is a fitted network of its own: score it on the scaled test
# sequences, then score the vote.
X_test_scaled = vote[0].transform(X_test)
single = [member.score(X_test_scaled, y_test) for member in vote[-1].estimators_]
voted = vote.score(X_test, y_test)
for seed, accuracy in zip(seeds, single):
    print(f"random_state={seed}: test accuracy {accuracy:.3f}")
print(f"mean of the networks {np.mean(single):.3f} ± {np.std(single):.3f}")
predictions = np.array([m.predict(X_test_scaled) for m in vote[-1].estimators_])
split = np.mean((predictions != predictions[0]).any(axis=0))
print(f"test sequences on which the five networks do not all agree: {split:.1%}")
print(f"soft vote of the five: {voted:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(list(seeds), single, label="one network")
ax.axhline(voted, color="tab:red", label="soft vote of the five")
ax.set_xticks(list(seeds))
ax.set_xlabel("random_state")
ax.set_ylabel("test accuracy")
ax.legend(loc="lower right")
ax.set_title("digits, 150 training sequences")
fig.tight_layout()
plt.show()
