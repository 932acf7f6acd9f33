"""
=======================================
Pipeline and GridSearchCV over cells
=======================================

A :class:`~sklearn_rnn.SequenceScaler` standardises each feature over the
valid steps, an :class:`~sklearn_rnn.RNNClassifier` reads the digits of
scikit-learn row by row, and :class:`~sklearn.model_selection.GridSearchCV`
chooses the cell and the layer size, in parallel, like for any estimator.
"""

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequenceScaler

X, y = load_digits(return_X_y=True)
X = X.reshape(-1, 8, 8)  # 8 timesteps (rows) of 8 features (pixels)

pipe = make_pipeline(
    SequenceScaler(),
    RNNClassifier(learning_rate_init=0.01, max_iter=20, random_state=0),
)
grid = GridSearchCV(
    pipe,
    {
        "rnnclassifier__cell": ["rnn", "gru"],
        "rnnclassifier__hidden_layer_sizes": [(8,), (16,), (32,)],
    },
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    n_jobs=2,
).fit(X, y)
print("best:", grid.best_params_, f"accuracy {grid.best_score_:.3f}")

# %%
results = grid.cv_results_
fig, ax = plt.subplots(figsize=(5, 3.5))
for cell in ["rnn", "gru"]:
    rows = [i for i, p in enumerate(results["params"]) if p["rnnclassifier__cell"] == cell]
    sizes = [results["params"][i]["rnnclassifier__hidden_layer_sizes"][0] for i in rows]
    ax.errorbar(sizes, results["mean_test_score"][rows],
                yerr=results["std_test_score"][rows], marker="o", label=cell)
ax.set_xscale("log", base=2)
ax.set_xlabel("hidden units")
ax.set_ylabel("cross-validated accuracy")
ax.legend(title="cell")
fig.tight_layout()
plt.show()
