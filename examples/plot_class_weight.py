"""
=====================================
The effect of ``class_weight``
=====================================

When one class is rare, a classifier that minimises the average loss can
neglect it. ``class_weight="balanced"`` weighs each class inversely to its
frequency, trading some precision for a much higher recall of the rare class.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier

rng = np.random.RandomState(0)
X = rng.normal(size=(800, 10, 2))
score = X[:, :, 0].mean(axis=1) + 0.4 * rng.normal(size=800)
y = (score > 0.55).astype(int)  # a minority of positives
print(f"positives: {y.mean():.1%}")
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
rows = []
for class_weight in [None, "balanced", {0: 1, 1: 5}]:
    clf = RNNClassifier(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1.0,
                        max_iter=200, class_weight=class_weight, random_state=0)
    pred = clf.fit(X_train, y_train).predict(X_test)
    rows.append((str(class_weight), recall_score(y_test, pred),
                 precision_score(y_test, pred, zero_division=0)))
    print(f"class_weight={class_weight}: recall {rows[-1][1]:.2f}, "
          f"precision {rows[-1][2]:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
positions = np.arange(len(rows))
ax.bar(positions - 0.2, [r[1] for r in rows], width=0.4, label="recall")
ax.bar(positions + 0.2, [r[2] for r in rows], width=0.4, label="precision")
ax.set_xticks(positions, [r[0] for r in rows])
ax.set_xlabel("class_weight")
ax.set_ylim(0, 1)
ax.legend()
ax.set_title("minority class on held-out data")
fig.tight_layout()
plt.show()
